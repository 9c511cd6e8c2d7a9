"""Calibration of stated confidence: Brier, log score, ECE, MCE, reliability, AUROC.

Inputs are 1-D arrays of stated confidences :math:`q_i \\in [0, 1]` and
outcomes :math:`y_i \\in \\{0, 1\\}` (1 = the answer/action was correct). Bins
for the expected calibration error are equal-width on [0, 1] (default, 10
bins) or equal-mass (quantiles of the confidences: sorted confidences cut into
``n_bins`` groups of equal size up to one; equal confidences always share a
bin, the one of their first sorted position, so ties can make bins unequal and
the result never depends on the order of the rows). All functions are written in
``jnp`` with a static ``n_bins`` so they can run inside ``jit``; concrete
inputs are validated eagerly.

Sources: Brier (1950), Mon. Weather Rev. 78:1; Naeini, Cooper & Hauskrecht
(2015), AAAI, "Obtaining well calibrated probabilities using Bayesian binning"
(ECE, MCE); Guo et al. (2017), arXiv 1706.04599 (reliability diagrams); Nixon
et al. (2019), arXiv 1904.01685 (equal-mass binning).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import jax.numpy as jnp
import numpy as np

from kdgap_sim import validation
from kdgap_sim.types import Array

BINNINGS = ("width", "mass")
_EPS = 1e-12


class ReliabilityCurve(NamedTuple):
    """Per-bin calibration statistics (empty bins have ``count == 0`` and NaN means).

    Attributes:
      edges: bin edges, ``[n_bins + 1]`` (for ``"mass"`` binning, the confidence
        quantiles; first edge 0, last edge 1).
      mean_confidence: mean stated confidence in each bin, ``[n_bins]``.
      accuracy: fraction correct in each bin, ``[n_bins]``.
      count: number of predictions in each bin, ``[n_bins]``.

    Example:
      >>> import kdgap_sim as kd
      >>> curve = kd.metrics.reliability_curve([0.2, 0.8, 0.9], [0, 1, 0], n_bins=2)
      >>> type(curve).__name__, curve.edges.tolist()
      ('ReliabilityCurve', [0.0, 0.5, 1.0])
      >>> [round(float(a), 2) for a in curve.accuracy]
      [0.0, 0.5]
    """

    edges: Array
    mean_confidence: Array
    accuracy: Array
    count: Array


def _check_inputs(confidence: Any, correct: Any) -> None:
    for name, value in (("confidence", confidence), ("correct", correct)):
        if validation.is_tracer(value):
            continue
        array = validation.as_numeric_array(name, value)
        if array.ndim != 1 or array.size == 0:
            raise ValueError(f"{name} must be a non-empty 1-D array, got shape {array.shape}")
    if not validation.is_tracer(confidence):
        validation.check_in_domain("confidence", confidence, "unit")
    if not validation.is_tracer(correct):
        array = np.asarray(correct)
        if not ((array == 0) | (array == 1)).all():
            raise ValueError("correct must contain only 0/1 or booleans")
    if np.shape(confidence) != np.shape(correct):
        raise ValueError(
            f"confidence and correct must have the same shape, got {np.shape(confidence)} "
            f"and {np.shape(correct)}"
        )


def _check_bins(n_bins: Any, binning: Any) -> None:
    validation.check_int("n_bins", n_bins, minimum=1)
    validation.check_choice("binning", binning, BINNINGS)


def brier_score(confidence: Any, correct: Any) -> Array:
    """Brier score :math:`\\frac1n\\sum_i (q_i - y_i)^2` (lower is better; a proper rule).

    Example:
      >>> import kdgap_sim as kd
      >>> float(kd.metrics.brier_score([1.0, 0.5], [1, 0]))
      0.125
    """
    _check_inputs(confidence, correct)
    q = jnp.asarray(confidence, jnp.float32)
    y = jnp.asarray(correct).astype(jnp.float32)
    return jnp.mean((q - y) ** 2)


def log_score(confidence: Any, correct: Any, eps: float = 1e-6) -> Array:
    """Mean log probability of the outcomes :math:`\\frac1n\\sum_i y_i\\log q_i + (1-y_i)\\log(1-q_i)`.

    Higher is better (0 is perfect); ``q`` is clipped to ``[eps, 1 - eps]``.

    Example:
      >>> import kdgap_sim as kd
      >>> round(float(kd.metrics.log_score([0.5, 0.5], [1, 0])), 4)
      -0.6931
    """
    _check_inputs(confidence, correct)
    if not validation.is_tracer(eps):
        validation.check_in_domain("eps", eps, "unit")
        if not 0.0 < float(eps) < 0.5:
            raise ValueError(f"eps must lie in (0, 0.5), got {eps!r}")
    q = jnp.clip(jnp.asarray(confidence, jnp.float32), eps, 1.0 - eps)
    y = jnp.asarray(correct).astype(jnp.float32)
    return jnp.mean(y * jnp.log(q) + (1.0 - y) * jnp.log1p(-q))


def _bin_index(q: Array, n_bins: int, binning: str) -> tuple[Array, Array]:
    n = q.shape[0]
    if binning == "width":
        # Edges k / n_bins rounded once to float32, and bins [e_k, e_{k+1}) found by comparison:
        # a confidence stated as k / n_bins falls in bin k. floor(q * n_bins) in float32 put
        # 0.53 and 0.59 one bin low with 100 bins (the product rounds below the integer).
        edges = jnp.asarray((np.arange(n_bins + 1) / n_bins).astype(np.float32))
        index = jnp.searchsorted(edges[1:-1], q, side="right").astype(jnp.int32)
        return index, edges
    sorted_q = jnp.sort(q)
    # Rank of each confidence = its first position in sorted order, so equal confidences share a
    # bin and the bins depend on the values only, never on the order of the rows.
    rank = jnp.searchsorted(sorted_q, q, side="left").astype(jnp.int32)
    index = jnp.minimum((rank * n_bins) // n, n_bins - 1).astype(jnp.int32)
    starts = jnp.minimum((jnp.arange(1, n_bins) * n + n_bins - 1) // n_bins, n - 1)
    edges = jnp.concatenate([jnp.zeros((1,)), sorted_q[starts], jnp.ones((1,))])
    return index, edges


def reliability_curve(
    confidence: Any, correct: Any, n_bins: int = 10, binning: str = "width"
) -> ReliabilityCurve:
    """Mean confidence, accuracy and count per confidence bin.

    Args:
      confidence: stated confidences, ``[n]`` in [0, 1].
      correct: outcomes, ``[n]`` in {0, 1}.
      n_bins: number of bins (static).
      binning: ``"width"`` (equal-width on [0, 1]) or ``"mass"`` (equal count).

    Example:
      >>> import kdgap_sim as kd
      >>> curve = kd.metrics.reliability_curve([0.1, 0.9, 0.95], [0, 1, 1], n_bins=2)
      >>> [int(c) for c in curve.count]
      [1, 2]
    """
    _check_inputs(confidence, correct)
    _check_bins(n_bins, binning)
    q = jnp.asarray(confidence, jnp.float32)
    y = jnp.asarray(correct).astype(jnp.float32)
    index, edges = _bin_index(q, n_bins, binning)
    count = jnp.zeros((n_bins,), jnp.float32).at[index].add(1.0)
    conf_sum = jnp.zeros((n_bins,), jnp.float32).at[index].add(q)
    acc_sum = jnp.zeros((n_bins,), jnp.float32).at[index].add(y)
    safe = jnp.maximum(count, 1.0)
    mean_conf = jnp.where(count > 0, conf_sum / safe, jnp.nan)
    accuracy = jnp.where(count > 0, acc_sum / safe, jnp.nan)
    return ReliabilityCurve(edges=edges, mean_confidence=mean_conf, accuracy=accuracy, count=count)


def expected_calibration_error(
    confidence: Any, correct: Any, n_bins: int = 10, binning: str = "width"
) -> Array:
    """ECE :math:`= \\sum_b \\frac{n_b}{n}\\,|\\mathrm{acc}_b - \\mathrm{conf}_b|`.

    Note that with finite samples the ECE of a perfectly calibrated predictor is
    positive (of order :math:`\\sqrt{n_{\\text{bins}}/n}`).

    Example:
      >>> import kdgap_sim as kd
      >>> round(float(kd.metrics.expected_calibration_error([0.9, 0.9], [1, 0])), 3)
      0.4
    """
    curve = reliability_curve(confidence, correct, n_bins, binning)
    weight = curve.count / jnp.sum(curve.count)
    gap = jnp.abs(jnp.nan_to_num(curve.accuracy - curve.mean_confidence))
    return jnp.sum(weight * gap)


def max_calibration_error(
    confidence: Any, correct: Any, n_bins: int = 10, binning: str = "width"
) -> Array:
    """MCE :math:`= \\max_{b: n_b > 0} |\\mathrm{acc}_b - \\mathrm{conf}_b|`.

    Example:
      >>> import kdgap_sim as kd
      >>> round(float(kd.metrics.max_calibration_error([0.1, 0.9], [0, 0], n_bins=2)), 3)
      0.9
    """
    curve = reliability_curve(confidence, correct, n_bins, binning)
    gap = jnp.where(curve.count > 0, jnp.abs(curve.accuracy - curve.mean_confidence), 0.0)
    return jnp.max(gap)


def overconfidence(confidence: Any, correct: Any) -> Array:
    """Mean confidence minus accuracy (> 0: overconfident on average).

    Example:
      >>> import kdgap_sim as kd
      >>> round(float(kd.metrics.overconfidence([0.9, 0.9], [1, 0])), 3)
      0.4
    """
    _check_inputs(confidence, correct)
    q = jnp.asarray(confidence, jnp.float32)
    y = jnp.asarray(correct).astype(jnp.float32)
    return jnp.mean(q) - jnp.mean(y)


def confidence_auroc(confidence: Any, correct: Any) -> Array:
    """AUROC of confidence as a score for correctness (ties count 1/2).

    The probability that a random correct answer got a higher confidence than a
    random wrong one (Mann-Whitney U / (n_pos n_neg), with mid-ranks for ties);
    NaN if all answers are correct or all wrong. 0.5 = confidence carries no
    information about correctness (Hanley & McNeil 1982, Radiology 143:29).

    Example:
      >>> import kdgap_sim as kd
      >>> float(kd.metrics.confidence_auroc([0.2, 0.4, 0.6, 0.8], [0, 1, 0, 1]))
      0.75
    """
    _check_inputs(confidence, correct)
    q = jnp.asarray(confidence, jnp.float32)
    y = jnp.asarray(correct).astype(jnp.float32)
    sorted_q = jnp.sort(q)
    low = jnp.searchsorted(sorted_q, q, side="left")
    high = jnp.searchsorted(sorted_q, q, side="right")
    midrank = (low + high + 1).astype(jnp.float32) / 2.0  # 1-based mid-ranks
    n_pos = jnp.sum(y)
    n_neg = y.shape[0] - n_pos
    u = jnp.sum(midrank * y) - n_pos * (n_pos + 1.0) / 2.0
    return jnp.where((n_pos > 0) & (n_neg > 0), u / jnp.maximum(n_pos * n_neg, 1.0), jnp.nan)


def calibration_report(
    confidence: Any, correct: Any, n_bins: int = 10, binning: str = "width"
) -> dict[str, float]:
    """Every calibration metric of one set of predictions, as Python floats.

    Example:
      >>> import kdgap_sim as kd
      >>> report = kd.metrics.calibration_report([0.9, 0.9, 0.6, 0.6], [1, 0, 1, 1], n_bins=2)
      >>> sorted(report)
      ['accuracy', 'auroc', 'brier', 'ece', 'log_score', 'mce', 'mean_confidence', 'n', 'overconfidence']
      >>> round(report["overconfidence"], 3)
      0.0
    """
    _check_inputs(confidence, correct)
    return {
        "n": float(np.size(confidence)),
        "accuracy": float(np.mean(np.asarray(correct, dtype=np.float64))),
        "mean_confidence": float(np.mean(np.asarray(confidence, dtype=np.float64))),
        "overconfidence": float(overconfidence(confidence, correct)),
        "brier": float(brier_score(confidence, correct)),
        "log_score": float(log_score(confidence, correct)),
        "ece": float(expected_calibration_error(confidence, correct, n_bins, binning)),
        "mce": float(max_calibration_error(confidence, correct, n_bins, binning)),
        "auroc": float(confidence_auroc(confidence, correct)),
    }
