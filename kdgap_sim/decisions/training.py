"""Training a small predictor by MSE or by decision loss: the rankings disagree.

A linear-softmax predictor ``q(. | s) = softmax(features[s] @ W)`` is fitted
with optax (Adam) to outcomes sampled from a :class:`~kdgap_sim.decisions.DecisionProblem`
in two ways:

- **by MSE**: minimise the Brier score of the samples,
  :math:`\\hat E_{s,y} \\mathrm{mean}_k (q_k(s) - 1[y = k])^2`, whose population
  minimiser is the MSE-best predictor of ``P(y | s)`` in the family;
- **by decision loss**: minimise the realised loss of the *soft* Bayes decision,
  :math:`\\hat E_{s,y} \\sum_a \\pi_a(s) L[a, y]` with
  :math:`\\pi(s) = \\mathrm{softmax}(-q(s) L^\\top / \\tau)`.

Both are then scored on the true problem (MSE, Brier, log loss, regret). When
the family cannot represent ``P`` exactly, the MSE fit spends its capacity on
the frequent states and can be wrong where the decision flips, while the
decision-loss fit gets the decisions right at a large MSE: each objective ranks
the two predictors in its own favour (theory/THEORY.md section 2; Anand et al. 2025,
arXiv 2501.06086).

Example:
  >>> import jax
  >>> from kdgap_sim.decisions import training as decision_training
  >>> problem, features = decision_training.threshold_demo_problem()
  >>> out = decision_training.compare_training(jax.random.key(0), problem, features, n_steps=500)
  >>> out.rankings_disagree
  True
"""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from kdgap_sim import validation
from kdgap_sim.decisions.conditions import PredictorReport, evaluate
from kdgap_sim.decisions.problems import DecisionProblem, binary_problem
from kdgap_sim.types import Array, PRNGKey

OBJECTIVES = ("mse", "decision")

__all__ = [
    "OBJECTIVES",
    "TrainedPredictor",
    "TrainingComparison",
    "brier_objective",
    "compare_training",
    "decision_objective",
    "empirical_problem",
    "format_comparison",
    "predict",
    "sample_outcomes",
    "sweep_critical_fraction",
    "threshold_demo_problem",
    "train_predictor",
]


def threshold_demo_problem(
    n_states: int = 40, critical_fraction: float = 0.05
) -> tuple[DecisionProblem, np.ndarray]:
    """A binary act/don't-act problem that a logistic predictor cannot fit exactly.

    States have a scalar feature ``x``: ``n_states - 2`` frequent states with
    ``x`` evenly spaced in [0, 1] and ``P(event) = 0.05 + 0.4 x`` (acting not
    worth it), and two rare critical states at ``x = -1, -0.8`` with
    ``P(event) = 0.6`` (acting optimal), of total weight ``critical_fraction``.
    Acting costs 50, not acting costs 100 if the event occurs (threshold 0.5).
    Features are ``(1, x)``.

    Returns:
      ``(problem, features)`` with features of shape ``[n_states, 2]``.

    Example:
      >>> from kdgap_sim.decisions import training as decision_training
      >>> problem, features = decision_training.threshold_demo_problem(n_states=10)
      >>> features.shape, round(float(problem.state_weights[:2].sum()), 3)
      ((10, 2), 0.05)
    """
    validation.check_int("n_states", n_states, minimum=4)
    validation.check_in_domain("critical_fraction", critical_fraction, "unit")
    n_bulk = n_states - 2
    x = np.concatenate([[-1.0, -0.8], np.linspace(0.0, 1.0, n_bulk)])
    p = np.concatenate([[0.6, 0.6], 0.05 + 0.4 * x[2:]])
    weights = np.concatenate(
        [np.full(2, critical_fraction / 2), np.full(n_bulk, (1.0 - critical_fraction) / n_bulk)]
    )
    problem = binary_problem(p, weights, [[0.0, 100.0], [50.0, 50.0]])
    features = np.stack([np.ones_like(x), x], axis=1).astype(np.float32)
    return problem, features


