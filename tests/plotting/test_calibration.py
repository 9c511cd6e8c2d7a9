import numpy as np
import pytest

from kdgap_sim import plotting


def test_equal_width_bins_and_ece():
    conf = np.array([0.05, 0.15, 0.95, 1.0])
    correct = np.array([0, 1, 1, 1])
    bins = plotting.reliability_bins(conf, correct, n_bins=10)
    assert bins.count.tolist() == [1, 1, 2]  # 1.0 falls in the last (closed) bin
    expected_ece = (0.05 + 0.85 + 2 * 0.025) / 4
    assert bins.ece == pytest.approx(expected_ece)
    assert np.all(bins.low <= bins.accuracy) and np.all(bins.accuracy <= bins.high)


def test_equal_mass_bins_have_equal_counts():
    rng = np.random.default_rng(0)
    conf = rng.beta(5, 2, size=1003)
    bins = plotting.reliability_bins(conf, rng.random(1003) < conf, n_bins=10, strategy="equal-mass")
    assert bins.count.max() - bins.count.min() <= 1 and bins.count.sum() == 1003
    assert np.all(np.diff(bins.confidence) > 0)


def test_calibrated_predictions_have_small_ece():
    # Outcomes drawn with P(correct) = confidence: each bin's accuracy has s.e. <= sqrt(.25/n_b);
    # with ~2000 per bin the ECE should be below 4 s.e. ~ 0.045.
    rng = np.random.default_rng(1)
    conf = rng.random(20000)
    bins = plotting.reliability_bins(conf, rng.random(20000) < conf)
    assert bins.ece < 4 * np.sqrt(0.25 / 2000)


@pytest.mark.parametrize(("conf", "correct", "kwargs", "match"), [
    ([0.2, 1.2], [0, 1], {}, "confidence"),
    ([0.2, 0.3], [0, 2], {}, "correct"),
    ([0.2], [0, 1], {}, "same size"),
    ([0.2], [1], {"n_bins": 0}, "n_bins"),
    ([0.2], [1], {"strategy": "quantile"}, "strategy"),
])
def test_bad_inputs(conf, correct, kwargs, match):
    with pytest.raises(ValueError, match=match):
        plotting.reliability_bins(conf, correct, **kwargs)


def test_two_series_share_one_diagonal():
    fig = plotting.reliability_diagram([0.1, 0.9], [0, 1], label="a")
    plotting.reliability_diagram([0.3, 0.7], [1, 1], label="b", index=1, ax=fig.axes[0])
    ax = fig.axes[0]
    assert sum(line.get_gid() == "diagonal" for line in ax.get_lines()) == 1
    assert any("ECE" in t.get_text() for t in ax.get_legend().get_texts())
