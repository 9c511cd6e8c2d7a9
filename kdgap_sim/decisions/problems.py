"""Decision problems and the pure functions of acting on a predictor.

A :class:`DecisionProblem` holds states with weights, a true outcome model and a
loss; the functions here (Bayes actions, expected losses, per-state regret, flip
distances) are pure and usable under ``jit``/``vmap``. See :mod:`kdgap_sim.decisions`.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from kdgap_sim import validation
from kdgap_sim.params import Params, params_class
from kdgap_sim.types import Array

_SUM_ATOL = 1e-4

__all__ = [
    "DecisionProblem",
    "as_predictions",
    "bayes_actions",
    "binary_problem",
    "expected_losses",
    "flip_distance",
    "per_state_regret",
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


def _check_problem(problem: Any, name: str = "problem") -> None:
    if not isinstance(problem, DecisionProblem):
        raise TypeError(f"{name} must be a DecisionProblem, got {type(problem).__name__}")


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
    """theory/THEORY.md section 2: protect (cost 1) or not (cost 100 if the event occurs).

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


def event_problem(env: Any, params: Any) -> DecisionProblem:
    r"""The problem an :class:`~kdgap_sim.envs.EventDecision` environment poses, as a :class:`DecisionProblem`.

    State weights are ``params.state_probs``; the outcome is the binary event,
    :math:`P(o = 1 \mid s) = ` ``params.event_probs[s]``; the loss of action
    ``a`` under outcome ``o`` is :math:`-\text{payoffs}[a, o]`.

    Raises:
      TypeError: ``env`` is not an ``EventDecision``.
      ValueError: bad ``params`` (named by the environment's checks).

    Example:
      >>> import kdgap_sim as kd
      >>> env = kd.envs.make("protect-or-not")
      >>> problem = kd.decisions.event_problem(env, env.default_params())
      >>> kd.decisions.evaluate(problem, [0.001, 0.001]).regret > 0.19
      True
    """
    from kdgap_sim.envs.contextual import EventDecision

    if not isinstance(env, EventDecision):
        raise TypeError(f"env must be an EventDecision (kd.envs.make('protect-or-not')), got {env!r}")
    env.validate_params(params)
    p = jnp.asarray(params.event_probs, jnp.float32)
    problem = DecisionProblem(
        state_weights=jnp.asarray(params.state_probs, jnp.float32),
        outcome_probs=jnp.stack([1.0 - p, p], axis=1),
        loss=-jnp.asarray(params.payoffs, jnp.float32),
    )
    problem.validate()
    return problem


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
    _check_problem(problem)
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


def _check_table(
    name: str, value: Any, shape: tuple[int | None, ...], *, probs: bool, ndim_min: int | None = None
) -> None:
    """Shape (also of tracers) and, for concrete values, domain of a loss or probability table.

    ``shape`` lists the trailing sizes (None: any); with ``ndim_min`` leading axes
    may be added. Probabilities must lie in [0, 1] with rows summing to 1.
    """
    actual = tuple(np.shape(value))
    ndim_ok = len(actual) == len(shape) if ndim_min is None else len(actual) >= ndim_min
    trailing = actual[len(actual) - len(shape):] if len(actual) >= len(shape) else ()
    if not ndim_ok or len(trailing) != len(shape) or 0 in trailing or any(
        want is not None and got != want for got, want in zip(trailing, shape)
    ):
        expected = ", ".join("n" if want is None else str(want) for want in shape)
        leading = "..., " if ndim_min is not None else ""
        raise ValueError(f"{name} must have shape [{leading}{expected}], got {actual}")
    if validation.is_tracer(value):
        return
    validation.check_in_domain(name, value, "unit" if probs else "real")
    if probs:
        rows = np.sum(np.asarray(value, np.float64), axis=-1).ravel()
        bad = np.flatnonzero(np.abs(rows - 1.0) > _SUM_ATOL)
        if bad.size:
            raise ValueError(f"{name} rows must sum to 1; row {int(bad[0])} sums to {rows[bad[0]]:.6g}")


