"""When accurate predictions give poor decisions: regret of acting on a predictor.

A :class:`DecisionProblem` is a finite set of states with weights (how often
each occurs), a true outcome model ``P(y | s)`` and a loss ``L[a, y]`` of
action ``a`` when outcome ``y`` occurs. A *predictor* is a table of predicted
outcome probabilities ``q(y | s)`` (``[S, Y]``, or ``[S]`` event probabilities
for a binary outcome). Acting on it means taking its Bayes action

.. math:: \\hat a(s) = \\arg\\min_a \\sum_y q(y \\mid s)\\, L[a, y],

and its decision regret is :math:`E_s[\\ell(s, \\hat a(s)) - \\ell(s, a^*(s))]`
with :math:`\\ell(s, a) = \\sum_y P(y \\mid s) L[a, y]`. This module puts the
predictor's accuracy (MSE, Brier, log loss) and its regret side by side, finds
the decision-critical states, and checks policy equivalence and decision
calibration, returning the violating states with their weight.

Sources: Anand, Sawant, Reinhardt, Gros (2025), arXiv 2501.06086 (policy
equivalence); Zhao, Kim, Sahoo, Ma, Ermon (2021), NeurIPS, arXiv 2107.05719
(decision calibration). THEORY.md section 2.

Example (THEORY.md section 2: 5% of states critical, predictor says 0.001):
  >>> import kdgap_sim as kd
  >>> problem = kd.decisions.protect_or_not_problem()
  >>> report = kd.decisions.evaluate(problem, [0.001, 0.001])
  >>> f"MSE {report.mse:.2g}, loss {report.expected_loss:.3f} vs {report.optimal_loss:.3f}"
  'MSE 0.00012, loss 0.345 vs 0.145'
"""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from kdgap_sim import validation
from kdgap_sim.params import Params, params_class
from kdgap_sim.types import Array

_SUM_ATOL = 1e-4
_LOG_FLOOR = 1e-12

__all__ = [
    "ConditionReport",
    "CriticalStates",
    "DecisionProblem",
    "PredictorReport",
    "StateSet",
    "as_predictions",
    "bayes_actions",
    "binary_problem",
    "decision_calibration",
    "decision_critical_states",
    "evaluate",
    "expected_losses",
    "flip_distance",
    "per_state_regret",
    "policy_equivalence",
    "protect_or_not_problem",
]


@params_class
class DecisionProblem(Params):
    """States, their weights, the true outcome model and the loss.

    Attributes:
      state_weights: probability of each state, ``[S]``, non-negative, sums to 1.
        States of weight 0 are unreachable and never count as violations.
      outcome_probs: true ``P(y | s)``, ``[S, Y]``, rows sum to 1.
      loss: ``L[a, y]``, loss of action ``a`` when outcome ``y`` occurs, ``[A, Y]``.

    Example:
      >>> import kdgap_sim as kd
      >>> problem = kd.decisions.DecisionProblem(
      ...     state_weights=[0.5, 0.5], outcome_probs=[[0.9, 0.1], [0.2, 0.8]],
      ...     loss=[[0.0, 1.0], [1.0, 0.0]])
      >>> problem.validate()  # raises if weights or rows do not sum to 1
      >>> problem.n_states, problem.n_actions, problem.n_outcomes
      (2, 2, 2)
    """

    state_weights: Array
    outcome_probs: Array
    loss: Array
    domains = {"state_weights": "nonnegative", "outcome_probs": "unit", "loss": "real"}

    @property
    def n_states(self) -> int:
        return int(np.shape(self.outcome_probs)[0])

    @property
    def n_actions(self) -> int:
        return int(np.shape(self.loss)[0])

    @property
    def n_outcomes(self) -> int:
        return int(np.shape(self.loss)[1])

    def validate(self, prefix: str = "problem") -> None:
        """Checks domains, shapes and that weights and outcome rows sum to 1."""
        super().validate(prefix)
        loss_shape = np.shape(self.loss)
        if len(loss_shape) != 2 or min(loss_shape) < 1:
            raise ValueError(f"{prefix}.loss must have shape [n_actions, n_outcomes], got {loss_shape}")
        n_actions, n_outcomes = loss_shape
        probs_shape = np.shape(self.outcome_probs)
        if len(probs_shape) != 2 or probs_shape[1] != n_outcomes or probs_shape[0] < 1:
            raise ValueError(
                f"{prefix}.outcome_probs must have shape [n_states, {n_outcomes}], got {probs_shape}"
            )
        validation.check_shape(f"{prefix}.state_weights", self.state_weights, probs_shape[:1])
        if not validation.is_tracer(self.state_weights):
            total = float(np.sum(self.state_weights))
            if abs(total - 1.0) > _SUM_ATOL:
                raise ValueError(f"{prefix}.state_weights must sum to 1, got sum {total:.6g}")
        if not validation.is_tracer(self.outcome_probs):
            rows = np.sum(np.asarray(self.outcome_probs, np.float64), axis=1)
            bad = np.flatnonzero(np.abs(rows - 1.0) > _SUM_ATOL)
            if bad.size:
                raise ValueError(
                    f"{prefix}.outcome_probs rows must sum to 1; row {int(bad[0])} sums to "
                    f"{rows[bad[0]]:.6g}"
                )


