"""Tests of the scoring-rule verify checks: each passes, and fails under a wrong formula."""

import math

import jax
import pytest

from kdgap_sim.verify import scoring_checks as s

KEY = jax.random.key(12)


def test_brier_proper():
    assert s.measure_brier_proper(KEY, True).passed
    assert not s.measure_brier_proper(KEY, True, claimed=lambda p: p**2).passed
    # Overconfidence by 0.03 is detected (tolerance at p = 0.5 is 0.015).
    assert not s.measure_brier_proper(KEY, True, claimed=lambda p: min(1.0, p + 0.03)).passed


def test_rlcr_expected_reward():
    assert s.measure_rlcr_reward(KEY, True).passed
    assert not s.measure_rlcr_reward(KEY, True, claimed=lambda p: p).passed
    # Half the Brier penalty, p - p (1 - p) / 2, is detected.
    assert not s.measure_rlcr_reward(KEY, True, claimed=lambda p: p - p * (1 - p) / 2).passed


def test_log_score_non_monotone():
    m = s.measure_log_score(KEY, True)
    assert m.passed and m.measured == pytest.approx(1 / (1 + math.e), abs=2e-3)
    assert s.log_score_optimum(0.01) == pytest.approx(-0.046, abs=5e-4)
    assert s.log_score_optimum(0.2) == pytest.approx(-0.300, abs=5e-4)
    assert not s.measure_log_score(KEY, True, claimed_minimiser=0.5).passed
    assert not s.measure_log_score(KEY, True, claimed_optimum=lambda p: p - 0.5 * (
        -p * math.log(p) - (1 - p) * math.log(1 - p))).passed  # entropy in bits/2: wrong


@pytest.mark.slow
def test_scoring_checks_full_mode():
    for measure in (s.measure_brier_proper, s.measure_rlcr_reward, s.measure_log_score):
        assert measure(KEY, False).passed
