"""Tests of kdgap_sim.decisions.training: MSE vs decision-loss training rank predictors oppositely."""

import jax
import numpy as np
import pytest

from kdgap_sim.decisions import training as dt
from kdgap_sim import decisions as dec


@pytest.fixture(scope="module")
def demo():
    problem, features = dt.threshold_demo_problem()
    return problem, features, dt.compare_training(jax.random.key(0), problem, features, n_steps=1000)


def test_rankings_disagree(demo):
    _, _, out = demo
    a, b = out.by_mse.report, out.by_decision.report
    assert out.rankings_disagree
    assert a.mse < b.mse and a.regret > b.regret
    # The MSE fit fails exactly on the rare critical states (weight 0.05, regret 10 each).
    assert a.regret == pytest.approx(0.05 * (100 * 0.6 - 50), rel=1e-4)
    assert b.regret == pytest.approx(0.0, abs=1e-6)
    assert "trained by" in dt.format_comparison(out)


def test_mse_fit_is_wrong_only_on_critical_states(demo):
    problem, _, out = demo
    crit = dec.decision_critical_states(problem, out.by_mse.predictions)
    assert crit.wrong.states.tolist() == [0, 1]
    assert dec.policy_equivalence(problem, out.by_decision.predictions).holds


def test_same_key_same_result(demo):
    problem, features, out = demo
    again = dt.train_predictor(jax.random.key(0), problem, features, "mse", n_steps=1000)
    assert np.array_equal(again.weights, out.by_mse.weights)


def test_sample_outcomes_frequencies():
    problem = dec.binary_problem([0.2, 0.7], [0.3, 0.7], [[0, 1], [1, 0]])
    n = 40_000
    states, outcomes = dt.sample_outcomes(jax.random.key(3), problem, n)
    data = dt.empirical_problem(problem, states, outcomes)
    # 4 binomial standard errors.
    assert abs(float(data.state_weights[0]) - 0.3) < 4 * np.sqrt(0.21 / n)
    assert abs(float(data.outcome_probs[1, 1]) - 0.7) < 4 * np.sqrt(0.21 / (0.7 * n))


def test_validation(demo):
    problem, features, _ = demo
    with pytest.raises(ValueError, match="objective"):
        dt.train_predictor(jax.random.key(0), problem, features, "accuracy")
    with pytest.raises(ValueError, match="features must have shape"):
        dt.train_predictor(jax.random.key(0), problem, features[:3], "mse")
    with pytest.raises(TypeError, match="key"):
        dt.train_predictor(0, problem, features, "mse")
    with pytest.raises(ValueError, match="temperature"):
        dt.train_predictor(jax.random.key(0), problem, features, "decision", temperature=0.0)


def test_sweep_critical_fraction():
    rows = dt.sweep_critical_fraction(jax.random.key(0), [0.0, 0.05], n_steps=500)
    assert [row["fraction"] for row in rows] == [0.0, 0.05]
    # Without critical states both fits decide perfectly; with 5% the rankings disagree.
    assert rows[0]["disagree"] == 0.0 and rows[0]["regret_of_mse_fit"] == 0.0
    assert rows[1]["disagree"] == 1.0 and rows[1]["regret_of_mse_fit"] > rows[1]["regret_of_decision_fit"]
    with pytest.raises(ValueError, match="fractions"):
        dt.sweep_critical_fraction(jax.random.key(0), [1.5])
