"""What a rollout keeps of its trials: pluggable accumulators.

The trial loop (:func:`kdgap_sim.rollout`) hands every trial, as a
:class:`Trial`, to one :class:`Accumulator`, which says what to carry from trial
to trial (``init`` / ``update``), what the carry becomes at the end
(``finalize``), and, in ``record="trajectory"`` mode, what to keep of each trial
(``trace``) and how the kept trials and the summary make the result
(``trajectory``). The loop carries only what the chosen accumulator carries, so
an accumulator nobody asked for costs nothing; :func:`combine` runs several in
one loop.

Two families declare theirs here and in their metric modules:
:data:`SUMMARY` accumulates the :class:`~kdgap_sim.types.Summary` that the
bandit metrics (:mod:`kdgap_sim.metrics`) read, and
:class:`kdgap_sim.metrics.entropy.GenerationAccumulator` the next-token entropy,
surprise and temperature of a token policy.

Example:
  >>> import jax, jax.numpy as jnp, kdgap_sim as kd
  >>> from kdgap_sim.accumulators import Accumulator, combine, SUMMARY
  >>> class RewardOnly(Accumulator):
  ...     def init(self, n_actions):
  ...         return jnp.float32(0.0)
  ...     def update(self, carry, trial):
  ...         return carry + trial.reward
  >>> env = kd.envs.make("bernoulli-bandit", n_arms=3)
  >>> agent, params = kd.agents.profile("faithful-ucb")
  >>> total, summary = kd.rollout(jax.random.key(0), env, env.default_params(), agent, params,
  ...                             n_steps=50, accumulator=combine(RewardOnly(), SUMMARY))
  >>> bool(total == summary.reward_sum)
  True
"""

from __future__ import annotations

import abc
import dataclasses
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

from kdgap_sim import action_axis
from kdgap_sim.types import Array, Rationale, Summary, Trajectory

__all__ = ["SUMMARY", "Accumulator", "Combined", "SummaryAccumulator", "Trial", "combine"]


class Trial(NamedTuple):
    """Everything one trial exposes to an accumulator (one agent; leaves unbatched).

    Example:
      >>> from kdgap_sim.accumulators import Trial
      >>> Trial._fields[:4]
      ('t', 'obs', 'agent_state', 'beliefs')

    Attributes:
      t: the trial index (int32).
      obs: the observation the agent acted on.
      agent_state: the agent's state before it acted (before learning from this trial).
      beliefs: the predictor's value estimates, ``[n_actions]``.
      rationale: what the predictor recommended.
      probs: the actor's action probabilities, ``[n_actions]``.
      action: the action taken (the forced one on a no-agency trial).
      forced: whether the action was imposed.
      reward: the reward received.
      outcomes: the outcomes of every action, ``[n_actions]``.
      expected: the environment's expected reward of every action, ``[n_actions]``.
    """

    t: Array
    obs: Array
    agent_state: Any
    beliefs: Array
    rationale: Rationale
    probs: Array
    action: Array
    forced: Array
    reward: Array
    outcomes: Array
    expected: Array


class Accumulator(abc.ABC):
    """What a rollout carries from trial to trial; subclasses are frozen (hashable) dataclasses.

    ``init`` and ``update`` are required; ``finalize`` defaults to the carry
    itself, ``trace`` to the whole :class:`Trial` less the agent state, and
    ``trajectory`` to ``(traces, summary)``.

    Example:
      >>> import jax.numpy as jnp
      >>> from kdgap_sim.accumulators import Accumulator
      >>> class Count(Accumulator):
      ...     def init(self, n_actions):
      ...         return jnp.int32(0)
      ...     def update(self, carry, trial):
      ...         return carry + 1
      >>> int(Count().finalize(Count().init(3)))
      0
    """

    @abc.abstractmethod
    def init(self, n_actions: int) -> Any:
        """The empty carry for ``n_actions`` actions (static)."""

    @abc.abstractmethod
    def update(self, carry: Any, trial: Trial) -> Any:
        """The carry after ``trial``."""

    def finalize(self, carry: Any) -> Any:
        """The result of a ``record="summary"`` rollout, from the last carry."""
        return carry

    def trace(self, trial: Trial) -> Any:
        """What a ``record="trajectory"`` rollout keeps of one trial (stacked over time)."""
        return trial._replace(agent_state=None)

    def trajectory(self, traces: Any, summary: Any) -> Any:
        """The result of a ``record="trajectory"`` rollout: the stacked traces and the summary."""
        return traces, summary


def _i32(flag: Array) -> Array:
    return flag.astype(jnp.int32)


