"""Root pytest hooks shared by tests, module doctests and docs doctests."""

import matplotlib
import pytest

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _close_figures():
    """Closes matplotlib figures a test or doctest left open (figures are returned, not shown)."""
    yield
    import matplotlib.pyplot as plt

    plt.close("all")
