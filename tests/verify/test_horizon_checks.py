"""Tests of the horizon verify checks: each passes, and fails under a wrong formula or a broken library."""

import math

import jax
import numpy as np
import pytest

from kdgap_sim import horizon as hz
from kdgap_sim.verify import horizon_checks as h

kd_horizon_empirical = hz.empirical_horizon

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


@pytest.mark.parametrize("name, broken", [
    ("horizon", lambda s, p: 2.0),
    ("empirical_horizon", lambda out, s: kd_horizon_empirical(out, s) + 1),  # off by one
    ("task_accuracy_curve", lambda out, steps: np.ones(np.shape(steps))),
])
def test_horizon_check_fails_when_the_library_is_broken(monkeypatch, name, broken):
    # The check measures kdgap_sim.horizon itself, not a private formula and simulator.
    monkeypatch.setattr(hz, name, broken)
    assert not h.measure_horizon(KEY, True).passed


@pytest.mark.parametrize("name, broken", [
    ("task_accuracy", lambda p, i: 0.0),
    ("task_accuracy", lambda p, i: np.asarray(p, np.float32) ** np.asarray(i, np.float32) + 1e-6),
    ("task_accuracy_curve", lambda out, steps: 0.9 ** np.asarray(steps, np.float64) * 0.97),
])
def test_task_accuracy_check_fails_when_the_library_is_broken(monkeypatch, name, broken):
    monkeypatch.setattr(hz, name, broken)
    assert not h.measure_task_accuracy(KEY, True).passed


def test_checks_fail_when_the_simulator_is_broken(monkeypatch):
    # run_execution with eps0 doubled: step accuracy 0.8 instead of 0.9, and so on.
    run = hz.run_execution

    def doubled(key, task, task_params, executor, params, *args, **kwargs):
        return run(key, task, task_params, executor, params.replace(eps0=2 * params.eps0), *args, **kwargs)

    monkeypatch.setattr(hz, "run_execution", doubled)
    h.simulate_execution.cache_clear()  # the cached runs came from the unbroken simulator
    try:
        assert not h.measure_horizon(KEY, True).passed
        assert not h.measure_task_accuracy(KEY, True).passed
    finally:
        h.simulate_execution.cache_clear()