@dataclasses.dataclass(frozen=True)
class SummaryAccumulator(Accumulator):
    r"""The :class:`~kdgap_sim.types.Summary` of a bandit rollout and its :class:`~kdgap_sim.types.Trajectory`.

    Regret is :math:`\max_a \mu_a - \mu_{a_t}` under the environment's expected
    rewards; the Brier term is :math:`(c_t - o_t)^2` with :math:`o_t` the realised
    outcome of the *recommended* action.

    Example:
      >>> from kdgap_sim.accumulators import SUMMARY
      >>> s = SUMMARY.init(3)
      >>> int(s.n_steps), s.counts.shape, s.first_step.tolist()
      (0, (3,), [-1, -1, -1])
    """

    def init(self, n_actions: int) -> Summary:
        zero_i, zero_f = jnp.int32(0), jnp.float32(0.0)
        return Summary(
            n_steps=zero_i, reward_sum=zero_f, regret_sum=zero_f,
            counts=jnp.zeros((n_actions,), jnp.int32), first_step=jnp.full((n_actions,), -1, jnp.int32),
            last_optimal_step=jnp.int32(-1), optimal_count=zero_i, greedy_count=zero_i, follow_count=zero_i,
            rationale_correct_count=zero_i, rationale_optimal_count=zero_i, correct_and_follow_count=zero_i,
            confidence_sum=zero_f, brier_sum=zero_f, invalid_params=jnp.bool_(False),
        )

    def update(self, summary: Summary, trial: Trial) -> Summary:
        taken = jax.nn.one_hot(trial.action, trial.beliefs.shape[-1], dtype=jnp.int32)
        best = action_axis.largest(trial.expected)
        is_optimal = action_axis.entry(trial.expected, trial.action) >= best
        is_greedy = action_axis.entry(trial.beliefs, trial.action) >= action_axis.largest(trial.beliefs)
        rationale_optimal = action_axis.entry(trial.expected, trial.rationale.action) >= best
        follows = trial.action == trial.rationale.action
        correct = trial.rationale.correct
        outcome_of_recommended = action_axis.entry(trial.outcomes, trial.rationale.action)
        return Summary(
            n_steps=summary.n_steps + 1,
            reward_sum=summary.reward_sum + trial.reward,
            regret_sum=summary.regret_sum + _regret(trial),
            counts=summary.counts + taken,
            first_step=jnp.where((summary.first_step < 0) & (taken > 0), trial.t, summary.first_step),
            last_optimal_step=jnp.where(is_optimal, trial.t, summary.last_optimal_step),
            optimal_count=summary.optimal_count + _i32(is_optimal),
            greedy_count=summary.greedy_count + _i32(is_greedy),
            follow_count=summary.follow_count + _i32(follows),
            rationale_correct_count=summary.rationale_correct_count + _i32(correct),
            rationale_optimal_count=summary.rationale_optimal_count + _i32(rationale_optimal),
            correct_and_follow_count=summary.correct_and_follow_count + _i32(correct & follows),
            confidence_sum=summary.confidence_sum + trial.rationale.confidence,
            brier_sum=summary.brier_sum + (trial.rationale.confidence - outcome_of_recommended) ** 2,
            invalid_params=summary.invalid_params,
        )

    def trace(self, trial: Trial) -> dict[str, Array]:
        return dict(
            beliefs=trial.beliefs, rationale=trial.rationale, action=trial.action, reward=trial.reward,
            outcomes=trial.outcomes, regret=_regret(trial), optimal_action=action_axis.first_argmax(trial.expected),
            forced=trial.forced,
        )

    def trajectory(self, traces: dict[str, Array], summary: Summary) -> Trajectory:
        return Trajectory(**traces, summary=summary)


def _regret(trial: Trial) -> Array:
    return action_axis.largest(trial.expected) - action_axis.entry(trial.expected, trial.action)


#: The default accumulator of :func:`kdgap_sim.rollout`: the bandit :class:`~kdgap_sim.types.Summary`.
SUMMARY = SummaryAccumulator()


@dataclasses.dataclass(frozen=True)
class Combined(Accumulator):
    """Several accumulators in one loop; every method returns a tuple, one entry each (see :func:`combine`).

    Example:
      >>> from kdgap_sim.accumulators import Combined, SUMMARY
      >>> len(Combined((SUMMARY,)).init(2))
      1
    """

    parts: tuple[Accumulator, ...]

    def init(self, n_actions: int) -> tuple:
        return tuple(part.init(n_actions) for part in self.parts)

    def update(self, carry: tuple, trial: Trial) -> tuple:
        return tuple(part.update(c, trial) for part, c in zip(self.parts, carry))

    def finalize(self, carry: tuple) -> tuple:
        return tuple(part.finalize(c) for part, c in zip(self.parts, carry))

    def trace(self, trial: Trial) -> tuple:
        return tuple(part.trace(trial) for part in self.parts)

    def trajectory(self, traces: tuple, summary: tuple) -> tuple:
        return tuple(part.trajectory(tr, s) for part, tr, s in zip(self.parts, traces, summary))


def combine(*parts: Accumulator) -> Combined:
    """One accumulator running ``parts`` in the same trial loop; results come back as a tuple.

    Raises:
      TypeError: a part is not an :class:`Accumulator`.
      ValueError: no parts.

    Example:
      >>> from kdgap_sim.accumulators import combine, SUMMARY
      >>> len(combine(SUMMARY, SUMMARY).init(2))
      2
    """
    if not parts:
        raise ValueError("combine needs at least one accumulator")
    for i, part in enumerate(parts):
        if not isinstance(part, Accumulator):
            raise TypeError(f"accumulator {i} must be a kdgap_sim.accumulators.Accumulator, got {part!r}")
    return Combined(tuple(parts))
