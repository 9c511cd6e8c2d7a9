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
(decision calibration). theory/THEORY.md section 2.

Example (theory/THEORY.md section 2: 5% of states critical, predictor says 0.001):
  >>> import kdgap_sim as kd
  >>> problem = kd.decisions.protect_or_not_problem()
  >>> report = kd.decisions.evaluate(problem, [0.001, 0.001])
  >>> f"MSE {report.mse:.2g}, loss {report.expected_loss:.3f} vs {report.optimal_loss:.3f}"
  'MSE 0.00012, loss 0.345 vs 0.145'
"""

from kdgap_sim.decisions.conditions import (
    ConditionReport,
    CriticalStates,
    PredictorReport,
    StateSet,
    decision_calibration,
    decision_critical_states,
    evaluate,
    policy_equivalence,
)
from kdgap_sim.decisions.problems import (
    DecisionProblem,
    as_predictions,
    bayes_actions,
    binary_problem,
    event_problem,
    expected_losses,
    flip_distance,
    per_state_regret,
    protect_or_not_problem,
)

__all__ = [
    "event_problem",
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
