"""Tests of kdgap_sim.training.evaluation: paired intervals and common random numbers."""

import jax
import numpy as np
import pytest

import kdgap_sim as kd
from kdgap_sim import training


def test_paired_interval_by_hand():
    row = training.paired_interval([1.0, 2.0, 3.0, 4.0], [2.0, 2.0, 5.0, 5.0])
    d = np.array([1.0, 0.0, 2.0, 1.0])
    se = d.std(ddof=1) / 2
    assert row["diff"] == 1.0 and row["diff_se"] == pytest.approx(se)
    assert row["diff_low"] == pytest.approx(1.0 - 1.959964 * se, rel=1e-5)


def test_same_actor_gives_zero_difference_and_validation():
    config = training.RLFTConfig(n_arms=3, n_steps=10)
    actor = kd.agents.RationaleFollowing(fallback=kd.agents.Softmax())
    params = actor.default_params()
    table = training.compare(jax.random.key(0), (actor, params), (actor, params), config, n_envs=16)
    # Common random numbers: the same actor on the same bandits and keys gives identical results.
    assert all(row["diff"] == 0.0 and row["diff_se"] == 0.0 for row in table.values())
    assert "coverage" in training.format_comparison(table)
    with pytest.raises(TypeError, match="config"):
        training.evaluate(jax.random.key(0), actor, params, {"n_arms": 3})
    with pytest.raises(TypeError, match="FrequencyBiasedParams|RationaleFollowingParams"):
        training.evaluate(jax.random.key(0), actor, kd.agents.FrequencyBiased().default_params(), config)
