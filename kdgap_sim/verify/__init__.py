"""Numerical checks of theory/THEORY.md claims: ``kd.verify.run_all()`` or ``kdgap verify``."""

from kdgap_sim.verify.registry import (
    Check,
    CheckResult,
    Measurement,
    format_table,
    get,
    names,
    register,
    run,
    run_all,
)

__all__ = [
    "Check",
    "CheckResult",
    "Measurement",
    "format_table",
    "get",
    "names",
    "register",
    "run",
    "run_all",
]
