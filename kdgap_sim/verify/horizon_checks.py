"""Verify checks of theory/THEORY.md section 4: error accumulation over a long horizon.

Each check simulates the library: ``n_runs`` executors of
:mod:`kdgap_sim.horizon` with constant step accuracy ``p`` (``eps0 = 1 - p``,
``gamma = 0``) run on the execution task by :func:`kdgap_sim.horizon.run_execution`;
task accuracy ``A(i)`` (the fraction of runs with no error in steps 1..i) comes
from :func:`~kdgap_sim.horizon.task_accuracy_curve` and the first step below
``s`` from :func:`~kdgap_sim.horizon.empirical_horizon`. Both the simulation
and the library's closed forms (:func:`kdgap_sim.horizon.horizon`,
:func:`kdgap_sim.horizon.task_accuracy`) are compared with the formula written
out independently here (``math.log``, Python's ``**``), so a broken library
function fails the check.

- ``task-accuracy-power``: ``A(i) = p^i``.
- ``horizon-formula``: the horizon at success level ``s``, where ``A`` crosses
  ``s``, is ``H_s = ln s / ln p``.

Self-conditioning (errors that raise later error rates) is checked elsewhere.
The library functions are looked up on :mod:`kdgap_sim.horizon` at call time.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import jax
import numpy as np

from kdgap_sim import horizon as hz
from kdgap_sim.envs.execution import ExecutionTask
from kdgap_sim.verify._stats import Z, key_cached, table_measurement
from kdgap_sim.verify.registry import Measurement, register

# The library's closed forms are float64: they agree with the formula to rounding.
_CLOSED_FORM_RTOL = 1e-9


def _steps(quick: bool) -> int:
    """One static length per mode (one compilation): past 1.5 H_0.5 of the largest p used."""
    return 150 if quick else 1100


@key_cached
def simulate_execution(key, p: float, n_runs: int, n_steps: int):
    """``n_runs`` library executors with step accuracy ``p`` (summary of :func:`run_execution`).

    Cached on the key (a summary is a few integers per run): the two checks
    share the runs at ``p = 0.9``.
    """
    task = ExecutionTask(max_keys_per_turn=1)
    executor = hz.SelfConditioningExecutor(window=1)  # gamma = 0: the context does not matter
    params = hz.ExecutorParams(eps0=np.float32(1.0 - p), gamma=np.float32(0.0))
    return hz.run_execution(key, task, task.default_params(), executor, params, n_steps, n_runs,
                            bin_edges=(1, n_steps + 1))


def simulate_task_accuracy(key, p: float, n_runs: int, n_steps: int) -> np.ndarray:
    """Empirical task accuracy ``A(i)``, ``i = 1..n_steps``, by the library's ``task_accuracy_curve``."""
    out = simulate_execution(key, p, n_runs, n_steps)
    return np.asarray(hz.task_accuracy_curve(out, np.arange(1, n_steps + 1)), np.float64)