def binary_problem(event_probs: Any, state_weights: Any, loss: Any) -> DecisionProblem:
    """A problem with outcomes {0: no event, 1: event}, given ``P(event | s)``, ``[S]``.

    Example:
      >>> import kdgap_sim as kd
      >>> problem = kd.decisions.binary_problem([0.1, 0.7], [0.5, 0.5], [[0, 1], [1, 0]])
      >>> [[round(float(p), 2) for p in row] for row in problem.outcome_probs]
      [[0.9, 0.1], [0.3, 0.7]]
    """
    p = validation.as_numeric_array("event_probs", event_probs).astype(np.float32)
    if p.ndim != 1:
        raise ValueError(f"event_probs must have shape [n_states], got {p.shape}")
    validation.check_in_domain("event_probs", p, "unit")
    problem = DecisionProblem(
        state_weights=jnp.asarray(state_weights, jnp.float32),
        outcome_probs=jnp.stack([1.0 - jnp.asarray(p), jnp.asarray(p)], axis=1),
        loss=jnp.asarray(loss, jnp.float32),
    )
    problem.validate()
    return problem


def protect_or_not_problem(
    critical_fraction: float = 0.05,
    p_critical: float = 0.05,
    p_normal: float = 0.001,
    protect_cost: float = 1.0,
    damage: float = 100.0,
) -> DecisionProblem:
    """THEORY.md section 2: protect (cost 1) or not (cost 100 if the event occurs).

    Two states: normal (index 0, weight ``1 - critical_fraction``, event
    probability ``p_normal``) and critical (index 1). Actions: 0 = do not
    protect, 1 = protect; protecting is optimal iff ``p > protect_cost / damage``.

    Example:
      >>> import kdgap_sim as kd
      >>> problem = kd.decisions.protect_or_not_problem()
      >>> problem.state_weights.tolist(), problem.loss.tolist()
      ([0.949..., 0.050...], [[0.0, 100.0], [1.0, 1.0]])
    """
    validation.check_in_domain("critical_fraction", critical_fraction, "unit")
    loss = [[0.0, damage], [protect_cost, protect_cost]]
    weights = [1.0 - critical_fraction, critical_fraction]
    return binary_problem([p_normal, p_critical], weights, loss)


def as_predictions(problem: DecisionProblem, predicted: Any, name: str = "predicted") -> Array:
    """Validates predictions and returns them as outcome probabilities ``[S, Y]``.

    ``predicted`` is ``[S, Y]`` (rows sum to 1) or, for a binary problem,
    ``[S]`` event probabilities.

    Example:
      >>> import kdgap_sim as kd
      >>> problem = kd.decisions.protect_or_not_problem()
      >>> kd.decisions.as_predictions(problem, [0.0, 0.25]).tolist()
      [[1.0, 0.0], [0.75, 0.25]]
    """
    problem.validate()
    array = validation.as_numeric_array(name, predicted).astype(np.float64)
    validation.check_in_domain(name, array, "unit")
    n_states, n_outcomes = problem.n_states, problem.n_outcomes
    if array.ndim == 1 and n_outcomes == 2:
        validation.check_shape(name, array, (n_states,))
        array = np.stack([1.0 - array, array], axis=1)
    validation.check_shape(name, array, (n_states, n_outcomes))
    rows = array.sum(axis=1)
    bad = np.flatnonzero(np.abs(rows - 1.0) > _SUM_ATOL)
    if bad.size:
        raise ValueError(f"{name} rows must sum to 1; row {int(bad[0])} sums to {rows[bad[0]]:.6g}")
    return jnp.asarray(array, jnp.float32)


# --------------------------------------------------------------------------
# Pure functions (one problem; vmap/jit by the caller)
# --------------------------------------------------------------------------