def sample_outcomes(key: PRNGKey, problem: DecisionProblem, n_samples: int) -> tuple[Array, Array]:
    """``n_samples`` i.i.d. pairs ``s ~ state_weights``, ``y ~ P(. | s)``: ``(states, outcomes)``.

    Example:
      >>> import jax, kdgap_sim as kd
      >>> from kdgap_sim.decisions import training as decision_training
      >>> problem = kd.decisions.protect_or_not_problem()
      >>> states, outcomes = decision_training.sample_outcomes(jax.random.key(0), problem, 1000)
      >>> states.shape, bool(((outcomes == 0) | (outcomes == 1)).all())
      ((1000,), True)
    """
    k_state, k_outcome = jax.random.split(key)
    states = jax.random.categorical(k_state, jnp.log(problem.state_weights), shape=(n_samples,))
    logits = jnp.log(jnp.maximum(problem.outcome_probs[states], 1e-30))
    outcomes = jax.random.categorical(k_outcome, logits, axis=-1)
    return states.astype(jnp.int32), outcomes.astype(jnp.int32)


def empirical_problem(problem: DecisionProblem, states: Array, outcomes: Array) -> DecisionProblem:
    """The problem with sample state frequencies and outcome frequencies (uniform where unseen).

    Example:
      >>> import jax.numpy as jnp, kdgap_sim as kd
      >>> from kdgap_sim.decisions import training as decision_training
      >>> problem = kd.decisions.protect_or_not_problem()
      >>> data = decision_training.empirical_problem(
      ...     problem, jnp.array([0, 0, 0, 1]), jnp.array([0, 0, 1, 1]))
      >>> data.state_weights.tolist(), [round(float(p), 3) for p in data.outcome_probs[:, 1]]
      ([0.75, 0.25], [0.333, 1.0])
    """
    n_states, n_outcomes = problem.n_states, problem.n_outcomes
    counts = jnp.zeros((n_states, n_outcomes)).at[states, outcomes].add(1.0)
    per_state = counts.sum(axis=1, keepdims=True)
    freqs = jnp.where(per_state > 0, counts / jnp.maximum(per_state, 1.0), 1.0 / n_outcomes)
    return DecisionProblem(
        state_weights=per_state[:, 0] / states.shape[0], outcome_probs=freqs, loss=problem.loss
    )


def predict(weights: Array, features: Array) -> Array:
    """``softmax(features @ weights)``: outcome probabilities ``[S, Y]``.

    Example:
      >>> import jax.numpy as jnp
      >>> from kdgap_sim.decisions import training as decision_training
      >>> decision_training.predict(jnp.zeros((2, 2)), jnp.ones((3, 2))).tolist()
      [[0.5, 0.5], [0.5, 0.5], [0.5, 0.5]]
    """
    return jax.nn.softmax(features @ weights, axis=-1)


def brier_objective(weights: Array, features: Array, data: DecisionProblem) -> Array:
    """Sample Brier score ``mean_i mean_k (q_k(s_i) - 1[y_i = k])^2``, up to a constant.

    Example:
      >>> import jax.numpy as jnp, kdgap_sim as kd
      >>> from kdgap_sim.decisions import training as decision_training
      >>> data = kd.decisions.binary_problem([0.0, 1.0], [0.5, 0.5], [[0, 1], [1, 0]])
      >>> features = jnp.eye(2)  # one indicator per state; q = 0.5 everywhere at W = 0
      >>> float(decision_training.brier_objective(jnp.zeros((2, 2)), features, data))
      0.25
    """
    q = predict(weights, features)
    return jnp.sum(data.state_weights * jnp.mean((q - data.outcome_probs) ** 2, axis=1))


def decision_objective(
    weights: Array, features: Array, data: DecisionProblem, temperature: Array
) -> Array:
    """Sample loss of the soft Bayes decision: ``mean_i sum_a pi_a(s_i) L[a, y_i]``.

    Example:
      >>> import jax.numpy as jnp, kdgap_sim as kd
      >>> from kdgap_sim.decisions import training as decision_training
      >>> data = kd.decisions.binary_problem([0.0, 1.0], [0.5, 0.5], [[0, 1], [1, 0]])
      >>> w = jnp.array([[5.0, -5.0], [-5.0, 5.0]])  # confident and right in both states
      >>> loss = decision_training.decision_objective(w, jnp.eye(2), data, jnp.float32(0.01))
      >>> round(float(loss), 4)
      0.0
    """
    q = predict(weights, features)
    policy = jax.nn.softmax(-(q @ data.loss.T) / temperature, axis=-1)
    realised = data.outcome_probs @ data.loss.T  # [S, A]
    return jnp.sum(data.state_weights * jnp.sum(policy * realised, axis=1))