def horizon(s: float, p: float) -> float:
    """theory/THEORY.md section 4: ``H_s = ln s / ln p``."""
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
    """Simulated and library horizons vs ``claimed(s, p)`` (by default ``ln s / ln p``).

    Rows for each ``p``:

    - the simulated crossing (where ``ln A(i)`` crosses ``ln s``) vs the claim.
      Tolerance (delta method): the crossing moves by ``dA / (s |ln p|)`` when
      ``A`` is off by ``dA``, and ``sd(A) = sqrt(s (1 - s) / n)`` at the
      crossing, so tol = 4 sqrt(s (1 - s) / n) / (s |ln p|). ``ln A`` is linear
      in ``i`` in expectation, so the interpolation adds no bias;
    - ``empirical_horizon`` (the first whole step with ``A < s``) vs
      ``floor(claim) + 1``: it is ``ceil`` of the crossing, so tol + 1;
    - ``empirical_horizon`` vs the first step of ``task_accuracy_curve`` below
      ``s``: equal (tolerance 0);
    - ``kd.horizon.horizon(s, p)`` vs the claim: relative tolerance 1e-9.
    """
    n_runs = 20_000 if quick else 100_000
    p_values = (0.9, 0.99) if quick else (0.9, 0.99, 0.999)
    rows = []
    for index, p in enumerate(p_values):
        key_p = jax.random.fold_in(key, index)
        accuracy = simulate_task_accuracy(key_p, p, n_runs, _steps(quick))
        empirical = float(hz.empirical_horizon(simulate_execution(key_p, p, n_runs, _steps(quick)), s))
        below = np.flatnonzero(accuracy < s)
        first_below = float(below[0] + 1) if below.size else math.inf
        claim = claimed(s, p)
        tol = Z * math.sqrt(s * (1 - s) / n_runs) / (s * abs(math.log(p)))
        rows += [
            (f"p={p} simulated", crossing(accuracy, s), claim, tol),
            (f"p={p} empirical_horizon", empirical, math.floor(claim) + 1, tol + 1),
            (f"p={p} empirical_horizon vs curve", empirical, first_below, 0.0),
            (f"p={p} kd.horizon.horizon", float(hz.horizon(s, p)), claim, _CLOSED_FORM_RTOL * abs(claim)),
        ]
    return table_measurement(rows, f"s={s}, {n_runs} runs per p; tol 4 s.e. (delta method)")


@register(
    "horizon-formula",
    claim="With constant step accuracy p and no self-correction, H_s = ln s / ln p",
    formula="H_0.5: p=0.9 -> 6.6, 0.99 -> 69.0, 0.999 -> 692.8",
    source="theory/THEORY.md s4 (derived); Sinha et al. 2025, arXiv 2509.09677",
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
    """Simulated and library ``A(i)`` vs ``claimed(p, i)`` for every ``i <= 2 H_0.5``, p in {0.9, 0.98}.

    Simulated rows: tolerance ``z sqrt(c (1 - c) / n)`` with ``c`` the claimed
    value and ``z`` the Bonferroni-corrected 4-sigma level over all simulated
    steps compared. Library rows (``kd.horizon.task_accuracy(p, i)``):
    tolerance 1e-9 (float64 against the formula). The reported row is the worst.
    """
    n_runs = 20_000 if quick else 100_000
    candidates, library = [], []
    for index, p in enumerate((0.9, 0.98)):
        n_steps = int(math.ceil(2 * horizon(0.5, p)))
        accuracy = simulate_task_accuracy(jax.random.fold_in(key, index), p, n_runs, _steps(quick))
        steps = np.arange(1, n_steps + 1)
        closed = np.broadcast_to(np.asarray(hz.task_accuracy(p, steps), np.float64), steps.shape)
        candidates += [(p, i, accuracy[i - 1]) for i in steps.tolist()]
        library += [(p, i, float(closed[i - 1])) for i in steps.tolist()]
    z = bonferroni_z(len(candidates))
    rows = []
    for p, i, measured in candidates:
        c = claimed(p, i)
        rows.append((f"p={p} i={i}", measured, c, z * math.sqrt(max(c * (1 - c), 1e-12) / n_runs)))
    rows += [(f"p={p} i={i} kd.horizon.task_accuracy", value, claimed(p, i), _CLOSED_FORM_RTOL)
             for p, i, value in library]
    result = table_measurement(
        rows, f"{n_runs} runs; {len(candidates)} steps simulated and computed; z = {z:.2f}"
    )
    # Keep the details short: only the worst row, not every step.
    return result._replace(details=result.details.split("; rows:")[0])


@register(
    "task-accuracy-power",
    claim="Task accuracy under i.i.d. step accuracy p is p^i",
    formula="A(i) = P(no error in steps 1..i) = p^i",
    source="theory/THEORY.md s4 and cross-cutting; Sinha et al. 2025, arXiv 2509.09677",
)
def check_task_accuracy(key, quick: bool) -> Measurement:
    return measure_task_accuracy(key, quick)
