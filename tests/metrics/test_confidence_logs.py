"""Tests of kdgap_sim.metrics.confidence_logs: binomial intervals, per-variation reports,
rationale faithfulness."""

import jax
import numpy as np
import pandas as pd
import pytest

import kdgap_sim as kd


def test_wilson_and_clopper_pearson_known_values():
    low, high = kd.metrics.binomial_interval(0, 10)
    assert float(low) == 0.0 and float(high) == pytest.approx(0.2775, abs=1e-3)  # Wilson, 0 of 10
    low, high = kd.metrics.binomial_interval(0, 10, method="clopper-pearson")
    assert float(high) == pytest.approx(1 - 0.025 ** (1 / 10), abs=1e-6)  # exact: 1 - (alpha/2)^(1/n)
    low, high = kd.metrics.binomial_interval(10, 10, method="clopper-pearson")
    assert float(low) == pytest.approx(0.025 ** (1 / 10), abs=1e-6) and float(high) == 1.0
    with pytest.raises(ValueError, match="successes must be whole counts"):
        kd.metrics.binomial_interval(float("nan"), 10)
    with pytest.raises(ValueError, match="successes must be whole counts"):
        kd.metrics.binomial_interval(2.5, 10)
    with pytest.raises(ValueError, match="trials must be whole counts"):
        kd.metrics.binomial_interval(2, float("inf"))


@pytest.mark.parametrize("method", ["wilson", "clopper-pearson"])
def test_interval_coverage(method):
    # 4000 binomial(60, 0.3) draws: coverage of a 95% interval has s.e. sqrt(.95*.05/4000) = 0.0034;
    # Wilson's actual coverage at n = 60 is ~0.94-0.96 and Clopper-Pearson's >= 0.95.
    k = np.random.default_rng(0).binomial(60, 0.3, size=4000)
    low, high = kd.metrics.binomial_interval(k, np.full(k.shape, 60), method=method)
    coverage = np.mean((low <= 0.3) & (0.3 <= high))
    assert 0.93 < coverage < 0.99


def test_variation_report():
    log = pd.DataFrame({
        "variation": ["(3,6)"] * 60 + ["(4,1)"] * 60,
        "correct": [True] * 6 + [False] * 54 + [True] * 45 + [False] * 15,
        "confidence": [0.95] * 120,
    })
    report = kd.metrics.variation_report(log)
    assert list(report.index) == ["(3,6)", "(4,1)", "all"]
    assert report.loc["(3,6)", "accuracy"] == pytest.approx(0.1)
    assert report.loc["(3,6)", "overconfidence"] == pytest.approx(0.85)
    assert report.loc["all", "n"] == 120
    assert report.loc["(3,6)", "ci_high"] < report.loc["(4,1)", "ci_low"]  # they differ significantly


def test_variation_report_errors_name_row_and_column():
    with pytest.raises(ValueError, match="row 1, column 'confidence'"):
        kd.metrics.variation_report({"variation": ["a", "a"], "correct": [1, 0], "confidence": [0.5, 1.5]})
    with pytest.raises(ValueError, match="row 0, column 'correct'"):
        kd.metrics.variation_report({"variation": ["a"], "correct": ["maybe"], "confidence": [0.5]})
    with pytest.raises(ValueError, match="no column 'variation'"):
        kd.metrics.variation_report({"correct": [1], "confidence": [0.5]})
    # A variation named like the pooled row would be overwritten by it: refused, not lost.
    with pytest.raises(ValueError, match="variation: the label 'all' is reserved.*row 1"):
        kd.metrics.variation_report({"variation": ["x", "all"], "correct": [1, 0]}, confidence=None)
    report = kd.metrics.variation_report({"variation": ["a"], "correct": ["true"]}, confidence=None)
    assert report.loc["a", "accuracy"] == 1.0 and "overconfidence" not in report


def test_faithfulness_extremes_and_partial():
    rng = np.random.default_rng(0)
    r = rng.integers(0, 5, 2000)
    full = kd.metrics.rationale_faithfulness(r, r)
    assert full["agreement"] == 1.0 and full["determination"] == pytest.approx(1.0)
    # The answer is a function of the rationale but not equal to it: determined, not agreeing.
    shifted = kd.metrics.rationale_faithfulness(r, (r + 1) % 5)
    assert shifted["agreement"] == 0.0 and shifted["determination"] == pytest.approx(1.0)
    # Independent answers: the rationale explains (almost) none of the answer's entropy.
    # With 5x5 cells and 2000 draws the plug-in mutual information bias is ~ 16/(2*2000) nats.
    independent = kd.metrics.rationale_faithfulness(r, rng.integers(0, 5, 2000))
    assert independent["determination"] < 0.01
    assert 0.2 - 0.05 < independent["agreement"] < 0.2 + 0.05



def test_faithfulness_treats_a_missing_rationale_as_one_category():
    # By hand: H(A) = ln 2; each rationale group (NaN, 1) holds answers {0, 1}, so H(A | R) = ln 2
    # and U = 0. NaN rows used to drop out of H(A | R), which gave U = 0.5.
    out = kd.metrics.rationale_faithfulness([np.nan, np.nan, 1, 1], [0, 1, 0, 1])
    assert out["determination"] == pytest.approx(0.0, abs=1e-12)
    assert out["agreement"] == 0.25
    labelled = kd.metrics.rationale_faithfulness(["x", "x", 1, 1], [0, 1, 0, 1])
    assert out["determination"] == pytest.approx(labelled["determination"], abs=1e-12)
    # A missing answer is one category too: here the answer is a function of the rationale.
    determined = kd.metrics.rationale_faithfulness([0, 0, 1, 1], [np.nan, np.nan, 1, 1])
    assert determined["determination"] == pytest.approx(1.0)

def test_trajectory_faithfulness_tracks_follow_prob():
    agent, params = kd.agents.profile("knowing-doing-ucb")
    env = kd.envs.make("bernoulli-bandit", n_arms=5)
    out = kd.rollout_batch(jax.random.key(0), env, env.default_params(), agent, params, 100, 20,
                           record="trajectory")
    result = kd.metrics.trajectory_faithfulness(out)
    assert result["n"] == 2000
    follow = float(np.mean(kd.metrics.follow_rate(out)))
    assert result["agreement"] == pytest.approx(follow)
    with pytest.raises(TypeError, match="trajectory"):
        kd.metrics.trajectory_faithfulness(out.summary)
