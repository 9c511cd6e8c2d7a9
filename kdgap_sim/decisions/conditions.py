"""Validated reports on a predictor: accuracy next to regret, decision-critical
states, policy equivalence and decision calibration. See :mod:`kdgap_sim.decisions`.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from kdgap_sim import validation

_LOG_FLOOR = 1e-12

from kdgap_sim.decisions.problems import (
    DecisionProblem,
    _flip_distances,
    as_predictions,
    bayes_actions,
    expected_losses,
    per_state_regret,
)

__all__ = [
    "ConditionReport",
    "CriticalStates",
    "PredictorReport",
    "StateSet",
    "decision_calibration",
    "decision_critical_states",
    "evaluate",
    "policy_equivalence",
]


# Reports (validated entry points returning NumPy/Python values)


class PredictorReport(NamedTuple):
    """Accuracy and decision quality of one predictor, side by side.

    Attributes:
      mse: ``E_s mean_y (q(y|s) - P(y|s))^2`` (for a binary outcome: ``E_s (q - p)^2``).
      brier: ``E_s E_{y~P} mean_k (q_k - 1[y = k])^2`` (binary: the usual ``E (q - y)^2``);
        equals ``mse`` plus the irreducible ``E_s mean_k P_k (1 - P_k)``.
      log_loss: ``E_s E_{y~P} [-ln q(y|s)]`` (q floored at 1e-12).
      expected_loss: ``E_s l(s, a_hat(s))``, the expected loss of acting on the predictor.
      optimal_loss: ``E_s min_a l(s, a)``.
      regret: ``expected_loss - optimal_loss``.

    Example:
      >>> import kdgap_sim as kd
      >>> report = kd.decisions.evaluate(kd.decisions.protect_or_not_problem(), [0.001, 0.05])
      >>> type(report).__name__, report.mse, round(report.regret, 6)
      ('PredictorReport', 0.0, 0.0)
    """

    mse: float
    brier: float
    log_loss: float
    expected_loss: float
    optimal_loss: float
    regret: float


def evaluate(problem: DecisionProblem, predicted: Any) -> PredictorReport:
    """MSE, Brier score, log loss and decision regret of acting on ``predicted``.

    Example:
      >>> import kdgap_sim as kd
      >>> report = kd.decisions.evaluate(kd.decisions.protect_or_not_problem(), [0.001, 0.001])
      >>> round(report.regret, 3), round(report.expected_loss, 3)
      (0.2, 0.345)
    """
    q = as_predictions(problem, predicted)
    p, w = problem.outcome_probs, problem.state_weights
    mse = jnp.sum(w * jnp.mean((q - p) ** 2, axis=1))
    brier = mse + jnp.sum(w * jnp.mean(p * (1.0 - p), axis=1))
    log_loss = -jnp.sum(w * jnp.sum(p * jnp.log(jnp.maximum(q, _LOG_FLOOR)), axis=1))
    true_losses = expected_losses(p, problem.loss)
    optimal = jnp.sum(w * jnp.min(true_losses, axis=1))
    regret = jnp.sum(w * per_state_regret(problem, q))
    return PredictorReport(
        mse=float(mse), brier=float(brier), log_loss=float(log_loss),
        expected_loss=float(optimal + regret), optimal_loss=float(optimal), regret=float(regret),
    )


class StateSet(NamedTuple):
    """A set of states and their total weight ``sum_s w_s``.

    Example:
      >>> import kdgap_sim as kd
      >>> check = kd.decisions.policy_equivalence(kd.decisions.protect_or_not_problem(), [0.001, 0.001])
      >>> check.violating.states.tolist(), round(check.violating.weight, 2)
      ([1], 0.05)
    """

    states: np.ndarray
    weight: float


def _state_set(problem: DecisionProblem, mask: Any) -> StateSet:
    weights = np.asarray(problem.state_weights, np.float64)
    mask = np.asarray(mask, bool) & (weights > 0)
    return StateSet(states=np.flatnonzero(mask), weight=float(weights[mask].sum()))


class CriticalStates(NamedTuple):
    """Decision-critical states of a problem for a predictor.

    Attributes:
      wrong: states where the predictor's Bayes action is not optimal.
      fragile: states whose *optimal* action flips under some prediction error
        of at most ``error`` (sup norm): ``flip_distance < error``.
      uncertain: states where the *predictor's* own action would flip if its
        predictions moved by at most ``error``: ``predicted_flip_distance < error``.
        Computable without the truth, e.g. from a known error bound.
      flip_distance: :func:`flip_distance` of every state at the true probabilities, ``[S]``.
      predicted_flip_distance: the same at the predicted probabilities, ``[S]``.

    Example:
      >>> import kdgap_sim as kd
      >>> problem = kd.decisions.protect_or_not_problem()
      >>> crit = kd.decisions.decision_critical_states(problem, [0.001, 0.05])
      >>> type(crit).__name__, crit.wrong.states.tolist()
      ('CriticalStates', [])
    """

    wrong: StateSet
    fragile: StateSet
    uncertain: StateSet
    flip_distance: np.ndarray
    predicted_flip_distance: np.ndarray


def decision_critical_states(
    problem: DecisionProblem, predicted: Any, error: float = 0.0, atol: float = 1e-6
) -> CriticalStates:
    """Where acting on ``predicted`` loses, and where an error of ``error`` could flip a decision.

    A state counts as ``wrong`` when the predictor's action has true expected
    loss above the optimum by more than ``atol`` (so ties are not violations).
    With ``error`` at least the predictor's sup-norm error in a state, a
    ``wrong`` state is always ``uncertain`` as well: the truth is a prediction
    within ``error`` that chooses differently.

    Example:
      >>> import kdgap_sim as kd
      >>> problem = kd.decisions.protect_or_not_problem()
      >>> crit = kd.decisions.decision_critical_states(problem, [0.001, 0.001], error=0.02)
      >>> crit.wrong.states.tolist(), round(crit.wrong.weight, 2), crit.fragile.states.tolist()
      ([1], 0.05, [0])
      >>> [round(float(d), 3) for d in crit.flip_distance]  # |p - 0.01|: normal state is fragile
      [0.009, 0.04]
      >>> crit.uncertain.states.tolist()  # 0.001 is 0.009 from flipping, in both states
      [0, 1]
    """
    q = as_predictions(problem, predicted)
    validation.check_in_domain("error", error, "nonnegative")
    validation.check_in_domain("atol", atol, "nonnegative")
    regret = np.asarray(per_state_regret(problem, q))
    distance = np.asarray(_flip_distances(problem.outcome_probs, problem.loss))
    predicted_distance = np.asarray(_flip_distances(q, problem.loss))
    return CriticalStates(
        wrong=_state_set(problem, regret > atol),
        fragile=_state_set(problem, distance < error),
        uncertain=_state_set(problem, predicted_distance < error),
        flip_distance=distance,
        predicted_flip_distance=predicted_distance,
    )


class ConditionReport(NamedTuple):
    """Result of checking a condition over the reachable states.

    Attributes:
      holds: whether the condition holds (no violation above the tolerance).
      violating: the violating states and their total weight.
      gap: the largest violation measured (0 when it holds exactly).

    Example:
      >>> import kdgap_sim as kd
      >>> check = kd.decisions.policy_equivalence(kd.decisions.protect_or_not_problem(), [0.0, 0.5])
      >>> type(check).__name__, check.holds, check.gap
      ('ConditionReport', True, 0.0)
    """

    holds: bool
    violating: StateSet
    gap: float


def policy_equivalence(problem: DecisionProblem, predicted: Any, atol: float = 1e-6) -> ConditionReport:
    """Policy equivalence: ``argmax_a Q_hat(s, a) = argmax_a Q(s, a)`` in every reachable state.

    Ties count as agreement: a state violates the condition when the
    predictor's action is worse than the optimum by more than ``atol``. ``gap``
    is the largest per-state regret. Source: Anand et al. (2025), arXiv 2501.06086.

    Example:
      >>> import kdgap_sim as kd
      >>> problem = kd.decisions.protect_or_not_problem()
      >>> kd.decisions.policy_equivalence(problem, [0.005, 0.02]).holds  # wrong numbers, right actions
      True
      >>> round(kd.decisions.policy_equivalence(problem, [0.001, 0.001]).gap, 3)
      4.0
    """
    q = as_predictions(problem, predicted)
    validation.check_in_domain("atol", atol, "nonnegative")
    regret = np.asarray(per_state_regret(problem, q))
    violating = _state_set(problem, regret > atol)
    reachable = np.asarray(problem.state_weights) > 0
    gap = float(np.max(np.where(reachable, regret, 0.0)))
    return ConditionReport(holds=violating.states.size == 0, violating=violating, gap=gap)


def decision_calibration(
    problem: DecisionProblem, predicted: Any, losses: Any = None, atol: float = 1e-6
) -> ConditionReport:
    """Decision calibration for a class of losses (Zhao et al. 2021, arXiv 2107.05719).

    For every loss ``L_k`` of the class and every decision rule ``d_j`` that
    is Bayes-optimal under the predictions for some ``L_j`` of the class, the
    loss expected under the predictions must equal the realised (true) loss:

    .. math:: E_s \\sum_y q(y|s) L_k[d_j(s), y] = E_s \\sum_y P(y|s) L_k[d_j(s), y].

    Args:
      problem: the decision problem (its ``loss`` is used when ``losses`` is None).
      predicted: predictions, ``[S, Y]`` or ``[S]`` for a binary problem.
      losses: the class, ``[K, A, Y]`` (or one ``[A, Y]`` loss).
      atol: tolerance on each aggregate gap and on each state's contribution
        (finite, non-negative).

    Returns:
      ``holds`` when every aggregate gap is within ``atol``; ``gap`` is the
      largest aggregate gap; ``violating`` lists states whose own contribution
      ``|sum_y (q - P) L_k[d_j(s), y]|`` exceeds ``atol`` for some ``(k, j)``.

    Example:
      >>> import kdgap_sim as kd
      >>> problem = kd.decisions.protect_or_not_problem()
      >>> kd.decisions.decision_calibration(problem, [0.001, 0.05]).holds  # the truth is calibrated
      True
      >>> report = kd.decisions.decision_calibration(problem, [0.001, 0.001])
      >>> report.holds, report.violating.states.tolist()
      (False, [1])
    """
    q = as_predictions(problem, predicted)
    validation.check_in_domain("atol", atol, "nonnegative")
    if losses is None:
        losses = problem.loss[None]
    table = validation.as_numeric_array("losses", losses).astype(np.float32)
    if table.ndim == 2:
        table = table[None]
    validation.check_in_domain("losses", table, "real")
    validation.check_shape("losses", table, (table.shape[0], problem.n_actions, problem.n_outcomes))
    table = jnp.asarray(table)
    rules = jax.vmap(bayes_actions, in_axes=(None, 0))(q, table)  # [K, S]
    diff = q - problem.outcome_probs  # [S, Y]
    # contribution[k, j, s] = sum_y diff[s, y] * L_k[d_j(s), y]
    per_state = jnp.einsum("sy,kjsy->kjs", diff, jnp.take(table, rules, axis=1))
    aggregate = np.abs(np.asarray(jnp.sum(problem.state_weights * per_state, axis=-1)))
    worst_state = np.max(np.abs(np.asarray(per_state)), axis=(0, 1))
    gap = float(aggregate.max())
    return ConditionReport(
        holds=gap <= atol, violating=_state_set(problem, worst_state > atol), gap=gap
    )
