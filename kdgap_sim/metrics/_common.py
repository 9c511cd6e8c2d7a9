"""Helpers shared by the metric modules."""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from kdgap_sim.types import Summary, Trajectory


def as_summary(out: Any) -> Summary:
    """The :class:`Summary` of a rollout result (a Summary or a Trajectory)."""
    if isinstance(out, Summary):
        return out
    if isinstance(out, Trajectory):
        return out.summary
    raise TypeError(f"expected a rollout result (Summary or Trajectory), got {type(out).__name__}")


def as_trajectory(out: Any, metric: str) -> Trajectory:
    """The Trajectory of a rollout result, or a TypeError saying ``metric`` needs one."""
    if isinstance(out, Trajectory):
        return out
    raise TypeError(f"{metric} needs a trajectory: run the rollout with record='trajectory'")


def rate(count: Any, total: Any) -> jnp.ndarray:
    """``count / total`` as float, 0 where ``total`` is 0, NaN where it is negative.

    A negative total is the -1 of a poisoned rollout (parameters out of their
    domain under ``jit``/``vmap``, :mod:`kdgap_sim.traced_checks`).
    """
    count = jnp.asarray(count, jnp.float32)
    total = jnp.asarray(total, jnp.float32)
    return jnp.where(total > 0, count / jnp.maximum(total, 1.0), jnp.where(total < 0, jnp.nan, 0.0))
