"""The predictor interface and the rationale helpers every predictor shares.

Rationales use the lowest index among exact ties (the usual convention for
UCB1's initial round-robin); environments' default parameters put the best arm
last so this convention cannot flatter a recommender.
"""

from __future__ import annotations

import abc
from typing import Any

import jax.numpy as jnp

from kdgap_sim import action_axis, validation
from kdgap_sim.params import Params, validate_scalar_params
from kdgap_sim.types import Array, Feedback, PRNGKey, Rationale

FEEDBACK_MODES = ("partial", "full")


class Predictor(abc.ABC):
    """Interface of a predictor; subclasses are frozen (hashable) dataclasses.

    Example:
      >>> import kdgap_sim as kd
      >>> isinstance(kd.agents.UCB(), kd.agents.Predictor)
      True
    """

    @abc.abstractmethod
    def default_params(self) -> Params:
        """Default traced parameters."""

    @property
    def used_params(self) -> tuple[str, ...]:
        """Flat names of the params that affect behaviour under the static options."""
        return self.default_params().flat_names()

    def validate_params(self, params: Any, name: str = "params.predictor") -> None:
        """Eagerly checks type and domains of ``params``."""
        validate_scalar_params(params, type(self.default_params()), name)

    def check_n_actions(self, n_actions: int) -> None:
        """Raises ValueError if this predictor cannot serve ``n_actions`` actions."""
        validation.check_int("n_actions", n_actions, minimum=1)

    def check_env(self, env: Any, env_params: Any = None) -> None:
        """Raises ValueError if this predictor cannot serve ``env`` (default: its actions only).

        Called eagerly before a rollout compiles; ``env_params`` may be None or traced.
        Predictors that need more of the environment (bounded rewards, a table per
        state) override it and call ``super().check_env``.
        """
        self.check_n_actions(env.n_actions)

    @abc.abstractmethod
    def init(self, n_actions: int, params: Any) -> Any:
        """Initial belief state for ``n_actions`` actions (``n_actions`` is static)."""

    @abc.abstractmethod
    def beliefs(self, state: Any, obs: Array, params: Any) -> Array:
        """Current value estimate of every action, ``[n_actions]``."""

    @abc.abstractmethod
    def recommend(self, key: PRNGKey, state: Any, obs: Array, params: Any) -> Rationale:
        """The rationale: recommended action, confidence, and whether it matches the rule."""

    @abc.abstractmethod
    def update(
        self, state: Any, obs: Array, action: Array, feedback: Feedback, forced: Array, params: Any
    ) -> Any:
        """Belief state after observing ``feedback`` for ``action`` (``forced``: no agency)."""


def argmax_first(values: Array) -> Array:
    """Index of the maximum, lowest index among ties, as int32."""
    return action_axis.first_argmax(values)


def rationale_from(values: Array, index: Array) -> Rationale:
    """Rationale recommending ``argmax(index)`` with confidence ``clip(values[action], 0, 1)``."""
    action = argmax_first(index)
    confidence = jnp.clip(action_axis.entry(values, action), 0.0, 1.0)
    return Rationale(action=action, confidence=confidence, correct=jnp.bool_(True))
