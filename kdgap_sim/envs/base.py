"""The environment contract: a static object plus traced params and state.

An environment is a frozen (hashable) dataclass whose fields are static,
shape-fixing options (``n_arms``); what a user sweeps or fits (reward
probabilities, noise) lives in a params pytree. Functions are pure and written
for one agent; batch them with ``vmap``. The contract follows gymnax's
``Environment`` (static ``self``, traced ``EnvParams``), except that ``step``
returns the outcome of *every* action, so learners can use full feedback.
"""

from __future__ import annotations

import abc
from typing import Any

import jax

from kdgap_sim.params import Params
from kdgap_sim.types import Array, Feedback, PRNGKey


class Environment(abc.ABC):
    """A decision problem: ``reset`` then ``step`` once per trial.

    Example:
      >>> import kdgap_sim as kd
      >>> env = kd.envs.make("bernoulli-bandit", n_arms=4)
      >>> isinstance(env, kd.envs.Environment), env.n_actions
      (True, 4)
    """

    @property
    @abc.abstractmethod
    def n_actions(self) -> int:
        """Number of actions (static)."""

    @property
    def used_params(self) -> tuple[str, ...]:
        """Flat names of the params that affect this environment under its static options
        (a sweep axis over any other is refused: it would change nothing)."""
        return self.default_params().flat_names()

    @property
    def n_states(self) -> int | None:
        """Number of states the observations index (int32 in ``[0, n_states)``), or None.

        None means the observations are not state indices (continuous features) or
        the environment does not say; agents that keep a table per state check it.
        """
        return None

    def reward_bounds(self, params: Any = None) -> tuple[float, float] | None:
        """Bounds ``(low, high)`` that every reward lies within, or None if not known.

        Static options decide the bounds of most environments; where they depend
        on ``params`` (payoffs), concrete ``params`` give them and None or traced
        ``params`` give None. Predictors whose model needs bounded rewards (a Beta
        posterior needs rewards in [0, 1]) check them before a rollout compiles.
        """
        del params
        return None

    @abc.abstractmethod
    def default_params(self) -> Params:
        """Default traced parameters."""

    def validate_params(self, params: Any, name: str = "env_params") -> None:
        """Eagerly checks ``params`` (type, shapes, domains); raises ValueError/TypeError."""
        expected = type(self.default_params())
        if not isinstance(params, expected):
            raise TypeError(f"{name} must be {expected.__name__}, got {type(params).__name__}")
        params.validate(name)

    @abc.abstractmethod
    def reset(self, key: PRNGKey, params: Any) -> tuple[Array, Any]:
        """Returns ``(obs, state)`` for the first trial."""

    @abc.abstractmethod
    def step(self, key: PRNGKey, state: Any, action: Array, params: Any) -> tuple[Array, Any, Feedback]:
        """Plays ``action``; returns ``(next_obs, next_state, feedback)``."""

    @abc.abstractmethod
    def expected_rewards(self, state: Any, params: Any) -> Array:
        """Expected reward of every action in ``state``, shape ``[n_actions]``."""

    def optimal_action(self, state: Any, params: Any) -> Array:
        """An action of highest expected reward (the lowest index among ties)."""
        return jax.numpy.argmax(self.expected_rewards(state, params)).astype(jax.numpy.int32)
