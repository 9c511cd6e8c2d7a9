"""Analysis of (stated confidence, correctness) logs and of rationale faithfulness.

theory/THEORY.md section 7 (Nezhurina et al. 2024, "Alice in Wonderland", arXiv
2406.02061): models fail confidently, with explanations that do not match
their computation, and accuracy fluctuates across variations of equal
difficulty. Given a log with one row per trial — the problem variation, whether
the answer was correct, the stated confidence and optionally the answer implied
by the stated rationale — this module reports:

- per-variation accuracy with binomial confidence intervals (Wilson score
  interval by default; exact Clopper-Pearson on request);
- overconfidence = mean confidence - accuracy, and the Brier score;
- rationale faithfulness: does the logged rationale determine the logged
  answer? Measured as the agreement rate P(answer = rationale's answer) and as
  the uncertainty coefficient U(answer | rationale) = 1 - H(answer | rationale)
  / H(answer) (Theil 1970), the fraction of the answer's entropy that the
  rationale explains (1: the answer is a function of the rationale).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from kdgap_sim import validation

INTERVAL_METHODS = ("wilson", "clopper-pearson")
POOLED_LABEL = "all"  # the report row pooling every variation


def _z(level: float) -> float:
    from scipy.stats import norm

    return float(norm.ppf(0.5 + level / 2.0))


def binomial_interval(
    successes: Any, trials: Any, level: float = 0.95, method: str = "wilson"
) -> tuple[np.ndarray, np.ndarray]:
    """Two-sided confidence interval for a binomial proportion.

    Wilson score interval (Wilson 1927, JASA 22:209):

    .. math:: \\frac{\\hat p + \\frac{z^2}{2n} \\pm z\\sqrt{\\frac{\\hat p(1-\\hat p)}{n}
       + \\frac{z^2}{4n^2}}}{1 + z^2/n};

    ``"clopper-pearson"``: the exact interval from Beta quantiles (Clopper &
    Pearson 1934, Biometrika 26:404), conservative.

    Args:
      successes: counts, array-like of ints.
      trials: numbers of trials (> 0), same shape.
      level: coverage in (0, 1).
      method: ``"wilson"`` or ``"clopper-pearson"``.

    Returns:
      ``(low, high)`` arrays.

    Example:
      >>> import kdgap_sim as kd
      >>> low, high = kd.metrics.binomial_interval(30, 60)
      >>> round(float(low), 3), round(float(high), 3)
      (0.377, 0.623)
    """
    validation.check_choice("method", method, INTERVAL_METHODS)
    if not isinstance(level, (int, float)) or not 0.0 < level < 1.0:
        raise ValueError(f"level must be a number in (0, 1), got {level!r}")
    k = validation.as_numeric_array("successes", successes).astype(np.float64)
    n = validation.as_numeric_array("trials", trials).astype(np.float64)
    for name, counts in (("successes", k), ("trials", n)):
        if not np.all(np.isfinite(counts)) or np.any(counts != np.round(counts)):
            raise ValueError(f"{name} must be whole counts (finite integers), got {counts!r}")
    if np.any(n <= 0) or np.any(k < 0) or np.any(k > n):
        raise ValueError(f"need 0 <= successes <= trials and trials > 0, got {k!r} of {n!r}")
    if method == "wilson":
        z = _z(level)
        p = k / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        return np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)
    from scipy.stats import beta

    alpha = 1.0 - level
    low = np.where(k > 0, beta.ppf(alpha / 2, np.maximum(k, 1e-12), n - k + 1), 0.0)
    high = np.where(k < n, beta.ppf(1 - alpha / 2, k + 1, np.maximum(n - k, 1e-12)), 1.0)
    return low, high


def _column(frame: pd.DataFrame, name: str, role: str) -> pd.Series:
    if name not in frame.columns:
        raise ValueError(f"log has no column {name!r} ({role}); columns are {list(frame.columns)}")
    return frame[name]


def _numeric_column(frame: pd.DataFrame, name: str, role: str, domain: str) -> np.ndarray:
    column = _column(frame, name, role)
    values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=np.float64)
    for row, (raw, value) in enumerate(zip(column.tolist(), values)):
        bad = math.isnan(value)
        if not bad and domain == "binary":
            bad = value not in (0.0, 1.0)
        if not bad and domain == "unit":
            bad = not 0.0 <= value <= 1.0
        if bad:
            expected = "0/1 or true/false" if domain == "binary" else "a number in [0, 1]"
            raise ValueError(f"row {row}, column {name!r}: expected {expected}, got {raw!r}")
    return values


def _as_frame(log: Any) -> pd.DataFrame:
    if isinstance(log, pd.DataFrame):
        return log.reset_index(drop=True)
    if isinstance(log, Mapping):
        return pd.DataFrame({k: np.asarray(v) for k, v in log.items()})
    raise TypeError(f"log must be a pandas DataFrame or a mapping of columns, got {type(log).__name__}")


def _as_binary(frame: pd.DataFrame, name: str) -> np.ndarray:
    column = _column(frame, name, "correctness")
    if column.dtype == bool:
        return column.to_numpy(dtype=np.float64)
    mapped = column.map(lambda v: {"true": 1.0, "false": 0.0}.get(v.lower(), v) if isinstance(v, str) else v)
    return _numeric_column(frame.assign(**{name: mapped}), name, "correctness", "binary")


def variation_report(
    log: Any,
    *,
    variation: str = "variation",
    correct: str = "correct",
    confidence: str | None = "confidence",
    level: float = 0.95,
    method: str = "wilson",
) -> pd.DataFrame:
    """Accuracy with a binomial interval, confidence and overconfidence per variation.

    Args:
      log: a DataFrame (or mapping of columns) with one row per trial.
      variation: column naming the problem variation (e.g. ``"N=3,M=6"``).
      correct: column of 0/1 (or booleans, "true"/"false") correctness.
      confidence: column of stated confidences in [0, 1], or None if not logged.
      level, method: of :func:`binomial_interval`.

    Returns:
      One row per variation plus a final row ``"all"``, with columns ``n``,
      ``n_correct``, ``accuracy``, ``ci_low``, ``ci_high`` and, when confidence
      is logged, ``mean_confidence``, ``overconfidence`` (mean confidence -
      accuracy) and ``brier``.

    Raises:
      ValueError: a column is missing, a cell is malformed (naming row and column), or a
        variation is named ``"all"`` (the pooled row's label).

    Example:
      >>> import kdgap_sim as kd
      >>> log = {"variation": ["a", "a", "b", "b"], "correct": [1, 0, 1, 1],
      ...        "confidence": [0.9, 0.9, 0.8, 1.0]}
      >>> report = kd.metrics.variation_report(log)
      >>> round(float(report.loc["a", "overconfidence"]), 2)
      0.4
    """
    frame = _as_frame(log)
    groups = _column(frame, variation, "variation").astype(str).to_numpy()
    y = _as_binary(frame, correct)
    q = _numeric_column(frame, confidence, "confidence", "unit") if confidence is not None else None
    if (groups == POOLED_LABEL).any():
        raise ValueError(
            f"{variation}: the label {POOLED_LABEL!r} is reserved for the pooled row of the report; "
            f"rename that variation (row {int(np.argmax(groups == POOLED_LABEL))})"
        )
    rows = {}
    labels = list(dict.fromkeys(groups.tolist())) + [POOLED_LABEL]
    for label in labels:
        mask = np.ones_like(y, bool) if label == POOLED_LABEL else groups == label
        n, k = int(mask.sum()), float(y[mask].sum())
        low, high = binomial_interval(k, n, level, method)
        row = {"n": n, "n_correct": int(k), "accuracy": k / n, "ci_low": float(low), "ci_high": float(high)}
        if q is not None:
            row["mean_confidence"] = float(q[mask].mean())
            row["overconfidence"] = row["mean_confidence"] - row["accuracy"]
            row["brier"] = float(np.mean((q[mask] - y[mask]) ** 2))
        rows[label] = row
    report = pd.DataFrame.from_dict(rows, orient="index")
    report.index.name = variation
    return report


def _entropy(labels: np.ndarray) -> float:
    _, counts = np.unique(labels, return_counts=True)
    p = counts / counts.sum()
    return float(-(p * np.log(p)).sum())


def rationale_faithfulness(
    rationale_answer: Any, answer: Any, level: float = 0.95
) -> dict[str, float]:
    """Does the stated rationale determine the answer given?

    Args:
      rationale_answer: per trial, the answer (or action) that the logged
        rationale implies, e.g. the result of the computation it wrote, or the
        action a UCB rationale recommends.
      answer: per trial, the answer (or action) actually given.
      level: coverage of the Wilson interval on the agreement rate.

    Returns:
      ``n``; ``agreement`` = P(answer = rationale's answer) with ``agreement_low``
      and ``agreement_high``; ``determination`` = U(answer | rationale) in
      [0, 1], 1 when the answer is a function of the rationale (1.0 by
      convention when the answer never varies). A missing value (NaN or None,
      e.g. a rationale that could not be parsed) is a category of its own in
      U, and never agrees with an answer.

    Example:
      >>> import kdgap_sim as kd
      >>> out = kd.metrics.rationale_faithfulness([1, 2, 3, 1], [1, 2, 3, 1])
      >>> out["agreement"], out["determination"]
      (1.0, 1.0)
    """
    r = np.asarray(rationale_answer)
    a = np.asarray(answer)
    if r.ndim != 1 or a.ndim != 1 or r.shape != a.shape or r.size == 0:
        raise ValueError(
            f"rationale_answer and answer must be non-empty 1-D arrays of equal length, "
            f"got shapes {r.shape} and {a.shape}"
        )
    n = r.size
    agree = float(np.sum(r == a))
    low, high = binomial_interval(agree, n, level, "wilson")
    # Category codes in which a missing value (NaN, None: e.g. an unparsed rationale) is one
    # category of its own; grouping by ``r == value`` dropped NaN rows from H(answer | rationale).
    r_codes, a_codes = (pd.factorize(pd.Series(x), use_na_sentinel=False)[0] for x in (r, a))
    h_answer = _entropy(a_codes)
    h_conditional = 0.0
    for value in np.unique(r_codes):
        mask = r_codes == value
        h_conditional += mask.mean() * _entropy(a_codes[mask])
    determination = 1.0 if h_answer == 0.0 else 1.0 - h_conditional / h_answer
    return {
        "n": float(n),
        "agreement": agree / n,
        "agreement_low": float(low),
        "agreement_high": float(high),
        "determination": float(determination),
    }


def trajectory_faithfulness(out: Any, level: float = 0.95) -> dict[str, float]:
    """:func:`rationale_faithfulness` of a rollout trajectory (batched or not).

    The rationale's answer is ``rationale.action`` and the answer the action
    taken; all seeds and trials are pooled.

    Example:
      >>> import jax, kdgap_sim as kd
      >>> env = kd.envs.make("bernoulli-bandit", n_arms=3)
      >>> agent, params = kd.agents.profile("faithful-ucb")
      >>> out = kd.rollout(jax.random.key(0), env, env.default_params(), agent, params, n_steps=20,
      ...              record="trajectory")
      >>> kd.metrics.trajectory_faithfulness(out)["agreement"]  # a faithful agent follows
      1.0
    """
    from kdgap_sim.metrics._common import as_trajectory

    trajectory = as_trajectory(out, "trajectory_faithfulness")
    return rationale_faithfulness(
        np.asarray(trajectory.rationale.action).ravel(), np.asarray(trajectory.action).ravel(), level
    )
