"""Closed forms for constant step accuracy (gamma = 0): task accuracy and horizon.

Sinha et al. (2025), arXiv 2509.09677: with step accuracy ``p`` and no
self-correction, task accuracy at step ``i`` is ``p**i`` and the horizon at
success level ``s`` solves ``p**H = s``.
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp
import numpy as np

from kdgap_sim import validation
from kdgap_sim.types import Array


def task_accuracy(p: Any, i: Any) -> Array:
    """Task accuracy at step ``i`` with constant step accuracy ``p``: ``p**i``.

    Example:
      >>> round(float(task_accuracy(0.9, 2)), 6)
      0.81
    """
    return jnp.asarray(p, jnp.float32) ** jnp.asarray(i, jnp.float32)


def horizon(s: Any, p: Any) -> Array:
    """Horizon at success level ``s`` with constant step accuracy ``p``: ``ln s / ln p``.

    The continuous solution of ``p**H = s``; the first integer step with task
    accuracy below ``s`` is ``floor(H) + 1``. Sinha et al. 2025, arXiv 2509.09677.

    Example:
      >>> round(float(horizon(0.5, 0.99)), 1)
      69.0
    """
    for name, value in (("s", s), ("p", p)):
        if not validation.is_tracer(value):
            array = validation.as_numeric_array(name, value)
            if np.any((array <= 0) | (array >= 1)):
                raise ValueError(f"{name} must lie in the open interval (0, 1), got {value!r}")
    return jnp.log(jnp.asarray(s, jnp.float32)) / jnp.log(jnp.asarray(p, jnp.float32))
