"""An agent is a predictor (knowing) composed with an actor (doing).

``Agent(predictor, actor)`` exposes three pure functions — ``init``, ``act``
and ``learn`` — written for one agent. ``act`` returns a :class:`Decision`
holding both what the predictor recommends (the rationale) and what the actor
does, so every rollout can log the two and the knowing-doing gap becomes a
metric rather than an assumption.
"""

from __future__ import annotations

import dataclasses
from typing import Any, NamedTuple

import chex

from kdgap_sim import threefry, validation
from kdgap_sim.agents.actors import ActionHistory, Actor
from kdgap_sim.agents.predictors import Predictor
from kdgap_sim.params import Params, params_class
from kdgap_sim.types import Array, Feedback, PRNGKey, Rationale


@params_class
class AgentParams(Params):
    """The predictor's and the actor's params; ``replace`` accepts flat leaf names.

    Example:
      >>> import kdgap_sim as kd
      >>> agent = kd.agents.Agent(kd.agents.RescorlaWagner(), kd.agents.RationaleFollowing())
      >>> agent.default_params().replace(follow_prob=0.5).actor.follow_prob
      0.5
    """

    predictor: Params
    actor: Params


class AgentState(NamedTuple):
    """The predictor's belief state and the actor's context of past actions.

    Example:
      >>> import kdgap_sim as kd
      >>> agent = kd.agents.Agent(kd.agents.UCB(), kd.agents.Greedy())
      >>> state = agent.init(3, agent.default_params())
      >>> isinstance(state, kd.agents.AgentState), state.predictor.counts.shape
      (True, (3,))
    """

    predictor: Any
    actor: ActionHistory


class Decision(NamedTuple):
    """One trial's decision: the action, the rationale, the beliefs and the action probabilities.

    Example:
      >>> import jax, kdgap_sim as kd
      >>> agent = kd.agents.Agent(kd.agents.UCB(), kd.agents.Greedy())
      >>> params = agent.default_params()
      >>> decision = agent.act(jax.random.key(0), agent.init(3, params), 0, params)
      >>> decision.probs.tolist()
      [0.3333333432674408, 0.3333333432674408, 0.3333333432674408]
    """

    action: Array
    rationale: Rationale
    beliefs: Array
    probs: Array


def _check_one_agent(predictor: str, actor: str, rationale: Rationale, probs: Array, action: Array) -> None:
    """The contract of one agent's trial, checked on shapes and dtypes while tracing (free once compiled).

    Components are written for one agent and batched by ``vmap``, as rlax writes its functions: the
    predictor states one integer action and one confidence, the actor returns one
    integer action and a probability vector over actions. A component that
    returns a batch or a float action fails here with a ``TypeError`` naming it,
    not later inside the trial loop.
    """
    for value, what in ((rationale.action, f"{predictor}.recommend(...).action"), (action, f"{actor}.act(...)")):
        chex.assert_rank(value, 0, exception_type=TypeError,
                         custom_message=f"{what} must be one action per agent (a scalar); write the component "
                                        "for one agent, rollout_batch vmaps it")
        chex.assert_type(value, int, exception_type=TypeError, custom_message=f"{what} must be an integer action")
    chex.assert_rank(rationale.confidence, 0, exception_type=TypeError,
                     custom_message=f"{predictor}.recommend(...).confidence must be a scalar")
    chex.assert_rank(probs, 1, exception_type=TypeError,
                     custom_message=f"{actor}.action_probs(...) must be one vector of probabilities over actions")


@dataclasses.dataclass(frozen=True)
class Agent:
    """A predictor and an actor; both are static (hashable), their params are traced.

    Example:
      >>> import jax, kdgap_sim as kd
      >>> agent = kd.agents.Agent(kd.agents.UCB(), kd.agents.Greedy())
      >>> params = agent.default_params()
      >>> state = agent.init(3, params)
      >>> decision = agent.act(jax.random.key(0), state, 0, params)
      >>> int(decision.rationale.action)
      0
    """

    predictor: Predictor
    actor: Actor

    def __post_init__(self) -> None:
        if not isinstance(self.predictor, Predictor):
            raise TypeError(f"predictor must be a Predictor, got {self.predictor!r}")
        if not isinstance(self.actor, Actor):
            raise TypeError(f"actor must be an Actor, got {self.actor!r}")

    def default_params(self) -> AgentParams:
        """Default params of the predictor and the actor."""
        return AgentParams(predictor=self.predictor.default_params(), actor=self.actor.default_params())

    @property
    def used_params(self) -> tuple[str, ...]:
        """Flat names of the params that affect this agent's behaviour."""
        return (*self.predictor.used_params, *self.actor.used_params)

    def validate_params(self, params: Any, name: str = "agent_params") -> None:
        """Eagerly checks ``params``; raises TypeError/ValueError naming the leaf."""
        if not isinstance(params, AgentParams):
            raise TypeError(f"{name} must be AgentParams, got {type(params).__name__}")
        params._paths()  # raises on duplicate flat names
        self.predictor.validate_params(params.predictor, f"{name}.predictor")
        self.actor.validate_params(params.actor, f"{name}.actor")

    def check_n_actions(self, n_actions: int) -> None:
        """Raises ValueError if the agent cannot act in a problem with ``n_actions`` actions."""
        validation.check_int("n_actions", n_actions, minimum=1)
        self.predictor.check_n_actions(n_actions)

    def check_env(self, env: Any, env_params: Any = None) -> None:
        """Raises ValueError if the agent cannot act in ``env``: its number of actions, and what
        the predictor needs of it (:meth:`Predictor.check_env`: bounded rewards, states)."""
        validation.check_int("n_actions", env.n_actions, minimum=1)
        self.predictor.check_env(env, env_params)

    def init(self, n_actions: int, params: AgentParams) -> AgentState:
        """Initial state for ``n_actions`` actions (static)."""
        return AgentState(
            predictor=self.predictor.init(n_actions, params.predictor),
            actor=self.actor.init(n_actions),
        )

    def act(self, key: PRNGKey, state: AgentState, obs: Array, params: AgentParams) -> Decision:
        """The predictor recommends, then the actor chooses.

        Keys: the predictor uses ``fold_in(key, 0)``, the actor ``fold_in(key, 1)``
        (a component that draws nothing costs nothing once compiled). Callers
        must not draw from ``key`` itself except through other ``fold_in`` data
        (the rollout gives the environment ``fold_in(key, 2)``).
        """
        k_predictor = threefry.fold_in(key, 0)
        k_actor = threefry.fold_in(key, 1)
        beliefs = self.predictor.beliefs(state.predictor, obs, params.predictor)
        rationale = self.predictor.recommend(k_predictor, state.predictor, obs, params.predictor)
        probs = self.actor.action_probs(state.actor, beliefs, rationale, params.actor)
        action = self.actor.act(k_actor, state.actor, beliefs, rationale, params.actor)
        _check_one_agent(type(self.predictor).__name__, type(self.actor).__name__, rationale, probs, action)
        return Decision(action=action, rationale=rationale, beliefs=beliefs, probs=probs)

    def learn(
        self,
        state: AgentState,
        obs: Array,
        action: Array,
        feedback: Feedback,
        forced: Array,
        params: AgentParams,
    ) -> AgentState:
        """Updates beliefs from ``feedback`` and appends ``action`` to the actor's context."""
        return AgentState(
            predictor=self.predictor.update(
                state.predictor, obs, action, feedback, forced, params.predictor
            ),
            actor=self.actor.update(state.actor, action),
        )
