import matplotlib.pyplot as plt
import numpy as np
import pytest

from kdgap_sim import plotting


@pytest.mark.parametrize("given", ["fig", "fig.png", "fig.pdf", "sub/fig"])
def test_save_writes_png_and_pdf(tmp_path, given):
    fig, ax = plt.subplots()
    ax.plot([0, 1])
    paths = plotting.save(fig, tmp_path / given)
    stem = str(tmp_path / given).rsplit(".", 1)[0] if given.endswith((".png", ".pdf")) else str(tmp_path / given)
    assert paths == [stem + ".png", stem + ".pdf"]
    with open(paths[0], "rb") as png, open(paths[1], "rb") as pdf:
        assert png.read(8) == b"\x89PNG\r\n\x1a\n" and pdf.read(5) == b"%PDF-"


def test_save_rejects_other_image_suffix(tmp_path):
    fig, _ = plt.subplots()
    with pytest.raises(ValueError, match="svg"):
        plotting.save(fig, tmp_path / "fig.svg")
    plt.close(fig)


def test_mean_and_interval_is_196_standard_errors():
    values = np.array([[0.0], [2.0], [4.0], [6.0]])
    mean, low, high = plotting.mean_and_interval(values)
    se = np.std(values[:, 0], ddof=1) / 2
    assert mean[0] == 3.0 and np.isclose(high[0] - mean[0], 1.96 * se) and np.isclose(mean[0] - low[0], 1.96 * se)
