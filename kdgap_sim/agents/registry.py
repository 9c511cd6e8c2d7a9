"""String IDs for predictors and actors, so configs and sweeps can name them.

``make_predictor("ucb")``, ``make_actor("rationale-following", fallback="greedy")``
and ``make_agent(...)`` build agents from plain data (as read from a TOML
config); unknown names and options raise ValueError.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kdgap_sim.agents import actors, predictors
from kdgap_sim.agents.agent import Agent
from kdgap_sim.registry import Registry

PREDICTORS = Registry("predictor", {
    "rescorla-wagner": predictors.RescorlaWagner,
    "ucb": predictors.UCB,
    "thompson": predictors.Thompson,
    "beta-bernoulli": predictors.BetaBernoulli,
    "fixed": predictors.FixedPredictor,
    "noisy-rationale": predictors.NoisyRationale,
})

ACTORS = Registry("actor", {
    "greedy": actors.Greedy,
    "softmax": actors.Softmax,
    "epsilon-greedy": actors.EpsilonGreedy,
    "frequency-biased": actors.FrequencyBiased,
    "rationale-following": actors.RationaleFollowing,
})


def make_predictor(name: str, **options: Any) -> predictors.Predictor:
    """Builds a predictor by ID; ``noisy-rationale`` takes ``base`` as an ID or a Predictor.

    Example:
      >>> import kdgap_sim as kd
      >>> kd.agents.make_predictor("noisy-rationale", base="ucb")
      NoisyRationale(base=UCB(feedback='partial', beliefs_from='means'))
    """
    if name == "noisy-rationale" and isinstance(options.get("base"), str):
        base_options = dict(options.pop("base_options", {}) or {})
        options["base"] = make_predictor(options["base"], **base_options)
    return PREDICTORS.build(name, options)


def make_actor(name: str, **options: Any) -> actors.Actor:
    """Builds an actor by ID; ``rationale-following`` takes ``fallback`` as an ID or an Actor.

    Example:
      >>> import kdgap_sim as kd
      >>> kd.agents.make_actor("rationale-following", fallback="softmax")
      RationaleFollowing(fallback=Softmax())
    """
    if name == "rationale-following" and isinstance(options.get("fallback"), str):
        fallback_options = dict(options.pop("fallback_options", {}) or {})
        options["fallback"] = make_actor(options["fallback"], **fallback_options)
    return ACTORS.build(name, options)


def make_agent(
    predictor: str,
    actor: str,
    predictor_options: Mapping[str, Any] | None = None,
    actor_options: Mapping[str, Any] | None = None,
) -> Agent:
    """``Agent(make_predictor(predictor, ...), make_actor(actor, ...))``.

    Example:
      >>> import kdgap_sim as kd
      >>> agent = kd.agents.make_agent("ucb", "rationale-following",
      ...                              actor_options={"fallback": "greedy"})
      >>> agent.actor.fallback
      Greedy()
    """
    return Agent(
        predictor=make_predictor(predictor, **dict(predictor_options or {})),
        actor=make_actor(actor, **dict(actor_options or {})),
    )
