"""Per-rollout metric tables and their mean and standard error over seeds."""

from __future__ import annotations

from typing import Any

import numpy as np

from kdgap_sim.metrics.exploration import (
    action_coverage,
    cumulative_regret,
    greedy_fraction,
    min_frac,
    optimal_action_rate,
    suffix_failure,
)
from kdgap_sim.metrics.gap import knowing_doing_gap


def describe(out: Any) -> dict[str, np.ndarray]:
    """Every summary metric of a (batched) rollout result, one array per metric."""
    values = {
        "regret": cumulative_regret(out),
        "coverage": action_coverage(out),
        "greedy": greedy_fraction(out),
        "optimal_action": optimal_action_rate(out),
        "suffix_failure": suffix_failure(out).astype(np.float32),
        "min_frac": min_frac(out),
    }
    values.update(knowing_doing_gap(out))
    return {name: np.asarray(value) for name, value in values.items()}


def mean_and_se(values: Any) -> tuple[float, float]:
    """Mean over all elements and its standard error ``sd / sqrt(n)`` (ddof = 1)."""
    array = np.asarray(values, dtype=np.float64).ravel()
    if array.size == 0:
        raise ValueError("values is empty")
    if array.size == 1:
        return float(array[0]), float("nan")
    return float(array.mean()), float(array.std(ddof=1) / np.sqrt(array.size))
