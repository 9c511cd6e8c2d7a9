"""Contextual bandits, including rare states where the optimal action flips.

Each trial draws a state (context) i.i.d. from a fixed distribution; the
observation is the state index (finite state space) or its feature vector
(continuous state space); the agent acts and sees the outcome of every action
in that state. Three environments:

- :class:`ContextualBandit`: ``n_states`` states, Bernoulli rewards
  ``reward_probs[s, a]``; :meth:`ContextualBandit.critical_params` builds a
  layout in which a configurable fraction of rare states has the optimal
  action flipped.
- :class:`EventDecision`: one binary event per state (``P(event | s)``) and a
  payoff for each action under "no event" / "event": the protect-or-not
  problem of theory/THEORY.md section 2 is its default.
- :class:`LinearContextualBandit`: Gaussian features ``x ~ N(0, I)``, rewards
  ``Bernoulli(sigmoid(W x + b))``; :meth:`LinearContextualBandit.critical_params`
  makes the optimal action flip on a tail of probability ``critical_fraction``.

Source: contextual bandits of Schmied et al. (2025), arXiv 2504.16078;
decision-critical states after Anand et al. (2025), arXiv 2501.06086.
"""

from __future__ import annotations

import dataclasses
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from kdgap_sim import threefry, validation
from kdgap_sim.envs.base import Environment
from kdgap_sim.params import Params, params_class
from kdgap_sim.types import Array, Feedback, PRNGKey


class ContextState(NamedTuple):
    """The current state: its index (or feature vector) and the trial index.

    Example:
      >>> import jax, kdgap_sim as kd
      >>> env = kd.envs.make("contextual-bandit", n_states=3, n_arms=2)
      >>> obs, state = env.reset(jax.random.key(0), env.default_params())
      >>> int(state.t), bool(state.context == obs)
      (0, True)
    """

    context: Array
    t: Array


def _draw_state(key: PRNGKey, state_probs: Array) -> Array:
    return jax.random.categorical(key, jnp.log(state_probs)).astype(jnp.int32)


def _check_distribution(name: str, probs, size: int) -> None:
    validation.check_shape(name, probs, (size,))
    if not validation.is_tracer(probs):
        total = float(np.sum(probs))
        if abs(total - 1.0) > 1e-4:
            raise ValueError(f"{name} must sum to 1, got sum {total:.6g}")


def critical_state_probs(n_states: int, n_critical: int, critical_fraction: float) -> np.ndarray:
    """State weights: the last ``n_critical`` states share ``critical_fraction``, others the rest."""
    validation.check_int("n_states", n_states, minimum=2)
    validation.check_int("n_critical", n_critical, minimum=1)
    if n_critical >= n_states:
        raise ValueError(f"n_critical must be < n_states={n_states}, got {n_critical}")
    validation.check_in_domain("critical_fraction", critical_fraction, "unit")
    n_normal = n_states - n_critical
    return np.concatenate(
        [
            np.full(n_normal, (1.0 - critical_fraction) / n_normal),
            np.full(n_critical, critical_fraction / n_critical),
        ]
    ).astype(np.float32)


# --------------------------------------------------------------------------
# Finite states, Bernoulli rewards
# --------------------------------------------------------------------------


@params_class
class ContextualBanditParams(Params):
    """Params of :class:`ContextualBandit`.

    Attributes:
      state_probs: probability of each state, ``[n_states]``, sums to 1.
      reward_probs: ``P(r = 1 | s, a)``, ``[n_states, n_arms]``.

    Example:
      >>> import jax.numpy as jnp, kdgap_sim as kd
      >>> env = kd.envs.make("contextual-bandit", n_states=2, n_arms=2)
      >>> params = kd.envs.ContextualBanditParams(
      ...     state_probs=jnp.array([0.5, 0.5]), reward_probs=jnp.array([[0.6, 0.4], [0.4, 0.6]]))
      >>> env.validate_params(params)  # raises if shapes or probabilities are wrong
      >>> params.reward_probs.shape
      (2, 2)
    """

    state_probs: Array
    reward_probs: Array
    domains = {"state_probs": "unit", "reward_probs": "unit"}


