"""Per-rollout metric tables and their mean and standard error over seeds."""

from __future__ import annotations

from typing import Any

import numpy as np

from kdgap_sim import validation
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
    """Every summary metric of a (batched) rollout result, one array per metric.

    Example:
      >>> import jax, kdgap_sim as kd
      >>> env = kd.envs.make("bernoulli-bandit", n_arms=3)
      >>> agent, params = kd.agents.profile("faithful-ucb")
      >>> out = kd.rollout(jax.random.key(0), env, env.default_params(), agent, params, n_steps=20)
      >>> sorted(kd.metrics.describe(out))[:3]
      ['coverage', 'follow', 'follow_given_correct']
    """
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
    """Mean over all elements and its standard error ``sd / sqrt(n)`` (ddof = 1).

    One value has no standard error: it is returned as NaN. NaN values are refused.

    Example:
      >>> import kdgap_sim as kd
      >>> [round(x, 3) for x in kd.metrics.mean_and_se([1.0, 2.0, 3.0])]
      [2.0, 0.577]
    """
    array = validation.as_numeric_array("values", values).astype(np.float64).ravel()
    if array.size == 0:
        raise ValueError("values is empty")
    if np.isnan(array).any():
        raise ValueError(f"values contains NaN at index {int(np.argmax(np.isnan(array)))}")
    if array.size == 1:
        return float(array[0]), float("nan")
    return float(array.mean()), float(array.std(ddof=1) / np.sqrt(array.size))
