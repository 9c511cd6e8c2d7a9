"""Small helpers shared by the check modules: the tolerance in standard errors, table measurements, memoised simulations."""

from __future__ import annotations

import functools
from collections.abc import Sequence

import jax
import numpy as np

from kdgap_sim.verify.registry import Measurement

# Tolerances are this many standard errors of the measured quantity: for a
# Gaussian estimate a correct claim fails with probability 6e-5.
Z = 4.0


def table_measurement(rows: Sequence[tuple[str, float, float, float]], note: str) -> Measurement:
    """Combines rows ``(label, measured, expected, tolerance)`` into one Measurement.

    The check passes when every row is within its tolerance; the reported row
    is the one with the largest ``|measured - expected| / tolerance``; every row
    is listed in ``details``.
    """
    ratios = [abs(m - e) / t if t > 0 else (0.0 if m == e else np.inf) for _, m, e, t in rows]
    worst = int(np.argmax(ratios))
    label, measured, expected, tolerance = rows[worst]
    lines = [f"{lab}: {m:.4g} vs {e:.4g} +- {t:.2g}" for lab, m, e, t in rows]
    details = f"{note}; worst row {label}; rows: " + "; ".join(lines)
    return Measurement(measured, expected, tolerance, bool(max(ratios) <= 1.0), details)


def key_cached(function):
    """Memoises ``function(key, *args)`` on the key's bits and the (hashable) args.

    Simulations are deterministic given their key, so a check measured twice
    with the same key (e.g. once against the claimed formula and once against a
    deliberately wrong one, in tests) simulates once. Cache only small results.
    """
    store: dict = {}

    @functools.wraps(function)
    def wrapper(key, *args):
        token = (np.asarray(jax.random.key_data(key)).tobytes(), args)
        if token not in store:
            store[token] = function(key, *args)
        return store[token]

    wrapper.cache_clear = store.clear
    return wrapper
