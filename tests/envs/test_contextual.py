"""Tests of kdgap_sim.envs.contextual: finite and continuous contextual bandits."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import kdgap_sim as kd
from kdgap_sim.agents.contextual import Tabular
from kdgap_sim.envs.contextual import critical_state_probs


def _states(env, params, n, key=jax.random.key(0)):
    """Contexts of ``n`` consecutive trials."""
    _, state = env.reset(key, params)

    def body(state, k):
        _, state, feedback = env.step(k, state, jnp.int32(0), params)
        return state, (state.context, feedback)

    _, (contexts, feedback) = jax.lax.scan(body, state, jax.random.split(key, n))
    return np.asarray(contexts), feedback


def test_critical_state_probs():
    probs = critical_state_probs(10, 2, 0.05)
    assert probs.sum() == pytest.approx(1.0)
    assert probs[-2:].tolist() == pytest.approx([0.025, 0.025])
    with pytest.raises(ValueError, match="n_critical"):
        critical_state_probs(3, 3, 0.1)


def test_contextual_bandit_state_frequencies_and_flip():
    env = kd.envs.make("contextual-bandit", n_states=5, n_arms=3)
    params = env.critical_params(n_critical=1, critical_fraction=0.1)
    n = 20_000
    contexts, feedback = _states(env, params, n)
    freq = np.bincount(contexts, minlength=5) / n
    se = np.sqrt(np.asarray(params.state_probs) * (1 - np.asarray(params.state_probs)) / n)
    assert np.all(np.abs(freq - np.asarray(params.state_probs)) < 4 * se)  # 4 binomial s.e.
    best = [int(env.optimal_action(kd.envs.ContextState(jnp.int32(s), jnp.int32(0)), params)) for s in range(5)]
    assert best == [0, 0, 0, 0, 2]
    assert set(np.unique(np.asarray(feedback.outcomes))) <= {0.0, 1.0}


def test_event_decision_default_is_theory_example():
    env = kd.envs.make("protect-or-not")
    params = env.default_params()
    assert env.n_actions == 2 and env.n_states == 2
    problem = kd.decisions.event_problem(env, params)
    with pytest.warns(DeprecationWarning, match="kdgap_sim.decisions.problems.event_problem"):
        old = env.decision_problem(params)  # the deprecated method gives the same problem
    np.testing.assert_array_equal(old.loss, problem.loss)
    report = kd.decisions.evaluate(problem, [0.001, 0.001])
    assert report.regret == pytest.approx(0.2, rel=1e-5)
    state = kd.envs.ContextState(jnp.int32(1), jnp.int32(0))
    assert np.allclose(env.expected_rewards(state, params), [-5.0, -1.0])
    # Outcomes are the payoffs of every action under the drawn event.
    _, feedback = _states(env, params, 2000)
    rows = {tuple(np.round(row, 3)) for row in np.asarray(feedback.outcomes)}
    assert rows <= {(0.0, -1.0), (-100.0, -1.0)}


def test_linear_contextual_bandit_critical_fraction():
    env = kd.envs.make("linear-contextual-bandit", n_features=2, n_arms=2)
    params = env.critical_params(critical_fraction=0.05)
    xs = jax.random.normal(jax.random.key(1), (40_000, 2))
    means = jax.vmap(lambda x: env.expected_rewards(kd.envs.ContextState(x, 0), params))(xs)
    frac = float(jnp.mean(jnp.argmax(means, axis=1) == 1))
    assert abs(frac - 0.05) < 4 * np.sqrt(0.05 * 0.95 / 40_000)  # 4 binomial s.e.


@pytest.mark.parametrize("env_id", ["contextual-bandit", "protect-or-not", "event-decision", "linear-contextual-bandit"])
def test_registered_and_rollout_runs(env_id):
    env = kd.envs.make(env_id)
    agent = kd.agents.Agent(kd.agents.RescorlaWagner(feedback="full"), kd.agents.Greedy())
    out = kd.rollout(jax.random.key(0), env, env.default_params(), agent, agent.default_params(), n_steps=50)
    assert int(out.n_steps) == 50 and np.isfinite(float(out.regret_sum))


def test_tabular_agent_beats_context_free_agent_on_critical_states():
    env = kd.envs.make("contextual-bandit", n_states=4, n_arms=2)
    params = env.critical_params(n_critical=1, critical_fraction=0.25, high=0.9, low=0.1)
    base = kd.agents.RescorlaWagner(asymmetric=False, feedback="full")
    regrets = {}
    for name, predictor in (("tabular", Tabular(base, n_states=4)), ("flat", base)):
        agent = kd.agents.Agent(predictor, kd.agents.Greedy())
        out = kd.rollout_batch(jax.random.key(2), env, params, agent, agent.default_params(), 400, 32)
        regrets[name] = float(np.mean(np.asarray(out.regret_sum)))
    # The flat learner must act the same in every state: it loses 0.8 in 25% of trials.
    assert regrets["flat"] > 0.8 * 0.25 * 400 * 0.8
    assert regrets["tabular"] < 0.2 * regrets["flat"]


def test_validation_errors():
    env = kd.envs.ContextualBandit(n_states=3, n_arms=2)
    bad = env.default_params().replace(state_probs=jnp.array([0.5, 0.5, 0.5]))
    with pytest.raises(ValueError, match="state_probs must sum to 1"):
        env.validate_params(bad)
    with pytest.raises(ValueError, match="reward_probs must have shape"):
        env.validate_params(env.default_params().replace(reward_probs=jnp.zeros((2, 2))))
    with pytest.raises(ValueError, match="unknown option"):
        kd.envs.make("protect-or-not", n_arms=3)
    with pytest.raises(ValueError, match="critical_fraction"):
        kd.envs.LinearContextualBandit().critical_params(critical_fraction=1.0)
    with pytest.raises(ValueError, match="n_actions == 2"):
        kd.envs.EventDecision(n_states=2, n_choices=3).protect_params()
    with pytest.raises(ValueError, match="high must exceed low"):
        kd.envs.ContextualBandit(n_states=4).critical_params(high=0.4, low=0.6)


def test_environments_declare_their_states_and_reward_bounds():
    """What agents check before a rollout: how many states the observations index, and bounds on
    the rewards (from the payoffs when they are params)."""
    assert kd.envs.ContextualBandit(n_states=7).n_states == 7
    assert kd.envs.ContextualBandit(n_states=7).reward_bounds() == (0.0, 1.0)
    event = kd.envs.EventDecision(n_states=3)
    assert event.n_states == 3 and event.reward_bounds() is None  # payoffs unknown without params
    params = event.default_params().replace(payoffs=jnp.array([[0.5, -2.0], [3.0, 1.0]]))
    assert event.reward_bounds(params) == (-2.0, 3.0)
    linear = kd.envs.LinearContextualBandit()
    assert linear.n_states is None and linear.reward_bounds() == (0.0, 1.0)
    assert kd.envs.make("gaussian-bandit").reward_bounds() == (-float("inf"), float("inf"))
    assert kd.envs.make("reversal-bandit").n_states == 1