@dataclasses.dataclass(frozen=True)
class ContextualBandit(Environment):
    """States drawn i.i.d. from ``state_probs``; reward ``r_a ~ Bernoulli(reward_probs[s, a])``.

    The observation is the state index (int32).

    Example:
      >>> import jax, kdgap_sim as kd
      >>> env = kd.envs.make("contextual-bandit", n_states=10, n_arms=2)
      >>> params = env.critical_params(n_critical=1, critical_fraction=0.05)
      >>> [round(float(x), 3) for x in params.state_probs[-2:]]
      [0.106, 0.05]
    """

    n_states: int = 10
    n_arms: int = 2

    def __post_init__(self) -> None:
        validation.check_int("n_states", self.n_states, minimum=1)
        validation.check_int("n_arms", self.n_arms, minimum=1)

    @property
    def n_actions(self) -> int:
        return self.n_arms

    def reward_bounds(self, params=None) -> tuple[float, float]:
        return (0.0, 1.0)

    def critical_params(
        self,
        n_critical: int = 1,
        critical_fraction: float = 0.05,
        high: float = 0.6,
        low: float = 0.4,
    ) -> ContextualBanditParams:
        """Arm 0 is best (``high`` vs ``low``) in normal states; the best arm flips to the
        last arm in the ``n_critical`` rare states, which share ``critical_fraction``."""
        if self.n_arms < 2:
            raise ValueError(f"critical states need n_arms >= 2, got {self.n_arms}")
        validation.check_in_domain("high", high, "unit")
        validation.check_in_domain("low", low, "unit")
        if not high > low:
            raise ValueError(f"high must exceed low (else no best arm flips), got high={high}, low={low}")
        probs = critical_state_probs(self.n_states, n_critical, critical_fraction)
        rewards = np.full((self.n_states, self.n_arms), low, np.float32)
        rewards[: self.n_states - n_critical, 0] = high
        rewards[self.n_states - n_critical :, -1] = high
        return ContextualBanditParams(state_probs=jnp.asarray(probs), reward_probs=jnp.asarray(rewards))

    def default_params(self) -> ContextualBanditParams:
        """Uniform states; arm 0 best (0.6 vs 0.4) except in the last state, where the last arm is."""
        if self.n_states < 2 or self.n_arms < 2:
            probs = np.full((self.n_states,), 1.0 / self.n_states, np.float32)
            rewards = np.full((self.n_states, self.n_arms), 0.5, np.float32)
            return ContextualBanditParams(
                state_probs=jnp.asarray(probs), reward_probs=jnp.asarray(rewards)
            )
        return self.critical_params(n_critical=1, critical_fraction=1.0 / self.n_states)

    def validate_params(self, params, name: str = "env_params") -> None:
        super().validate_params(params, name)
        _check_distribution(f"{name}.state_probs", params.state_probs, self.n_states)
        shape = (self.n_states, self.n_arms)
        validation.check_shape(f"{name}.reward_probs", params.reward_probs, shape)

    def reset(self, key: PRNGKey, params: ContextualBanditParams) -> tuple[Array, ContextState]:
        s = _draw_state(key, params.state_probs)
        return s, ContextState(context=s, t=jnp.int32(0))

    def step(self, key, state: ContextState, action, params: ContextualBanditParams):
        k_outcome, k_next = jax.random.split(key)
        means = params.reward_probs[state.context]
        outcomes = (threefry.uniform(k_outcome, (self.n_arms,)) < means).astype(jnp.float32)
        reward = jnp.sum(outcomes * jax.nn.one_hot(action, self.n_arms, dtype=jnp.float32))
        s = _draw_state(k_next, params.state_probs)
        return s, ContextState(context=s, t=state.t + 1), Feedback(reward, outcomes)

    def expected_rewards(self, state: ContextState, params: ContextualBanditParams) -> Array:
        return params.reward_probs[state.context]


# --------------------------------------------------------------------------
# Finite states, one binary event per state, payoffs per action
# --------------------------------------------------------------------------


@params_class
class EventDecisionParams(Params):
    """Params of :class:`EventDecision`.

    Attributes:
      state_probs: probability of each state, ``[n_states]``, sums to 1.
      event_probs: ``P(event | s)``, ``[n_states]``.
      payoffs: reward of each action if the event does not / does occur,
        ``[n_actions, 2]`` (a cost is a negative payoff).

    Example:
      >>> import kdgap_sim as kd
      >>> env = kd.envs.make("protect-or-not")
      >>> params = env.protect_params(critical_fraction=0.05, p_critical=0.05)
      >>> [round(float(p), 3) for p in params.event_probs]
      [0.001, 0.05]
      >>> params.payoffs.tolist()
      [[0.0, -100.0], [-1.0, -1.0]]
    """

    state_probs: Array
    event_probs: Array
    payoffs: Array
    domains = {"state_probs": "unit", "event_probs": "unit", "payoffs": "real"}


