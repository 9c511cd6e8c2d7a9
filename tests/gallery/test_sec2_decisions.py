import pytest

from kdgap_sim.gallery import sec2_decisions


@pytest.mark.slow
def test_quick_mode_shows_low_mse_high_regret_and_ranking_disagreement(tmp_path):
    numbers = sec2_decisions.main(quick=True, out_dir=str(tmp_path))
    # exact expectations: 0.95 * 100 * 0.001 + 0.05 * 100 * 0.05 = 0.345; optimum 0.095 + 0.05 = 0.145
    assert numbers["mse"] == pytest.approx(1.2005e-4, rel=1e-3)
    assert numbers["expected_cost"] == pytest.approx(0.345, abs=1e-5)
    assert numbers["optimal_cost"] == pytest.approx(0.145, abs=1e-5)
    assert numbers["cost_ratio"] == pytest.approx(2.379, abs=1e-3)
    assert numbers["policy_equivalent"] == 0.0
    assert numbers["mse_of_mse_fit"] < numbers["mse_of_decision_fit"]
    assert numbers["regret_of_mse_fit"] > numbers["regret_of_decision_fit"]
    assert numbers["disagree_at_zero"] == 0.0
    assert (tmp_path / "sec2_decisions.png").exists() and (tmp_path / "sec2_decisions.pdf").exists()
