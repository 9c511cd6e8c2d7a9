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


@pytest.mark.parametrize("before, after, level, error, match", [
    ([1.0, 2.0], [1.0, 2.0], 1.5, ValueError, "level must lie in the open interval"),
    ([1.0, 2.0], [1.0, 2.0], np.nan, ValueError, "level"),
    ([1.0, 2.0], [1.0, 2.0], "95%", TypeError, "level"),
    ([1.0, 2.0, 3.0], [1.0, 2.0], 0.95, ValueError, "same length"),
    ([1.0], [2.0], 0.95, ValueError, "n >= 2"),
    ([], [], 0.95, ValueError, "n >= 2"),
    (["a", "b"], [1.0, 2.0], 0.95, TypeError, "before must be numeric"),
    ([1.0, 2.0], [1.0, np.nan], 0.95, ValueError, "after contains NaN"),
])
def test_paired_interval_rejects_bad_input(before, after, level, error, match):
    with pytest.raises(error, match=match):
        training.paired_interval(before, after, level)


def test_compare_checks_level_before_running():
    actor = kd.agents.RationaleFollowing(fallback=kd.agents.Softmax())
    pair = (actor, actor.default_params())
    with pytest.raises(ValueError, match="level"):
        training.compare(jax.random.key(0), pair, pair, training.RLFTConfig(n_arms=3, n_steps=10),
                         n_envs=16, level=2.0)
