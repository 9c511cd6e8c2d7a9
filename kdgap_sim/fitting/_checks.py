"""Eager argument checks shared by the fitting functions (built on :mod:`kdgap_sim.validation`).

Like :mod:`kdgap_sim.validation`, every check of an array's *values* is skipped
for JAX tracers (a caller's ``jit``/``vmap``/``grad``); shapes are checked always.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from kdgap_sim import validation
from kdgap_sim.fitting.models import ChoiceModel


def check_model(model: Any, name: str = "model") -> ChoiceModel:
    """Raises TypeError unless ``model`` is a built :class:`ChoiceModel`."""
    if not isinstance(model, ChoiceModel):
        raise TypeError(f"{name} must be a ChoiceModel (e.g. kd.fitting.make_model({model!r}) "
                        f"for a registry name), got {type(model).__name__}")
    return model


def check_scalar(name: str, value: Any, domain: str) -> float:
    """A finite scalar in ``domain`` (a key of ``validation.DOMAINS``), as a float."""
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a number, got {value!r}")
    validation.check_shape(name, validation.as_numeric_array(name, value), ())
    validation.check_in_domain(name, value, domain)
    return float(value)


def check_values(model: ChoiceModel, values: Any, name: str = "values",
                 n_subjects: int | None = None) -> None:
    """Raises unless ``values`` is ``[S, n_params]``, finite and inside every parameter's bounds.

    Bounds get a float32 slack (values from ``model.transform`` are float32).
    """
    n = len(model.params)
    expected = f"[n_subjects, {n}] ({', '.join(model.param_names)})"
    if not validation.is_tracer(values):
        values = validation.as_numeric_array(name, values)
    shape = tuple(np.shape(values))
    if len(shape) != 2 or shape[1] != n or (n_subjects is not None and shape[0] != n_subjects):
        if n_subjects is not None:
            expected = expected.replace("n_subjects", str(n_subjects))
        raise ValueError(f"{name} must have shape {expected} for model {model.name!r}, got {shape}")
    if validation.is_tracer(values):
        return
    values = values.astype(np.float64)
    for i, spec in enumerate(model.params):
        column = values[:, i]
        slack = 1e-6 * max(1.0, spec.high - spec.low)
        bad = ~np.isfinite(column) | (column < spec.low - slack) | (column > spec.high + slack)
        if bad.any():
            s = int(np.argmax(bad))
            raise ValueError(f"{name}[:, {i}] ({spec.name}) must lie in [{spec.low}, {spec.high}], "
                             f"got {column[s]} (subject {s})")


def check_idata(name: str, idata: Any, groups: tuple[str, ...] = ("posterior",)) -> None:
    """Raises TypeError unless ``idata`` is an arviz InferenceData holding ``groups``."""
    import arviz as az

    if not isinstance(idata, az.InferenceData):
        raise TypeError(f"{name} must be an arviz InferenceData (e.g. from kd.fitting.fit), "
                        f"got {type(idata).__name__}")
    missing = [g for g in groups if g not in idata.groups()]
    if missing:
        raise ValueError(f"{name} has no {', '.join(missing)} group (groups: {idata.groups()})")
