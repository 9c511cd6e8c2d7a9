r"""Parameter and model recovery: simulate from known parameters with the same agent, fit, compare.

This module gathers, under one name, the three modules that do it:
:mod:`kdgap_sim.fitting.simulation` (populations from a model's prior and the
logs its agent produces), :mod:`kdgap_sim.fitting.recovery_parameters`
(:func:`parameter_recovery`: coverage of group-level credible intervals,
simulation-based calibration, Talts et al. 2018, arXiv 1804.06788) and
:mod:`kdgap_sim.fitting.recovery_models` (:func:`model_recovery`: confusion
matrix of PSIS-LOO selection, Wilson & Collins 2019, eLife 8:e49547).

Example:
  >>> import kdgap_sim as kd
  >>> kd.fitting.recovery.parameter_recovery is kd.fitting.parameter_recovery
  True
"""

from kdgap_sim.fitting.recovery_models import model_recovery
from kdgap_sim.fitting.recovery_parameters import RecoveryResult, parameter_recovery
from kdgap_sim.fitting.simulation import (
    Population,
    default_task,
    population_at,
    sample_population,
    simulate_arrays,
    simulate_log,
)

__all__ = [
    "Population",
    "RecoveryResult",
    "default_task",
    "model_recovery",
    "parameter_recovery",
    "population_at",
    "sample_population",
    "simulate_arrays",
    "simulate_log",
]
