"""Tests of kdgap_sim.training.objectives: returns-to-go and the leave-one-out baseline.

(The losses are tested against each other and at the reference in test_rlft.py.)"""

import jax.numpy as jnp
import numpy as np

from kdgap_sim.training import objectives


def test_returns_to_go_and_leave_one_out_baseline():
    rewards = jnp.array([[1.0, 0.0, 2.0], [0.0, 1.0, 1.0]])
    np.testing.assert_allclose(objectives.returns_to_go(rewards, 1.0), [[3, 2, 2], [2, 2, 1]])
    np.testing.assert_allclose(objectives.returns_to_go(rewards, 0.5), [[1.5, 1.0, 2.0], [0.75, 1.5, 1.0]])
    adv = objectives.advantages(rewards, 1.0, normalize=False)
    # With two environments the leave-one-out baseline is the other one's return.
    np.testing.assert_allclose(adv, [[1, 0, 1], [-1, 0, -1]])
