"""Matplotlib figures: knowing-doing-gap bars and coverage curves.

Figures use a colour-blind-safe palette (Okabe & Ito 2008) and label every
axis. Functions return the ``Figure`` and never call ``plt.show()``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg", force=False)
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")


def gap_bars(
    results: Mapping[str, Mapping[str, Any]],
    metrics: Sequence[str] = ("rationale_correct", "follow", "coverage"),
    ax=None,
):
    """Grouped bars (mean ± 1.96 se) of rate metrics per agent, from :func:`run_study` results."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 3.6))
    labels = list(results)
    width = 0.8 / max(len(metrics), 1)
    x = np.arange(len(labels))
    for i, metric in enumerate(metrics):
        means = [results[a]["metrics"][metric][0] for a in labels]
        ses = [results[a]["metrics"][metric][1] for a in labels]
        ax.bar(x + i * width, means, width, yerr=1.96 * np.nan_to_num(ses), capsize=2,
               label=metric.replace("_", " "), color=OKABE_ITO[i % len(OKABE_ITO)])
    ax.set_xticks(x + width * (len(metrics) - 1) / 2, labels, rotation=15)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("rate (mean ± 95% CI)")
    ax.legend(frameon=False, fontsize="small")
    return ax.figure


def coverage_curves(results: Mapping[str, Mapping[str, Any]], ax=None):
    """Mean action coverage C_t against trial t for each agent."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 3.6))
    for i, (label, result) in enumerate(results.items()):
        curve = np.asarray(result["coverage_curve"])
        ax.plot(np.arange(1, curve.size + 1), curve, label=label, color=OKABE_ITO[i % len(OKABE_ITO)])
    ax.set_xlabel("trial t")
    ax.set_ylabel("action coverage $C_t$")
    ax.set_ylim(0, 1.05)
    ax.legend(frameon=False, fontsize="small")
    return ax.figure


def study_figure(results: Mapping[str, Mapping[str, Any]], title: str | None = None):
    """Two panels: gap bars and coverage curves."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8), constrained_layout=True)
    gap_bars(results, ax=left)
    coverage_curves(results, ax=right)
    if title:
        fig.suptitle(title)
    return fig


def save(fig, path: str) -> list[str]:
    """Saves ``fig`` to ``path`` (PNG or PDF by suffix); returns the paths written."""
    fig.savefig(path, dpi=150)
    plt.close(fig)
    return [path]
