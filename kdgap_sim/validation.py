"""Checks run eagerly, before any tracing: shapes, ranges, NaN, unknown keys.

Every public entry point calls these on concrete inputs so that a bad value
raises a ``ValueError``/``TypeError`` that names the parameter, the value and
what was expected, instead of failing deep inside a compiled function. Values
that are JAX tracers (the function is being traced by a caller's ``jit`` or
``vmap``) are skipped here; :mod:`kdgap_sim.traced_checks` checks them inside
the traced computation with :func:`in_domain`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

# Named domains for parameters, in the spirit of numpyro's ``arg_constraints``.
DOMAINS: dict[str, tuple[float, float, str]] = {
    "real": (-math.inf, math.inf, "a finite real number"),
    "unit": (0.0, 1.0, "a probability in [0, 1]"),
    "nonnegative": (0.0, math.inf, "a non-negative number"),
    "positive": (0.0, math.inf, "a positive number"),
}


def is_tracer(value: Any) -> bool:
    """True when ``value`` is an abstract JAX value (inside jit/vmap/grad)."""
    return isinstance(value, jax.core.Tracer)


def _summarise(value: Any) -> str:
    """``repr`` of a value as a user wrote it: NumPy/JAX scalars and arrays as Python numbers."""
    if isinstance(value, (np.generic, np.ndarray, jax.Array)) and not is_tracer(value):
        array = np.asarray(value)
        if np.issubdtype(array.dtype, np.floating):  # float32 1.8 reads 1.8, not 1.7999999523
            array = np.array([float(str(x)) for x in array.ravel()]).reshape(array.shape)
        value = array.item() if array.ndim == 0 else array.tolist()
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def as_numeric_array(name: str, value: Any) -> np.ndarray:
    """Converts a concrete value to a NumPy array, or raises TypeError naming it."""
    if isinstance(value, (str, bytes)) or value is None:
        raise TypeError(f"{name} must be numeric, got {_summarise(value)}")
    try:
        array = np.asarray(value)
    except Exception as err:  # noqa: BLE001 - any conversion failure is a type error here
        raise TypeError(f"{name} must be numeric, got {_summarise(value)}") from err
    if array.dtype == object or not (
        np.issubdtype(array.dtype, np.number) or np.issubdtype(array.dtype, np.bool_)
    ):
        raise TypeError(f"{name} must be numeric, got {_summarise(value)} (dtype {array.dtype})")
    return array


def check_in_domain(name: str, value: Any, domain: str) -> None:
    """Raises if any element of ``value`` is NaN, infinite or outside ``domain``.

    Args:
      name: the parameter's name, used in the error message.
      value: a scalar or array; skipped if it is a tracer.
      domain: a key of :data:`DOMAINS`.
    """
    if is_tracer(value):
        return
    low, high, text = DOMAINS[domain]
    array = as_numeric_array(name, value).astype(np.float64)
    if np.isnan(array).any():
        raise ValueError(f"{name} contains NaN: {_summarise(value)}; expected {text}")
    if np.isinf(array).any():
        raise ValueError(f"{name} must be finite, got {_summarise(value)}; expected {text}")
    bad = (array < low) | (array > high)
    if domain == "positive":
        bad |= array <= 0
    if bad.any():
        raise ValueError(f"{name} must be {text}, got {_summarise(value)}")


def in_domain(value: Any, domain: str) -> jax.Array:
    """A traceable boolean: every element of ``value`` is finite and inside ``domain``.

    The traced counterpart of :func:`check_in_domain`, for values whose
    concrete numbers are only known inside a ``jit``/``vmap``.

    Example:
      >>> from kdgap_sim import validation
      >>> bool(validation.in_domain(1.5, "unit")), bool(validation.in_domain([0.0, 2.0], "nonnegative"))
      (False, True)
    """
    low, high, _ = DOMAINS[domain]
    array = jnp.asarray(value, jnp.float32)
    ok = jnp.isfinite(array) & (array >= low) & (array <= high)
    if domain == "positive":
        ok &= array > 0
    return jnp.all(ok)


def domain_text(domain: str) -> str:
    """What a value in ``domain`` is, in words (``"a probability in [0, 1]"``)."""
    return DOMAINS[domain][2]


def check_shape(name: str, value: Any, shape: tuple[int, ...]) -> None:
    """Raises ValueError if a concrete ``value`` does not have exactly ``shape``."""
    if is_tracer(value):
        if tuple(value.shape) != tuple(shape):
            raise ValueError(f"{name} must have shape {shape}, got {tuple(value.shape)}")
        return
    actual = np.shape(value)
    if tuple(actual) != tuple(shape):
        raise ValueError(f"{name} must have shape {tuple(shape)}, got {tuple(actual)}")


def check_int(name: str, value: Any, minimum: int | None = None) -> int:
    """Returns ``value`` as a Python int, raising if it is not an integer >= minimum."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {_summarise(value)}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def check_bool(name: str, value: Any) -> bool:
    """Returns ``value``, raising TypeError unless it is a bool (``"false"`` is not False)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {_summarise(value)}")
    return bool(value)


def check_choice(name: str, value: Any, options: Iterable[str]) -> str:
    """Raises ValueError unless ``value`` is one of ``options``."""
    options = tuple(options)
    if value not in options:
        raise ValueError(f"{name} must be one of {options}, got {_summarise(value)}")
    return value


def check_unknown_keys(name: str, given: Mapping[str, Any], allowed: Iterable[str]) -> None:
    """Raises ValueError listing keys of ``given`` that are not in ``allowed``."""
    allowed = set(allowed)
    unknown = sorted(set(given) - allowed)
    if unknown:
        raise ValueError(
            f"unknown {name} key(s) {unknown}; allowed keys are {sorted(allowed)}"
        )


def check_key(key: Any, name: str = "key") -> None:
    """Raises TypeError unless ``key`` is one JAX PRNG key (typed, shape ``()``, or raw uint32[2]).

    A batch of keys is refused by name here rather than by ``jax.random`` deep inside a trace;
    functions that run many seeds take one key and derive the seeds' keys from it.
    """
    if is_tracer(key):
        return
    if isinstance(key, jax.Array) and jax.dtypes.issubdtype(key.dtype, jax.dtypes.prng_key):
        if key.shape == ():
            return
        raise TypeError(f"{name} must be one jax.random key, got a batch of keys of shape {key.shape}")
    array = np.asarray(key) if isinstance(key, (np.ndarray, jax.Array)) else None
    if array is not None and array.dtype == np.uint32 and array.shape == (2,):
        return
    if array is not None and array.dtype == np.uint32 and array.shape[-1:] == (2,):
        raise TypeError(f"{name} must be one jax.random key, got raw key data of shape {array.shape}")
    raise TypeError(
        f"{name} must be a jax.random key (e.g. jax.random.key(0)), got {_summarise(key)}"
    )
