"""Shared pytrees: what one trial of an agent produces and what a rollout keeps.

Everything here is a ``NamedTuple`` of arrays, written for one agent; a batch
of agents is the same pytree with leading axes added by ``vmap``.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import jax

Array = jax.Array
PRNGKey = jax.Array
ArrayTree = Any


class Rationale(NamedTuple):
    """What the predictor says: the action it recommends and how sure it is.

    Attributes:
      action: recommended action, int32 scalar.
      confidence: the predictor's estimate, in [0, 1], of the probability that
        the recommended action is rewarded (its predicted value, clipped).
      correct: whether the stated action equals the exact answer of the
        predictor's own rule (``False`` only for predictors that misstate their
        rule, e.g. :class:`~kdgap_sim.agents.NoisyRationale`).

    Example:
      >>> import jax.numpy as jnp, kdgap_sim as kd
      >>> r = kd.Rationale(action=jnp.int32(1), confidence=jnp.float32(0.7), correct=jnp.bool_(True))
      >>> int(r.action), bool(r.correct)
      (1, True)
    """

    action: Array
    confidence: Array
    correct: Array


class Feedback(NamedTuple):
    """What the environment returns for one trial.

    Attributes:
      reward: reward of the action taken, float scalar.
      outcomes: the realised outcome of every action on this trial, shape
        ``[n_actions]`` (full feedback, for counterfactual learning);
        ``outcomes[action] == reward``.

    Example:
      >>> import kdgap_sim as kd
      >>> kd.Feedback(reward=1.0, outcomes=[0.0, 1.0]).reward
      1.0
    """

    reward: Array
    outcomes: Array


class Summary(NamedTuple):
    """Online accumulators of one rollout: memory is O(n_actions), not O(n_steps).

    Attributes:
      n_steps: number of trials accumulated.
      reward_sum: sum of rewards.
      regret_sum: sum of expected regret, ``max_a mu_a - mu_{a_t}``.
      counts: times each action was taken, ``[n_actions]``.
      first_step: trial index at which each action was first taken, -1 if
        never; action coverage at any ``t`` is ``mean(0 <= first_step < t)``.
      last_optimal_step: last trial at which an optimal action was taken, -1 if
        never (gives suffix failure at every ``t``).
      optimal_count: trials on which the action was optimal.
      greedy_count: trials on which the action maximised the agent's beliefs.
      follow_count: trials on which the action equalled the rationale's action.
      rationale_correct_count: trials on which the rationale matched its rule.
      rationale_optimal_count: trials on which the rationale's action was optimal.
      correct_and_follow_count: trials with a correct rationale that was followed.
      confidence_sum: sum of stated confidences.
      brier_sum: sum of ``(confidence - o)**2``, with ``o`` the realised outcome
        of the *recommended* action on that trial (observed in simulation even
        when it was not taken); a Brier score when outcomes are in {0, 1}.
      invalid_params: True when the rollout's parameters were traced (under a
        caller's ``jit``/``vmap``) and out of their declared domains; its float
        fields are then NaN and its counts -1 (see
        :mod:`kdgap_sim.traced_checks`). Always False for concrete parameters,
        which are checked before anything runs.

    Example:
      >>> from kdgap_sim.rollout import init_summary
      >>> s = init_summary(3)
      >>> int(s.n_steps), s.counts.shape, s.first_step.tolist()
      (0, (3,), [-1, -1, -1])
    """

    n_steps: Array
    reward_sum: Array
    regret_sum: Array
    counts: Array
    first_step: Array
    last_optimal_step: Array
    optimal_count: Array
    greedy_count: Array
    follow_count: Array
    rationale_correct_count: Array
    rationale_optimal_count: Array
    correct_and_follow_count: Array
    confidence_sum: Array
    brier_sum: Array
    invalid_params: Array


class Trajectory(NamedTuple):
    """Per-trial record of a rollout (``record="trajectory"``): leading axis is time.

    Attributes:
      beliefs: the predictor's value estimates before acting, ``[T, n_actions]``.
      rationale: :class:`Rationale` with leaves of shape ``[T]``.
      action: action taken, ``[T]``.
      reward: reward received, ``[T]``.
      outcomes: outcomes of all actions, ``[T, n_actions]``.
      regret: expected regret of the action, ``[T]``.
      optimal_action: an optimal action under the environment's state, ``[T]``.
      forced: whether the action was imposed (no agency), ``[T]``.
      summary: the :class:`Summary` accumulated over the same trials.

    Example:
      >>> import jax, kdgap_sim as kd
      >>> env = kd.envs.make("bernoulli-bandit", n_arms=3)
      >>> agent, params = kd.agents.profile("faithful-ucb")
      >>> out = kd.rollout(jax.random.key(0), env, env.default_params(), agent, params, n_steps=20,
      ...              record="trajectory")
      >>> out.action.shape, out.beliefs.shape, int(out.summary.n_steps)
      ((20,), (20, 3), 20)
    """

    beliefs: Array
    rationale: Rationale
    action: Array
    reward: Array
    outcomes: Array
    regret: Array
    optimal_action: Array
    forced: Array
    summary: Summary
