"""Exploration metrics: regret, action coverage, greediness, suffix failure, MinFrac.

All functions take a rollout result (a :class:`~kdgap_sim.types.Summary` or
:class:`~kdgap_sim.types.Trajectory`, batched or not) and return one value per
rollout (the batch shape); average over seeds yourself, or use
:func:`kdgap_sim.metrics.describe`.
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp
import numpy as np

from kdgap_sim import validation
from kdgap_sim.metrics._common import as_summary, as_trajectory, rate
from kdgap_sim.types import Array


def cumulative_regret(out: Any) -> Array:
    r"""Expected cumulative regret :math:`R_T = \sum_{t<T} (\max_a \mu_a - \mu_{a_t})`.

    Example:
      >>> import jax, kdgap_sim as kd
      >>> env = kd.envs.make("bernoulli-bandit", n_arms=3)
      >>> agent, params = kd.agents.profile("faithful-ucb")
      >>> out = kd.rollout(jax.random.key(0), env, env.default_params(), agent, params, n_steps=20)
      >>> float(kd.metrics.cumulative_regret(out)) > 0
      True
    """
    return as_summary(out).regret_sum


def regret_curve(out: Any) -> Array:
    """Cumulative regret after each trial, ``[..., T]`` (needs a trajectory).

    Example:
      >>> import jax, kdgap_sim as kd
      >>> env = kd.envs.make("bernoulli-bandit", n_arms=3)
      >>> agent, params = kd.agents.profile("faithful-ucb")
      >>> out = kd.rollout(jax.random.key(0), env, env.default_params(), agent, params, n_steps=20,
      ...              record="trajectory")
      >>> kd.metrics.regret_curve(out).shape
      (20,)
    """
    return jnp.cumsum(as_trajectory(out, "regret_curve").regret, axis=-1)


def _check_trial_index(name: str, t: Any, summary: Any, minimum: int = 0) -> None:
    """``t`` must be an integer in ``[minimum, T]`` (T = the rollout's trials; skipped when traced)."""
    if validation.is_tracer(t):
        return
    validation.check_int(name, t, minimum=minimum)
    if not validation.is_tracer(summary.n_steps):
        n_steps = int(np.min(np.asarray(summary.n_steps)))
        if t > n_steps:
            raise ValueError(f"{name} must be <= the rollout's {n_steps} trials, got {t}")


def action_coverage(out: Any, t: int | None = None) -> Array:
    r"""Action coverage :math:`C_t = |\{a: a \text{ tried before } t\}| / K`.

    Schmied et al. (2025), arXiv 2504.16078, section 4: greedy agents' coverage
    stagnates and up to 55% of arms are never tried. ``t=None`` uses all trials.

    Example:
      >>> import jax, kdgap_sim as kd
      >>> env = kd.envs.make("bernoulli-bandit", n_arms=3)
      >>> agent, params = kd.agents.profile("faithful-ucb")
      >>> out = kd.rollout(jax.random.key(0), env, env.default_params(), agent, params, n_steps=20)
      >>> float(kd.metrics.action_coverage(out)), round(float(kd.metrics.action_coverage(out, t=2)), 3)
      (1.0, 0.667)
    """
    summary = as_summary(out)
    if t is not None:
        _check_trial_index("t", t, summary)
    first = summary.first_step
    tried = first >= 0 if t is None else (first >= 0) & (first < t)
    return jnp.where(summary.invalid_params, jnp.nan, jnp.mean(tried.astype(jnp.float32), axis=-1))


def coverage_curve(out: Any, n_steps: int) -> Array:
    """:math:`C_t` for ``t = 1 .. n_steps``, shape ``[..., n_steps]``.

    Example:
      >>> import jax, kdgap_sim as kd
      >>> env = kd.envs.make("bernoulli-bandit", n_arms=3)
      >>> agent, params = kd.agents.profile("faithful-ucb")
      >>> out = kd.rollout(jax.random.key(0), env, env.default_params(), agent, params, n_steps=20)
      >>> [round(float(c), 2) for c in kd.metrics.coverage_curve(out, 4)]
      [0.33, 0.67, 1.0, 1.0]
    """
    summary = as_summary(out)
    _check_trial_index("n_steps", n_steps, summary, minimum=1)
    first = summary.first_step
    times = jnp.arange(1, n_steps + 1)
    tried = (first[..., None, :] >= 0) & (first[..., None, :] < times[:, None])
    coverage = jnp.mean(tried.astype(jnp.float32), axis=-1)
    return jnp.where(jnp.asarray(summary.invalid_params)[..., None], jnp.nan, coverage)


def greedy_fraction(out: Any) -> Array:
    """Fraction of trials whose action maximised the agent's own beliefs.

    Example:
      >>> import jax, kdgap_sim as kd
      >>> env = kd.envs.make("bernoulli-bandit", n_arms=3)
      >>> agent, params = kd.agents.profile("faithful-ucb")
      >>> out = kd.rollout(jax.random.key(0), env, env.default_params(), agent, params, n_steps=20)
      >>> 0.0 <= float(kd.metrics.greedy_fraction(out)) <= 1.0
      True
    """
    summary = as_summary(out)
    return rate(summary.greedy_count, summary.n_steps)


def optimal_action_rate(out: Any) -> Array:
    """Fraction of trials on which an optimal action was taken.

    Example:
      >>> import jax, kdgap_sim as kd
      >>> env = kd.envs.make("bernoulli-bandit", n_arms=3)
      >>> agent, params = kd.agents.profile("faithful-ucb")
      >>> out = kd.rollout(jax.random.key(0), env, env.default_params(), agent, params, n_steps=20)
      >>> 0.0 < float(kd.metrics.optimal_action_rate(out)) < 1.0
      True
    """
    summary = as_summary(out)
    return rate(summary.optimal_count, summary.n_steps)


def suffix_failure(out: Any, t: int | None = None) -> Array:
    """Whether no optimal action was taken in trials ``t .. T-1`` (default ``t = T // 2``).

    Its mean over seeds is SuffixFailFreq(t) of Krishnamurthy et al. (2024),
    "Can large language models explore in-context?", arXiv 2403.15371.

    Example:
      >>> import jax, kdgap_sim as kd
      >>> env = kd.envs.make("bernoulli-bandit", n_arms=3)
      >>> agent, params = kd.agents.profile("faithful-ucb")
      >>> out = kd.rollout(jax.random.key(0), env, env.default_params(), agent, params, n_steps=20)
      >>> kd.metrics.suffix_failure(out).dtype
      dtype('bool')
    """
    summary = as_summary(out)
    if t is None:
        t = summary.n_steps // 2
    else:
        _check_trial_index("t", t, summary)
    return summary.last_optimal_step < t


def min_frac(out: Any) -> Array:
    r"""MinFrac :math:`= K \min_a N_a / T`: 1 for uniform play, 0 if an arm is never tried.

    Krishnamurthy et al. (2024), arXiv 2403.15371.

    Example:
      >>> import jax, kdgap_sim as kd
      >>> env = kd.envs.make("bernoulli-bandit", n_arms=3)
      >>> agent, params = kd.agents.profile("faithful-ucb")
      >>> out = kd.rollout(jax.random.key(0), env, env.default_params(), agent, params, n_steps=20)
      >>> float(kd.metrics.min_frac(out)) > 0   # UCB1 tries every arm
      True
    """
    summary = as_summary(out)
    n = summary.counts.shape[-1]
    return n * rate(jnp.min(summary.counts, axis=-1), summary.n_steps)
