"""Tests of kdgap_sim.sweep.chunk: per-point stats and metrics, chunk inputs, chunk size."""

import jax
import numpy as np
import pytest

import kdgap_sim as kd
from kdgap_sim.sweep import METRICS, metrics_from_stats, point_stats
from kdgap_sim.sweep.chunk import auto_chunk_size, bytes_per_point, chunk_inputs


def test_metrics_from_stats_match_kd_metrics():
    env = kd.envs.make("bernoulli-bandit", n_arms=4)
    agent = kd.agents.Agent(kd.agents.NoisyRationale(kd.agents.UCB()), kd.agents.RationaleFollowing())
    params = agent.default_params().replace(rationale_error=0.2, follow_prob=0.6)  # correct < 1
    out = kd.rollout_batch(jax.random.key(3), env, env.default_params(), agent, params, 60, 32)
    stats = {k: np.asarray(v) for k, v in jax.vmap(point_stats)(out).items()}
    got = metrics_from_stats(stats, env.n_actions)
    expected = kd.metrics.describe(out)
    expected["reward"] = np.asarray(out.reward_sum) / 60
    assert set(got) == set(METRICS)
    for name in METRICS:
        assert got[name].dtype == np.float32 and got[name].shape == (32,)
        # Same definitions; float32 division on host vs XLA may differ in the last ulp only.
        np.testing.assert_allclose(got[name], expected[name], rtol=1e-6, atol=1e-7, err_msg=name)


def test_rates_are_zero_when_the_denominator_is():
    stats = {k: np.zeros(2, np.int32) for k in (
        "n_steps", "n_tried", "min_count", "optimal_count", "greedy_count", "follow_count",
        "rationale_correct_count", "rationale_optimal_count", "correct_and_follow_count")}
    stats.update(reward_sum=np.zeros(2, np.float32), regret_sum=np.zeros(2, np.float32),
                 last_optimal_step=np.full(2, -1, np.int32))
    stats["n_steps"] = np.array([0, 10], np.int32)
    got = metrics_from_stats(stats, 3)
    assert got["follow_given_correct"].tolist() == [0.0, 0.0]  # no correct rationale: 0, not NaN
    assert got["suffix_failure"].tolist() == [1.0, 1.0]
    assert not any(np.isnan(v).any() for v in got.values())


def test_chunk_inputs_layout_skips_seed_and_keeps_key_impl():
    env = kd.envs.make("bernoulli-bandit", n_arms=3)
    agent, params = kd.agents.profile("knowing-doing-ucb")
    grid = kd.sweep.Grid.zip(probs=[[0.1, 0.2, 0.3]], follow_prob=[0.5]) * kd.sweep.Grid(seed=[0, 1])
    targets = grid.resolve(env, agent, env.default_params(), params)
    layout, key_impl, (root, _, _, tables) = chunk_inputs(
        jax.random.key(0), env.default_params(), params, grid, targets)
    assert layout == ((("env", "probs"), ("agent", "follow_prob")), ())
    assert key_impl is not None and root.shape == (2,)
    assert [len(t) for t in tables] == [2, 0]
    _, raw_impl, (raw_root, *_) = chunk_inputs(
        jax.random.PRNGKey(0), env.default_params(), params, grid, targets)
    assert raw_impl is None and raw_root.dtype == np.uint32


def test_bytes_per_point_grows_with_the_state():
    agent, params = kd.agents.profile("knowing-doing-ucb")
    small, large = (kd.envs.make("bernoulli-bandit", n_arms=n) for n in (2, 200))
    b_small = bytes_per_point(small, agent, small.default_params(), params)
    b_large = bytes_per_point(large, agent, large.default_params(), params)
    assert 1024 < b_small < b_large


@pytest.mark.parametrize("n_points, n_devices, point_bytes, memory, expected", [
    (10, 4, 100, 10**9, 12),           # no more than the grid needs, a multiple of 4
    (10**6, 2, 1000, 40_000, 20),      # 25% of 40 kB / 1 kB = 10 per device
    (10**9, 1, 1, 10**12, 2**14),      # capped per device
    (5, 1, 10**9, 10, 1),              # at least one point
])
def test_auto_chunk_size(n_points, n_devices, point_bytes, memory, expected):
    assert auto_chunk_size(n_points, n_devices, point_bytes, memory) == expected
