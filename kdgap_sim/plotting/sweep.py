"""Heatmaps of sweep results: an ``xarray.Dataset`` whose dims are the swept parameters.

Every dimension other than the two drawn (``seed`` and any other swept axis)
is averaged over, and the colour bar names the variable and its units (from the
variable's ``units``/``long_name`` attributes when present).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from kdgap_sim.plotting.style import SEQUENTIAL_CMAP, TICK_SIZE, finish_axes, new_axes


def _axis_label(ds: Any, name: str) -> str:
    attrs = ds[name].attrs if name in ds.variables else {}
    text = attrs.get("long_name", name.replace("_", " "))
    units = attrs.get("units")
    return f"{text} ({units})" if units else text


def _tick_labels(values: np.ndarray) -> list[str]:
    if np.issubdtype(values.dtype, np.number):
        return [f"{v:.3g}" for v in values]
    return [str(v) for v in values]


def heatmap(
    ds: Any,
    var: str,
    x: str,
    y: str,
    ax=None,
    cmap: str = SEQUENTIAL_CMAP,
    annotate: bool | None = None,
    label: str | None = None,
):
    """Mean of ``ds[var]`` over every dim but ``x`` and ``y``, as a heatmap.

    Cells are equally spaced whatever the coordinate values (ticks show the
    values), so log-spaced or irregular grids stay readable.

    Args:
      ds: an ``xarray.Dataset`` (as written by a sweep).
      var: the data variable to draw.
      x, y: the dims on the horizontal and vertical axes.
      ax: axes to draw into.
      cmap: a colour-blind-safe sequential map (default ``viridis``).
      annotate: write the value in each cell (default: if the grid is at most 10 x 10).
      label: colour-bar label (default: ``var`` with its ``units`` attribute).

    Example:
      >>> import numpy as np, xarray as xr
      >>> from kdgap_sim import plotting
      >>> ds = xr.Dataset({"regret": (("follow_prob", "alpha_pos", "seed"), np.ones((3, 2, 4)))},
      ...                 coords={"follow_prob": [0.0, 0.5, 1.0], "alpha_pos": [0.1, 0.3]})
      >>> fig = plotting.heatmap(ds, "regret", x="follow_prob", y="alpha_pos")
      >>> fig.axes[0].get_xlabel(), fig.axes[1].get_ylabel()
      ('follow prob', 'mean regret')
    """
    if var not in ds.data_vars:
        raise ValueError(f"var {var!r} is not a data variable; have {sorted(ds.data_vars)}")
    data = ds[var]
    for name, value in (("x", x), ("y", y)):
        if value not in data.dims:
            raise ValueError(f"{name}={value!r} is not a dimension of {var!r}; dims are {data.dims}")
    if x == y:
        raise ValueError(f"x and y must differ, got {x!r} twice")
    others = [d for d in data.dims if d not in (x, y)]
    grid = data.mean(dim=others).transpose(y, x)
    values = np.asarray(grid.values, np.float64)
    ax = new_axes(ax, (5.2, 3.8))
    image = ax.imshow(values, origin="lower", aspect="auto", cmap=cmap, interpolation="nearest")
    x_values = np.asarray(grid[x].values) if x in grid.coords else np.arange(values.shape[1])
    y_values = np.asarray(grid[y].values) if y in grid.coords else np.arange(values.shape[0])
    step_x = max(1, len(x_values) // 10)
    step_y = max(1, len(y_values) // 10)
    ax.set_xticks(np.arange(len(x_values))[::step_x], _tick_labels(x_values)[::step_x])
    ax.set_yticks(np.arange(len(y_values))[::step_y], _tick_labels(y_values)[::step_y])
    ax.set_xlabel(_axis_label(ds, x))
    ax.set_ylabel(_axis_label(ds, y))
    if annotate is None:
        annotate = values.shape[0] <= 10 and values.shape[1] <= 10
    if annotate:
        finite = values[np.isfinite(values)]
        middle = (finite.min() + finite.max()) / 2 if finite.size else 0.0
        for (i, j), value in np.ndenumerate(values):
            if not np.isfinite(value):
                continue
            ax.text(j, i, f"{value:.2g}", ha="center", va="center", fontsize=TICK_SIZE - 2,
                    color="black" if value > middle else "white")
    bar = ax.figure.colorbar(image, ax=ax)
    bar.set_label(label or "mean " + _axis_label(ds, var), fontsize=10)
    bar.ax.tick_params(labelsize=TICK_SIZE)
    if others:
        ax.set_title("averaged over " + ", ".join(others), loc="left")
    finish_axes(ax)
    return ax.figure
