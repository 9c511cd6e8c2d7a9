"""kd.llm.run: the harness against known ground truth (SimulatedText), fallbacks, judge, bad input."""

import json

import jax
import numpy as np
import pytest

import kdgap_sim as kd
from kdgap_sim.llm.run import run

ENV = kd.envs.make("bernoulli-bandit", n_arms=4)
EP = ENV.default_params()
AGENT, PARAMS = kd.agents.profile("knowing-doing-ucb")  # UCB1 rationale, followed with prob. 0.64
KEY = jax.random.key(20)


class Fixed:
    """A policy answering every turn with the same text (counts what it is asked)."""

    def __init__(self, text, name="fixed"):
        self.text, self.name, self.settings, self.asked = text, name, {}, []

    def generate(self, turns):
        self.asked.extend((turn.episode, turn.trial) for turn in turns)
        return [self.text(turn) if callable(self.text) else self.text for turn in turns]


@pytest.fixture(scope="module")
def same_keys():
    """One harness run and the rollout_batch of the same agent on the same key."""
    E, T = 64, 30
    log = run(KEY, ENV, EP, kd.llm.SimulatedText(AGENT, PARAMS, n_actions=4), n_episodes=E, n_steps=T)
    traj = kd.rollout_batch(KEY, ENV, EP, AGENT, PARAMS, n_steps=T, n_seeds=E, record="trajectory")
    return log, traj


def test_same_decisions_and_rewards_as_rollout_batch(same_keys):
    log, traj = same_keys
    np.testing.assert_array_equal(log.choice, np.asarray(traj.action))
    np.testing.assert_array_equal(log.rationale, np.asarray(traj.rationale.action))
    np.testing.assert_array_equal(log.outcomes, np.asarray(traj.outcomes))  # common random numbers
    np.testing.assert_allclose(log.confidence, np.asarray(traj.rationale.confidence), atol=0.005)  # 0-100 rounding
    assert not log.invalid.any()


def test_report_equals_rollout_metrics(same_keys):
    log, traj = same_keys
    table = kd.llm.report(log, rule="ucb")
    rollout = kd.metrics.describe(traj.summary)
    for name in ("follow", "rationale_correct", "gap", "greedy", "coverage", "regret", "min_frac"):
        assert table.loc[name, "mean"] == pytest.approx(float(np.mean(rollout[name])), abs=1e-6), name


def test_follow_rate_near_follow_prob(same_keys):
    # Observable following = P(follow) + P(not follow) P(greedy fallback = rationale) >= 0.64.
    # The intended-follow rate itself: trials where the rationale and the greedy arm differ
    # show the coin directly; there P(action = rationale) = 0.64 exactly. Binomial SE over
    # those trials (independent coins); 4 SE gives a false-alarm rate of 6e-5.
    log, traj = same_keys
    beliefs = np.asarray(traj.beliefs)
    greedy_arm = beliefs.argmax(-1)
    differ = greedy_arm != log.rationale
    followed = (log.choice == log.rationale)[differ]
    n = followed.size
    assert n > 300
    se = np.sqrt(0.64 * 0.36 / n)
    assert abs(followed.mean() - 0.64) < 4 * se


def test_noise_styles_parse_to_the_same_actions(same_keys):
    log, _ = same_keys
    noisy = run(KEY, ENV, EP, kd.llm.SimulatedText(AGENT, PARAMS, n_actions=4, noise=1.0),
                n_episodes=64, n_steps=30)
    np.testing.assert_array_equal(noisy.choice, log.choice)
    np.testing.assert_array_equal(noisy.rationale, log.rationale)
    assert not noisy.invalid.any()


def test_every_noise_style_appears_and_parses():
    from kdgap_sim.llm.simulated import N_NOISE_STYLES, answer_text

    labels = ["A", "B", "C"]
    for style in range(-1, N_NOISE_STYLES):
        text = answer_text(labels, np.array([0.2, 0.5, 0.1]), np.array([3, 2, 1]), 1, 0.7, 2, style)
        parsed = kd.llm.parse_answer(text, labels)
        assert (parsed.recommendation, parsed.action, parsed.invalid) == (1, 2, False), (style, text)
        assert parsed.confidence == pytest.approx(0.7)


@pytest.mark.parametrize("mode", ["first", "repeat", "random"])
def test_on_invalid_fallbacks(mode):
    E, T = 8, 12
    policy = Fixed(lambda turn: "Action: B" if turn.trial == 0 else "I cannot decide.")
    log = run(KEY, ENV, EP, policy, n_episodes=E, n_steps=T, on_invalid=mode)
    assert not log.invalid[:, 0].any() and log.invalid[:, 1:].all()
    assert (log.choice[:, 0] == 1).all()
    if mode == "first":
        assert (log.choice[:, 1:] == 0).all()
    elif mode == "repeat":
        assert (log.choice == 1).all()
    else:
        again = run(KEY, ENV, EP, Fixed(policy.text), n_episodes=E, n_steps=T, on_invalid=mode)
        np.testing.assert_array_equal(again.choice, log.choice)  # the fallback stream is keyed
        assert len(np.unique(log.choice[:, 1:])) == 4
    table = kd.llm.report(log)
    assert table.loc["invalid", "mean"] == pytest.approx((T - 1) / T)


