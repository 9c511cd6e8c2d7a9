"""Reliability diagrams: stated confidence against observed accuracy.

The bins are computed here by :func:`reliability_bins` (equal-width or
equal-mass), a small pure NumPy function, so the figure does not depend on how
a calibration metric elsewhere chooses to bin.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from kdgap_sim.plotting.style import color, finish_axes, new_axes

BIN_STRATEGIES = ("equal-width", "equal-mass")


class ReliabilityBins(NamedTuple):
    """Per-bin statistics of a reliability diagram (empty bins are dropped).

    Attributes:
      confidence: mean stated confidence in each bin.
      accuracy: fraction correct in each bin.
      count: number of predictions in each bin.
      low, high: Wilson 95% interval of the accuracy.
      ece: expected calibration error
        :math:`\\sum_b (n_b / N)\\,|\\mathrm{acc}_b - \\mathrm{conf}_b|` over these bins.

    Example:
      >>> from kdgap_sim import plotting
      >>> bins = plotting.reliability_bins([0.2, 0.9], [0, 1], n_bins=2)
      >>> bins.confidence.tolist(), bins.count.tolist()
      ([0.2, 0.9], [1, 1])
    """

    confidence: np.ndarray
    accuracy: np.ndarray
    count: np.ndarray
    low: np.ndarray
    high: np.ndarray
    ece: float


def _wilson(successes: np.ndarray, n: np.ndarray, z: float = 1.96) -> tuple[np.ndarray, np.ndarray]:
    p = successes / n
    denom = 1 + z**2 / n
    centre = (p + z**2 / (2 * n)) / denom
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
    return centre - half, centre + half


def reliability_bins(
    confidence: Any, correct: Any, n_bins: int = 10, strategy: str = "equal-width"
) -> ReliabilityBins:
    """Bins predictions by stated confidence and measures accuracy in each bin.

    Args:
      confidence: stated probabilities of being correct, in [0, 1], any shape.
      correct: 0/1 (or bool) outcomes, same shape.
      n_bins: number of bins.
      strategy: ``"equal-width"`` (bins ``[i/n, (i+1)/n)``, the last closed) or
        ``"equal-mass"`` (predictions sorted by confidence and split into
        ``n_bins`` groups of sizes differing by at most one).

    Source: Guo et al. (2017), "On calibration of modern neural networks",
    ICML; equal-mass bins: Nixon et al. (2019), arXiv 1904.01685.

    Example:
      >>> from kdgap_sim import plotting
      >>> bins = plotting.reliability_bins([0.1, 0.2, 0.9, 0.8], [0, 0, 1, 1], n_bins=2)
      >>> bins.accuracy.tolist(), bins.count.tolist(), round(bins.ece, 2)
      ([0.0, 1.0], [2, 2], 0.15)
    """
    conf = np.asarray(confidence, np.float64).ravel()
    hits = np.asarray(correct, np.float64).ravel()
    if conf.shape != hits.shape:
        raise ValueError(f"confidence and correct must have the same size, got {conf.size} and {hits.size}")
    if conf.size == 0:
        raise ValueError("confidence is empty")
    if np.isnan(conf).any() or (conf < 0).any() or (conf > 1).any():
        raise ValueError("confidence must lie in [0, 1] without NaN")
    if not np.isin(hits, (0.0, 1.0)).all():
        raise ValueError("correct must contain only 0/1 (or booleans)")
    if isinstance(n_bins, bool) or not isinstance(n_bins, (int, np.integer)) or n_bins < 1:
        raise ValueError(f"n_bins must be an integer >= 1, got {n_bins!r}")
    if strategy not in BIN_STRATEGIES:
        raise ValueError(f"strategy must be one of {BIN_STRATEGIES}, got {strategy!r}")
    if strategy == "equal-width":
        index = np.minimum((conf * n_bins).astype(int), n_bins - 1)
    else:
        index = np.empty(conf.size, int)
        for b, members in enumerate(np.array_split(np.argsort(conf, kind="stable"), n_bins)):
            index[members] = b
    count = np.bincount(index, minlength=n_bins)
    keep = count > 0
    n = count[keep].astype(np.float64)
    mean_conf = np.bincount(index, conf, n_bins)[keep] / n
    successes = np.bincount(index, hits, n_bins)[keep]
    accuracy = successes / n
    low, high = _wilson(successes, n)
    ece = float(np.sum(n / conf.size * np.abs(accuracy - mean_conf)))
    return ReliabilityBins(mean_conf, accuracy, count[keep], low, high, ece)


def reliability_diagram(
    confidence: Any,
    correct: Any,
    n_bins: int = 10,
    strategy: str = "equal-width",
    label: str | None = None,
    index: int = 0,
    ax=None,
):
    """Accuracy against mean confidence per bin, with Wilson 95% intervals and the diagonal.

    Call it again with the same ``ax`` (and another ``index`` for the colour)
    to compare agents; the legend reports each series' ECE over its bins.

    Example:
      >>> from kdgap_sim import plotting
      >>> fig = plotting.reliability_diagram([0.1, 0.9, 0.8, 0.3], [0, 1, 1, 1], n_bins=5,
      ...                                    label="agent")
      >>> fig.axes[0].get_xlabel()
      'stated confidence (mean per bin)'
    """
    bins = reliability_bins(confidence, correct, n_bins, strategy)
    ax = new_axes(ax, (3.8, 3.6))
    if not any(line.get_gid() == "diagonal" for line in ax.get_lines()):
        ax.plot([0, 1], [0, 1], color="0.5", ls=":", lw=1, gid="diagonal", label="perfect calibration")
    text = f"{label + ', ' if label else ''}ECE = {bins.ece:.3f}"
    ax.errorbar(
        bins.confidence, bins.accuracy,
        yerr=[bins.accuracy - bins.low, bins.high - bins.accuracy],
        marker="o", ms=4, capsize=2, lw=1.2, color=color(index), label=text,
    )
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_aspect("equal")
    ax.set_xlabel("stated confidence (mean per bin)")
    ax.set_ylabel("observed accuracy (95% CI)")
    ax.set_title(f"{n_bins} {strategy} bins", loc="left")
    finish_axes(ax, legend=True)
    return ax.figure
