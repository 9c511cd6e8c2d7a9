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


def _concrete(name: str, value: Any) -> np.ndarray | None:
    """``value`` as a float64 array, or None for a tracer (checked at the caller's boundary)."""
    if validation.is_tracer(value):
        return None
    return validation.as_numeric_array(name, value).astype(np.float64)


def _check_broadcast(**arrays: Any) -> None:
    """Raises ValueError naming the arguments when their shapes do not broadcast."""
    shapes = {name: tuple(np.shape(value)) for name, value in arrays.items()}
    try:
        np.broadcast_shapes(*shapes.values())
    except ValueError:
        described = ", ".join(f"{name} {shape}" for name, shape in shapes.items())
        raise ValueError(f"shapes do not broadcast: {described}") from None


def check_steps(name: str, value: Any, maximum: int | None = None, whole: bool = True) -> None:
    """Raises unless every concrete element of ``value`` is a step in [0, maximum] (whole if asked)."""
    array = _concrete(name, value)
    if array is None:
        return
    if not np.isfinite(array).all() or (array < 0).any() or (whole and (array != np.floor(array)).any()):
        kind = "integer steps" if whole else "finite steps"
        raise ValueError(f"{name} must hold non-negative {kind}, got {value!r}")
    if maximum is not None and (array > maximum).any():
        raise ValueError(f"{name} must be at most the number of steps run ({maximum}), got {value!r}")


def _log_p(p: Any, xp: Any) -> Any:
    """``ln p``, from ``log1p(p - 1)`` near 1 (``p - 1`` is exact there) and ``log p`` below 1/2."""
    return xp.where(p >= 0.5, xp.log1p(p - 1), xp.log(p))


def task_accuracy(p: Any, i: Any) -> Array:
    """Task accuracy at step ``i`` with constant step accuracy ``p``: ``p**i``.

    ``p`` must lie in [0, 1] and ``i`` be finite and non-negative (shapes
    broadcast); a fractional ``i`` is the continuous extension, so that
    ``task_accuracy(p, horizon(s, p)) == s``. Concrete values are checked
    eagerly and computed in float64 with NumPy (a NumPy float64 result), so
    ``task_accuracy(1 - 1e-8, 1e8)`` is ``e**-1`` to 8 digits. Traced values
    (under ``jit``/``vmap``) are not checked and are computed in float32 (a JAX
    array): float32 rounds ``p`` near 1 by up to ``3e-8`` (``p > 1 - 3e-8``
    becomes 1), so the traced result has relative error up to about
    ``3e-8 i``; pass concrete values near ``p = 1``.

    Example:
      >>> round(float(task_accuracy(0.9, 2)), 6)
      0.81
      >>> round(float(task_accuracy(1 - 1e-8, 1e8)), 6)  # e ** -1
      0.367879
    """
    _check_broadcast(p=p, i=i)
    validation.check_in_domain("p", p, "unit")
    check_steps("i", i, whole=False)
    concrete_p, concrete_i = _concrete("p", p), _concrete("i", i)
    if concrete_p is None or concrete_i is None:
        return jnp.asarray(p, jnp.float32) ** jnp.asarray(i, jnp.float32)
    return np.power(concrete_p, concrete_i)


def horizon(s: Any, p: Any) -> Array:
    """Horizon at success level ``s`` with constant step accuracy ``p``: ``ln s / ln p``.

    The continuous solution of ``p**H = s``; the first integer step with task
    accuracy below ``s`` is ``floor(H) + 1``. Sinha et al. 2025, arXiv 2509.09677.
    ``s`` and ``p`` must lie in the open interval (0, 1) and their shapes broadcast.

    Concrete values are computed in float64 with NumPy (a NumPy float64
    result), with ``ln p = log1p(p - 1)`` for ``p >= 1/2`` so that the horizon
    stays accurate as ``p -> 1`` (``H_0.5 = 6.93e7`` at ``p = 1 - 1e-8``).
    Traced values (under ``jit``/``vmap``) are computed in float32 (a JAX
    array) with the same form; float32 rounds ``p`` near 1 by up to ``3e-8``,
    so the traced horizon has relative error up to about ``3e-8 / (1 - p)``
    (0.3% at ``p = 1 - 1e-5``, 3% at ``1 - 1e-6``; ``inf`` once ``p`` rounds
    to 1); pass concrete values near ``p = 1``.

    Example:
      >>> round(float(horizon(0.5, 0.99)), 1)
      69.0
      >>> round(float(horizon(0.5, 1 - 1e-8)) / 1e7, 4)  # ln 2 / 1e-8
      6.9315
    """
    _check_broadcast(s=s, p=p)
    arrays = {}
    for name, value in (("s", s), ("p", p)):
        array = arrays[name] = _concrete(name, value)
        if array is not None and not np.all((array > 0) & (array < 1)):  # NaN fails too
            raise ValueError(f"{name} must lie in the open interval (0, 1), got {value!r}")
    if arrays["s"] is None or arrays["p"] is None:
        s32, p32 = jnp.asarray(s, jnp.float32), jnp.asarray(p, jnp.float32)
        return jnp.where(p32 < 1, jnp.log(s32) / _log_p(p32, jnp), jnp.inf)
    return np.log(arrays["s"]) / _log_p(arrays["p"], np)