@dataclasses.dataclass(frozen=True)
class EventDecision(Environment):
    """Decide under a binary event whose probability depends on the state.

    Each trial: a state ``s ~ state_probs`` is observed (its index), the
    event occurs with probability ``event_probs[s]``, and action ``a`` earns
    ``payoffs[a, event]``. The default (``n_states=2``) is theory/THEORY.md section 2:
    action 0 = do not protect (payoff 0, or -100 if the event occurs), action
    1 = protect (-1); state 0 is normal (weight 0.95, ``p = 0.001``), the last
    state critical (weight 0.05, ``p = 0.05``); protecting is optimal iff ``p > 0.01``.

    Example:
      >>> import kdgap_sim as kd
      >>> env = kd.envs.make("protect-or-not")
      >>> problem = kd.decisions.event_problem(env, env.default_params())
      >>> kd.decisions.evaluate(problem, [0.001, 0.001]).regret > 0.19
      True
    """

    n_states: int = 2
    n_choices: int = 2

    def __post_init__(self) -> None:
        validation.check_int("n_states", self.n_states, minimum=2)
        validation.check_int("n_choices", self.n_choices, minimum=1)

    @property
    def n_actions(self) -> int:
        return self.n_choices

    def reward_bounds(self, params=None) -> tuple[float, float] | None:
        """The smallest and largest payoff, from concrete ``params`` (None otherwise)."""
        payoffs = None if params is None else params.payoffs
        if payoffs is None or validation.is_tracer(payoffs):
            return None
        payoffs = np.asarray(payoffs)
        return (float(payoffs.min()), float(payoffs.max()))

    def protect_params(
        self,
        critical_fraction: float = 0.05,
        p_critical: float = 0.05,
        p_normal: float = 0.001,
        protect_cost: float = 1.0,
        damage: float = 100.0,
    ) -> EventDecisionParams:
        """Protect-or-not params: the last state critical (share ``critical_fraction``)."""
        if self.n_actions != 2:
            raise ValueError(f"protect_params needs n_actions == 2, got {self.n_actions}")
        probs = critical_state_probs(self.n_states, 1, critical_fraction)
        events = np.full((self.n_states,), p_normal, np.float32)
        events[-1] = p_critical
        validation.check_in_domain("event probabilities", events, "unit")
        payoffs = np.array([[0.0, -damage], [-protect_cost, -protect_cost]], np.float32)
        return EventDecisionParams(
            state_probs=jnp.asarray(probs),
            event_probs=jnp.asarray(events),
            payoffs=jnp.asarray(payoffs),
        )

    def default_params(self) -> EventDecisionParams:
        if self.n_actions == 2:
            return self.protect_params()
        return EventDecisionParams(
            state_probs=jnp.full((self.n_states,), 1.0 / self.n_states, jnp.float32),
            event_probs=jnp.full((self.n_states,), 0.5, jnp.float32),
            payoffs=jnp.zeros((self.n_actions, 2), jnp.float32),
        )

    def validate_params(self, params, name: str = "env_params") -> None:
        super().validate_params(params, name)
        _check_distribution(f"{name}.state_probs", params.state_probs, self.n_states)
        validation.check_shape(f"{name}.event_probs", params.event_probs, (self.n_states,))
        validation.check_shape(f"{name}.payoffs", params.payoffs, (self.n_actions, 2))

    def decision_problem(self, params: EventDecisionParams):
        """Deprecated alias of :func:`kdgap_sim.decisions.event_problem` ``(env, params)``, for one release.

        (Decision problems live above the environments; this method reaches
        them through :func:`kdgap_sim._moved.attribute`.)
        """
        from kdgap_sim import _moved

        return _moved.attribute("kdgap_sim.envs.EventDecision", "decision_problem", "kdgap_sim.decisions.problems",
                                new_name="event_problem")(self, params)

    def reset(self, key: PRNGKey, params: EventDecisionParams) -> tuple[Array, ContextState]:
        s = _draw_state(key, params.state_probs)
        return s, ContextState(context=s, t=jnp.int32(0))

    def step(self, key, state: ContextState, action, params: EventDecisionParams):
        k_event, k_next = jax.random.split(key)
        event = (threefry.uniform(k_event) < params.event_probs[state.context]).astype(jnp.int32)
        outcomes = params.payoffs[:, event].astype(jnp.float32)
        reward = jnp.sum(outcomes * jax.nn.one_hot(action, self.n_actions, dtype=jnp.float32))
        s = _draw_state(k_next, params.state_probs)
        return s, ContextState(context=s, t=state.t + 1), Feedback(reward, outcomes)

    def expected_rewards(self, state: ContextState, params: EventDecisionParams) -> Array:
        p = params.event_probs[state.context]
        return (1.0 - p) * params.payoffs[:, 0] + p * params.payoffs[:, 1]


def protect_or_not(n_states: int = 2) -> EventDecision:
    """The theory/THEORY.md section 2 problem (registered as ``"protect-or-not"``)."""
    return EventDecision(n_states=n_states, n_choices=2)


