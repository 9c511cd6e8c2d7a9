"""Tests of the bandit verify checks: each passes, and fails under a wrong formula."""

import jax
import numpy as np
import pytest

from kdgap_sim.verify import bandit_checks as b

KEY = jax.random.key(11)


def test_claimed_formulas_reproduce_theory_tables():
    assert [round(b.steady_state_value(*row), 3) for row in b.V_STAR_TABLE] == [0.5, 0.9, 0.1, 0.5]
    for _, (p1, p2), entries in b.SEPARATION_TABLE:
        for k, value in entries:
            assert b.separation(p1, p2, k) == pytest.approx(value, abs=5e-4)
    assert b.lai_robbins_term((0.5, 0.6), 10_000) == pytest.approx(45, abs=0.5)
    assert b.auer_bound((0.5, 0.6), 10_000) == pytest.approx(737, abs=0.5)


def test_rw_steady_state():
    assert b.measure_rw_steady_state(KEY, True).passed
    swapped = lambda p, a_pos, a_neg: b.steady_state_value(p, a_neg, a_pos)  # noqa: E731
    assert not b.measure_rw_steady_state(KEY, True, claimed=swapped).passed


def test_rw_steady_state_fails_for_a_near_miss():
    # The symmetric-learner answer V* = p is off by 0.25 on two rows only.
    assert not b.measure_rw_steady_state(KEY, True, claimed=lambda p, a, c: p).passed


def test_optimism_separation():
    assert b.measure_optimism_separation(KEY, True).passed
    inverted = lambda p1, p2, k: b.separation(p1, p2, 1 / k)  # noqa: E731
    assert not b.measure_optimism_separation(KEY, True, claimed=inverted).passed


def test_ucb1_bounds():
    m = b.measure_ucb1_bounds(KEY, True)
    assert m.passed and 45 < m.measured < 737
    # An upper bound with the gap in the numerator (8 D ln T = 7.4) is violated.
    assert not b.measure_ucb1_bounds(KEY, True, upper=lambda mu, t: 8 * 0.1 * np.log(t)).passed
    # A lower bound with KL replaced by D^2 / 2 (184) is violated.
    assert not b.measure_ucb1_bounds(KEY, True, lower=lambda mu, t: 0.1 / 0.005 * np.log(t)).passed


@pytest.mark.parametrize("profile", ["faithful-ucb", "thompson"])
def test_log_regret(profile):
    assert b.measure_log_regret(KEY, True, profile).passed
    assert not b.measure_log_regret(KEY, True, profile, growth=lambda t: t).passed  # linear regret
    assert not b.measure_log_regret(KEY, True, profile, growth=np.ones_like).passed  # bounded regret


def test_fit_growth_recovers_exact_curves():
    horizons = 2 ** np.arange(8, 13)
    rng = np.random.default_rng(0)
    curves = 3 + 5 * np.log(horizons) + rng.normal(0, 0.1, size=(200, 5))
    z, residual = b.fit_growth(curves, horizons, np.log)
    assert z < 4 and np.abs(residual).max() < 0.05
    assert b.fit_growth(curves, horizons, np.sqrt)[0] > 4


@pytest.mark.slow
def test_bandit_checks_full_mode():
    for measure in (b.measure_rw_steady_state, b.measure_optimism_separation, b.measure_ucb1_bounds):
        assert measure(KEY, False).passed
    for profile in ("faithful-ucb", "thompson"):
        assert b.measure_log_regret(KEY, False, profile).passed
        # With the full sample, sqrt(T) growth is rejected too.
        assert not b.measure_log_regret(KEY, False, profile, growth=np.sqrt).passed
