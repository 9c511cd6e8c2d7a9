"""Agents = predictor (beliefs, rationale) + actor (the action actually taken)."""

from kdgap_sim import _moved
from kdgap_sim.agents.actors import (
    ActionHistory,
    Actor,
    EpsilonGreedy,
    EpsilonGreedyParams,
    FrequencyBiased,
    FrequencyBiasedParams,
    Greedy,
    NoParams,
    RationaleFollowing,
    RationaleFollowingParams,
    Softmax,
    SoftmaxParams,
)
from kdgap_sim.agents.agent import Agent, AgentParams, AgentState, Decision
from kdgap_sim.agents.contextual import FixedTable, FixedTableParams, Tabular
from kdgap_sim.agents.predictors import (
    BetaBernoulli,
    BetaParams,
    CountState,
    FixedParams,
    FixedPredictor,
    NoisyRationale,
    NoisyRationaleParams,
    Predictor,
    RescorlaWagner,
    RescorlaWagnerParams,
    Thompson,
    UCB,
    UCBParams,
    ValueState,
)
from kdgap_sim.agents.profiles import describe_profile, profile, profile_names
from kdgap_sim.agents.registry import ACTORS, PREDICTORS, make_actor, make_agent, make_predictor
from kdgap_sim.agents.surprise import (
    SurpriseState,
    SurpriseTemperatureParams,
    SurpriseTemperaturePolicy,
    random_bigram_logits,
)

__all__ = [
    "ACTORS",
    "ActionHistory",
    "Actor",
    "Agent",
    "AgentParams",
    "AgentState",
    "BetaBernoulli",
    "BetaParams",
    "CountState",
    "Decision",
    "EpsilonGreedy",
    "EpsilonGreedyParams",
    "FixedParams",
    "FixedPredictor",
    "FixedTable",
    "FixedTableParams",
    "FrequencyBiased",
    "FrequencyBiasedParams",
    "Greedy",
    "NoParams",
    "NoisyRationale",
    "NoisyRationaleParams",
    "PREDICTORS",
    "Predictor",
    "RationaleFollowing",
    "RationaleFollowingParams",
    "RescorlaWagner",
    "RescorlaWagnerParams",
    "Softmax",
    "SoftmaxParams",
    "Tabular",
    "SurpriseState",
    "SurpriseTemperatureParams",
    "SurpriseTemperaturePolicy",
    "Thompson",
    "UCB",
    "UCBParams",
    "ValueState",
    "describe_profile",
    "make_actor",
    "make_agent",
    "make_predictor",
    "profile",
    "profile_names",
    "random_bigram_logits",
]

#: names that moved up to :mod:`kdgap_sim.metrics.generation` (they run the trial loop); aliases for one release
_MOVED = {"GenerationSummary", "GenerationTrajectory", "generate_tokens"}


def __getattr__(name):
    if name in _MOVED:
        return _moved.attribute(__name__, name, "kdgap_sim.metrics.generation")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