def test_random_fallback_is_uniform():
    # 4 arms, 2000 invalid trials: each arm's share has binomial SE sqrt(.25*.75/2000) = 0.0097;
    # 4 SE = 0.039.
    log = run(KEY, ENV, EP, Fixed("no idea"), n_episodes=100, n_steps=20, on_invalid="random")
    shares = np.bincount(log.choice.ravel(), minlength=4) / log.choice.size
    assert np.abs(shares - 0.25).max() < 4 * np.sqrt(0.25 * 0.75 / log.choice.size)


def test_judge_replaces_the_recommendation():
    seen = []

    def judge(text, history):
        seen.append(len(history["choices"]))
        return 2 if "C" in text else None

    log = run(KEY, ENV, EP, Fixed("I think C is best. Action: A"), n_episodes=3, n_steps=4, judge=judge)
    assert (log.rationale == 2).all() and (log.choice == 0).all()
    assert sorted(seen) == sorted([t for t in range(4) for _ in range(3)])
    with pytest.raises(ValueError, match="judge must return an arm"):
        run(KEY, ENV, EP, Fixed("Action: A"), n_episodes=1, n_steps=1, judge=lambda text, history: 7)


def test_forced_trials_are_not_asked():
    policy = Fixed("Action: D")
    forced = np.array([0, 1, -1, -1, 2, -1])
    log = run(KEY, ENV, EP, policy, n_episodes=3, n_steps=6, forced_actions=forced)
    assert sorted({t for _, t in policy.asked}) == [2, 3, 5]
    np.testing.assert_array_equal(log.choice[0], [0, 1, 3, 3, 2, 3])
    assert log.forced[:, [0, 1, 4]].all() and not log.forced[:, [2, 3, 5]].any()


def test_forced_actions_match_rollout_batch():
    forced = np.array([0, 1, 2, 3] + [-1] * 8)
    log = run(KEY, ENV, EP, kd.llm.SimulatedText(AGENT, PARAMS, n_actions=4), n_episodes=16, n_steps=12,
              forced_actions=forced)
    traj = kd.rollout_batch(KEY, ENV, EP, AGENT, PARAMS, n_steps=12, n_seeds=16, record="trajectory",
                            forced_actions=forced)
    np.testing.assert_array_equal(log.choice, np.asarray(traj.action))


def test_output_jsonl_and_replay(tmp_path):
    policy = kd.llm.SimulatedText(AGENT, PARAMS, n_actions=4, noise=0.5)
    path = tmp_path / "run.jsonl"
    log = run(KEY, ENV, EP, policy, n_episodes=3, n_steps=5, output=path)
    records = [json.loads(line) for line in path.read_text().splitlines()]
    assert len(records) == 15
    assert {"episode", "trial", "messages", "answer", "invalid", "action", "recommendation", "confidence",
            "reward"} <= set(records[0])
    assert [r["action"] for r in records if r["episode"] == 1] == log.choice[1].tolist()
    replayed = run(KEY, ENV, EP, kd.llm.Replay(path), n_episodes=3, n_steps=5)
    np.testing.assert_array_equal(replayed.choice, log.choice)
    np.testing.assert_array_equal(replayed.reward, log.reward)
    with pytest.raises(KeyError, match="episode 3"):
        run(KEY, ENV, EP, kd.llm.Replay(path), n_episodes=4, n_steps=5)


def test_log_fits_like_a_human_log(tmp_path):
    log = run(KEY, ENV, EP, kd.llm.SimulatedText(AGENT, PARAMS, n_actions=4), n_episodes=4, n_steps=10)
    path = tmp_path / "log.csv"
    log.to_dataframe().to_csv(path, index=False)
    again = kd.fitting.ChoiceLog.load(path)
    np.testing.assert_array_equal(again.choice, log.choice)
    np.testing.assert_array_equal(again.rationale, log.rationale)
    np.testing.assert_array_equal(again.means, log.means)
    np.testing.assert_array_equal(again.invalid, log.invalid)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(n_episodes=0), ValueError, "n_episodes"),
    (dict(n_steps=2.5), TypeError, "n_steps"),
    (dict(on_invalid="skip"), ValueError, "on_invalid"),
    (dict(judge="yes"), TypeError, "judge"),
    (dict(forced_actions=[0, 1]), ValueError, "forced_actions"),
    (dict(forced_actions=[0, 9, -1]), ValueError, "forced_actions"),
    (dict(prompt=3), TypeError, "prompt"),
    (dict(history="some"), ValueError, "history"),
    (dict(labels=["A", "B"]), ValueError, "labels"),
])
def test_bad_arguments(kwargs, error, match):
    arguments = dict(n_episodes=2, n_steps=3) | kwargs
    with pytest.raises(error, match=match):
        run(KEY, ENV, EP, Fixed("Action: A"), **arguments)


