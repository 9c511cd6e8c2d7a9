"""Predictors for finite contextual problems: one copy of a predictor per state.

The observation of :class:`~kdgap_sim.envs.ContextualBandit` and
:class:`~kdgap_sim.envs.EventDecision` is the state index. :class:`Tabular`
keeps a separate belief state of any (context-free) predictor for each state
and uses the one of the observed state, so ``Tabular(RescorlaWagner(), n_states=S)``
is a Rescorla-Wagner learner per state and ``Tabular(UCB(), n_states=S)`` runs
UCB1 in each state. :class:`FixedTable` holds fixed beliefs per state, e.g.
the expected payoffs implied by a predictor of event probabilities.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import jax
import jax.numpy as jnp

from kdgap_sim import validation
from kdgap_sim.agents.predictors import Predictor, RescorlaWagner, ValueState, argmax_first
from kdgap_sim.params import Params, params_class
from kdgap_sim.types import Array, Rationale


def _row(state: Any, obs: Array) -> Any:
    return jax.tree_util.tree_map(lambda leaf: leaf[obs], state)


def _check_n_states(predictor: Any, env: Any) -> None:
    """A table of ``predictor.n_states`` rows must hold every state ``env`` can show.

    (Inside a trace, an index past the last row would read the last row and drop writes.)
    """
    if env.n_states is not None and env.n_states > predictor.n_states:
        raise ValueError(
            f"{type(predictor).__name__} has n_states={predictor.n_states} rows, but "
            f"{type(env).__name__} has {env.n_states} states; build it with n_states={env.n_states}"
        )


@dataclasses.dataclass(frozen=True)
class Tabular(Predictor):
    """``base`` predictor with an independent belief state per observed state index.

    Params are the base predictor's (shared by all states). ``obs`` must be an
    integer state index in ``[0, n_states)``.

    Example:
      >>> import jax, kdgap_sim as kd
      >>> from kdgap_sim.agents.contextual import Tabular
      >>> env = kd.envs.make("contextual-bandit", n_states=4, n_arms=2)
      >>> agent = kd.agents.Agent(Tabular(kd.agents.UCB(), n_states=4), kd.agents.RationaleFollowing())
      >>> params = agent.default_params().replace(follow_prob=1.0)
      >>> out = kd.rollout(jax.random.key(0), env, env.default_params(), agent, params, n_steps=500)
      >>> float(out.regret_sum) < 60
      True
    """

    base: Predictor = dataclasses.field(default_factory=RescorlaWagner)
    n_states: int = 2

    def __post_init__(self) -> None:
        if not isinstance(self.base, Predictor):
            raise TypeError(f"base must be a Predictor, got {self.base!r}")
        validation.check_int("n_states", self.n_states, minimum=1)

    def default_params(self) -> Params:
        return self.base.default_params()

    @property
    def used_params(self) -> tuple[str, ...]:
        return self.base.used_params

    def validate_params(self, params: Any, name: str = "params.predictor") -> None:
        self.base.validate_params(params, name)

    def check_n_actions(self, n_actions: int) -> None:
        self.base.check_n_actions(n_actions)

    def check_env(self, env, env_params=None) -> None:
        self.base.check_env(env, env_params)
        _check_n_states(self, env)

    def init(self, n_actions: int, params: Any) -> Any:
        one = self.base.init(n_actions, params)
        return jax.tree_util.tree_map(
            lambda leaf: jnp.broadcast_to(leaf, (self.n_states, *jnp.shape(leaf))), one
        )

    def beliefs(self, state: Any, obs: Array, params: Any) -> Array:
        return self.base.beliefs(_row(state, obs), obs, params)

    def recommend(self, key, state: Any, obs: Array, params: Any) -> Rationale:
        return self.base.recommend(key, _row(state, obs), obs, params)

    def update(self, state: Any, obs, action, feedback, forced, params) -> Any:
        row = self.base.update(_row(state, obs), obs, action, feedback, forced, params)
        return jax.tree_util.tree_map(lambda full, new: full.at[obs].set(new), state, row)


@params_class
class FixedTableParams(Params):
    """Fixed beliefs ``values[s, a]``, ``[n_states, n_actions]``.

    Example:
      >>> import jax.numpy as jnp, kdgap_sim as kd
      >>> params = kd.agents.FixedTableParams(values=jnp.array([[0.2, 0.7], [0.9, 0.1]]))
      >>> params.values.shape
      (2, 2)
    """

    values: Array
    domains = {"values": "real"}


@dataclasses.dataclass(frozen=True)
class FixedTable(Predictor):
    """Beliefs that never change: ``values[obs]``; recommends their argmax.

    The confidence is ``values[obs, a]`` clipped to [0, 1] (meaningful when
    values are probabilities of reward).

    Example:
      >>> import jax, jax.numpy as jnp, kdgap_sim as kd
      >>> predictor = kd.agents.FixedTable(n_states=2, n_actions=2)
      >>> params = kd.agents.FixedTableParams(values=jnp.array([[0.2, 0.7], [0.9, 0.1]]))
      >>> state = predictor.init(2, params)
      >>> rationale = predictor.recommend(jax.random.key(0), state, 1, params)
      >>> int(rationale.action), round(float(rationale.confidence), 2)
      (0, 0.9)
    """

    n_states: int = 2
    n_actions: int = 2

    def __post_init__(self) -> None:
        validation.check_int("n_states", self.n_states, minimum=1)
        validation.check_int("n_actions", self.n_actions, minimum=1)

    def default_params(self) -> FixedTableParams:
        return FixedTableParams(values=jnp.zeros((self.n_states, self.n_actions), jnp.float32))

    def validate_params(self, params: Any, name: str = "params.predictor") -> None:
        if not isinstance(params, FixedTableParams):
            raise TypeError(f"{name} must be FixedTableParams, got {type(params).__name__}")
        params.validate(name)
        validation.check_shape(f"{name}.values", params.values, (self.n_states, self.n_actions))

    def check_n_actions(self, n_actions: int) -> None:
        if n_actions != self.n_actions:
            raise ValueError(
                f"FixedTable was built for n_actions={self.n_actions}, "
                f"but the environment has {n_actions} actions"
            )

    def check_env(self, env, env_params=None) -> None:
        super().check_env(env, env_params)
        _check_n_states(self, env)

    def init(self, n_actions: int, params: FixedTableParams) -> ValueState:
        return ValueState(q=jnp.asarray(params.values, jnp.float32))

    def beliefs(self, state: ValueState, obs, params) -> Array:
        return state.q[obs]

    def recommend(self, key, state: ValueState, obs, params) -> Rationale:
        del key
        values = state.q[obs]
        action = argmax_first(values)
        confidence = jnp.clip(values[action], 0.0, 1.0)
        return Rationale(action=action, confidence=confidence, correct=jnp.bool_(True))

    def update(self, state, obs, action, feedback, forced, params) -> ValueState:
        return state
