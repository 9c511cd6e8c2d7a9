"""Figures for fine-tuning and calibration: training curves, before/after bars, reliability.

Every function returns a matplotlib ``Figure`` (colour-blind-safe Okabe-Ito
palette, labelled axes) and never calls ``plt.show()``; save it with
:func:`kdgap_sim.plotting.save`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from kdgap_sim.metrics.calibration import reliability_curve
import matplotlib.pyplot as plt

from kdgap_sim.plotting.style import OKABE_ITO


def rlft_curves(
    history: Mapping[str, Any],
    metrics: Sequence[str] = ("loss", "return", "follow", "coverage", "regret", "kl"),
    title: str | None = None,
):
    """One panel per metric of :func:`kdgap_sim.training.train`'s history against update."""
    n = len(metrics)
    cols = min(3, n)
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.6 * cols, 2.7 * rows), constrained_layout=True,
                             squeeze=False)
    for i, name in enumerate(metrics):
        ax = axes.flat[i]
        values = np.asarray(history[name])
        ax.plot(np.arange(1, values.size + 1), values, color=OKABE_ITO[i % len(OKABE_ITO)])
        ax.set_xlabel("update")
        ax.set_ylabel(name.replace("_", " "))
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    if title:
        fig.suptitle(title)
    return fig


def before_after(table: Mapping[str, Mapping[str, float]], metrics: Sequence[str] = ("follow", "coverage", "regret")):
    """Before/after bars per metric from :func:`kdgap_sim.training.compare`, with the paired 95% interval."""
    fig, axes = plt.subplots(1, len(metrics), figsize=(3.2 * len(metrics), 3.2), constrained_layout=True,
                             squeeze=False)
    for ax, name in zip(axes.flat, metrics):
        row = table[name]
        ax.bar([0, 1], [row["before"], row["after"]], color=[OKABE_ITO[1], OKABE_ITO[0]])
        half = (row["diff_high"] - row["diff_low"]) / 2
        ax.errorbar([1], [row["after"]], yerr=[half], color="black", capsize=4)
        ax.set_xticks([0, 1], ["reference", "fine-tuned"])
        ax.set_ylabel(name)
        ax.set_title(f"diff {row['diff']:+.3f} [{row['diff_low']:+.3f}, {row['diff_high']:+.3f}]",
                     fontsize="small")
    return fig


def calibration_curves(
    histories: Mapping[str, Mapping[str, Any]], metrics: Sequence[str] = ("accuracy", "ece", "brier"),
):
    """Accuracy, ECE and Brier over training, one line per reward (e.g. ``{"binary": h, "rlcr": h}``)."""
    fig, axes = plt.subplots(1, len(metrics), figsize=(3.6 * len(metrics), 3.0), constrained_layout=True,
                             squeeze=False)
    for ax, name in zip(axes.flat, metrics):
        for i, (label, history) in enumerate(histories.items()):
            values = np.asarray(history[name])
            ax.plot(np.arange(1, values.size + 1), values, label=label, color=OKABE_ITO[i % len(OKABE_ITO)])
        ax.set_xlabel("update")
        ax.set_ylabel(name.upper() if name == "ece" else name)
    axes.flat[0].legend(frameon=False, fontsize="small")
    return fig


def reliability_diagram(
    predictions: Mapping[str, tuple[Any, Any]], n_bins: int = 10, binning: str = "width", ax=None
):
    """Accuracy against mean confidence per bin, one curve per label, with the diagonal.

    Args:
      predictions: ``{label: (confidence, correct)}``.
      n_bins, binning: of :func:`kdgap_sim.metrics.reliability_curve`.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(4.0, 4.0), constrained_layout=True)
    ax.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1, label="calibrated")
    for i, (label, (confidence, correct)) in enumerate(predictions.items()):
        curve = reliability_curve(np.asarray(confidence), np.asarray(correct), n_bins, binning)
        keep = np.asarray(curve.count) > 0
        ax.plot(np.asarray(curve.mean_confidence)[keep], np.asarray(curve.accuracy)[keep], marker="o",
                label=label, color=OKABE_ITO[i % len(OKABE_ITO)])
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("stated confidence")
    ax.set_ylabel("accuracy")
    ax.legend(frameon=False, fontsize="small")
    return ax.figure
