"""Shared look of every figure, and ``save`` (PNG and PDF side by side).

Colours are the Okabe & Ito (2008) palette, distinguishable under the common
forms of colour blindness; continuous maps use ``viridis``. Font sizes are set
explicitly on each axes (not through global ``rcParams``), so importing
:mod:`kdgap_sim.plotting` changes nothing in a user's own figures.
"""

from __future__ import annotations

import pathlib
from typing import Any

import matplotlib

matplotlib.use("Agg", force=False)
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from kdgap_sim.metrics.report import mean_and_se  # noqa: E402

OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
SEQUENTIAL_CMAP = "viridis"
LABEL_SIZE = 10
TICK_SIZE = 9
TITLE_SIZE = 10
LEGEND_SIZE = 8
_FORMATS = (".png", ".pdf")


def color(index: int) -> str:
    """The ``index``-th colour of the Okabe-Ito palette (cycling).

    Example:
      >>> from kdgap_sim import plotting
      >>> plotting.color(0), plotting.color(8)
      ('#0072B2', '#0072B2')
    """
    return OKABE_ITO[index % len(OKABE_ITO)]


# Agents in figures that also have metric-coloured bars: shades of grey and line styles, so
# that no agent's line shares a colour with a metric's bar.
AGENT_GREYS = ("#000000", "#5f5f5f", "#9a9a9a", "#c8c8c8")
AGENT_LINESTYLES = ("-", "--", "-.", ":")


def agent_style(index: int) -> dict[str, str]:
    """Colour and line style of the ``index``-th agent (greys, cycling), distinct from :func:`color`.

    Example:
      >>> from kdgap_sim.plotting.style import agent_style
      >>> agent_style(1)
      {'color': '#5f5f5f', 'linestyle': '--'}
    """
    return {"color": AGENT_GREYS[index % len(AGENT_GREYS)],
            "linestyle": AGENT_LINESTYLES[index % len(AGENT_LINESTYLES)]}


def new_axes(ax=None, figsize: tuple[float, float] = (5.0, 3.4)):
    """``ax`` if given, else the axes of a new figure of ``figsize`` inches."""
    if ax is not None:
        return ax
    _, ax = plt.subplots(figsize=figsize, constrained_layout=True)
    return ax


def finish_axes(ax, legend: bool = False) -> None:
    """Applies the house style: font sizes, no top/right spines, optional legend."""
    ax.tick_params(labelsize=TICK_SIZE)
    ax.xaxis.label.set_size(LABEL_SIZE)
    ax.yaxis.label.set_size(LABEL_SIZE)
    ax.title.set_size(TITLE_SIZE)
    if ax.name != "polar":
        ax.spines["top"].set_visible(False)
        ax.spines["right"].set_visible(False)
    if legend and ax.get_legend_handles_labels()[0]:
        ax.legend(frameon=False, fontsize=LEGEND_SIZE)


def save(fig, path: str | pathlib.Path, dpi: int = 200) -> list[str]:
    """Writes ``fig`` as PNG **and** PDF; returns ``[png_path, pdf_path]``.

    ``path`` may end in ``.png``, ``.pdf`` or have no image suffix: ``"out/fig"``,
    ``"out/fig.png"`` and ``"out/fig.pdf"`` all write ``out/fig.png`` and
    ``out/fig.pdf``. Parent folders are created. The figure is closed.

    Raises:
      ValueError: ``path`` ends in another image format (e.g. ``.svg``).

    Example:
      >>> import tempfile, pathlib, matplotlib.pyplot as plt
      >>> from kdgap_sim import plotting
      >>> fig, ax = plt.subplots()
      >>> folder = tempfile.mkdtemp()
      >>> [pathlib.Path(p).name for p in plotting.save(fig, f"{folder}/demo.png")]
      ['demo.png', 'demo.pdf']
    """
    path = pathlib.Path(path)
    suffix = path.suffix.lower()
    if suffix in _FORMATS:
        stem = path.with_suffix("")
    elif suffix and suffix[1:] in fig.canvas.get_supported_filetypes():
        raise ValueError(
            f"path must end in .png, .pdf or have no image suffix (both are written), got {str(path)!r}"
        )
    else:
        stem = path
    stem.parent.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt in _FORMATS:
        target = stem.parent / (stem.name + fmt)
        fig.savefig(target, dpi=dpi, bbox_inches="tight")
        written.append(str(target))
    plt.close(fig)
    return written


def mean_and_interval(values: Any, axis: int = 0, z: float = 1.96) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Mean over ``axis`` and the normal-approximation interval :math:`\bar x \pm z\,s/\sqrt{n}`.

    With ``z = 1.96`` this is the 95% confidence interval of the mean over
    seeds; a single replicate gives a zero-width interval.

    Example:
      >>> from kdgap_sim import plotting
      >>> mean, low, high = plotting.mean_and_interval([[0.0, 1.0], [2.0, 1.0]])
      >>> mean.tolist(), (high - mean).round(3).tolist()
      ([1.0, 1.0], [1.96, 0.0])
    """
    mean, se = mean_and_se(values, axis=axis)
    if np.asarray(values).shape[axis] < 2:
        return mean, mean, mean
    return mean, mean - z * se, mean + z * se
