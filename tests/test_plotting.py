import numpy as np

from kdgap_sim import plotting


def _results():
    return {
        "a": {"metrics": {"rationale_correct": (0.9, 0.01), "follow": (0.6, 0.02), "coverage": (1.0, 0.0)},
              "coverage_curve": np.linspace(0.2, 1.0, 10)},
        "b": {"metrics": {"rationale_correct": (1.0, 0.0), "follow": (1.0, 0.0), "coverage": (0.5, 0.1)},
              "coverage_curve": np.linspace(0.2, 0.5, 10)},
    }


def test_study_figure_has_labelled_panels(tmp_path):
    fig = plotting.study_figure(_results(), "title")
    left, right = fig.axes[:2]
    assert left.get_ylabel() and right.get_xlabel() == "trial t"
    assert len(right.get_lines()) == 2
    path = tmp_path / "f.png"
    assert plotting.save(fig, str(path)) == [str(path)]
    assert path.stat().st_size > 1000
