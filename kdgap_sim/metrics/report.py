"""Per-rollout metric tables and their mean and standard error over seeds."""

from __future__ import annotations

from typing import Any, Optional

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


def mean_and_se(values: Any, *, axis: Optional[int] = None, min_size: int = 1) -> tuple[Any, Any]:
    """Mean of independent replicates and its standard error, ``sd / sqrt(n)`` (``ddof = 1``).

    The library's one estimate of a mean's sampling error: summaries, verify's
    tolerances (``Z`` standard errors), paired intervals and figures all use it.

    Args:
      values: the replicates (any shape).
      axis: ``None`` for the mean over all elements (returns two floats), or the axis
        of the replicates (returns two arrays over the other axes).
      min_size: refuse fewer replicates than this; one replicate has no standard
        error, which is NaN unless ``min_size=2`` asks for an error instead.

    Raises:
      ValueError: ``values`` is empty, has NaN, or has fewer than ``min_size`` replicates.

    Example:
      >>> import kdgap_sim as kd
      >>> [round(x, 3) for x in kd.metrics.mean_and_se([1.0, 2.0, 3.0])]
      [2.0, 0.577]
      >>> mean, se = kd.metrics.mean_and_se([[1.0, 5.0], [3.0, 5.0]], axis=0)
      >>> mean.tolist(), se.tolist()
      ([2.0, 5.0], [1.0, 0.0])
    """
    array = validation.as_numeric_array("values", values).astype(np.float64)
    if axis is None:
        array = array.ravel()
    min_size = validation.check_int("min_size", min_size, minimum=1)
    axis_index = 0 if axis is None else validation.check_int("axis", axis)
    if not -array.ndim <= axis_index < max(array.ndim, 1):
        raise ValueError(f"axis {axis} is out of range for values of shape {array.shape}")
    size = array.shape[axis_index] if array.ndim else 1
    if array.size == 0:
        raise ValueError("values is empty")
    if np.isnan(array).any():
        where = tuple(int(i) for i in np.unravel_index(np.argmax(np.isnan(array)), array.shape))
        raise ValueError(f"values contains NaN at index {where[0] if len(where) == 1 else where}")
    if size < min_size:
        raise ValueError(f"values needs at least {min_size} replicates for a standard error, got {size}")
    mean = array.mean(axis=axis_index)
    if size == 1:
        se = np.full_like(mean, np.nan)
    else:
        se = array.std(axis=axis_index, ddof=1) / np.sqrt(size)
    if axis is None:
        return float(mean), float(se)
    return mean, se
