"""Bayesian fitting of agents to choice logs (people, LLMs, simulations) with numpyro.

``ChoiceLog`` loads and validates logs; ``make_model`` builds a model from the
same predictor/actor functions the simulations use (plus hBayesDM's bandit
models with hBayesDM's parameterisation, and Wilson et al. 2014's horizon-task
model); ``fit`` samples the posterior (NUTS
or SVI) into arviz InferenceData; ``parameter_recovery`` and
``model_recovery`` check that the fits recover what simulations put in.
"""

from kdgap_sim.logs.choice_log import ChoiceLog, LogArrays
from kdgap_sim.fitting.model_registry import MODELS, make_model, register_model
from kdgap_sim.fitting.models import AgentModel, ChoiceModel, ParamSpec, Prior, phi_approx
from kdgap_sim.fitting.hbayesdm import GainLossTask, RewardPunishmentModel, bandit2arm_delta, bandit4arm_4par
from kdgap_sim.fitting.horizon_model import HorizonChoiceModel, with_forced_trials
from kdgap_sim.fitting.recovery import (
    Population,
    RecoveryResult,
    default_task,
    model_recovery,
    parameter_recovery,
    population_at,
    sample_population,
    simulate_arrays,
    simulate_log,
)
from kdgap_sim.fitting.inference import centering, fit, numpyro_model, subject_log_lik
from kdgap_sim.fitting.diagnostics import FitWarning, diagnostics, worst_mixing
from kdgap_sim.fitting.predictive import add_posterior_predictive, posterior_predictive
from kdgap_sim.fitting.comparison import compare, loo
from kdgap_sim.fitting.chains import spread_chains

__all__ = [
    "AgentModel",
    "ChoiceLog",
    "ChoiceModel",
    "FitWarning",
    "GainLossTask",
    "HorizonChoiceModel",
    "LogArrays",
    "MODELS",
    "ParamSpec",
    "Population",
    "Prior",
    "RecoveryResult",
    "RewardPunishmentModel",
    "add_posterior_predictive",
    "bandit2arm_delta",
    "bandit4arm_4par",
    "compare",
    "default_task",
    "model_recovery",
    "parameter_recovery",
    "population_at",
    "sample_population",
    "simulate_arrays",
    "simulate_log",
    "diagnostics",
    "centering",
    "fit",
    "loo",
    "make_model",
    "numpyro_model",
    "phi_approx",
    "posterior_predictive",
    "register_model",
    "spread_chains",
    "subject_log_lik",
    "with_forced_trials",
    "worst_mixing",
]
