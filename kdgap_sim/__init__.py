"""kdgap_sim: decision-theoretic simulation of the knowing-doing gap, in JAX.

An agent is a *predictor* (what it believes and recommends) composed with an
*actor* (what it actually does); every rollout logs both, so the gap between
knowing and doing is a measured quantity.
"""

from kdgap_sim import agents, decisions, envs, fitting, horizon, metrics, rewards, sweep, validation, verify
from kdgap_sim.params import Params, params_class
from kdgap_sim.profile import knowing_doing_profile
from kdgap_sim.rollout import rollout, rollout_batch, seed_keys
from kdgap_sim.types import Feedback, Rationale, Summary, Trajectory

__version__ = "0.1.0"

__all__ = [
    "Feedback",
    "Params",
    "Rationale",
    "Summary",
    "Trajectory",
    "agents",
    "decisions",
    "envs",
    "fitting",
    "horizon",
    "knowing_doing_profile",
    "metrics",
    "params_class",
    "rewards",
    "rollout",
    "rollout_batch",
    "seed_keys",
    "sweep",
    "validation",
    "verify",
]
