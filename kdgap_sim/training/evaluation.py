"""Held-out evaluation of actors before and after fine-tuning, with paired intervals.

Held-out bandits are drawn from the same family as the training bandits
(i.i.d. ``Uniform(prob_low, prob_high)`` arm probabilities) but from a
different key, so no evaluation bandit was trained on. Every actor is run with
:func:`kdgap_sim.rollout` on the *same* bandits with the *same* rollout keys
(common random numbers: the outcome of every arm on trial ``t`` is the same
for both actors), so before-vs-after differences are paired and their
intervals are much narrower than those of unpaired means.
"""

from __future__ import annotations

import functools
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from kdgap_sim import validation
from kdgap_sim.agents.actors import Actor
from kdgap_sim.agents.agent import Agent, AgentParams
from kdgap_sim.agents.predictors import UCB
from kdgap_sim.envs.bandit import BernoulliBandit, BernoulliBanditParams
from kdgap_sim.metrics.report import describe, mean_and_se
from kdgap_sim.rollout import rollout, seed_keys
from kdgap_sim.training.setting import RLFTConfig, predictor_params_of, sample_bandit_probs

#: Metrics reported by :func:`compare` (from :func:`kdgap_sim.metrics.describe`).
EVAL_METRICS = ("follow", "coverage", "regret", "gap", "optimal_action", "greedy")


def evaluate(
    key: Any,
    actor: Actor,
    actor_params: Any,
    config: RLFTConfig,
    *,
    n_envs: int = 512,
) -> dict[str, np.ndarray]:
    """Runs ``Agent(UCB(), actor)`` on ``n_envs`` held-out bandits; one value per bandit.

    The bandits (size, horizon, probability range) and the UCB predictor's
    params are those of ``config``; bandit ``i`` has probabilities from
    ``fold_in(key, 0)`` and rollout key ``fold_in(fold_in(key, 1), i)``.

    Returns:
      :func:`kdgap_sim.metrics.describe` of the batch (``follow``,
      ``coverage``, ``regret``, ...), each an array ``[n_envs]``.

    Example:
      >>> import jax, kdgap_sim as kd
      >>> from kdgap_sim import training
      >>> actor = kd.agents.RationaleFollowing(fallback=kd.agents.Softmax())
      >>> config = training.RLFTConfig(n_arms=3, n_steps=10)
      >>> out = training.evaluate(jax.random.key(0), actor,
      ...                         actor.default_params().replace(follow_prob=1.0), config, n_envs=64)
      >>> out["follow"].shape, float(out["follow"].mean())
      ((64,), 1.0)
    """
    validation.check_key(key)
    if not isinstance(config, RLFTConfig):
        raise TypeError(f"config must be an RLFTConfig, got {type(config).__name__}")
    validation.check_int("n_envs", n_envs, minimum=2)
    predictor = UCB()
    Agent(predictor, actor).validate_params(
        AgentParams(predictor=predictor_params_of(config), actor=actor_params)
    )
    return describe(_evaluate_batch(key, actor_params, actor=actor, config=config, n_envs=n_envs))


@functools.partial(jax.jit, static_argnames=("actor", "config", "n_envs"))
def _evaluate_batch(key, actor_params, *, actor, config, n_envs):
    predictor = UCB()
    agent = Agent(predictor, actor)
    params = AgentParams(predictor=predictor_params_of(config), actor=actor_params)
    env = BernoulliBandit(n_arms=config.n_arms)
    probs = sample_bandit_probs(
        jax.random.fold_in(key, 0), n_envs, config.n_arms, config.prob_low, config.prob_high
    )
    keys = seed_keys(jax.random.fold_in(key, 1), n_envs)

    def one(k, p):
        env_params = BernoulliBanditParams(probs=p, drift_scale=jnp.float32(0.0))
        return rollout(k, env, env_params, agent, params, config.n_steps)

    return jax.vmap(one)(keys, probs)


def _check_level(level: Any) -> None:
    if isinstance(level, bool) or not isinstance(level, (int, float, np.integer, np.floating)):
        raise TypeError(f"level must be a number in (0, 1), got {level!r}")
    if not 0.0 < level < 1.0:  # NaN fails too
        raise ValueError(f"level must lie in the open interval (0, 1), got {level!r}")


