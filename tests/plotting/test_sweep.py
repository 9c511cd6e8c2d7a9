import numpy as np
import pytest
import xarray as xr

from kdgap_sim import plotting


def _dataset():
    rng = np.random.default_rng(0)
    data = rng.random((3, 2, 4, 5))
    ds = xr.Dataset({"regret": (("follow_prob", "alpha_pos", "beta", "seed"), data, {"units": "reward"})},
                    coords={"follow_prob": [0.0, 0.5, 1.0], "alpha_pos": [0.1, 0.3], "beta": [1, 2, 3, 4]})
    return ds, data


def test_heatmap_averages_every_other_dim():
    ds, data = _dataset()
    fig = plotting.heatmap(ds, "regret", x="follow_prob", y="alpha_pos")
    image = fig.axes[0].get_images()[0].get_array()
    assert image.shape == (2, 3)
    assert np.allclose(image, data.mean(axis=(2, 3)).T)
    assert fig.axes[1].get_ylabel() == "mean regret (reward)"
    assert "beta" in fig.axes[0].get_title(loc="left")


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"var": "nope", "x": "follow_prob", "y": "alpha_pos"}, "data variable"),
    ({"var": "regret", "x": "gamma", "y": "alpha_pos"}, "x='gamma'"),
    ({"var": "regret", "x": "beta", "y": "beta"}, "differ"),
])
def test_heatmap_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        plotting.heatmap(_dataset()[0], **kwargs)
