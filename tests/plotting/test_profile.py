import numpy as np
import pytest

from kdgap_sim import plotting


def test_one_closed_polygon_per_agent():
    profiles = {"a": {"x": 0.2, "y": (0.5, 0.01), "z": 1.0}, "b": {"x": 0.9, "y": 0.1, "z": 0.4}}
    fig = plotting.profile_radar(profiles)
    lines = [line for line in fig.axes[0].get_lines() if line.get_label() in profiles]
    assert len(lines) == 2
    ydata = lines[0].get_ydata()
    assert ydata[0] == ydata[-1] and np.allclose(ydata[:3], [0.2, 0.5, 1.0])


def test_radar_needs_every_axis_and_three_axes():
    with pytest.raises(ValueError, match="lacks"):
        plotting.profile_radar({"a": {"x": 1, "y": 1, "z": 1}, "b": {"x": 1}})
    with pytest.raises(ValueError, match="3 axes"):
        plotting.profile_radar({"a": {"x": 1, "y": 1}})
