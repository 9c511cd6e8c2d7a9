import numpy as np
import pytest

from kdgap_sim import plotting


def test_title_reports_correlation_and_coverage():
    true = np.array([0.1, 0.2, 0.3, 0.4])
    mean = true + np.array([0.01, -0.01, 0.0, 0.02])
    low, high = mean - 0.05, mean + 0.05
    high[3] = true[3] - 0.001  # one interval misses
    fig = plotting.recovery_scatter(true, mean, low, high, "alpha")
    title = fig.axes[0].get_title(loc="left")
    assert f"r = {np.corrcoef(true, mean)[0, 1]:.2f}" in title and "coverage = 0.75" in title


def test_interval_from_samples_covers_the_central_mass():
    draws = np.random.default_rng(0).normal(size=(2, 20000))
    mean, low, high = plotting.interval_from_samples(draws, 0.9)
    assert np.allclose(low, -1.645, atol=0.05) and np.allclose(high, 1.645, atol=0.05)
    with pytest.raises(ValueError, match="interval"):
        plotting.interval_from_samples(draws, 1.5)


def test_recovery_scatter_rejects_mismatched_sizes():
    with pytest.raises(ValueError, match="one size"):
        plotting.recovery_scatter([1, 2], [1, 2, 3], [0, 1], [2, 3])
