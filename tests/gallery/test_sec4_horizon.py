import pytest

from kdgap_sim.gallery import sec4_horizon


@pytest.mark.slow
def test_quick_mode_shows_horizon_self_conditioning_and_thinking(tmp_path):
    n = sec4_horizon.main(quick=True, out_dir=str(tmp_path))
    for p, claimed in sec4_horizon.HORIZONS.items():
        assert n[f"horizon_formula_p{p}"] == pytest.approx(claimed, abs=0.05)
        # empirical H: first step with task accuracy < 0.5 among 500 executors; near the crossing
        # the accuracy falls by about (1 - p) / 2 per step and its s.e. is 0.022, so 4 s.e. is
        # about 0.09 / ((1 - p) / 2) steps, plus one step for rounding
        slack = 0.09 / ((1 - p) / 2) + 1
        assert abs(n[f"horizon_simulated_p{p}"] - claimed) < slack
    assert n["task_accuracy_step50_self_conditioning"] < n["task_accuracy_step50_clean"] - 0.2
    assert n["task_accuracy_step50_thinking"] == pytest.approx(n["task_accuracy_step50_clean"])
    assert n["gamma_max_abs_z"] < 4  # every recovered gamma within 4 s.e. of its true value
    assert abs(n["thinking_slope"]) < 4 * n["thinking_slope_se"]
