"""Verify checks of THEORY.md section 4: error accumulation over a long horizon.

Runs of i.i.d. steps, each correct with probability ``p``, are simulated step
by step; task accuracy ``A(i)`` is the fraction of runs with no error in steps
1..i.

- ``task-accuracy-power``: ``A(i) = p^i``.
- ``horizon-formula``: the horizon at success level ``s``, where ``A`` crosses
  ``s``, is ``H_s = ln s / ln p``.

Self-conditioning (errors that raise later error rates) is checked elsewhere.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np

from kdgap_sim.verify._stats import Z, key_cached, table_measurement
from kdgap_sim.verify.registry import Measurement, register


@functools.partial(jax.jit, static_argnames=("n_runs", "n_steps"))
def _survivors(key, p, n_runs: int, n_steps: int):
    """Number of runs with no error in steps 1..i, for i = 1..n_steps (one uniform per run and step)."""

    def step(alive, i):
        correct = jax.random.uniform(jax.random.fold_in(key, i), (n_runs,)) < p
        alive = alive & correct
        return alive, jnp.sum(alive)

    _, counts = jax.lax.scan(step, jnp.ones((n_runs,), bool), jnp.arange(n_steps))
    return counts


def _steps(quick: bool) -> int:
    """One static length per mode (one compilation): past 1.5 H_0.5 of the largest p used."""
    return 150 if quick else 1100


@key_cached
def simulate_task_accuracy(key, p: float, n_runs: int, n_steps: int) -> np.ndarray:
    """Empirical task accuracy ``A(i)``, ``i = 1..n_steps``, from ``n_runs`` simulated runs."""
    return np.asarray(_survivors(key, jnp.float32(p), n_runs, n_steps), np.float64) / n_runs


def horizon(s: float, p: float) -> float:
    """THEORY.md section 4: ``H_s = ln s / ln p``."""
    return math.log(s) / math.log(p)


def crossing(accuracy: np.ndarray, s: float) -> float:
    """Where ``ln A(i)`` crosses ``ln s``, interpolating linearly in ``i`` (``A(0) = 1``)."""
    curve = np.concatenate([[1.0], accuracy])
    below = np.flatnonzero(curve < s)
    if below.size == 0:
        return math.inf
    j = int(below[0])
    lo, hi = math.log(curve[j - 1]), math.log(max(curve[j], 1e-300))
    return (j - 1) + (lo - math.log(s)) / (lo - hi)


def measure_horizon(
    key, quick: bool, claimed: Callable[[float, float], float] = horizon, s: float = 0.5
) -> Measurement:
    """Simulated crossing of task accuracy with ``s`` vs ``claimed(s, p)``.

    Tolerance (delta method): the crossing moves by ``dA / (s |ln p|)`` when
    ``A`` is off by ``dA``, and ``sd(A) = sqrt(s (1 - s) / n)`` at the crossing,
    so tol = 4 sqrt(s (1 - s) / n) / (s |ln p|). ``ln A`` is linear in ``i`` in
    expectation, so the interpolation adds no bias.
    """
    n_runs = 20_000 if quick else 100_000
    p_values = (0.9, 0.99) if quick else (0.9, 0.99, 0.999)
    rows = []
    for index, p in enumerate(p_values):
        accuracy = simulate_task_accuracy(jax.random.fold_in(key, index), p, n_runs, _steps(quick))
        tol = Z * math.sqrt(s * (1 - s) / n_runs) / (s * abs(math.log(p)))
        rows.append((f"p={p}", crossing(accuracy, s), claimed(s, p), tol))
    return table_measurement(rows, f"s={s}, {n_runs} runs per p; tol 4 s.e. (delta method)")


@register(
    "horizon-formula",
    claim="With constant step accuracy p and no self-correction, H_s = ln s / ln p",
    formula="H_0.5: p=0.9 -> 6.6, 0.99 -> 69.0, 0.999 -> 692.8",
    source="THEORY.md s4 (derived); Sinha et al. 2025, arXiv 2509.09677",
)
def check_horizon(key, quick: bool) -> Measurement:
    return measure_horizon(key, quick)


def bonferroni_z(n_tests: int, z_single: float = Z) -> float:
    """The z giving ``n_tests`` two-sided tests the family-wise level of one ``z_single`` test."""
    alpha = math.erfc(z_single / math.sqrt(2.0))
    return float(-jax.scipy.special.ndtri(alpha / (2.0 * n_tests)))


def measure_task_accuracy(
    key, quick: bool, claimed: Callable[[float, int], float] = lambda p, i: p**i
) -> Measurement:
    """Simulated ``A(i)`` vs ``claimed(p, i)`` for every ``i <= 2 H_0.5``, p in {0.9, 0.98}.

    Tolerance per step: ``z sqrt(c (1 - c) / n)`` with ``c`` the claimed value
    and ``z`` the Bonferroni-corrected 4-sigma level over all steps compared.
    The reported row is the worst step.
    """
    n_runs = 20_000 if quick else 100_000
    candidates = []
    for index, p in enumerate((0.9, 0.98)):
        n_steps = int(math.ceil(2 * horizon(0.5, p)))
        accuracy = simulate_task_accuracy(jax.random.fold_in(key, index), p, n_runs, _steps(quick))
        candidates += [(p, i, accuracy[i - 1]) for i in range(1, n_steps + 1)]
    z = bonferroni_z(len(candidates))
    rows = []
    for p, i, measured in candidates:
        c = claimed(p, i)
        rows.append((f"p={p} i={i}", measured, c, z * math.sqrt(max(c * (1 - c), 1e-12) / n_runs)))
    result = table_measurement(rows, f"{n_runs} runs; {len(rows)} steps compared; z = {z:.2f}")
    # Keep the details short: only the worst row, not every step.
    return result._replace(details=result.details.split("; rows:")[0])


@register(
    "task-accuracy-power",
    claim="Task accuracy under i.i.d. step accuracy p is p^i",
    formula="A(i) = P(no error in steps 1..i) = p^i",
    source="THEORY.md s4 and cross-cutting; Sinha et al. 2025, arXiv 2509.09677",
)
def check_task_accuracy(key, quick: bool) -> Measurement:
    return measure_task_accuracy(key, quick)
