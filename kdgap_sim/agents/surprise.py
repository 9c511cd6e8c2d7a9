r"""Outputs as actions: a token policy whose temperature follows its input surprise.

Asvin G. and Lindsey (2026), "From Simulation to Enaction: Post-trained
Language Models Recognize and React to their own Generations", arXiv
2605.25459: post-trained models have 3-4x lower output entropy when continuing
their own (on-policy) generations than prefilled (off-policy) text, partly
through an internal *input surprise* signal. This module models that loop.

The predictor is a bigram model: after token ``x`` its base next-token logits
are ``logits[x]``. The actor samples from them at temperature ``T_t``, which
depends on the surprise of the latest input under the agent's own predictive
distribution (the one it would have sampled from):

.. math::
   s_t = -\log \pi_{t-1}(x_t \mid x_{t-1}), \qquad
   \bar s_t = (1 - \rho)\,\bar s_{t-1} + \rho\, s_t,

.. math::
   T_t = \operatorname{clip}\big(T_0 \exp(\beta (\bar s_t - s_{\text{ref}})),
   T_{\min}, T_{\max}\big), \qquad \pi_t(\cdot \mid x_t) = \operatorname{softmax}(\text{logits}[x_t] / T_t).

Fed its own samples, an agent with ``beta > 0`` sees unsurprising input, cools
and becomes more predictable still; fed another policy's text it stays warm.

The policy is a :class:`~kdgap_sim.agents.Predictor` whose beliefs are the
next-token log-probabilities :math:`\log \pi_t(\cdot \mid x_t)`; paired with a
:class:`~kdgap_sim.agents.Softmax` actor at ``beta = 1`` (:meth:`SurpriseTemperaturePolicy.agent`)
it samples from them, and :func:`kdgap_sim.rollout` runs it on a
:class:`~kdgap_sim.envs.TokenStream`. :func:`kdgap_sim.metrics.generate_tokens`
runs both settings; :mod:`kdgap_sim.metrics.entropy` turns them into the
on/off-policy entropy ratio.
"""

from __future__ import annotations

import dataclasses
import warnings
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

from kdgap_sim import validation
from kdgap_sim.agents.actors import Softmax, SoftmaxParams
from kdgap_sim.agents.agent import Agent, AgentParams
from kdgap_sim.agents.predictor_base import Predictor, rationale_from
from kdgap_sim.params import Params, params_class
from kdgap_sim.types import Array, Feedback, PRNGKey, Rationale


@params_class
class SurpriseTemperatureParams(Params):
    """Params of :class:`SurpriseTemperaturePolicy`.

    Attributes:
      logits: bigram logits ``[V, V]``; row ``x`` scores the token after ``x``.
      temperature: T0, the temperature at reference surprise (positive).
      surprise_gain: beta; 0 gives a fixed temperature T0.
      surprise_ref: s_ref in nats (the surprise at which ``T_t = T0``).
      surprise_rate: rho in [0, 1], weight of the newest surprise in its
        running average (1: the latest input only; 0: the average stays at
        s_ref, so the temperature stays T0).

    Example:
      >>> import jax, kdgap_sim as kd
      >>> logits = kd.agents.random_bigram_logits(jax.random.key(0), vocab_size=4)
      >>> params = kd.agents.SurpriseTemperatureParams(logits=logits, surprise_gain=0.5)
      >>> params.replace(temperature=2.0).temperature
      2.0
    """

    logits: Array
    temperature: Array = 1.0
    surprise_gain: Array = 0.0
    surprise_ref: Array = 0.0
    surprise_rate: Array = 1.0
    domains = {
        "logits": "real", "temperature": "positive", "surprise_gain": "real",
        "surprise_ref": "real", "surprise_rate": "unit",
    }


class SurpriseState(NamedTuple):
    """Context summary of the policy after reading input ``token``.

    Attributes:
      token: the latest input token (-1 before the first one: the state of
        :meth:`SurpriseTemperaturePolicy.init`, whose first token arrives as the
        rollout's first observation).
      log_probs: predictive distribution of the next token, ``[V]`` (log).
      surprise: the running average of input surprise, ``s_bar`` (nats).
      temperature: ``T_t``.

    Example:
      >>> import jax, kdgap_sim as kd
      >>> policy = kd.agents.SurpriseTemperaturePolicy(vocab_size=4)
      >>> params = policy.default_params(jax.random.key(0))
      >>> state = policy.start(params, 2)
      >>> int(state.token), state.log_probs.shape
      (2, (4,))
    """

    token: Array
    log_probs: Array
    surprise: Array
    temperature: Array