def expected_losses(outcome_probs: Array, loss: Array) -> Array:
    """``l[s, a] = sum_y P(y | s) L[a, y]``, shape ``[S, A]``.

    Example:
      >>> import jax.numpy as jnp, kdgap_sim as kd
      >>> probs = jnp.array([[0.5, 0.5]])
      >>> kd.decisions.expected_losses(probs, jnp.array([[0.0, 100.0], [1.0, 1.0]])).tolist()
      [[50.0, 1.0]]
    """
    return outcome_probs @ loss.T


def bayes_actions(outcome_probs: Array, loss: Array) -> Array:
    """Action of least expected loss in each state (lowest index among ties), ``[S]``.

    Example:
      >>> import jax.numpy as jnp, kdgap_sim as kd
      >>> probs = jnp.array([[0.999, 0.001], [0.95, 0.05]])
      >>> kd.decisions.bayes_actions(probs, jnp.array([[0.0, 100.0], [1.0, 1.0]])).tolist()
      [0, 1]
    """
    return jnp.argmin(expected_losses(outcome_probs, loss), axis=-1).astype(jnp.int32)


def per_state_regret(problem: DecisionProblem, predicted: Array) -> Array:
    """``l(s, a_hat(s)) - min_a l(s, a)`` for each state, ``[S]``.

    Example:
      >>> import kdgap_sim as kd
      >>> problem = kd.decisions.protect_or_not_problem()
      >>> q = kd.decisions.as_predictions(problem, [0.001, 0.001])
      >>> [round(float(r), 3) for r in kd.decisions.per_state_regret(problem, q)]
      [0.0, 4.0]
    """
    true_losses = expected_losses(problem.outcome_probs, problem.loss)
    chosen = bayes_actions(predicted, problem.loss)
    taken = jnp.take_along_axis(true_losses, chosen[:, None], axis=1)[:, 0]
    return taken - jnp.min(true_losses, axis=1)


def _min_linear_in_box(direction: Array, center: Array, radius: Array) -> Array:
    """``min d.q`` over the simplex intersected with ``|q - center|_inf <= radius``.

    A fractional knapsack: start every coordinate at its lower bound and give
    the remaining mass to the coordinates of smallest ``d`` first.
    """
    low = jnp.maximum(center - radius, 0.0)
    high = jnp.minimum(center + radius, 1.0)
    mass = 1.0 - jnp.sum(low)
    order = jnp.argsort(direction)
    d_sorted, cap = direction[order], (high - low)[order]
    before = jnp.cumsum(cap) - cap
    extra = jnp.clip(mass - before, 0.0, cap)
    return jnp.dot(direction, low) + jnp.dot(d_sorted, extra)


def _flips_within(outcome_probs: Array, loss: Array, radius: Array) -> Array:
    """Whether some ``q`` within ``radius`` of ``outcome_probs`` makes another action better."""
    best = jnp.argmin(loss @ outcome_probs)
    directions = loss - loss[best]
    values = jax.vmap(_min_linear_in_box, in_axes=(0, None, None))(directions, outcome_probs, radius)
    others = jnp.arange(loss.shape[0]) != best
    return jnp.any(others & (values < -1e-7))


def flip_distance(outcome_probs: Array, loss: Array, n_bisections: int = 40) -> Array:
    """Smallest sup-norm error in the outcome probabilities that changes the Bayes action.

    For one state (``outcome_probs`` ``[Y]``): the least ``eps`` such that some
    distribution ``q`` with ``max_y |q_y - p_y| <= eps`` makes another action
    strictly better; ``inf`` if no distribution does. For a binary problem
    with threshold ``tau`` this is ``|p - tau|``. Found by bisection (error
    ``2**-n_bisections``); vmap over states.

    Example:
      >>> import jax.numpy as jnp, kdgap_sim as kd
      >>> loss = jnp.array([[0.0, 100.0], [1.0, 1.0]])  # threshold tau = 0.01
      >>> round(float(kd.decisions.flip_distance(jnp.array([0.95, 0.05]), loss)), 4)
      0.04
    """
    flips_anywhere = _flips_within(outcome_probs, loss, jnp.float32(1.0))

    def body(_, bounds):
        lo, hi = bounds
        mid = 0.5 * (lo + hi)
        flips = _flips_within(outcome_probs, loss, mid)
        return jnp.where(flips, lo, mid), jnp.where(flips, mid, hi)

    _, hi = jax.lax.fori_loop(0, n_bisections, body, (jnp.float32(0.0), jnp.float32(1.0)))
    return jnp.where(flips_anywhere, hi, jnp.inf)


_flip_distances = jax.jit(jax.vmap(flip_distance, in_axes=(0, None)))


# --------------------------------------------------------------------------
# Reports (validated entry points returning NumPy/Python values)
# --------------------------------------------------------------------------


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
      atol: tolerance on each aggregate gap and on each state's contribution.

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