class TrainedPredictor(NamedTuple):
    """A fitted predictor: its objective, weights ``[F, Y]``, predictions ``[S, Y]`` and scores.

    Example:
      >>> import jax
      >>> from kdgap_sim.decisions import training as decision_training
      >>> problem, features = decision_training.threshold_demo_problem()
      >>> fit = decision_training.train_predictor(
      ...     jax.random.key(0), problem, features, "mse", n_samples=2000, n_steps=500)
      >>> fit.objective, fit.weights.shape, fit.predictions.shape
      ('mse', (2, 2), (40, 2))
    """

    objective: str
    weights: np.ndarray
    predictions: np.ndarray
    report: PredictorReport


def _fit(use_decision, features, data, temperature, n_steps, learning_rate) -> Array:
    # The objective is a traced switch, so both objectives share one compilation.
    optimiser = optax.adam(learning_rate)
    weights = jnp.zeros((features.shape[1], data.outcome_probs.shape[1]), jnp.float32)

    def loss_fn(w):
        return jnp.where(
            use_decision,
            decision_objective(w, features, data, temperature),
            brier_objective(w, features, data),
        )

    def step(carry, _):
        w, opt_state = carry
        grads = jax.grad(loss_fn)(w)
        updates, opt_state = optimiser.update(grads, opt_state, w)
        return (optax.apply_updates(w, updates), opt_state), None

    (weights, _), _ = jax.lax.scan(step, (weights, optimiser.init(weights)), None, length=n_steps)
    return weights


_fit_jit = jax.jit(_fit, static_argnames=("n_steps",))


def train_predictor(
    key: PRNGKey,
    problem: DecisionProblem,
    features: Any,
    objective: str,
    *,
    n_samples: int = 20_000,
    n_steps: int = 2_000,
    learning_rate: float = 0.05,
    temperature: float | None = None,
) -> TrainedPredictor:
    """Fits ``softmax(features @ W)`` to ``n_samples`` sampled outcomes by ``objective``.

    Args:
      key: a ``jax.random`` key (draws the training sample).
      problem: the decision problem (true model used only to sample and to score).
      features: ``[S, F]`` state features.
      objective: ``"mse"`` (Brier of the samples) or ``"decision"`` (soft decision loss).
      n_samples: number of sampled (state, outcome) pairs.
      n_steps: Adam steps.
      learning_rate: Adam step size.
      temperature: softness of the decision in loss units; default 2% of the
        loss range.

    Returns:
      A :class:`TrainedPredictor`, scored with :func:`~kdgap_sim.decisions.evaluate`.

    Example:
      >>> import jax
      >>> from kdgap_sim.decisions import training as decision_training
      >>> problem, features = decision_training.threshold_demo_problem()
      >>> fit = decision_training.train_predictor(
      ...     jax.random.key(0), problem, features, "decision", n_samples=2000, n_steps=500)
      >>> fit.report.regret < 1.0  # acts optimally in (almost) every state
      True
    """
    validation.check_key(key)
    problem.validate()
    validation.check_choice("objective", objective, OBJECTIVES)
    validation.check_int("n_samples", n_samples, minimum=1)
    validation.check_int("n_steps", n_steps, minimum=1)
    validation.check_in_domain("learning_rate", learning_rate, "positive")
    feats = validation.as_numeric_array("features", features).astype(np.float32)
    if feats.ndim != 2 or feats.shape[0] != problem.n_states:
        raise ValueError(
            f"features must have shape [{problem.n_states}, n_features], got {feats.shape}"
        )
    validation.check_in_domain("features", feats, "real")
    if temperature is None:
        spread = float(np.ptp(np.asarray(problem.loss)))
        temperature = 0.02 * spread if spread > 0 else 1.0
    validation.check_in_domain("temperature", temperature, "positive")
    data = empirical_problem(problem, *sample_outcomes(key, problem, n_samples))
    weights = _fit_jit(
        jnp.bool_(objective == "decision"), jnp.asarray(feats), data, jnp.float32(temperature),
        n_steps, jnp.float32(learning_rate),
    )
    predictions = np.asarray(predict(weights, jnp.asarray(feats)), np.float64)
    predictions /= predictions.sum(axis=1, keepdims=True)
    return TrainedPredictor(objective, np.asarray(weights), predictions, evaluate(problem, predictions))