def random_bigram_logits(key: PRNGKey, vocab_size: int, scale: float = 2.0) -> Array:
    """Bigram logits with i.i.d. ``Normal(0, scale**2)`` entries, ``[V, V]``.

    Example:
      >>> import jax, kdgap_sim as kd
      >>> kd.agents.random_bigram_logits(jax.random.key(0), vocab_size=5).shape
      (5, 5)
      >>> float(abs(kd.agents.random_bigram_logits(jax.random.key(0), 5, scale=0.0)).max())
      0.0
    """
    validation.check_key(key)
    validation.check_int("vocab_size", vocab_size, minimum=2)
    validation.check_in_domain("scale", scale, "nonnegative")
    return scale * jax.random.normal(key, (vocab_size, vocab_size), jnp.float32)


def entropy_of(log_probs: Array) -> Array:
    r"""Entropy in nats, :math:`-\sum_v p_v \log p_v`, of a log-distribution."""
    return -jnp.sum(jnp.exp(log_probs) * log_probs, axis=-1)


@dataclasses.dataclass(frozen=True)
class SurpriseTemperaturePolicy(Predictor):
    """A bigram token policy whose temperature depends on input surprise.

    A :class:`~kdgap_sim.agents.Predictor` over ``vocab_size`` actions (the next
    token) that reads the latest token as its observation. Its beliefs are the
    log-probabilities of the next token; its rationale recommends the most
    probable one with that probability as confidence. :meth:`start`,
    :meth:`observe` and :meth:`sample` step it by hand.

    Args:
      vocab_size: V (static).
      min_temperature, max_temperature: the clip of ``T_t``.

    Example:
      >>> import jax, kdgap_sim as kd
      >>> policy = kd.agents.SurpriseTemperaturePolicy(vocab_size=4)
      >>> params = policy.default_params(jax.random.key(0))
      >>> state = policy.start(params, 0)
      >>> float(state.temperature)
      1.0
      >>> agent, agent_params = policy.agent(params)
      >>> env = kd.envs.TokenStream(vocab_size=4)
      >>> out = kd.rollout(jax.random.key(1), env, env.default_params(), agent, agent_params, n_steps=8,
      ...                  record="trajectory")
      >>> out.action.shape
      (8,)
    """

    vocab_size: int
    min_temperature: float = 0.05
    max_temperature: float = 20.0

    def __post_init__(self) -> None:
        validation.check_int("vocab_size", self.vocab_size, minimum=2)
        validation.check_in_domain("min_temperature", self.min_temperature, "positive")
        validation.check_in_domain("max_temperature", self.max_temperature, "positive")
        if self.max_temperature < self.min_temperature:
            raise ValueError(
                f"max_temperature ({self.max_temperature}) must be >= min_temperature "
                f"({self.min_temperature})"
            )

    def default_params(self, key: PRNGKey | None = None, scale: float = 2.0) -> SurpriseTemperatureParams:
        """Bigram logits drawn with ``key`` (:func:`random_bigram_logits`; zero, a uniform bigram,
        when ``key`` is None); T0 = 1, beta = 0, s_ref = ln V, rho = 1."""
        if key is None:
            logits = jnp.zeros((self.vocab_size, self.vocab_size), jnp.float32)
        else:
            logits = random_bigram_logits(key, self.vocab_size, scale)
        return SurpriseTemperatureParams(
            logits=logits, temperature=jnp.float32(1.0), surprise_gain=jnp.float32(0.0),
            surprise_ref=jnp.log(jnp.float32(self.vocab_size)), surprise_rate=jnp.float32(1.0),
        )

    def validate_params(self, params: Any, name: str = "params") -> None:
        if not isinstance(params, SurpriseTemperatureParams):
            raise TypeError(f"{name} must be SurpriseTemperatureParams, got {type(params).__name__}")
        params.validate(name)
        validation.check_shape(f"{name}.logits", params.logits, (self.vocab_size, self.vocab_size))

    def check_n_actions(self, n_actions: int) -> None:
        validation.check_int("n_actions", n_actions, minimum=1)
        if n_actions != self.vocab_size:
            raise ValueError(f"n_actions must equal vocab_size={self.vocab_size} (actions are tokens), got {n_actions}")

    def agent(self, params: SurpriseTemperatureParams) -> tuple[Agent, AgentParams]:
        r"""This policy with a :class:`~kdgap_sim.agents.Softmax` actor at ``beta = 1``: it samples
        the next token from :math:`\pi_t`; returns the agent and its params."""
        return Agent(self, Softmax()), AgentParams(predictor=params, actor=SoftmaxParams(beta=jnp.float32(1.0)))

    def temperature(self, surprise: Array, params: SurpriseTemperatureParams) -> Array:
        """``T = clip(T0 * exp(beta * (s_bar - s_ref)), T_min, T_max)``."""
        log_t = jnp.log(params.temperature) + params.surprise_gain * (surprise - params.surprise_ref)
        log_t = jnp.clip(log_t, jnp.log(self.min_temperature), jnp.log(self.max_temperature))
        return jnp.exp(log_t)

    def _state(self, token, surprise, params) -> SurpriseState:
        temperature = self.temperature(surprise, params)
        log_probs = jax.nn.log_softmax(params.logits[token] / temperature)
        return SurpriseState(jnp.asarray(token, jnp.int32), log_probs, surprise, temperature)

    def start(self, params: SurpriseTemperatureParams, first_token: Array) -> SurpriseState:
        """State after the first input token, with surprise at its reference value."""
        return self._state(first_token, jnp.asarray(params.surprise_ref, jnp.float32), params)

    def init(self, n_actions: Any, params: Any = None) -> SurpriseState:
        """State before any token (the :class:`~kdgap_sim.agents.Predictor` contract): surprise at
        its reference value, a uniform prediction, token -1.

        ``init(params, first_token)``, the call of earlier releases, is :meth:`start` and
        warns with a ``DeprecationWarning``.
        """
        if isinstance(n_actions, SurpriseTemperatureParams):
            warnings.warn("SurpriseTemperaturePolicy.init(params, first_token) is now start(params, first_token); "
                          "init(n_actions, params) is the Predictor contract", DeprecationWarning, stacklevel=2)
            return self.start(n_actions, params)
        self.check_n_actions(n_actions)
        surprise = jnp.asarray(params.surprise_ref, jnp.float32)
        uniform = jnp.full((self.vocab_size,), -jnp.log(jnp.float32(self.vocab_size)))
        return SurpriseState(jnp.int32(-1), uniform, surprise, self.temperature(surprise, params))

    def observe(
        self, state: SurpriseState, token: Array, params: SurpriseTemperatureParams
    ) -> tuple[SurpriseState, Array]:
        """Reads the next input token; returns the new state and the surprise ``s_t``."""
        surprise = -state.log_probs[token]
        smoothed = (1 - params.surprise_rate) * state.surprise + params.surprise_rate * surprise
        return self._state(token, smoothed, params), surprise

    def sample(self, key: PRNGKey, state: SurpriseState) -> Array:
        """A next token from the policy's current distribution."""
        return jax.random.categorical(key, state.log_probs).astype(jnp.int32)

    def beliefs(self, state: SurpriseState, obs: Array, params: SurpriseTemperatureParams) -> Array:
        r""":math:`\log \pi_t(\cdot \mid x_t)`: the next-token log-probabilities after token ``obs``."""
        return jax.nn.log_softmax(params.logits[obs] / state.temperature)

    def recommend(self, key: PRNGKey, state: SurpriseState, obs: Array, params: SurpriseTemperatureParams) -> Rationale:
        """The most probable next token, with its probability as confidence."""
        del key
        log_probs = self.beliefs(state, obs, params)
        return rationale_from(jnp.exp(log_probs), log_probs)

    def update(self, state: SurpriseState, obs: Array, action: Array, feedback: Feedback, forced: Array,
               params: SurpriseTemperatureParams) -> SurpriseState:
        """Reads token ``action`` after ``obs`` (written by the agent, or forced: prefilled text)."""
        del feedback, forced
        current = state._replace(token=jnp.asarray(obs, jnp.int32), log_probs=self.beliefs(state, obs, params))
        return self.observe(current, action, params)[0]


#: names that moved up to :mod:`kdgap_sim.metrics.generation` (they run the trial loop); aliases for one release
_MOVED = {"GenerationSummary", "GenerationTrajectory", "generate_tokens"}


def __getattr__(name):
    if name in _MOVED:
        from kdgap_sim import _moved

        return _moved.attribute(__name__, name, "kdgap_sim.metrics.generation")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
