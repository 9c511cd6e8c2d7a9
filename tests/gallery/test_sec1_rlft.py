import pytest

from kdgap_sim.gallery import sec1_rlft


@pytest.mark.slow
def test_quick_mode_rlft_raises_follow_and_coverage_and_lowers_regret(tmp_path):
    n = sec1_rlft.main(quick=True, out_dir=str(tmp_path))
    # paired 95% intervals (256 held-out bandits) must exclude 0 in the paper's direction
    assert n["follow_diff_low"] > 0
    assert n["coverage_diff_low"] > 0
    assert n["regret_diff_high"] < 0
    assert n["gap_diff_high"] < 0
    assert (tmp_path / "sec1_rlft.png").exists()
