import math

import pytest

from kdgap_sim.gallery import sec6_rlcr


@pytest.mark.slow
def test_quick_mode_binary_overconfident_rlcr_calibrated_at_equal_accuracy(tmp_path):
    n = sec6_rlcr.main(quick=True, out_dir=str(tmp_path))
    for p in sec6_rlcr.P_VALUES:
        assert n[f"argmax_q_p{p}"] == pytest.approx(p, abs=1e-3)  # grid step 1e-3
        assert n[f"max_reward_p{p}"] == pytest.approx(p * p, abs=1e-5)
    assert n["log_score_optimum_p0.01"] > n["log_score_optimum_p0.2"]
    assert n["ece_binary"] > 0.2 and n["overconfidence_binary"] > 0.2
    assert n["ece_rlcr"] < 0.05 and n["ece_rlcr"] < n["ece_binary"]
    # equal accuracy: 4000 answers per reward, s.e. of the difference <= sqrt(2 * 0.25 / 4000) = 0.011
    assert abs(n["accuracy_rlcr"] - n["accuracy_binary"]) < 4 * math.sqrt(2 * 0.25 / 4000)
    assert n["brier_rlcr"] < n["brier_binary"]
