"""Tests of kdgap_sim.plotting.training: each function returns a labelled Figure."""

import matplotlib
import numpy as np

from kdgap_sim.plotting import training as figures


def test_figures_have_labelled_axes(tmp_path):
    history = {name: np.linspace(0, 1, 5) for name in ("loss", "return", "follow", "coverage", "regret", "kl")}
    fig = figures.rlft_curves(history, title="t")
    assert isinstance(fig, matplotlib.figure.Figure)
    assert [ax.get_ylabel() for ax in fig.axes if ax.get_visible()][:2] == ["loss", "return"]
    row = {"before": 0.1, "after": 0.3, "diff": 0.2, "diff_low": 0.15, "diff_high": 0.25}
    fig = figures.before_after({"follow": row, "coverage": row, "regret": row})
    assert len(fig.axes) == 3
    hist = {name: np.linspace(0.5, 0.1, 4) for name in ("accuracy", "ece", "brier")}
    fig = figures.calibration_curves({"binary": hist, "rlcr": hist})
    assert fig.axes[1].get_ylabel() == "ECE"
    rng = np.random.default_rng(0)
    q = rng.uniform(size=200)
    fig = figures.reliability_diagram({"model": (q, rng.uniform(size=200) < q)})
    assert fig.axes[0].get_xlabel() == "stated confidence"
    fig.savefig(tmp_path / "r.png")
