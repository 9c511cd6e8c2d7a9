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
:func:`generate_tokens` runs both settings; :mod:`kdgap_sim.metrics.entropy` turns
them into the on/off-policy entropy ratio.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

from kdgap_sim import validation
from kdgap_sim.params import Params, params_class
from kdgap_sim.types import Array, PRNGKey

RECORD_MODES = ("summary", "trajectory")


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
      token: the latest input token.
      log_probs: predictive distribution of the next token, ``[V]`` (log).
      surprise: the running average of input surprise, ``s_bar`` (nats).
      temperature: ``T_t``.

    Example:
      >>> import jax, kdgap_sim as kd
      >>> policy = kd.agents.SurpriseTemperaturePolicy(vocab_size=4)
      >>> params = policy.default_params(jax.random.key(0))
      >>> state = policy.init(params, 2)
      >>> int(state.token), state.log_probs.shape
      (2, (4,))
    """

    token: Array
    log_probs: Array
    surprise: Array
    temperature: Array


class GenerationSummary(NamedTuple):
    """O(1) accumulators of one generation, over the steps after burn-in.

    Attributes:
      n_steps: steps accumulated.
      entropy_sum: sum of the entropy (nats) of the agent's next-token distribution.
      surprise_sum: sum of the input surprise ``s_t``.
      temperature_sum: sum of ``T_t``.

    Example:
      >>> import jax, kdgap_sim as kd
      >>> policy = kd.agents.SurpriseTemperaturePolicy(vocab_size=8)
      >>> params = policy.default_params(jax.random.key(0)).replace(surprise_gain=1.0)
      >>> out = kd.agents.generate_tokens(jax.random.key(1), policy, params, 100, n_rollouts=2)
      >>> type(out).__name__, out.n_steps.tolist()
      ('GenerationSummary', [100, 100])
      >>> bool((out.entropy_sum / out.n_steps <= jax.numpy.log(8.0) + 1e-6).all())
      True
    """

    n_steps: Array
    entropy_sum: Array
    surprise_sum: Array
    temperature_sum: Array


class GenerationTrajectory(NamedTuple):
    """Per-step record: input token, entropy, surprise, temperature (leading axis time).

    Example:
      >>> import jax, kdgap_sim as kd
      >>> policy = kd.agents.SurpriseTemperaturePolicy(vocab_size=4)
      >>> params = policy.default_params(jax.random.key(0))
      >>> out = kd.agents.generate_tokens(
      ...     jax.random.key(1), policy, params, 10, n_rollouts=2, record="trajectory")
      >>> out.entropy.shape, out.summary.n_steps.tolist()
      ((2, 10), [10, 10])
    """

    token: Array
    entropy: Array
    surprise: Array
    temperature: Array
    summary: GenerationSummary


def _rollout_keys(key: PRNGKey, n: int) -> Array:
    # Same convention as kdgap_sim.rollout.seed_keys (not imported: rollout imports agents).
    return jax.vmap(jax.random.fold_in, in_axes=(None, 0))(key, jnp.arange(n, dtype=jnp.uint32))


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
class SurpriseTemperaturePolicy:
    """A bigram token policy whose temperature depends on input surprise.

    Args:
      vocab_size: V (static).
      min_temperature, max_temperature: the clip of ``T_t``.

    Example:
      >>> import jax, kdgap_sim as kd
      >>> policy = kd.agents.SurpriseTemperaturePolicy(vocab_size=4)
      >>> params = policy.default_params(jax.random.key(0))
      >>> state = policy.init(params, 0)
      >>> float(state.temperature)
      1.0
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

    def default_params(self, key: PRNGKey, scale: float = 2.0) -> SurpriseTemperatureParams:
        """Random bigram logits; T0 = 1, beta = 0, s_ref = ln V, rho = 1."""
        return SurpriseTemperatureParams(
            logits=random_bigram_logits(key, self.vocab_size, scale),
            temperature=jnp.float32(1.0), surprise_gain=jnp.float32(0.0),
            surprise_ref=jnp.log(jnp.float32(self.vocab_size)), surprise_rate=jnp.float32(1.0),
        )

    def validate_params(self, params: Any, name: str = "params") -> None:
        if not isinstance(params, SurpriseTemperatureParams):
            raise TypeError(f"{name} must be SurpriseTemperatureParams, got {type(params).__name__}")
        params.validate(name)
        validation.check_shape(f"{name}.logits", params.logits, (self.vocab_size, self.vocab_size))

    def temperature(self, surprise: Array, params: SurpriseTemperatureParams) -> Array:
        """``T = clip(T0 * exp(beta * (s_bar - s_ref)), T_min, T_max)``."""
        log_t = jnp.log(params.temperature) + params.surprise_gain * (surprise - params.surprise_ref)
        log_t = jnp.clip(log_t, jnp.log(self.min_temperature), jnp.log(self.max_temperature))
        return jnp.exp(log_t)

    def _state(self, token, surprise, params) -> SurpriseState:
        temperature = self.temperature(surprise, params)
        log_probs = jax.nn.log_softmax(params.logits[token] / temperature)
        return SurpriseState(jnp.int32(token), log_probs, surprise, temperature)

    def init(self, params: SurpriseTemperatureParams, first_token: Array) -> SurpriseState:
        """State after the first input token, with surprise at its reference value."""
        return self._state(first_token, jnp.asarray(params.surprise_ref, jnp.float32), params)

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


