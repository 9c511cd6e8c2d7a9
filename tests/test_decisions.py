"""Tests of kdgap_sim.decisions: accuracy vs regret, critical states, equivalence, calibration."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.optimize import linprog

import kdgap_sim as kd
from kdgap_sim import decisions as dec
from kdgap_sim.decisions import problems as dec_problems


@pytest.fixture(scope="module")
def protect():
    return dec.protect_or_not_problem()


def test_protect_example_numbers(protect):
    # theory/THEORY.md s2, exact: MSE 0.05 * 0.049^2; cost 100 E[p]; optimum .95*.1 + .05*1.
    r = dec.evaluate(protect, [0.001, 0.001])
    assert r.mse == pytest.approx(0.05 * 0.049**2, rel=1e-5)
    assert r.expected_loss == pytest.approx(0.345, rel=1e-5)
    assert r.optimal_loss == pytest.approx(0.145, rel=1e-5)
    assert r.regret == pytest.approx(0.2, rel=1e-5)
    assert r.expected_loss / r.optimal_loss == pytest.approx(2.38, abs=0.01)


def test_scores_match_numpy_definitions():
    rng = np.random.default_rng(0)
    p = rng.dirichlet(np.ones(3), size=5)
    q = rng.dirichlet(np.ones(3), size=5)
    w = rng.dirichlet(np.ones(5))
    loss = rng.normal(size=(4, 3))
    problem = dec.DecisionProblem(state_weights=w, outcome_probs=p, loss=loss)
    r = dec.evaluate(problem, q)
    onehot = np.eye(3)
    brier = sum(w[s] * p[s, y] * np.mean((q[s] - onehot[y]) ** 2) for s in range(5) for y in range(3))
    log_loss = -np.sum(w[:, None] * p * np.log(q))
    assert r.mse == pytest.approx(np.sum(w * np.mean((q - p) ** 2, axis=1)), rel=1e-5)
    assert r.brier == pytest.approx(brier, rel=1e-5)
    assert r.log_loss == pytest.approx(log_loss, rel=1e-5)
    true_l, pred_l = p @ loss.T, q @ loss.T
    chosen = pred_l.argmin(axis=1)
    regret = np.sum(w * (true_l[np.arange(5), chosen] - true_l.min(axis=1)))
    assert r.regret == pytest.approx(regret, rel=1e-5, abs=1e-6)


def test_perfect_predictor_has_zero_regret_and_mse(protect):
    r = dec.evaluate(protect, np.asarray(protect.outcome_probs))
    assert r.mse == 0.0 and r.regret == 0.0


@pytest.mark.parametrize("p", [0.0, 0.003, 0.0095, 0.02, 0.3, 1.0])
def test_flip_distance_binary_is_distance_to_threshold(p):
    loss = jnp.array([[0.0, 100.0], [1.0, 1.0]])
    d = dec.flip_distance(jnp.array([1 - p, p]), loss)
    assert float(d) == pytest.approx(abs(p - 0.01), abs=1e-6)



@pytest.mark.parametrize("scale", [1e3, 1e-5, 1e-7, 1e-20])
def test_flip_distance_does_not_depend_on_the_units_of_the_loss(scale):
    # A fixed "strictly better" margin of 1e-7 gave 0.0401 at scale 1e-5, 0.041 at 1e-6, inf at 1e-7.
    loss = jnp.array([[0.0, 100.0], [1.0, 1.0]])
    p = jnp.array([0.95, 0.05])
    assert float(dec.flip_distance(p, scale * loss)) == pytest.approx(float(dec.flip_distance(p, loss)), abs=1e-6)

def test_flip_distance_infinite_for_dominant_action():
    loss = jnp.array([[0.0, 0.0], [1.0, 1.0]])
    assert np.isinf(float(dec.flip_distance(jnp.array([0.5, 0.5]), loss)))


def test_min_linear_in_box_matches_linear_programming():
    rng = np.random.default_rng(1)
    for _ in range(20):
        p = rng.dirichlet(np.ones(4))
        d = rng.normal(size=4)
        r = rng.uniform(0, 0.5)
        bounds = [(max(pi - r, 0), min(pi + r, 1)) for pi in p]
        ref = linprog(d, A_eq=np.ones((1, 4)), b_eq=[1.0], bounds=bounds).fun
        got = float(dec_problems._min_linear_in_box(jnp.asarray(d), jnp.asarray(p), jnp.float32(r)))
        assert got == pytest.approx(ref, abs=1e-5)


def test_critical_states(protect):
    crit = dec.decision_critical_states(protect, [0.001, 0.001], error=0.02)
    assert crit.wrong.states.tolist() == [1]
    assert crit.wrong.weight == pytest.approx(0.05)
    assert crit.fragile.states.tolist() == [0]  # the normal state is 0.009 from the threshold
    assert dec.decision_critical_states(protect, [0.001, 0.001], error=0.05).fragile.weight == pytest.approx(1.0)
    assert dec.decision_critical_states(protect, [0.001, 0.02]).wrong.states.size == 0
    # The predictor's own decisions are 0.009 from flipping in both states.
    assert crit.uncertain.states.tolist() == [0, 1]
    assert dec.decision_critical_states(protect, [0.001, 0.5], error=0.02).uncertain.states.tolist() == [0]


def test_wrong_states_are_uncertain_at_the_prediction_error():
    rng = np.random.default_rng(2)
    loss = rng.normal(size=(3, 3))
    for _ in range(10):
        p = rng.dirichlet(np.ones(3), size=6)
        q = rng.dirichlet(np.ones(3), size=6)
        problem = dec.DecisionProblem(state_weights=np.full(6, 1 / 6), outcome_probs=p, loss=loss)
        err = float(np.abs(q - p).max()) + 1e-4
        crit = dec.decision_critical_states(problem, q, error=err)
        assert set(crit.wrong.states.tolist()) <= set(crit.uncertain.states.tolist())
        assert set(crit.wrong.states.tolist()) <= set(crit.fragile.states.tolist())


def test_policy_equivalence(protect):
    # Far from the truth (MSE large) but on the right side of the threshold everywhere.
    ok = dec.policy_equivalence(protect, [0.009, 0.9])
    assert ok.holds and ok.violating.weight == 0.0
    # ... and it ranks above the constant predictor by regret, below it by MSE.
    far, close = dec.evaluate(protect, [0.009, 0.9]), dec.evaluate(protect, [0.001, 0.001])
    assert far.mse > 100 * close.mse and far.regret < close.regret
    bad = dec.policy_equivalence(protect, [0.001, 0.001])
    assert not bad.holds and bad.violating.states.tolist() == [1]
    assert bad.gap == pytest.approx(100 * 0.05 - 1, rel=1e-5)


def test_unreachable_states_do_not_violate():
    problem = dec.binary_problem([0.001, 0.05], [1.0, 0.0], [[0.0, 100.0], [1.0, 1.0]])
    assert dec.policy_equivalence(problem, [0.001, 0.001]).holds


def test_ties_are_not_violations():
    problem = dec.binary_problem([0.01], [1.0], [[0.0, 100.0], [1.0, 1.0]])  # both actions cost 1
    assert dec.policy_equivalence(problem, [0.5]).holds


def test_decision_calibration_aggregate_vs_per_state():
    loss = [[0.0, 100.0], [1.0, 1.0]]
    problem = dec.binary_problem([0.001, 0.003, 0.05], [0.45, 0.45, 0.1], loss)
    # Averaging p within the "don't protect" region keeps the expected loss right.
    calibrated = dec.decision_calibration(problem, [0.002, 0.002, 0.05])
    assert calibrated.holds and calibrated.gap < 1e-5
    assert calibrated.violating.states.tolist() == [0, 1]  # each state alone is off
    wrong = dec.decision_calibration(problem, [0.001, 0.001, 0.001])
    assert not wrong.holds and wrong.gap == pytest.approx(0.1 * 100 * 0.049 + 0.45 * 0.2, rel=1e-4)


def test_decision_calibration_over_a_class_of_losses():
    problem = dec.binary_problem([0.2, 0.6], [0.5, 0.5], [[0.0, 1.0], [0.5, 0.5]])
    losses = np.array([[[0.0, 1.0], [0.5, 0.5]], [[0.0, 1.0], [0.4, 0.4]]])
    assert dec.decision_calibration(problem, [0.2, 0.6], losses).holds
    # Calibrated for the first loss alone (neither state acts; mean q = mean p) but not for
    # the second, whose rule acts in state 1 only: predicted 0.35 vs realised 0.3.
    single = dec.decision_calibration(problem, [0.3, 0.5], losses[0])
    assert single.holds
    assert not dec.decision_calibration(problem, [0.3, 0.5], losses).holds


def test_pure_functions_jit_and_vmap(protect):
    q = jnp.asarray([[0.999, 0.001], [0.999, 0.001]])
    jitted = jax.jit(dec.per_state_regret)(protect, q)
    assert np.allclose(jitted, dec.per_state_regret(protect, q))
    batch = jax.vmap(dec.bayes_actions, in_axes=(0, None))(jnp.stack([q, protect.outcome_probs]), protect.loss)
    assert batch.tolist() == [[0, 0], [0, 1]]


def test_validation_errors(protect):
    with pytest.raises(ValueError, match="state_weights must sum to 1"):
        dec.binary_problem([0.1, 0.2], [0.5, 0.6], [[0, 1], [1, 0]])
    with pytest.raises(ValueError, match="predicted must have shape"):
        dec.evaluate(protect, [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="NaN"):
        dec.evaluate(protect, [np.nan, 0.1])
    with pytest.raises(ValueError, match="rows must sum to 1"):
        dec.evaluate(protect, [[0.5, 0.6], [0.5, 0.5]])
    with pytest.raises(ValueError, match="outcome_probs"):
        dec.DecisionProblem(state_weights=[1.0], outcome_probs=[[0.5, 0.5, 0.0]], loss=[[0, 1]]).validate()
    with pytest.raises(ValueError, match="losses must have shape"):
        dec.decision_calibration(protect, [0.1, 0.1], np.zeros((2, 3, 2)))
    with pytest.raises(ValueError, match="error"):
        dec.decision_critical_states(protect, [0.1, 0.1], error=-1.0)


def test_exported_from_package():
    assert kd.decisions.evaluate is dec.evaluate


def test_pure_functions_validate_concrete_inputs(protect):
    loss = protect.loss
    with pytest.raises(ValueError, match=r"outcome_probs must have shape \[\.\.\., 2\], got \(2, 3\)"):
        dec.expected_losses(jnp.full((2, 3), 1 / 3), loss)
    with pytest.raises(ValueError, match="outcome_probs contains NaN"):
        dec.bayes_actions(jnp.array([[np.nan, 1.0]]), loss)
    with pytest.raises(ValueError, match="outcome_probs must be a probability"):
        dec.bayes_actions(jnp.array([[1.5, -0.5]]), loss)
    with pytest.raises(ValueError, match="outcome_probs rows must sum to 1"):
        dec.expected_losses(jnp.array([[0.5, 0.6]]), loss)
    with pytest.raises(ValueError, match="loss must have shape"):
        dec.expected_losses(jnp.array([0.5, 0.5]), loss[0])
    with pytest.raises(ValueError, match="loss contains NaN"):
        dec.expected_losses(jnp.array([0.5, 0.5]), loss.at[0, 0].set(np.nan))
    q = dec.as_predictions(protect, [0.001, 0.05])
    with pytest.raises(ValueError, match=r"predicted must have shape \[2, 2\], got \(1, 2\)"):
        dec.per_state_regret(protect, q[:1])
    with pytest.raises(ValueError, match="n_bisections must be >= 1"):
        dec.flip_distance(jnp.array([0.9, 0.1]), loss, n_bisections=-1)
    with pytest.raises(ValueError, match=r"outcome_probs must have shape \[2\]"):
        dec.flip_distance(q, loss)
    # Traced arguments skip the value checks but keep working.
    assert float(jax.jit(dec.flip_distance)(jnp.array([0.95, 0.05]), loss, 10)) == pytest.approx(0.04, abs=1e-3)
    assert jax.vmap(dec.per_state_regret, in_axes=(None, 0))(protect, jnp.stack([q, q])).shape == (2, 2)


@pytest.mark.parametrize("atol", [np.inf, np.nan, -1.0])
def test_reports_reject_bad_atol(protect, atol):
    for check in (dec.decision_calibration, dec.policy_equivalence, dec.decision_critical_states):
        with pytest.raises(ValueError, match="atol"):
            check(protect, [0.0, 0.5], atol=atol)


def test_reports_reject_a_non_problem():
    for check in (dec.evaluate, dec.policy_equivalence, dec.as_predictions, dec.per_state_regret):
        with pytest.raises(TypeError, match="problem must be a DecisionProblem"):
            check(None, [0.0, 0.5])
