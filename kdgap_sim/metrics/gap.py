"""The knowing-doing gap: is the rationale right, and does the action follow it?

Schmied et al. (2025), arXiv 2504.16078: models write a rationale (e.g. the
UCB values of the arms) that is correct about 87% of the time, yet act on it
only about 64% of the time (approx.). Here every rollout logs the predictor's
rationale and the actor's action, so these are measured, not assumed.
"""

from __future__ import annotations

from typing import Any

from kdgap_sim.metrics._common import as_summary, rate
from kdgap_sim.types import Array


def rationale_correct_rate(out: Any) -> Array:
    """Fraction of trials whose rationale equals the exact answer of the predictor's own rule.

    Example:
      >>> import jax, kdgap_sim as kd
      >>> env = kd.envs.make("bernoulli-bandit", n_arms=3)
      >>> agent, params = kd.agents.profile("faithful-ucb")
      >>> out = kd.rollout(jax.random.key(0), env, env.default_params(), agent, params, n_steps=20)
      >>> float(kd.metrics.rationale_correct_rate(out))
      1.0
    """
    summary = as_summary(out)
    return rate(summary.rationale_correct_count, summary.n_steps)


def rationale_optimal_rate(out: Any) -> Array:
    """Fraction of trials whose rationale recommends an optimal action of the environment.

    Example:
      >>> import jax, kdgap_sim as kd
      >>> env = kd.envs.make("bernoulli-bandit", n_arms=3)
      >>> agent, params = kd.agents.profile("faithful-ucb")
      >>> out = kd.rollout(jax.random.key(0), env, env.default_params(), agent, params, n_steps=20)
      >>> 0.0 < float(kd.metrics.rationale_optimal_rate(out)) < 1.0
      True
    """
    summary = as_summary(out)
    return rate(summary.rationale_optimal_count, summary.n_steps)


def follow_rate(out: Any) -> Array:
    """Fraction of trials whose action equals the rationale's action (observable following).

    Example:
      >>> import jax, kdgap_sim as kd
      >>> env = kd.envs.make("bernoulli-bandit", n_arms=3)
      >>> agent, params = kd.agents.profile("faithful-ucb")
      >>> out = kd.rollout(jax.random.key(0), env, env.default_params(), agent, params, n_steps=20)
      >>> float(kd.metrics.follow_rate(out))   # the faithful agent always follows
      1.0
    """
    summary = as_summary(out)
    return rate(summary.follow_count, summary.n_steps)


def knowing_doing_gap(out: Any) -> dict[str, Array]:
    r"""The knowing-doing gap and its parts, one value per rollout.

    Returns a dict with:
      ``rationale_correct``: :math:`P(\text{rationale correct})`;
      ``rationale_optimal``: :math:`P(\text{rationale recommends an optimal action})`;
      ``follow``: :math:`P(a_t = a^{\text{rat}}_t)`;
      ``follow_given_correct``: :math:`P(a_t = a^{\text{rat}}_t \mid \text{correct})`;
      ``gap``: :math:`P(\text{correct} \wedge a_t \neq a^{\text{rat}}_t)`, the share of
      trials on which the agent knew the right action by its own rule but did
      something else.

    Example:
      >>> import jax, kdgap_sim as kd
      >>> env = kd.envs.make("bernoulli-bandit", n_arms=5)
      >>> agent = kd.agents.Agent(kd.agents.UCB(), kd.agents.RationaleFollowing())
      >>> out = kd.rollout(jax.random.key(0), env, env.default_params(), agent,
      ...                  agent.default_params(), n_steps=50)
      >>> sorted(kd.metrics.knowing_doing_gap(out))
      ['follow', 'follow_given_correct', 'gap', 'rationale_correct', 'rationale_optimal']
    """
    summary = as_summary(out)
    correct = summary.rationale_correct_count
    both = summary.correct_and_follow_count
    return {
        "rationale_correct": rate(correct, summary.n_steps),
        "rationale_optimal": rate(summary.rationale_optimal_count, summary.n_steps),
        "follow": rate(summary.follow_count, summary.n_steps),
        "follow_given_correct": rate(both, correct),
        "gap": rate(correct - both, summary.n_steps),
    }