def _generate_one(key, params, source_params, *, policy, n_steps, burn_in, record):
    k_first, k_steps = jax.random.split(key)
    first = jax.random.randint(k_first, (), 0, policy.vocab_size, jnp.int32)
    state = policy.init(params, first)
    source = None if source_params is None else policy.init(source_params, first)

    def step(carry, _):
        t, state, source, acc = carry  # t in the carry: no O(n_steps) array of indices
        entropy = entropy_of(state.log_probs)
        writer = state if source is None else source
        token = policy.sample(jax.random.fold_in(k_steps, t), writer)
        temperature = state.temperature
        state, surprise = policy.observe(state, token, params)
        if source is not None:
            source, _ = policy.observe(source, token, source_params)
        keep = (t >= burn_in).astype(jnp.float32)
        acc = GenerationSummary(
            n_steps=acc.n_steps + (t >= burn_in).astype(jnp.int32),
            entropy_sum=acc.entropy_sum + keep * entropy,
            surprise_sum=acc.surprise_sum + keep * surprise,
            temperature_sum=acc.temperature_sum + keep * temperature,
        )
        out = (token, entropy, surprise, temperature) if record == "trajectory" else None
        return (t + 1, state, source, acc), out

    zero = jnp.float32(0.0)
    acc = GenerationSummary(jnp.int32(0), zero, zero, zero)
    (_, _, _, acc), steps = jax.lax.scan(
        step, (jnp.int32(0), state, source, acc), None, length=n_steps + burn_in
    )
    if record == "summary":
        return acc
    return GenerationTrajectory(*steps, summary=acc)


@functools.partial(jax.jit, static_argnames=("policy", "n_steps", "burn_in", "record"))
def _generate_batch(keys, params, source_params, **static):
    run = functools.partial(_generate_one, **static)
    return jax.vmap(run, in_axes=(0, None, None))(keys, params, source_params)


def generate_tokens(
    key: PRNGKey,
    policy: SurpriseTemperaturePolicy,
    params: SurpriseTemperatureParams,
    n_steps: int,
    n_rollouts: int,
    *,
    source_params: SurpriseTemperatureParams | None = None,
    burn_in: int = 0,
    record: str = "summary",
) -> GenerationSummary | GenerationTrajectory:
    """Runs the policy on its own samples (on-policy) or on another policy's text.

    Each step the agent's next-token entropy is recorded, then the next token
    is written: by the agent itself when ``source_params`` is None
    (on-policy), else by a source policy of the same class with
    ``source_params`` that continues its own text (off-policy for the agent,
    as prefilled text). Both read every token. Rollout ``r`` uses
    ``fold_in(key, r)``; ``burn_in`` steps run before accumulation starts.

    Returns:
      :class:`GenerationSummary` (or a trajectory) with a leading rollout axis.

    Example:
      >>> import jax, kdgap_sim as kd
      >>> policy = kd.agents.SurpriseTemperaturePolicy(vocab_size=8)
      >>> params = policy.default_params(jax.random.key(0)).replace(surprise_gain=1.0)
      >>> out = kd.agents.generate_tokens(jax.random.key(1), policy, params, 100, n_rollouts=2)
      >>> out.n_steps.tolist()
      [100, 100]
    """
    validation.check_key(key)
    if not isinstance(policy, SurpriseTemperaturePolicy):
        raise TypeError(f"policy must be a SurpriseTemperaturePolicy, got {policy!r}")
    validation.check_int("n_steps", n_steps, minimum=1)
    validation.check_int("n_rollouts", n_rollouts, minimum=1)
    validation.check_int("burn_in", burn_in, minimum=0)
    validation.check_choice("record", record, RECORD_MODES)
    policy.validate_params(params, "params")
    if source_params is not None:
        policy.validate_params(source_params, "source_params")
    return _generate_batch(
        _rollout_keys(key, n_rollouts), params, source_params,
        policy=policy, n_steps=n_steps, burn_in=burn_in, record=record,
    )
