"""Tests of the decision verify checks: each passes, and fails under a wrong formula."""

import jax
import pytest

from kdgap_sim.verify import decision_checks as d

KEY = jax.random.key(13)


def test_claims_reproduce_theory_numbers():
    c = d.protect_example_claims(**d.PROTECT, predicted=d.PREDICTED)
    assert c["mse"] == pytest.approx(1.2e-4, abs=5e-6)
    assert c["cost of predictor"] == pytest.approx(0.345)
    assert c["optimal cost"] == pytest.approx(0.145)
    assert c["regret"] == pytest.approx(0.2)


def test_low_mse_high_regret():
    assert d.measure_low_mse_high_regret(KEY, True).passed

    def without_protect_cost(**kw):  # regret ignoring the cost of protecting: 0.25
        claims = d.protect_example_claims(**kw)
        return {**claims, "regret": kw["critical_fraction"] * kw["damage"] * kw["p_critical"]}

    assert not d.measure_low_mse_high_regret(KEY, True, claims=without_protect_cost).passed

    def mse_over_critical_only(**kw):  # forgets the normal states' weight: 2.4e-3
        return {**d.protect_example_claims(**kw), "mse": (kw["predicted"] - kw["p_critical"]) ** 2}

    assert not d.measure_low_mse_high_regret(KEY, True, claims=mse_over_critical_only).passed


def test_training_rankings():
    m = d.measure_training_rankings(KEY, True)
    assert m.passed and m.measured > 0
    # The naive claim "the better fit decides at least as well" fails.
    assert not d.measure_training_rankings(KEY, True, claimed=lambda a, b: a.regret <= b.regret).passed


@pytest.mark.slow
def test_decision_checks_full_mode():
    assert d.measure_low_mse_high_regret(KEY, False).passed
    assert d.measure_training_rankings(KEY, False).passed