# --------------------------------------------------------------------------
# Continuous states: Gaussian features, logistic Bernoulli rewards
# --------------------------------------------------------------------------


@params_class
class LinearContextualBanditParams(Params):
    """Params of :class:`LinearContextualBandit`.

    Attributes:
      weights: ``[n_arms, n_features]``.
      bias: ``[n_arms]``.

    Example:
      >>> import jax.numpy as jnp, kdgap_sim as kd
      >>> env = kd.envs.make("linear-contextual-bandit", n_features=3)
      >>> params = kd.envs.LinearContextualBanditParams(
      ...     weights=jnp.zeros((2, 3)), bias=jnp.array([0.0, 1.0]))
      >>> env.validate_params(params)
      >>> params.weights.shape, params.bias.shape
      ((2, 3), (2,))
    """

    weights: Array
    bias: Array
    domains = {"weights": "real", "bias": "real"}


@dataclasses.dataclass(frozen=True)
class LinearContextualBandit(Environment):
    """Features ``x ~ N(0, I_d)`` observed each trial; ``r_a ~ Bernoulli(sigmoid(w_a . x + b_a))``.

    Example:
      >>> import kdgap_sim as kd
      >>> env = kd.envs.make("linear-contextual-bandit", n_features=3)
      >>> params = env.critical_params(critical_fraction=0.05)
      >>> env.n_actions, params.weights.shape
      (2, (2, 3))
    """

    n_features: int = 2
    n_arms: int = 2

    def __post_init__(self) -> None:
        validation.check_int("n_features", self.n_features, minimum=1)
        validation.check_int("n_arms", self.n_arms, minimum=1)

    @property
    def n_actions(self) -> int:
        return self.n_arms

    def critical_params(
        self, critical_fraction: float = 0.05, slope: float = 2.0
    ) -> LinearContextualBanditParams:
        """Arm 0 has mean 0.5, the last arm ``sigmoid(slope (x_0 - z))``; ``P(x_0 > z)`` is the fraction.

        So the last arm is optimal exactly on a tail of probability
        ``critical_fraction`` and arm 0 elsewhere; other arms have mean ``sigmoid(-slope)``.
        """
        validation.check_in_domain("critical_fraction", critical_fraction, "unit")
        if not 0.0 < critical_fraction < 1.0:
            raise ValueError(f"critical_fraction must lie in (0, 1), got {critical_fraction}")
        if self.n_arms < 2:
            raise ValueError(f"critical states need n_arms >= 2, got {self.n_arms}")
        validation.check_in_domain("slope", slope, "positive")
        z = float(jax.scipy.special.ndtri(1.0 - critical_fraction))
        weights = np.zeros((self.n_arms, self.n_features), np.float32)
        bias = np.full((self.n_arms,), -slope, np.float32)
        bias[0] = 0.0
        weights[-1, 0] = slope
        bias[-1] = -slope * z
        return LinearContextualBanditParams(weights=jnp.asarray(weights), bias=jnp.asarray(bias))

    def reward_bounds(self, params=None) -> tuple[float, float]:
        return (0.0, 1.0)

    def default_params(self) -> LinearContextualBanditParams:
        if self.n_arms < 2:
            return LinearContextualBanditParams(
                weights=jnp.zeros((self.n_arms, self.n_features), jnp.float32),
                bias=jnp.zeros((self.n_arms,), jnp.float32),
            )
        return self.critical_params()

    def validate_params(self, params, name: str = "env_params") -> None:
        super().validate_params(params, name)
        validation.check_shape(f"{name}.weights", params.weights, (self.n_arms, self.n_features))
        validation.check_shape(f"{name}.bias", params.bias, (self.n_arms,))

    def reset(self, key: PRNGKey, params) -> tuple[Array, ContextState]:
        x = threefry.normal(key, (self.n_features,))
        return x, ContextState(context=x, t=jnp.int32(0))

    def step(self, key, state: ContextState, action, params: LinearContextualBanditParams):
        k_outcome, k_next = jax.random.split(key)
        means = self.expected_rewards(state, params)
        outcomes = (threefry.uniform(k_outcome, (self.n_arms,)) < means).astype(jnp.float32)
        reward = jnp.sum(outcomes * jax.nn.one_hot(action, self.n_arms, dtype=jnp.float32))
        x = threefry.normal(k_next, (self.n_features,))
        return x, ContextState(context=x, t=state.t + 1), Feedback(reward, outcomes)

    def expected_rewards(self, state: ContextState, params: LinearContextualBanditParams) -> Array:
        return jax.nn.sigmoid(params.weights @ state.context + params.bias)