def paired_interval(before: Any, after: Any, level: float = 0.95) -> dict[str, float]:
    """Means and the normal-approximation interval of the mean paired difference ``after - before``.

    The interval is ``mean(d) +- z * sd(d) / sqrt(n)`` (CLT; fine for the
    hundreds of bandits used here). ``before`` and ``after`` are 1-D of the same
    length ``n >= 2``; ``level`` lies in the open interval (0, 1).

    Example:
      >>> from kdgap_sim import training
      >>> row = training.paired_interval([1.0, 2.0, 3.0, 4.0], [2.0, 3.0, 4.0, 6.0])
      >>> row["before"], row["after"], row["diff"], row["diff_low"] < 1.25 < row["diff_high"]
      (2.5, 3.75, 1.25, True)
    """
    from scipy.stats import norm

    _check_level(level)
    before = validation.as_numeric_array("before", before).astype(np.float64)
    after = validation.as_numeric_array("after", after).astype(np.float64)
    validation.check_in_domain("before", before, "real")
    validation.check_in_domain("after", after, "real")
    if before.ndim != 1 or before.shape != after.shape or before.size < 2:
        raise ValueError(
            "before and after must be 1-D with the same length n >= 2 (paired values), got "
            f"shapes {before.shape} and {after.shape}"
        )
    d = after - before
    z = float(norm.ppf(0.5 + level / 2))
    diff, se = mean_and_se(d, min_size=2)
    return {
        "before": float(before.mean()),
        "after": float(after.mean()),
        "diff": diff,
        "diff_se": se,
        "diff_low": diff - z * se,
        "diff_high": diff + z * se,
    }


def compare(
    key: Any,
    before: tuple[Actor, Any],
    after: tuple[Actor, Any],
    config: RLFTConfig,
    *,
    n_envs: int = 512,
    level: float = 0.95,
) -> dict[str, dict[str, float]]:
    """Evaluates two ``(actor, params)`` pairs on the same held-out bandits and keys.

    To compare with a reference that has invalid outputs, pass it as the
    :class:`~kdgap_sim.training.LearnedActor` at its reference params
    (``(result.actor, result.reference_params)`` of :func:`~kdgap_sim.training.train`).

    Returns:
      For each metric in :data:`EVAL_METRICS`, :func:`paired_interval` of
      (before, after) at ``level`` (in (0, 1), checked before any rollout).

    Example:
      >>> import jax, kdgap_sim as kd
      >>> from kdgap_sim import training
      >>> actor = kd.agents.RationaleFollowing(fallback=kd.agents.Softmax())
      >>> config = training.RLFTConfig(n_arms=3, n_steps=10)
      >>> table = training.compare(jax.random.key(0), (actor, actor.default_params()),
      ...                          (actor, actor.default_params().replace(follow_prob=1.0)),
      ...                          config, n_envs=64)
      >>> round(table["follow"]["after"], 2)
      1.0
    """
    _check_level(level)
    first = evaluate(key, *before, config, n_envs=n_envs)
    second = evaluate(key, *after, config, n_envs=n_envs)
    return {name: paired_interval(first[name], second[name], level) for name in EVAL_METRICS}


def format_comparison(table: dict[str, dict[str, float]]) -> str:
    """A plain-text table of :func:`compare`'s output.

    Example:
      >>> from kdgap_sim import training
      >>> table = {"follow": training.paired_interval([0.5, 0.7, 0.6], [0.9, 1.0, 0.95])}
      >>> print(training.format_comparison(table))
      metric              before     after      diff  95% interval
      follow               0.600     0.950     0.350  [0.293, 0.407]
    """
    lines = [f"{'metric':<16}{'before':>10}{'after':>10}{'diff':>10}  95% interval"]
    for name, row in table.items():
        lines.append(
            f"{name:<16}{row['before']:>10.3f}{row['after']:>10.3f}{row['diff']:>10.3f}"
            f"  [{row['diff_low']:.3f}, {row['diff_high']:.3f}]"
        )
    return "\n".join(lines)