class TrainingComparison(NamedTuple):
    """The two fits and whether MSE and regret rank them in opposite orders.

    Example:
      >>> import jax
      >>> from kdgap_sim.decisions import training as decision_training
      >>> problem, features = decision_training.threshold_demo_problem()
      >>> out = decision_training.compare_training(jax.random.key(0), problem, features, n_steps=500)
      >>> out.by_mse.objective, out.by_decision.objective, out.rankings_disagree
      ('mse', 'decision', True)
    """

    by_mse: TrainedPredictor
    by_decision: TrainedPredictor
    rankings_disagree: bool


def compare_training(
    key: PRNGKey, problem: DecisionProblem, features: Any, **options: Any
) -> TrainingComparison:
    """Trains by MSE and by decision loss on the same sample; reports both metrics for both.

    ``rankings_disagree`` is True when the MSE-trained predictor has the strictly
    lower MSE but the strictly higher regret (or the reverse). ``options`` go to
    :func:`train_predictor`.

    Example:
      >>> import jax
      >>> from kdgap_sim.decisions import training as decision_training
      >>> problem, features = decision_training.threshold_demo_problem()
      >>> out = decision_training.compare_training(jax.random.key(0), problem, features, n_steps=500)
      >>> out.by_mse.report.mse < out.by_decision.report.mse
      True
      >>> out.by_mse.report.regret > out.by_decision.report.regret
      True
    """
    by_mse = train_predictor(key, problem, features, "mse", **options)
    by_decision = train_predictor(key, problem, features, "decision", **options)
    a, b = by_mse.report, by_decision.report
    disagree = (a.mse < b.mse and a.regret > b.regret) or (a.mse > b.mse and a.regret < b.regret)
    return TrainingComparison(by_mse, by_decision, bool(disagree))


def format_comparison(result: TrainingComparison) -> str:
    """A small table: objective, MSE, Brier, log loss, expected loss, regret.

    Example:
      >>> import jax
      >>> from kdgap_sim.decisions import training as decision_training
      >>> problem, features = decision_training.threshold_demo_problem()
      >>> out = decision_training.compare_training(jax.random.key(0), problem, features, n_steps=500)
      >>> print(decision_training.format_comparison(out).splitlines()[0])
      trained by         MSE     Brier  log loss      loss    regret
    """
    lines = [f"{'trained by':<12}{'MSE':>10}{'Brier':>10}{'log loss':>10}{'loss':>10}{'regret':>10}"]
    for fit in (result.by_mse, result.by_decision):
        r = fit.report
        lines.append(
            f"{fit.objective:<12}{r.mse:>10.4g}{r.brier:>10.4g}{r.log_loss:>10.4g}"
            f"{r.expected_loss:>10.4g}{r.regret:>10.4g}"
        )
    return "\n".join(lines)


def sweep_critical_fraction(
    key: PRNGKey, fractions: Any, n_states: int = 40, **options: Any
) -> list[dict[str, float]]:
    """:func:`compare_training` on :func:`threshold_demo_problem` for each critical fraction.

    Every fraction uses the same key (the same uniforms drive the training
    sample), so rows differ only by the problem. Returns one dict per fraction:
    ``fraction``, MSE and regret of both fits, and ``disagree`` (1.0 or 0.0).

    Example:
      >>> import jax
      >>> from kdgap_sim.decisions import training as decision_training
      >>> rows = decision_training.sweep_critical_fraction(jax.random.key(0), [0.0, 0.05], n_steps=500)
      >>> [row["disagree"] for row in rows]
      [0.0, 1.0]
    """
    values = validation.as_numeric_array("fractions", fractions).astype(np.float64).ravel()
    validation.check_in_domain("fractions", values, "unit")
    rows = []
    for fraction in values:
        problem, features = threshold_demo_problem(n_states, float(fraction))
        out = compare_training(key, problem, features, **options)
        rows.append({
            "fraction": float(fraction),
            "mse_of_mse_fit": out.by_mse.report.mse,
            "mse_of_decision_fit": out.by_decision.report.mse,
            "regret_of_mse_fit": out.by_mse.report.regret,
            "regret_of_decision_fit": out.by_decision.report.regret,
            "disagree": float(out.rankings_disagree),
        })
    return rows
