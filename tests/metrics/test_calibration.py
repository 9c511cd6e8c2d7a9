"""Tests of kdgap_sim.metrics.calibration against NumPy references and known cases."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import kdgap_sim as kd
from kdgap_sim.metrics import calibration as cal


def _numpy_ece(q, y, n_bins, binning):
    q, y = np.asarray(q, float), np.asarray(y, float)
    if binning == "width":
        idx = np.clip((q * n_bins).astype(int), 0, n_bins - 1)
    else:
        rank = np.empty(q.size, int)
        rank[np.argsort(q, kind="stable")] = np.arange(q.size)
        idx = np.minimum(rank * n_bins // q.size, n_bins - 1)
    total = 0.0
    gaps = []
    for b in range(n_bins):
        m = idx == b
        if m.any():
            gaps.append(abs(y[m].mean() - q[m].mean()))
            total += m.mean() * gaps[-1]
    return total, max(gaps)


@pytest.mark.parametrize("binning", ["width", "mass"])
def test_ece_and_mce_match_numpy_reference(binning):
    rng = np.random.default_rng(0)
    q = rng.uniform(size=503)
    y = rng.uniform(size=503) < q ** 2
    ece, mce = _numpy_ece(q, y, 7, binning)
    assert float(kd.metrics.expected_calibration_error(q, y, 7, binning)) == pytest.approx(ece, abs=1e-5)
    assert float(kd.metrics.max_calibration_error(q, y, 7, binning)) == pytest.approx(mce, abs=1e-5)
    curve = kd.metrics.reliability_curve(q, y, 7, binning)
    assert int(np.sum(curve.count)) == 503
    if binning == "mass":
        assert np.asarray(curve.count).max() - np.asarray(curve.count).min() <= 1


def test_equal_mass_bins_keep_ties_together_whatever_the_row_order():
    """Two rows with confidence 0.35 straddle the first cut of 6 rows into 3 bins; both go to the
    bin of their first sorted position, so reversing the rows changes nothing."""
    q = np.array([0.1, 0.35, 0.35, 0.8, 0.95, 0.6])
    y = np.array([0, 1, 0, 1, 1, 0])
    forward = kd.metrics.reliability_curve(q, y, 3, "mass")
    backward = kd.metrics.reliability_curve(q[::-1], y[::-1], 3, "mass")
    assert np.asarray(forward.count).tolist() == [3, 1, 2]  # {0.1, 0.35, 0.35}, {0.6}, {0.8, 0.95}
    np.testing.assert_array_equal(np.asarray(forward.edges), np.asarray(backward.edges))
    np.testing.assert_array_equal(np.asarray(forward.count), np.asarray(backward.count))
    # Means may differ in the last bit only: float32 sums taken in another order.
    np.testing.assert_allclose(np.asarray(forward.mean_confidence), np.asarray(backward.mean_confidence), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(forward.accuracy), np.asarray(backward.accuracy), rtol=1e-6)
    ece = kd.metrics.expected_calibration_error(q, y, 3, "mass")
    reversed_ece = kd.metrics.expected_calibration_error(q[::-1], y[::-1], 3, "mass")
    assert float(ece) == pytest.approx(float(reversed_ece), abs=1e-6)
    # By hand: bins {0.1, .35, .35} (acc 1/3, conf 0.2667), {0.6} (acc 0), {0.8, 0.95} (acc 1).
    by_hand = (3 * abs(1 / 3 - 0.8 / 3) + abs(0 - 0.6) + 2 * abs(1 - 0.875)) / 6
    assert float(ece) == pytest.approx(by_hand, abs=1e-6)


@pytest.mark.parametrize("n_bins", [5, 10, 20, 100])
def test_a_confidence_on_an_edge_opens_its_bin(n_bins):
    """Bins are [k/n, (k+1)/n): a confidence stated as k/n lands in bin k. floor(q * n) in float32
    put 0.53 and 0.59 in bins 52 and 58 of 100."""
    q = np.arange(n_bins + 1) / n_bins  # float64, as a user writes them; 1.0 belongs to the last bin
    curve = kd.metrics.reliability_curve(q, np.ones_like(q), n_bins)
    expected = np.ones(n_bins)
    expected[-1] = 2
    np.testing.assert_array_equal(np.asarray(curve.count), expected)
    np.testing.assert_allclose(np.asarray(curve.mean_confidence)[:-1], q[:-2], rtol=1e-6)
    np.testing.assert_array_equal(np.asarray(curve.edges), (np.arange(n_bins + 1) / n_bins).astype(np.float32))


def test_calibrated_predictions_have_small_ece_and_overconfident_large():
    n = 40_000
    k1, k2 = jax.random.split(jax.random.key(0))
    p = jax.random.uniform(k1, (n,))
    y = jax.random.uniform(k2, (n,)) < p
    # Calibrated: the finite-sample ECE is ~ sum_b w_b * E|mean of n_b Bernoullis - p_b| < 0.02 here
    # (n_b ~ 4000, sd of a bin accuracy <= 0.008); 0.02 is > 2.5 times that.
    assert float(kd.metrics.expected_calibration_error(p, y)) < 0.02
    assert float(kd.metrics.expected_calibration_error(p, y, binning="mass")) < 0.02
    over = jnp.clip(p + 0.2, 0, 1)
    assert float(kd.metrics.expected_calibration_error(over, y)) > 0.15
    assert float(kd.metrics.overconfidence(over, y)) > 0.15


def test_brier_and_log_score():
    assert float(kd.metrics.brier_score([0.0, 1.0], [0, 1])) == 0.0
    assert float(kd.metrics.brier_score([0.2, 0.7], [1, 0])) == pytest.approx((0.64 + 0.49) / 2)
    assert float(kd.metrics.log_score([0.2, 0.7], [1, 0])) == pytest.approx((np.log(0.2) + np.log(0.3)) / 2, rel=1e-5)


def test_auroc_with_ties_matches_pairwise_count():
    rng = np.random.default_rng(1)
    q = rng.integers(0, 5, 300) / 4
    y = rng.uniform(size=300) < 0.3 + 0.4 * q
    pos, neg = q[y], q[~y]
    pairwise = ((pos[:, None] > neg[None]) + 0.5 * (pos[:, None] == neg[None])).mean()
    assert float(kd.metrics.confidence_auroc(q, y)) == pytest.approx(pairwise, abs=1e-5)
    assert np.isnan(float(kd.metrics.confidence_auroc([0.2, 0.3], [1, 1])))


def test_jit_and_report():
    q, y = jnp.array([0.1, 0.5, 0.9, 0.8]), jnp.array([0, 1, 1, 0])
    jitted = jax.jit(lambda a, b: kd.metrics.expected_calibration_error(a, b, 10, "mass"))
    assert float(jitted(q, y)) == pytest.approx(float(kd.metrics.expected_calibration_error(q, y, binning="mass")))
    report = kd.metrics.calibration_report(np.asarray(q), np.asarray(y))
    assert set(report) >= {"ece", "mce", "brier", "log_score", "auroc", "overconfidence"}


def test_validation():
    with pytest.raises(ValueError, match="confidence"):
        kd.metrics.brier_score([1.2], [1])
    with pytest.raises(ValueError, match="correct"):
        kd.metrics.brier_score([0.2], [3])
    with pytest.raises(ValueError, match="same shape"):
        kd.metrics.brier_score([0.2, 0.3], [1])
    with pytest.raises(ValueError, match="binning"):
        kd.metrics.expected_calibration_error([0.2], [1], binning="quantile")
    with pytest.raises(ValueError, match="n_bins"):
        kd.metrics.expected_calibration_error([0.2], [1], n_bins=0)
    with pytest.raises(ValueError, match="non-empty"):
        cal.brier_score([], [])
    for eps in (float("nan"), -1.0, 2.0, 0.5):
        with pytest.raises(ValueError, match="eps"):
            kd.metrics.log_score([0.2], [1], eps=eps)
    with pytest.raises(TypeError, match="confidence must be numeric"):
        kd.metrics.calibration_report("abc", [1, 0, 1])
