"""Tests of kdgap_sim.training.objectives: returns-to-go and the leave-one-out baseline.

(The losses are tested against each other and at the reference in test_rlft.py.)"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from kdgap_sim.training import objectives


def test_returns_to_go_and_leave_one_out_baseline():
    rewards = jnp.array([[1.0, 0.0, 2.0], [0.0, 1.0, 1.0]])
    np.testing.assert_allclose(objectives.returns_to_go(rewards, 1.0), [[3, 2, 2], [2, 2, 1]])
    np.testing.assert_allclose(objectives.returns_to_go(rewards, 0.5), [[1.5, 1.0, 2.0], [0.75, 1.5, 1.0]])
    adv = objectives.advantages(rewards, 1.0, normalize=False)
    # With two environments the leave-one-out baseline is the other one's return.
    np.testing.assert_allclose(adv, [[1, 0, 1], [-1, 0, -1]])


@pytest.mark.parametrize("discount, match", [(np.nan, "discount contains NaN"), (2.0, "discount must be"),
                                             (-0.1, "discount must be")])
def test_returns_to_go_rejects_discount_outside_unit_interval(discount, match):
    with pytest.raises(ValueError, match=match):
        objectives.returns_to_go(jnp.ones((2, 3)), discount)
    with pytest.raises(ValueError, match=match):
        objectives.advantages(jnp.ones((2, 3)), discount, normalize=False)


def test_returns_to_go_rejects_nan_rewards_but_runs_traced():
    with pytest.raises(ValueError, match="rewards contains NaN"):
        objectives.returns_to_go(jnp.array([1.0, jnp.nan]), 1.0)
    traced = jax.jit(objectives.returns_to_go)(jnp.array([1.0, 1.0]), 0.5)
    np.testing.assert_allclose(traced, [1.5, 1.0])


def test_advantages_need_two_environments_and_a_bool_normalize():
    with pytest.raises(ValueError, match="n_envs >= 2"):
        objectives.advantages(jnp.ones((1, 3)), 1.0, normalize=False)
    with pytest.raises(ValueError, match=r"shaped_rewards must have shape \[n_envs, n_steps\]"):
        objectives.advantages(jnp.ones(3), 1.0, normalize=False)
    with pytest.raises(TypeError, match="normalize must be a bool"):
        objectives.advantages(jnp.ones((2, 3)), 1.0, normalize="no")