def _check_probs_and_loss(outcome_probs: Any, loss: Any, ndim_min: int | None = 1) -> None:
    _check_table("loss", loss, (None, None), probs=False)
    _check_table("outcome_probs", outcome_probs, (np.shape(loss)[1],), probs=True, ndim_min=ndim_min)


def expected_losses(outcome_probs: Array, loss: Array) -> Array:
    """``l[s, a] = sum_y P(y | s) L[a, y]``, shape ``[S, A]``.

    Example:
      >>> import jax.numpy as jnp, kdgap_sim as kd
      >>> probs = jnp.array([[0.5, 0.5]])
      >>> kd.decisions.expected_losses(probs, jnp.array([[0.0, 100.0], [1.0, 1.0]])).tolist()
      [[50.0, 1.0]]
    """
    _check_probs_and_loss(outcome_probs, loss)
    return jnp.asarray(outcome_probs, jnp.float32) @ jnp.asarray(loss, jnp.float32).T


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

    ``predicted`` must be outcome probabilities ``[S, Y]`` (see :func:`as_predictions`).

    Example:
      >>> import kdgap_sim as kd
      >>> problem = kd.decisions.protect_or_not_problem()
      >>> q = kd.decisions.as_predictions(problem, [0.001, 0.001])
      >>> [round(float(r), 3) for r in kd.decisions.per_state_regret(problem, q)]
      [0.0, 4.0]
    """
    _check_problem(problem)
    problem.validate()
    _check_table("predicted", predicted, (problem.n_states, problem.n_outcomes), probs=True)
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
    # "Strictly better" up to float32 rounding, relative to the loss's scale: a fixed 1e-7 made the
    # answer depend on the loss's units (a flip distance of 0.04 became inf with losses x 1e-7).
    tolerance = 8 * jnp.finfo(jnp.float32).eps * jnp.max(jnp.abs(loss))
    return jnp.any(others & (values < -tolerance))


def flip_distance(outcome_probs: Array, loss: Array, n_bisections: int = 40) -> Array:
    """Smallest sup-norm error in the outcome probabilities that changes the Bayes action.

    For one state (``outcome_probs`` ``[Y]``): the least ``eps`` such that some
    distribution ``q`` with ``max_y |q_y - p_y| <= eps`` makes another action
    strictly better; ``inf`` if no distribution does. For a binary problem
    with threshold ``tau`` this is ``|p - tau|``. Found by bisection (error
    ``2**-n_bisections``, ``n_bisections >= 1``); vmap over states.

    Example:
      >>> import jax.numpy as jnp, kdgap_sim as kd
      >>> loss = jnp.array([[0.0, 100.0], [1.0, 1.0]])  # threshold tau = 0.01
      >>> round(float(kd.decisions.flip_distance(jnp.array([0.95, 0.05]), loss)), 4)
      0.04
    """
    _check_probs_and_loss(outcome_probs, loss, ndim_min=None)
    if not validation.is_tracer(n_bisections):
        validation.check_int("n_bisections", n_bisections, minimum=1)
    outcome_probs, loss = jnp.asarray(outcome_probs, jnp.float32), jnp.asarray(loss, jnp.float32)
    flips_anywhere = _flips_within(outcome_probs, loss, jnp.float32(1.0))

    def body(_, bounds):
        lo, hi = bounds
        mid = 0.5 * (lo + hi)
        flips = _flips_within(outcome_probs, loss, mid)
        return jnp.where(flips, lo, mid), jnp.where(flips, mid, hi)

    _, hi = jax.lax.fori_loop(0, n_bisections, body, (jnp.float32(0.0), jnp.float32(1.0)))
    return jnp.where(flips_anywhere, hi, jnp.inf)


_flip_distances = jax.jit(jax.vmap(flip_distance, in_axes=(0, None)))
