import math

import pytest

from kdgap_sim.gallery import sec8_horizon_task


@pytest.mark.slow
def test_quick_mode_shows_wilson_signatures(tmp_path):
    n = sec8_horizon_task.main(quick=True, out_dir=str(tmp_path))
    assert all(math.isfinite(v) for v in n.values())
    # 400 games per horizon and condition: SEs ~0.12 (directed) and ~0.02 (random); the expected
    # effects are >= 4 SE, nulls are checked within 3 SE (fixed key)
    assert n["directed_directed"] - 1.96 * n["directed_directed_se"] > 0
    assert abs(n["directed_random"]) < 3 * n["directed_random_se"]
    assert n["random_random"] - 1.96 * n["random_random_se"] > 0
    assert abs(n["random_directed"]) < 3 * n["random_directed_se"]
    assert n["human-like_directed"] - 1.96 * n["human-like_directed_se"] > 0
    assert n["human-like_random"] - 1.96 * n["human-like_random_se"] > 0
    for q in ("directed", "random"):  # greedy: separated on observed means, ~0 on generative ones
        assert f"greedy_{q}" not in n
        assert abs(n[f"greedy_{q}_generative"]) < 3 * n[f"greedy_{q}_generative_se"]
    assert (tmp_path / "sec8_horizon_task.png").exists()
