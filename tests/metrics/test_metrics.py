"""Metrics on hand-built summaries and trajectories (exact values)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import kdgap_sim as kd
from kdgap_sim.rollout import init_summary


def _summary(**changes):
    return init_summary(4)._replace(**changes)


def test_exploration_metrics_by_hand():
    s = _summary(
        n_steps=jnp.int32(10),
        regret_sum=jnp.float32(2.5),
        counts=jnp.array([7, 3, 0, 0]),
        first_step=jnp.array([0, 4, -1, -1]),
        last_optimal_step=jnp.int32(3),
        greedy_count=jnp.int32(6),
        optimal_count=jnp.int32(4),
    )
    assert float(kd.metrics.cumulative_regret(s)) == 2.5
    assert float(kd.metrics.action_coverage(s)) == 0.5
    assert float(kd.metrics.action_coverage(s, t=4)) == 0.25
    np.testing.assert_allclose(kd.metrics.coverage_curve(s, 6), [0.25, 0.25, 0.25, 0.25, 0.5, 0.5])
    assert float(kd.metrics.greedy_fraction(s)) == pytest.approx(0.6)
    assert float(kd.metrics.optimal_action_rate(s)) == pytest.approx(0.4)
    assert bool(kd.metrics.suffix_failure(s))  # no optimal action in trials 5..9
    assert not bool(kd.metrics.suffix_failure(s, t=3))
    assert float(kd.metrics.min_frac(s)) == 0.0
    s2 = s._replace(counts=jnp.array([4, 2, 2, 2]))
    assert float(kd.metrics.min_frac(s2)) == pytest.approx(4 * 2 / 10)
    # Trial indices outside [0, T] (T = 10 here) or not integers are refused by name.
    assert float(kd.metrics.action_coverage(s, t=10)) == 0.5 and not bool(kd.metrics.suffix_failure(s, t=0))
    for call, match in [(lambda: kd.metrics.action_coverage(s, t=-1), "t must be >= 0"),
                        (lambda: kd.metrics.action_coverage(s, t=11), "t must be <= the rollout's 10 trials"),
                        (lambda: kd.metrics.suffix_failure(s, t=50), "t must be <= the rollout's 10 trials"),
                        (lambda: kd.metrics.coverage_curve(s, 11), "n_steps must be <= the rollout's 10"),
                        (lambda: kd.metrics.coverage_curve(s, 0), "n_steps must be >= 1")]:
        with pytest.raises(ValueError, match=match):
            call()
    with pytest.raises(TypeError, match="t must be an integer"):
        kd.metrics.action_coverage(s, t=2.5)


def test_gap_metrics_by_hand():
    s = _summary(
        n_steps=jnp.int32(100),
        rationale_correct_count=jnp.int32(87),
        correct_and_follow_count=jnp.int32(56),
        follow_count=jnp.int32(60),
        rationale_optimal_count=jnp.int32(50),
    )
    gap = kd.metrics.knowing_doing_gap(s)
    assert float(gap["rationale_correct"]) == pytest.approx(0.87)
    assert float(gap["follow"]) == pytest.approx(0.60)
    assert float(gap["follow_given_correct"]) == pytest.approx(56 / 87)
    assert float(gap["gap"]) == pytest.approx(0.31)
    assert float(kd.metrics.rationale_optimal_rate(s)) == pytest.approx(0.5)


def test_metrics_need_a_rollout_result():
    with pytest.raises(TypeError, match="Summary or Trajectory"):
        kd.metrics.follow_rate({"follow": 1})
    with pytest.raises(TypeError, match="trajectory"):
        kd.metrics.regret_curve(_summary())


def test_trajectory_metrics():
    env = kd.envs.BernoulliBandit(n_arms=3)
    agent, params = kd.agents.profile("greedy")
    out = kd.rollout(jax.random.key(0), env, env.default_params(), agent, params, 30, record="trajectory")
    curve = kd.metrics.regret_curve(out)
    assert curve.shape == (30,) and float(curve[-1]) == pytest.approx(float(out.summary.regret_sum), rel=1e-5)
    rep = float(kd.metrics.repetition_rate(out))
    assert rep == pytest.approx(float(np.mean(np.asarray(out.action[1:]) == np.asarray(out.action[:-1]))))
    one_trial = kd.rollout(jax.random.key(0), env, env.default_params(), agent, params, 1, record="trajectory")
    with pytest.raises(ValueError, match="at least 2 trials"):
        kd.metrics.repetition_rate(one_trial)
    p = np.asarray(out.summary.counts) / 30
    expected = -sum(x * np.log(x) for x in p if x > 0)
    assert float(kd.metrics.action_entropy(out)) == pytest.approx(expected, rel=1e-5)


def test_frequency_bias_curve_exact():
    """Two actions, equal beliefs, beta irrelevant: P(copy | n repeats) = (1+n)^k / ((1+n)^k + 1)."""
    agent = kd.agents.Agent(kd.agents.RescorlaWagner(), kd.agents.FrequencyBiased(context_window=8))
    params = agent.default_params().replace(kappa=2.0)
    curve = kd.metrics.frequency_bias_curve(jax.random.key(0), agent, params, 2, [0, 1, 4, 8, 20])
    n = np.array([0, 1, 4, 8, 8])  # the window caps the context at 8
    expected = (1 + n) ** 2.0 / ((1 + n) ** 2.0 + 1)
    np.testing.assert_allclose(curve, expected, rtol=1e-5)
    bias = kd.metrics.frequency_bias(jax.random.key(0), agent, params, 2)
    assert float(bias) == pytest.approx(expected[3] - 0.5, rel=1e-5)


def test_habit_free_actor_has_flat_curve_and_presets_order():
    agent, params = kd.agents.profile("knowing-doing-ucb")
    assert float(kd.metrics.frequency_bias(jax.random.key(0), agent, params, 5)) == 0.0
    small, p_small = kd.agents.profile("llm-2b-like")
    large, p_large = kd.agents.profile("llm-27b-like")
    b_small = float(kd.metrics.frequency_bias(jax.random.key(0), small, p_small, 5))
    b_large = float(kd.metrics.frequency_bias(jax.random.key(0), large, p_large, 5))
    assert b_small > b_large > 0



def test_habit_metrics_check_their_inputs_even_without_a_context():
    agent, params = kd.agents.profile("knowing-doing-ucb")  # window 0: the answer needs no work
    with pytest.raises(ValueError, match="params.actor.follow_prob"):
        kd.metrics.frequency_bias(jax.random.key(0), agent, params.replace(follow_prob=jnp.nan), 5)
    with pytest.raises(TypeError, match="n_actions must be an integer"):
        kd.metrics.frequency_bias(jax.random.key(0), agent, params, 2.5)
    with pytest.raises(TypeError, match="key must be a jax.random key"):
        kd.metrics.frequency_bias(0, agent, params, 5)
    with pytest.raises(ValueError, match="repeats must be a non-empty 1-D sequence"):
        kd.metrics.frequency_bias_curve(jax.random.key(0), agent, params, 5, [])
    with pytest.raises(ValueError, match="repeats must be a non-empty 1-D sequence"):
        kd.metrics.frequency_bias_curve(jax.random.key(0), agent, params, 5, [[1, 2]])
    with pytest.raises(TypeError, match=r"repeats\[1\] must be an integer"):
        kd.metrics.frequency_bias_curve(jax.random.key(0), agent, params, 5, [0, 1.5])


def test_describe_and_mean_se():
    env = kd.envs.BernoulliBandit(n_arms=3)
    agent, params = kd.agents.profile("knowing-doing-ucb")
    out = kd.rollout_batch(jax.random.key(0), env, env.default_params(), agent, params, 20, 8)
    table = kd.metrics.describe(out)
    assert all(v.shape == (8,) for v in table.values())
    mean, se = kd.metrics.mean_and_se([1.0, 2.0, 3.0, 4.0])
    assert mean == 2.5 and se == pytest.approx(np.std([1, 2, 3, 4], ddof=1) / 2)
    with pytest.raises(ValueError):
        kd.metrics.mean_and_se([])
    with pytest.raises(ValueError, match="values contains NaN at index 1"):
        kd.metrics.mean_and_se([1.0, float("nan")])
    with pytest.raises(TypeError, match="values must be numeric"):
        kd.metrics.mean_and_se("abc")
    assert np.isnan(kd.metrics.mean_and_se([3.0])[1])  # one value: no standard error


def test_mean_and_se_along_an_axis_and_with_a_minimum():
    rng = np.random.default_rng(0)
    values = rng.normal(size=(5, 7))
    mean, se = kd.metrics.mean_and_se(values, axis=0)
    np.testing.assert_allclose(mean, values.mean(0))
    np.testing.assert_allclose(se, values.std(0, ddof=1) / np.sqrt(5))
    # each column alone gives the same numbers as the axis form
    assert kd.metrics.mean_and_se(values[:, 3]) == pytest.approx((mean[3], se[3]))
    np.testing.assert_allclose(kd.metrics.mean_and_se(values, axis=-1)[1], values.std(1, ddof=1) / np.sqrt(7))
    assert np.isnan(kd.metrics.mean_and_se(values[:1], axis=0)[1]).all()
    with pytest.raises(ValueError, match="at least 2 replicates"):
        kd.metrics.mean_and_se([3.0], min_size=2)
    with pytest.raises(ValueError, match="axis 2 is out of range"):
        kd.metrics.mean_and_se(values, axis=2)
    with pytest.raises(ValueError, match=r"NaN at index \(1, 2\)"):
        kd.metrics.mean_and_se(np.where(np.arange(35).reshape(5, 7) == 9, np.nan, values), axis=0)
    with pytest.raises(TypeError, match="axis must be an integer"):
        kd.metrics.mean_and_se(values, axis=0.5)
