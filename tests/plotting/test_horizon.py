"""Tests of the horizon and entropy figures (data in, Figure out)."""

import matplotlib.figure
import numpy as np
import pytest

from kdgap_sim.plotting import horizon as plotting_horizon


def test_task_accuracy_figure_has_two_labelled_panels():
    steps = np.arange(1, 101)
    fig = plotting_horizon.task_accuracy_figure(
        {"gamma = 0": (steps, 0.99**steps), "thinking": (steps, 0.99**steps)},
        step_curves={"gamma = 0": (steps[::10], np.full(10, 0.99))},
        reference=(steps, 0.99**steps, "p**i"),
        title="t",
    )
    assert isinstance(fig, matplotlib.figure.Figure)
    left, right = fig.axes
    assert left.get_ylabel().startswith("task accuracy") and right.get_ylabel().startswith("step accuracy")
    assert len(left.get_lines()) == 3


def test_gamma_recovery_figure_plots_identity_and_estimates():
    fig = plotting_horizon.gamma_recovery_figure(
        {"true": np.array([0.0, 0.5]), "estimate": np.array([0.01, 0.48]),
         "low": np.array([-0.02, 0.45]), "high": np.array([0.04, 0.51])})
    ax = fig.axes[0]
    assert ax.get_xlabel() == "true gamma" and ax.get_ylabel() == "recovered gamma"
    assert ax.get_legend() is not None


def test_entropy_ratio_surface_draws_contours():
    grid = {"surprise_gain": np.linspace(0, 1, 4), "temperature": np.array([0.5, 1.0, 2.0]),
            "ratio": np.array([[1.0, 2.0, 3.5, 8.0], [1.0, 1.5, 3.0, 5.0], [1.0, 1.2, 2.0, 4.5]])}
    fig = plotting_horizon.entropy_ratio_surface(grid, "surprise_gain", "temperature")
    assert fig.axes[0].get_xlabel() == "surprise gain"
    assert len(fig.axes) == 2  # the map and its colour bar
    with pytest.raises(KeyError):
        plotting_horizon.entropy_ratio_surface(grid, "surprise_gain", "missing")
