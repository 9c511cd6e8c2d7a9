"""The horizon task (Wilson et al. 2014): game design, rewards, play and the ChoiceLog it gives."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import kdgap_sim as kd
from kdgap_sim.envs import horizon_task as ht
from kdgap_sim.metrics import horizon_play


@pytest.fixture(scope="module")
def env():
    return kd.envs.make("horizon-task")


def test_registered_with_options():
    env = kd.envs.make("horizon-task", n_forced=6, horizons=(2, 8), differences=(5.0,))
    assert isinstance(env, kd.envs.HorizonTask) and env.n_steps(8) == 14
    assert "horizon-task" in kd.envs.registered()


@pytest.mark.parametrize("options, match", [
    ({"n_forced": 3}, "n_forced must be even"),
    ({"n_forced": 0}, "n_forced"),
    ({"horizons": (6, 1)}, "horizons must be"),
    ({"horizons": [1, 6]}, "horizons must be a tuple"),
    ({"differences": ()}, "differences"),
    ({"base_means": (40.0, float("nan"))}, "base_means"),
    ({"reward_range": (100.0, 1.0)}, "reward_range"),
    ({"round_rewards": 1}, "round_rewards"),
])
def test_bad_options(options, match):
    with pytest.raises((TypeError, ValueError), match=match):
        kd.envs.make("horizon-task", **options)


def test_rewards_gaussian_rounded_clipped():
    keys = jax.random.split(jax.random.key(0), 20000)
    plain = kd.envs.make("horizon-task")
    params = plain.default_params()
    _, state = plain.reset(keys[0], params)
    out = jax.vmap(lambda k: plain.step(k, state, 1, params)[2].outcomes)(keys)
    # 20000 draws: the mean's SE is 8 / sqrt(20000) = 0.057, the sd's about 0.04
    assert np.allclose(np.asarray(out).mean(0), [40.0, 60.0], atol=0.25)
    assert np.allclose(np.asarray(out).std(0), 8.0, atol=0.2)
    clipped = kd.envs.make("horizon-task", round_rewards=True, reward_range=(45.0, 55.0))
    out = np.asarray(jax.vmap(lambda k: clipped.step(k, state, 0, params)[2].outcomes)(keys))
    assert (out == np.round(out)).all() and out.min() == 45.0 and out.max() == 55.0
    assert clipped.reward_bounds() == (45.0, 55.0)


def test_sample_games_design(env):
    games = ht.sample_games(jax.random.key(3), env, 400, 6)
    means = np.asarray(games.means)
    reference = np.isin(means, env.base_means)
    assert reference.any(axis=1).all()
    gaps = np.abs(means[:, 1] - means[:, 0])
    assert set(gaps.tolist()) == set(env.differences)
    counts = np.stack([np.bincount(f, minlength=2) for f in np.asarray(games.forced_actions)])
    unequal = np.asarray(games.unequal)
    assert unequal.sum() == 200 and (unequal == (np.arange(400) % 2 == 1)).all()
    assert (counts[~unequal] == 2).all()
    assert (np.sort(counts[unequal], axis=1) == [1, 3]).all()
    # both arms are the rare one, and each is the better arm, about half of the time
    assert 0.4 < np.mean(counts[unequal, 0] == 1) < 0.6
    assert 0.4 < np.mean(means[:, 1] > means[:, 0]) < 0.6
    # a prefix of a longer draw is the shorter draw
    fewer = ht.sample_games(jax.random.key(3), env, 10, 6)
    assert np.array_equal(np.asarray(fewer.means), means[:10])


def test_play_forces_then_frees_and_per_horizon_params(env):
    agent = kd.agents.Agent(kd.agents.UCB(beliefs_from="index"), kd.agents.Softmax())
    p = agent.default_params()
    out = horizon_play.play(jax.random.key(0), env, agent, {1: p.replace(beta=0.0), 6: p.replace(beta=50.0)}, 40)
    short, long = out.trajectories
    assert short.action.shape == (40, 5) and long.action.shape == (40, 10)
    for design, traj in zip(out.games, out.trajectories):
        assert np.array_equal(np.asarray(traj.action[:, :4]), np.asarray(design.forced_actions))
        assert np.asarray(traj.forced[:, :4]).all() and not np.asarray(traj.forced[:, 4:]).any()
    # beta = 50 on sample means (exploration 1 barely matters at these reward scales): the first
    # free choice follows the higher index, beta = 0 is a coin flip
    beliefs = np.asarray(long.beliefs[:, 4])
    assert np.mean(np.asarray(long.action[:, 4]) == beliefs.argmax(1)) > 0.95
    # same key, same games and choices
    again = horizon_play.play(jax.random.key(0), env, agent, {1: p.replace(beta=0.0), 6: p.replace(beta=50.0)}, 40)
    assert np.array_equal(np.asarray(again.trajectories[1].action), np.asarray(long.action))


def test_play_bad_inputs(env):
    agent = kd.agents.Agent(kd.agents.UCB(), kd.agents.Greedy())
    p = agent.default_params()
    with pytest.raises(ValueError, match="one entry per horizon"):
        horizon_play.play(jax.random.key(0), env, agent, {1: p}, 4)
    with pytest.raises(TypeError, match="env must be a HorizonTask"):
        horizon_play.play(jax.random.key(0), kd.envs.make("gaussian-bandit", n_arms=2), agent, p, 4)
    with pytest.raises(ValueError, match="n_games"):
        horizon_play.play(jax.random.key(0), env, agent, p, 0)
    with pytest.raises(ValueError, match="agent_params"):
        horizon_play.play(jax.random.key(0), env, agent, p.replace(exploration=-1.0), 4)


def test_to_choice_log(env):
    agent = kd.agents.Agent(kd.agents.UCB(), kd.agents.Greedy())
    out = horizon_play.play(jax.random.key(1), env, agent, agent.default_params(), 3)
    log = ht.to_choice_log(out, subject="ucb")
    assert log.subjects == ("ucb",) and log.n_trials.tolist() == [3 * 5 + 3 * 10]
    assert log.block[0].tolist() == [g for g in range(3) for _ in range(5)] + [g for g in range(3, 6) for _ in range(10)]
    assert log.trial[0, :6].tolist() == [1, 2, 3, 4, 5, 1]
    assert np.array_equal(log.means[0, 15:25], np.repeat(np.asarray(out.games[1].means[:1]), 10, axis=0))
    assert np.array_equal(log.choice[0, :5], np.asarray(out.trajectories[0].action[0]))
    assert log.forced[0, :4].all() and not log.forced[0, 4]
    np.testing.assert_allclose(log.outcomes[0, 15:25], np.asarray(out.trajectories[1].outcomes[0]))
    # the log round-trips through a file's columns
    again = kd.fitting.ChoiceLog.from_dataframe(log.to_dataframe())
    assert np.array_equal(again.block, log.block) and np.allclose(again.means, log.means)
    with pytest.raises(TypeError, match="rollout must be"):
        ht.to_choice_log(out.trajectories[0])


def test_from_arrays_block_and_means_checked():
    with pytest.raises(TypeError, match="block must hold integers"):
        kd.fitting.ChoiceLog.from_arrays([[0, 1]], [[1.0, 0.0]], n_actions=2, block=[[0.5, 1.0]])
    with pytest.raises(ValueError, match="means"):
        kd.fitting.ChoiceLog.from_arrays([[0, 1]], [[1.0, 0.0]], n_actions=2, means=jnp.zeros((1, 2)))


def test_play_moved_above_the_trial_loop_and_its_old_name_warns():
    with pytest.warns(DeprecationWarning, match="kdgap_sim.metrics.horizon_play.play"):
        old = ht.play
    assert old is horizon_play.play
