"""Registry of numerical checks of the claims in theory/THEORY.md.

A check is a function ``check(key, quick) -> Measurement`` registered under a
name with the claim it tests and the formula. It measures a quantity by
simulation or numerical computation and compares it with the claimed value,
within a tolerance derived from the sampling error (state how in the check's
docstring). ``run`` returns one :class:`CheckResult` per check;
``kdgap verify`` prints them and exits non-zero if any failed.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterable
from typing import NamedTuple

import jax

from kdgap_sim import validation
from kdgap_sim.progress import Progress
from kdgap_sim.registry import Registry
from kdgap_sim.types import PRNGKey


class Measurement(NamedTuple):
    """What a check function returns.

    Attributes:
      measured: the measured value.
      expected: the claimed value (or the bound being tested).
      tolerance: allowed deviation, derived from the sampling error.
      passed: whether the claim holds within the tolerance.
      details: free text (sample sizes, how the tolerance was derived).

    Example:
      >>> from kdgap_sim import verify
      >>> m = verify.Measurement(measured=0.251, expected=0.25, tolerance=0.01, passed=True)
      >>> m.passed, m.details
      (True, '')
    """

    measured: float
    expected: float
    tolerance: float
    passed: bool
    details: str = ""


class CheckResult(NamedTuple):
    """A measurement together with the claim it tests.

    Example:
      >>> from kdgap_sim import verify
      >>> m = verify.Measurement(measured=0.251, expected=0.25, tolerance=0.01, passed=True)
      >>> r = verify.CheckResult("toy", "claim", "formula", "theory/THEORY.md", *m[:4], m.details, 0.1)
      >>> r.name, r.passed
      ('toy', True)
    """

    name: str
    claim: str
    formula: str
    source: str
    measured: float
    expected: float
    tolerance: float
    passed: bool
    details: str
    seconds: float


@dataclasses.dataclass(frozen=True)
class Check:
    """A registered check.

    Example:
      >>> from kdgap_sim import verify
      >>> check = verify.Check("toy", "1 + 1 = 2", "1 + 1", "theory/THEORY.md", lambda key, quick: None)
      >>> check.name
      'toy'
    """

    name: str
    claim: str
    formula: str
    source: str
    function: Callable[[PRNGKey, bool], Measurement]


_CHECKS = Registry("verify check", callables=False, sort_names=False)


def register(name: str, *, claim: str, formula: str, source: str = "theory/THEORY.md"):
    """Decorator registering ``function(key, quick) -> Measurement`` under ``name``.

    Example (registers globally, so not executed here)::

        @verify.register("brier-proper", claim="argmin_q E[(q - Y)^2] = P(Y=1)", formula="...")
        def brier_proper(key, quick):
            return verify.Measurement(measured=..., expected=..., tolerance=..., passed=...)
    """

    def decorator(function: Callable[[PRNGKey, bool], Measurement]):
        _CHECKS.register(name, Check(name, claim, formula, source, function))
        return function

    return decorator


def names() -> tuple[str, ...]:
    """Names of all registered checks, in registration order.

    Example:
      >>> from kdgap_sim import verify
      >>> isinstance(verify.names(), tuple)
      True
    """
    _load_builtin_checks()
    return _CHECKS.names()


def get(name: str) -> Check:
    """The check registered as ``name``.

    Example:
      >>> from kdgap_sim import verify
      >>> verify.get("no-such-check")  # doctest: +ELLIPSIS
      Traceback (most recent call last):
      ...
      ValueError: unknown verify check 'no-such-check'; known: [...]
    """
    _load_builtin_checks()
    return _CHECKS.get_entry(name)


def run(
    selected: Iterable[str] | None = None, *, quick: bool = False, key: PRNGKey | None = None,
    progress: bool = False,
) -> list[CheckResult]:
    """Runs the selected checks (all by default); check ``name`` uses ``fold_in(key, i)``.

    ``progress=True`` reports each check as it ends on stderr (:mod:`kdgap_sim.progress`).

    Example:
      >>> from kdgap_sim import verify
      >>> verify.run([])   # no checks selected
      []
    """
    if isinstance(selected, str):
        raise TypeError(f"selected must be a list of check names, got the string {selected!r}; "
                        f"use [{selected!r}]")
    validation.check_bool("quick", quick)
    chosen = list(names()) if selected is None else list(selected)
    checks = [get(name) for name in chosen]
    if key is None:
        key = jax.random.key(0)
    validation.check_key(key)
    validation.check_bool("progress", progress)
    results = []
    with Progress(len(checks), "verify", "checks", enabled=progress) as bar:
        for index, check in enumerate(checks):
            start = time.perf_counter()
            m = check.function(jax.random.fold_in(key, index), quick)
            results.append(
                CheckResult(
                    check.name, check.claim, check.formula, check.source,
                    float(m.measured), float(m.expected), float(m.tolerance), bool(m.passed),
                    m.details, time.perf_counter() - start,
                )
            )
            bar.update(1, note=f"{check.name} {'PASS' if m.passed else 'FAIL'}")
    return results


def run_all(*, quick: bool = False, key: PRNGKey | None = None) -> list[CheckResult]:
    """Runs every registered check.

    Example (runs every registered check, so not executed here)::

        print(verify.format_table(verify.run_all(quick=True)))
    """
    return run(None, quick=quick, key=key)


def format_table(results: Iterable[CheckResult]) -> str:
    """A plain-text table: name, measured, expected, tolerance, ok.

    Example:
      >>> from kdgap_sim import verify
      >>> m = verify.Measurement(measured=0.251, expected=0.25, tolerance=0.01, passed=True)
      >>> r = verify.CheckResult("toy", "claim", "formula", "theory/THEORY.md", *m[:4], m.details, 0.1)
      >>> "PASS" in verify.format_table([r])
      True
    """
    rows = [("check", "measured", "expected", "tolerance", "ok", "seconds")]
    for r in results:
        rows.append(
            (r.name, f"{r.measured:.4g}", f"{r.expected:.4g}", f"{r.tolerance:.3g}",
             "PASS" if r.passed else "FAIL", f"{r.seconds:.1f}")
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


# Modules whose import registers checks. Each issue adds its own module here.
BUILTIN_CHECK_MODULES: tuple[str, ...] = (
    "kdgap_sim.verify.bandit_checks",
    "kdgap_sim.verify.scoring_checks",
    "kdgap_sim.verify.decision_checks",
    "kdgap_sim.verify.horizon_checks",
    "kdgap_sim.verify.rewards_checks",
    "kdgap_sim.verify.horizon_sc_checks",
)

_loaded = False


def _load_builtin_checks() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    import importlib

    for module in BUILTIN_CHECK_MODULES:
        importlib.import_module(module)
