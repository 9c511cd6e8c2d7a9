r"""Token generations of a surprise-tempered policy through the one trial loop.

:func:`generate_tokens` runs a :class:`~kdgap_sim.agents.SurpriseTemperaturePolicy`
on a :class:`~kdgap_sim.envs.TokenStream` with :func:`kdgap_sim.rollout_batch`,
on its own samples (on-policy) or on another policy's text (off-policy, as
prefilled text: every action forced). :class:`GenerationAccumulator` is what
this family accumulates: per trial ``t`` after burn-in, the entropy of the
agent's next-token distribution :math:`H_t = -\sum_v \pi_t(v) \log \pi_t(v)`,
the surprise of the token that follows :math:`s_t = -\log \pi_t(x_{t+1})` and
the temperature :math:`T_t` (Asvin G. and Lindsey 2026, arXiv 2605.25459).
"""

from __future__ import annotations

import dataclasses
from typing import Any, NamedTuple

import jax.numpy as jnp

from kdgap_sim import validation
from kdgap_sim.accumulators import Accumulator, Trial
from kdgap_sim.agents.surprise import SurpriseTemperatureParams, SurpriseTemperaturePolicy, entropy_of
from kdgap_sim.envs.token_stream import TokenStream
from kdgap_sim.rollout import RECORD_MODES, rollout_batch
from kdgap_sim.types import Array, PRNGKey


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
      >>> out = kd.metrics.generate_tokens(jax.random.key(1), policy, params, 100, n_rollouts=2)
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
    """Per-step record: the token written, entropy, surprise, temperature (leading axis time).

    Example:
      >>> import jax, kdgap_sim as kd
      >>> policy = kd.agents.SurpriseTemperaturePolicy(vocab_size=4)
      >>> params = policy.default_params(jax.random.key(0))
      >>> out = kd.metrics.generate_tokens(
      ...     jax.random.key(1), policy, params, 10, n_rollouts=2, record="trajectory")
      >>> out.entropy.shape, out.summary.n_steps.tolist()
      ((2, 10), [10, 10])
    """

    token: Array
    entropy: Array
    surprise: Array
    temperature: Array
    summary: GenerationSummary


def _measures(trial: Trial) -> tuple[Array, Array, Array, Array]:
    """(token, H_t, s_t, T_t) of one trial; the beliefs are the next-token log-probabilities."""
    log_probs = trial.beliefs
    surprise = -jnp.take(log_probs, trial.action)
    return trial.action, entropy_of(log_probs), surprise, trial.agent_state.predictor.temperature


@dataclasses.dataclass(frozen=True)
class GenerationAccumulator(Accumulator):
    """Sums of entropy, surprise and temperature over the trials ``t >= burn_in`` (static).

    Example:
      >>> from kdgap_sim.metrics.generation import GenerationAccumulator
      >>> GenerationAccumulator(burn_in=5).init(4).n_steps.tolist()
      0
    """

    burn_in: int = 0

    def init(self, n_actions: int) -> GenerationSummary:
        zero = jnp.float32(0.0)
        return GenerationSummary(jnp.int32(0), zero, zero, zero)

    def update(self, acc: GenerationSummary, trial: Trial) -> GenerationSummary:
        _, entropy, surprise, temperature = _measures(trial)
        kept = trial.t >= self.burn_in
        keep = kept.astype(jnp.float32)
        return GenerationSummary(
            n_steps=acc.n_steps + kept.astype(jnp.int32),
            entropy_sum=acc.entropy_sum + keep * entropy,
            surprise_sum=acc.surprise_sum + keep * surprise,
            temperature_sum=acc.temperature_sum + keep * temperature,
        )

    def trace(self, trial: Trial) -> tuple[Array, Array, Array, Array]:
        return _measures(trial)

    def trajectory(self, traces, summary: GenerationSummary) -> GenerationTrajectory:
        return GenerationTrajectory(*traces, summary=summary)


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
    as prefilled text: the source's on-policy generation from the same key is
    imposed as the agent's ``forced_actions``, so both start from the same
    first token). Rollout ``r`` uses ``fold_in(key, r)``
    (:func:`kdgap_sim.rollout_batch`); ``burn_in`` steps run before
    accumulation starts. Parameters may be traced (a grid under ``vmap``).

    Returns:
      :class:`GenerationSummary` (or a trajectory) with a leading rollout axis.

    Example:
      >>> import jax, kdgap_sim as kd
      >>> policy = kd.agents.SurpriseTemperaturePolicy(vocab_size=8)
      >>> params = policy.default_params(jax.random.key(0)).replace(surprise_gain=1.0)
      >>> out = kd.metrics.generate_tokens(jax.random.key(1), policy, params, 100, n_rollouts=2)
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
    forced = None
    if source_params is not None:
        policy.validate_params(source_params, "source_params")
        forced = source_tokens(key, policy, source_params, n_steps + burn_in, n_rollouts)
    return _run(key, policy, params, n_steps + burn_in, n_rollouts, forced, burn_in, record)


def source_tokens(key: PRNGKey, policy: SurpriseTemperaturePolicy, params: SurpriseTemperatureParams,
                  n_steps: int, n_rollouts: int) -> Array:
    """The tokens a policy writes on its own text, ``[n_rollouts, n_steps]`` (rollout ``r``: ``fold_in(key, r)``).

    Example:
      >>> import jax, kdgap_sim as kd
      >>> policy = kd.agents.SurpriseTemperaturePolicy(vocab_size=4)
      >>> kd.metrics.source_tokens(jax.random.key(0), policy, policy.default_params(), 6, 3).shape
      (3, 6)
    """
    return _run(key, policy, params, n_steps, n_rollouts, None, 0, "trajectory").token


def _run(key, policy, params, n_steps, n_rollouts, forced, burn_in, record) -> Any:
    env = TokenStream(vocab_size=policy.vocab_size)
    agent, agent_params = policy.agent(params)
    return rollout_batch(key, env, env.default_params(), agent, agent_params, n_steps, n_rollouts, record=record,
                         forced_actions=forced, accumulator=GenerationAccumulator(burn_in))
