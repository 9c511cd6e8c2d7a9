r"""Reductions over the short action axis, written so that XLA fuses them.

An agent's arrays end in an action axis of a few entries (2 to a few dozen
arms). ``jnp.sum``/``jnp.max``/``jnp.argmax``/``jnp.cumsum`` over such an axis
lower to XLA ``reduce``/``reduce-window`` operations; inside a vmapped
``lax.scan`` each becomes a separate pass over the whole batch on CPU, and a
trial of the rollout made about thirty of them. Written as a fold over the
``n`` slices of the axis — :math:`s = (\dots((x_0 + x_1) + x_2) \dots) + x_{n-1}`,
the order in which XLA's CPU reduction adds a short row — the same quantities
are elementwise arithmetic that fuses with its neighbours.

Each function falls back to its ``jnp`` namesake when the axis is longer than
:data:`MAX_UNROLLED` (then a reduction costs little beside the work).
``benchmarks/rollout_throughput.py`` measures the effect; ``tests/test_action_axis.py``
checks every function against ``jnp`` on random inputs.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp

from kdgap_sim.types import Array

__all__ = ["entry", "first_argmax", "largest", "running_total", "softmax", "total"]

MAX_UNROLLED = 16


def _slices(x: Array) -> list[Array]:
    return [x[..., i] for i in range(x.shape[-1])]


def _short(x: Array) -> bool:
    return 0 < x.shape[-1] <= MAX_UNROLLED


def _fold(x: Array, op, reduction) -> Array:
    """``op`` folded over the slices of a short last axis, else ``reduction(x, axis=-1)``."""
    x = jnp.asarray(x)
    if not _short(x):
        return reduction(x, axis=-1)
    return functools.reduce(op, _slices(x))


def total(x: Array) -> Array:
    """:math:`\\sum_a x_a` over the last axis, as a left fold.

    Example:
      >>> total(jnp.array([1.0, 2.0, 3.0]))
      Array(6., dtype=float32)
    """
    return _fold(x, jnp.add, jnp.sum)


def largest(x: Array) -> Array:
    """:math:`\\max_a x_a` over the last axis.

    Example:
      >>> largest(jnp.array([1.0, 3.0, 2.0]))
      Array(3., dtype=float32)
    """
    return _fold(x, jnp.maximum, jnp.max)


def first_argmax(x: Array) -> Array:
    """The first index of the largest entry of the last axis (``jnp.argmax`` for NaN-free ``x``), int32.

    Example:
      >>> first_argmax(jnp.array([1.0, 3.0, 3.0]))
      Array(1, dtype=int32)
    """
    x = jnp.asarray(x)
    if not _short(x):
        return jnp.argmax(x, axis=-1).astype(jnp.int32)
    slices = _slices(x)
    best, index = slices[0], jnp.zeros(slices[0].shape, jnp.int32)
    for i, value in enumerate(slices[1:], start=1):
        better = value > best
        best = jnp.where(better, value, best)
        index = jnp.where(better, jnp.int32(i), index)
    return index


def running_total(x: Array) -> Array:
    """Cumulative sum along the last axis (``jnp.cumsum``), each entry a left fold.

    Example:
      >>> running_total(jnp.array([1.0, 2.0, 3.0]))
      Array([1., 3., 6.], dtype=float32)
    """
    x = jnp.asarray(x)
    if not _short(x):
        return jnp.cumsum(x, axis=-1)
    partial, out = None, []
    for value in _slices(x):
        partial = value if partial is None else partial + value
        out.append(partial)
    return jnp.stack(out, axis=-1)


def entry(x: Array, index: Array) -> Array:
    """``x[..., index]`` for a (traced) integer ``index``, as a chain of selects.

    Equals ``sum(x * one_hot(index))`` for finite ``x``, without the reduction.

    Example:
      >>> entry(jnp.array([0.1, 0.7, 0.2]), 1)
      Array(0.7, dtype=float32)
    """
    x = jnp.asarray(x)
    index = jnp.asarray(index)
    if not _short(x):
        return jnp.take_along_axis(x, index[..., None].astype(jnp.int32), axis=-1)[..., 0]
    slices = _slices(x)
    out = slices[0]
    for i, value in enumerate(slices[1:], start=1):
        out = jnp.where(index == i, value, out)
    return out


def softmax(x: Array) -> Array:
    """:math:`\\exp(x_a - \\max x) / \\sum_b \\exp(x_b - \\max x)` over the last axis (``jax.nn.softmax``).

    Example:
      >>> softmax(jnp.array([0.0, 0.0]))
      Array([0.5, 0.5], dtype=float32)
    """
    x = jnp.asarray(x)
    if not _short(x):
        return jax.nn.softmax(x, axis=-1)
    unnormalised = jnp.exp(x - largest(x)[..., None])
    return unnormalised / total(unnormalised)[..., None]
