"""Tests of the rollout's pluggable accumulators (kdgap_sim.accumulators)."""

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import kdgap_sim as kd
from kdgap_sim.accumulators import SUMMARY, Accumulator, combine

ENV = kd.envs.make("bernoulli-bandit", n_arms=3)
AGENT, PARAMS = kd.agents.profile("faithful-ucb")


@dataclasses.dataclass(frozen=True)
class RewardAndConfidence(Accumulator):
    """A custom accumulator with its own finalize: the mean reward and the sum of confidences."""

    def init(self, n_actions):
        return jnp.float32(0.0), jnp.float32(0.0), jnp.int32(0)

    def update(self, carry, trial):
        reward, confidence, n = carry
        return reward + trial.reward, confidence + trial.rationale.confidence, n + 1

    def finalize(self, carry):
        reward, confidence, n = carry
        return reward / n, confidence


def test_default_accumulator_is_the_summary_and_trajectory_unchanged():
    key = jax.random.key(0)
    default = kd.rollout(key, ENV, ENV.default_params(), AGENT, PARAMS, n_steps=30)
    explicit = kd.rollout(key, ENV, ENV.default_params(), AGENT, PARAMS, n_steps=30, accumulator=SUMMARY)
    traj = kd.rollout(key, ENV, ENV.default_params(), AGENT, PARAMS, n_steps=30, record="trajectory")
    assert isinstance(default, kd.Summary) and isinstance(traj, kd.Trajectory)
    for a, b, c in zip(default, explicit, traj.summary):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c)
    assert float(default.reward_sum) == pytest.approx(float(np.asarray(traj.reward).sum()))


def test_custom_and_combined_accumulators_see_the_same_trials():
    key = jax.random.key(1)
    summary = kd.rollout_batch(key, ENV, ENV.default_params(), AGENT, PARAMS, n_steps=25, n_seeds=4)
    (mean_reward, confidence), combined = kd.rollout_batch(
        key, ENV, ENV.default_params(), AGENT, PARAMS, n_steps=25, n_seeds=4,
        accumulator=combine(RewardAndConfidence(), SUMMARY))
    np.testing.assert_allclose(mean_reward, np.asarray(summary.reward_sum) / 25, rtol=1e-6)
    np.testing.assert_allclose(confidence, summary.confidence_sum, rtol=1e-6)
    np.testing.assert_array_equal(combined.counts, summary.counts)
    # trajectory mode: the default trace of a custom accumulator is the Trial, less the agent state
    traces, (reward, _) = kd.rollout(key, ENV, ENV.default_params(), AGENT, PARAMS, n_steps=5,
                                     record="trajectory", accumulator=RewardAndConfidence())
    assert traces.agent_state is None and traces.probs.shape == (5, 3)
    assert float(reward) == pytest.approx(float(np.asarray(traces.reward).mean()))


def test_traced_bad_params_poison_a_custom_accumulator():
    run = lambda fp: kd.rollout_batch(  # noqa: E731
        jax.random.key(0), ENV, ENV.default_params(), AGENT, PARAMS.replace(follow_prob=fp), n_steps=5,
        n_seeds=2, accumulator=RewardAndConfidence())
    mean_reward, _ = jax.jit(run)(1.5)
    assert np.isnan(np.asarray(mean_reward)).all()
    mean_reward, _ = jax.jit(run)(0.5)
    assert np.isfinite(np.asarray(mean_reward)).all()


def test_per_seed_forced_actions():
    forced = np.array([[0, 1, -1, 2], [2, 2, 2, 2]], np.int32)
    traj = kd.rollout_batch(jax.random.key(2), ENV, ENV.default_params(), AGENT, PARAMS, n_steps=4, n_seeds=2,
                            record="trajectory", forced_actions=forced)
    np.testing.assert_array_equal(np.asarray(traj.action)[1], [2, 2, 2, 2])
    np.testing.assert_array_equal(np.asarray(traj.action)[0, [0, 1, 3]], [0, 1, 2])
    np.testing.assert_array_equal(traj.forced, forced >= 0)
    one = kd.rollout(jax.random.fold_in(jax.random.key(2), 1), ENV, ENV.default_params(), AGENT, PARAMS, 4,
                     record="trajectory", forced_actions=forced[1])
    np.testing.assert_array_equal(one.beliefs, np.asarray(traj.beliefs)[1])  # seed i = rollout(fold_in(key, i))
    with pytest.raises(ValueError, match="forced_actions"):
        kd.rollout_batch(jax.random.key(2), ENV, ENV.default_params(), AGENT, PARAMS, n_steps=4, n_seeds=3,
                         forced_actions=forced)


def test_bad_accumulators():
    with pytest.raises(TypeError, match="accumulator must be"):
        kd.rollout(jax.random.key(0), ENV, ENV.default_params(), AGENT, PARAMS, n_steps=3, accumulator="summary")
    with pytest.raises(TypeError, match="accumulator 1"):
        combine(SUMMARY, object())
    with pytest.raises(ValueError, match="at least one"):
        combine()