def test_bad_policy_env_and_key():
    with pytest.raises(TypeError, match="policy"):
        run(KEY, ENV, EP, object(), n_episodes=1, n_steps=1)
    with pytest.raises(TypeError, match="env"):
        run(KEY, "bandit", EP, Fixed("Action: A"), n_episodes=1, n_steps=1)
    with pytest.raises((TypeError, ValueError), match="key"):
        run(0, ENV, EP, Fixed("Action: A"), n_episodes=1, n_steps=1)
    with pytest.raises(TypeError, match="str answers"):
        run(KEY, ENV, EP, Fixed(3), n_episodes=1, n_steps=1)


def test_simulated_text_bad_arguments():
    with pytest.raises(TypeError, match="agent"):
        kd.llm.SimulatedText("ucb", PARAMS, n_actions=4)
    with pytest.raises(ValueError, match="noise"):
        kd.llm.SimulatedText(AGENT, PARAMS, n_actions=4, noise=1.5)
    with pytest.raises(ValueError, match="labels"):
        kd.llm.SimulatedText(AGENT, PARAMS, n_actions=4, labels=["x", "y"])


def test_contextual_bandit_same_as_rollout_batch_and_report():
    from kdgap_sim.agents.contextual import Tabular

    env = kd.envs.make("contextual-bandit", n_states=4, n_arms=3)
    ep = env.default_params()
    agent = kd.agents.Agent(Tabular(kd.agents.UCB(), n_states=4), kd.agents.RationaleFollowing(fallback=kd.agents.Greedy()))
    params = agent.default_params().replace(follow_prob=0.64)
    log = run(KEY, env, ep, kd.llm.SimulatedText(agent, params, n_actions=3, noise=0.5), n_episodes=16, n_steps=25)
    traj = kd.rollout_batch(KEY, env, ep, agent, params, n_steps=25, n_seeds=16, record="trajectory")
    np.testing.assert_array_equal(log.choice, np.asarray(traj.action))
    np.testing.assert_array_equal(log.rationale, np.asarray(traj.rationale.action))
    assert log.n_contexts == 4 and not log.invalid.any()
    table = kd.llm.report(log, rule="ucb")  # per-context UCB1, as Tabular(UCB) keeps it
    rollout = kd.metrics.describe(traj.summary)
    for name in ("follow", "rationale_correct", "regret", "coverage"):
        assert table.loc[name, "mean"] == pytest.approx(float(np.mean(rollout[name])), abs=1e-6), name


def test_contextual_prompt_alone_rebuilds_the_agent():
    # Behind a server the policy sees only the messages: contexts are parsed back from them.
    from kdgap_sim.agents.contextual import Tabular
    from kdgap_sim.llm.simulated import parse_contextual_history

    env = kd.envs.make("contextual-bandit", n_states=3, n_arms=2)
    agent = kd.agents.Agent(Tabular(kd.agents.UCB(), n_states=3), kd.agents.RationaleFollowing())
    params = agent.default_params()
    policy = kd.llm.SimulatedText(agent, params, n_actions=2)
    seen = []

    class MessagesOnly:
        name, settings = "messages-only", {}

        def generate(self, turns):
            seen.extend(turns)
            return [policy.answer(turn.messages) for turn in turns]

    log = run(KEY, env, env.default_params(), MessagesOnly(), n_episodes=3, n_steps=8, history="full")
    assert not log.invalid.any()
    last = [t for t in seen if t.episode == 1 and t.trial == 7][0]
    choices, rewards, contexts, context = parse_contextual_history(last.messages[-1]["content"], ["A", "B"])
    assert choices == log.choice[1, :7].tolist() and contexts == log.context[1, :7].tolist()
    assert context == log.context[1, 7] == last.context
    # faithful UCB1 per context: every stated rationale correct by the per-context rule
    assert kd.llm.report(log, rule="ucb").loc["rationale_correct", "mean"] == pytest.approx(1.0)


def test_wrong_agent_for_the_env_is_refused():
    env = kd.envs.make("contextual-bandit", n_states=5, n_arms=4)
    from kdgap_sim.agents.contextual import Tabular

    agent = kd.agents.Agent(Tabular(kd.agents.UCB(), n_states=2), kd.agents.Greedy())
    with pytest.raises(ValueError, match="n_states"):
        run(KEY, env, env.default_params(), kd.llm.SimulatedText(agent, agent.default_params(), n_actions=4),
            n_episodes=1, n_steps=1)
    with pytest.raises(ValueError, match="arms"):
        run(KEY, ENV, EP, kd.llm.SimulatedText(AGENT, PARAMS, n_actions=3), n_episodes=1, n_steps=1)
