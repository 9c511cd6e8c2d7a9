"""Tests of the gamma = 0 closed forms."""

import numpy as np
import pytest

from kdgap_sim.horizon import horizon, task_accuracy


def test_task_accuracy_is_power():
    np.testing.assert_allclose(task_accuracy(0.9, np.array([0, 1, 2, 10])), [1.0, 0.9, 0.81, 0.9**10], rtol=1e-6)


def test_horizon_values_from_theory():
    # THEORY.md 4: H_0.5 at p = 0.9, 0.99, 0.999 is 6.6, 69.0, 692.8.
    np.testing.assert_allclose(horizon(0.5, np.array([0.9, 0.99, 0.999])), [6.579, 68.968, 692.80], rtol=2e-3)
    np.testing.assert_allclose(task_accuracy(0.95, horizon(0.3, 0.95)), 0.3, rtol=1e-5)


@pytest.mark.parametrize("s, p", [(0.0, 0.9), (0.5, 1.0), (1.2, 0.9), (0.5, -0.1)])
def test_horizon_rejects_values_outside_unit_interval(s, p):
    with pytest.raises(ValueError, match="open interval"):
        horizon(s, p)
