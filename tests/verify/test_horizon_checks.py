"""Tests of the horizon verify checks: each passes, and fails under a wrong formula."""

import math

import jax
import numpy as np
import pytest

from kdgap_sim.verify import horizon_checks as h

KEY = jax.random.key(14)


def test_horizon_formula_reproduces_theory():
    assert [round(h.horizon(0.5, p), 1) for p in (0.9, 0.99, 0.999)] == [6.6, 69.0, 692.8]


def test_crossing_interpolates_log_accuracy():
    p = 0.9
    exact = p ** np.arange(1, 30)
    assert h.crossing(exact, 0.5) == pytest.approx(h.horizon(0.5, p), abs=1e-9)
    assert h.crossing(np.ones(5), 0.5) == math.inf


def test_horizon_check():
    assert h.measure_horizon(KEY, True).passed
    assert not h.measure_horizon(KEY, True, claimed=lambda s, p: (1 - s) / (1 - p)).passed


def test_task_accuracy_check():
    assert h.measure_task_accuracy(KEY, True).passed
    assert not h.measure_task_accuracy(KEY, True, claimed=lambda p, i: p ** (i + 1)).passed
    assert not h.measure_task_accuracy(KEY, True, claimed=lambda p, i: 1 - i * (1 - p)).passed


def test_bonferroni_z():
    assert h.bonferroni_z(1) == pytest.approx(4.0, abs=1e-3)
    assert h.bonferroni_z(100) > 4.5


@pytest.mark.slow
def test_horizon_checks_full_mode():
    assert h.measure_horizon(KEY, False).passed
    assert h.measure_task_accuracy(KEY, False).passed
    # The near-miss H = -ln s / (1 - p) (6.93 instead of 6.58 at p = 0.9) fails with the full sample.
    assert not h.measure_horizon(KEY, False, claimed=lambda s, p: -math.log(s) / (1 - p)).passed
