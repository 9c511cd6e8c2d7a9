"""Tests of the gamma = 0 closed forms."""

import math

import jax
import numpy as np
import pytest

from kdgap_sim.horizon import horizon, task_accuracy


def test_task_accuracy_is_power():
    np.testing.assert_allclose(task_accuracy(0.9, np.array([0, 1, 2, 10])), [1.0, 0.9, 0.81, 0.9**10], rtol=1e-6)


def test_horizon_values_from_theory():
    # theory/THEORY.md 4: H_0.5 at p = 0.9, 0.99, 0.999 is 6.6, 69.0, 692.8.
    np.testing.assert_allclose(horizon(0.5, np.array([0.9, 0.99, 0.999])), [6.579, 68.968, 692.80], rtol=2e-3)
    np.testing.assert_allclose(task_accuracy(0.95, horizon(0.3, 0.95)), 0.3, rtol=1e-5)


@pytest.mark.parametrize("s, p", [(0.0, 0.9), (0.5, 1.0), (1.2, 0.9), (0.5, -0.1)])
def test_horizon_rejects_values_outside_unit_interval(s, p):
    with pytest.raises(ValueError, match="open interval"):
        horizon(s, p)


@pytest.mark.parametrize("s, p, name", [(0.5, np.nan, "p"), (np.nan, 0.9, "s"), ([0.5, np.nan], 0.9, "s")])
def test_horizon_rejects_nan(s, p, name):
    with pytest.raises(ValueError, match=f"{name} must lie in the open interval"):
        horizon(s, p)


def test_closed_forms_reject_shapes_that_do_not_broadcast():
    with pytest.raises(ValueError, match=r"s \(3,\), p \(2,\)"):
        horizon([0.5, 0.6, 0.7], [0.9, 0.8])
    with pytest.raises(ValueError, match=r"p \(2,\), i \(3,\)"):
        task_accuracy([0.9, 0.8], [1, 2, 3])


@pytest.mark.parametrize("p, i, name", [(1.5, 3, "p"), (np.nan, 3, "p"), (-0.1, 3, "p"),
                                        (0.9, -1, "i"), (0.9, -2.5, "i"), (0.9, [1, np.nan], "i")])
def test_task_accuracy_rejects_bad_values(p, i, name):
    with pytest.raises(ValueError, match=f"^{name} "):
        task_accuracy(p, i)


def test_task_accuracy_accepts_fractional_steps_and_traces():
    np.testing.assert_allclose(task_accuracy(0.5, np.array([0.0, 2.0, 0.5])), [1.0, 0.25, 0.5**0.5], rtol=1e-6)
    np.testing.assert_allclose(jax.jit(task_accuracy)(0.5, 2.5), 0.5**2.5, rtol=1e-6)  # traced: unchecked
    np.testing.assert_allclose(jax.vmap(horizon, in_axes=(None, 0))(0.5, np.array([0.5, 0.25])), [1.0, 0.5])


@pytest.mark.parametrize("p", [0.9999, 1 - 1e-6, 1 - 1e-8])
def test_closed_forms_are_float64_accurate_near_one(p):
    # float32 gave H_0.5 = 684063 at p = 1 - 1e-6 (693147) and -inf at 1 - 1e-8.
    expected = math.log(0.5) / math.log(p)
    assert float(horizon(0.5, p)) == pytest.approx(expected, rel=1e-12)
    i = 1 / (1 - p)  # p**i is about e**-1
    assert float(task_accuracy(p, i)) == pytest.approx(math.exp(i * math.log(p)), rel=1e-12)
    # (1 - q) ** (1 / q) = exp(-1 - q / 2 + O(q**2)); float32 gave 1.0 at q = 1e-8.
    assert float(task_accuracy(p, i)) == pytest.approx(math.exp(-1 - (1 - p) / 2), rel=1e-7)


def test_traced_closed_forms_are_float32_and_finite_or_plus_inf():
    np.testing.assert_allclose(jax.jit(horizon)(0.5, 0.99), math.log(0.5) / math.log(0.99), rtol=1e-5)
    assert float(jax.jit(horizon)(0.5, 1 - 1e-8)) == math.inf  # p rounds to 1 in float32
    assert isinstance(jax.jit(task_accuracy)(0.9, 2.0), jax.Array)
