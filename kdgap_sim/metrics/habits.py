"""Habits of the actor: frequency bias, repetition and action entropy.

Frequency bias (Schmied et al. 2025, arXiv 2504.16078, section 4.2): fill the
context with one action repeated ``n`` times and record how often that action
is chosen next, as a function of ``n``. Here the predictor is held at its
initial, neutral beliefs (every action equally valued), so any rise of the
curve with ``n`` comes from the actor's habits, not from reward.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from kdgap_sim import validation
from kdgap_sim.agents.actors import push_action
from kdgap_sim.agents.agent import Agent, AgentParams
from kdgap_sim.metrics._common import as_summary, as_trajectory
from kdgap_sim.types import Array, PRNGKey


def _check_habit_inputs(key: Any, agent: Any, params: Any, n_actions: Any) -> None:
    validation.check_key(key)
    if not isinstance(agent, Agent):
        raise TypeError(f"agent must be a kd.agents.Agent, got {agent!r}")
    validation.check_int("n_actions", n_actions, minimum=1)
    agent.validate_params(params, "params")
    agent.check_n_actions(n_actions)


def _check_repeats(repeats: Any) -> list[int]:
    """``repeats`` as a list of non-negative ints: a non-empty 1-D sequence, no fractions."""
    try:
        flat = not isinstance(repeats, (str, bytes)) and np.ndim(repeats) == 1 and len(repeats) > 0
    except ValueError:  # ragged nesting
        flat = False
    if not flat:
        raise ValueError(f"repeats must be a non-empty 1-D sequence of counts, got {repeats!r}")
    scalars = (n.item() if isinstance(n, (np.ndarray, np.generic, jax.Array)) else n for n in repeats)
    return [validation.check_int(f"repeats[{i}]", n, minimum=0) for i, n in enumerate(scalars)]


def frequency_bias_curve(
    key: PRNGKey,
    agent: Agent,
    params: AgentParams,
    n_actions: int,
    repeats: Sequence[int],
) -> Array:
    r"""Probability of choosing the action that fills the context ``n`` times.

    .. math:: f(n) = \frac{1}{K}\sum_{a} \pi\big(a \mid \text{context} = (a)^n,\ Q = Q_0\big)

    Exact (computed from the actor's action probabilities, no sampling),
    averaged over the repeated action ``a`` so that tie-breaking conventions
    cancel. ``key`` feeds predictors whose rationale is random (Thompson).

    Returns:
      ``[len(repeats)]``; a habit-free actor gives a flat curve.

    Example:
      >>> import jax, kdgap_sim as kd
      >>> agent, params = kd.agents.profile("llm-2b-like")
      >>> curve = kd.metrics.frequency_bias_curve(jax.random.key(0), agent, params, 5, [0, 20])
      >>> round(float(curve[0]), 2), bool(curve[1] > 0.5)
      (0.2, True)
    """
    _check_habit_inputs(key, agent, params, n_actions)
    repeats = _check_repeats(repeats)
    state = agent.init(n_actions, params)
    rationale = agent.predictor.recommend(key, state.predictor, 0, params.predictor)
    beliefs = agent.predictor.beliefs(state.predictor, 0, params.predictor)

    def prob_of_copy(action: Array, n: int) -> Array:
        history = state.actor
        for _ in range(min(n, max(agent.actor.window, 0))):
            history = push_action(history, action)
        probs = agent.actor.action_probs(history, beliefs, rationale, params.actor)
        return probs[action]

    actions = jnp.arange(n_actions)
    return jnp.stack([jnp.mean(jax.vmap(lambda a: prob_of_copy(a, n))(actions)) for n in repeats])


def frequency_bias(key: PRNGKey, agent: Agent, params: AgentParams, n_actions: int) -> Array:
    """Frequency bias in one number: ``f(W) - f(0)`` with ``W`` the actor's context window.

    0 for an actor without a context; up to ``1 - 1/K`` for one that always
    copies its context's action.

    Example:
      >>> import jax, kdgap_sim as kd
      >>> agent, params = kd.agents.profile("faithful-ucb")   # no context of past actions
      >>> float(kd.metrics.frequency_bias(jax.random.key(0), agent, params, 5))
      0.0
    """
    _check_habit_inputs(key, agent, params, n_actions)
    window = agent.actor.window
    if window == 0:
        return jnp.float32(0.0)
    curve = frequency_bias_curve(key, agent, params, n_actions, [0, window])
    return curve[1] - curve[0]


def repetition_rate(out: Any) -> Array:
    """Fraction of trials ``t >= 1`` whose action repeats the previous one (needs a trajectory).

    Raises ValueError for a trajectory of one trial (no trial has a previous one).

    Example:
      >>> import jax, kdgap_sim as kd
      >>> env = kd.envs.make("bernoulli-bandit", n_arms=3)
      >>> agent, params = kd.agents.profile("faithful-ucb")
      >>> out = kd.rollout(jax.random.key(0), env, env.default_params(), agent, params, n_steps=20,
      ...              record="trajectory")
      >>> 0.0 <= float(kd.metrics.repetition_rate(out)) <= 1.0
      True
    """
    actions = as_trajectory(out, "repetition_rate").action
    if actions.shape[-1] < 2:
        raise ValueError(
            f"out: repetition_rate needs a trajectory of at least 2 trials, got {actions.shape[-1]}"
        )
    return jnp.mean((actions[..., 1:] == actions[..., :-1]).astype(jnp.float32), axis=-1)


def action_entropy(out: Any) -> Array:
    r"""Entropy (nats) of the empirical action distribution: :math:`-\sum_a \hat p_a \ln \hat p_a`.

    Example:
      >>> import jax, kdgap_sim as kd
      >>> env = kd.envs.make("bernoulli-bandit", n_arms=3)
      >>> agent, params = kd.agents.profile("faithful-ucb")
      >>> out = kd.rollout(jax.random.key(0), env, env.default_params(), agent, params, n_steps=20)
      >>> 0.0 < float(kd.metrics.action_entropy(out)) <= 1.0987   # at most ln 3
      True
    """
    counts = as_summary(out).counts.astype(jnp.float32)
    p = counts / jnp.maximum(jnp.sum(counts, axis=-1, keepdims=True), 1.0)
    return -jnp.sum(jnp.where(p > 0, p * jnp.log(jnp.where(p > 0, p, 1.0)), 0.0), axis=-1)
