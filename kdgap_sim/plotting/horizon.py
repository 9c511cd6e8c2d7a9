"""Figures for long-horizon execution and outputs-as-actions.

Pure functions: data in, ``matplotlib.figure.Figure`` out (Okabe-Ito palette,
every axis labelled, no ``plt.show()``). Inputs are plain arrays and dicts, as
returned by :mod:`kdgap_sim.horizon` and :mod:`kdgap_sim.metrics.entropy`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import matplotlib

matplotlib.use("Agg", force=False)
import matplotlib.colors as mcolors  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from kdgap_sim.plotting.style import OKABE_ITO  # noqa: E402

_LINESTYLES = ("-", (0, (5, 2)), (0, (1, 1.5)), "-.")


def task_accuracy_figure(
    task_curves: Mapping[str, tuple[Any, Any]],
    step_curves: Mapping[str, tuple[Any, Any]] | None = None,
    reference: tuple[Any, Any, str] | None = None,
    title: str | None = None,
):
    """Task accuracy against step (left) and, if given, step accuracy against step (right).

    Args:
      task_curves: ``{label: (steps, task_accuracy)}``.
      step_curves: ``{label: (bin_starts, step_accuracy)}``, same labels/colours.
      reference: ``(steps, values, label)`` drawn dashed black, e.g. ``p**i``.
    """
    n_panels = 1 if step_curves is None else 2
    fig, axes = plt.subplots(1, n_panels, figsize=(5.2 * n_panels, 3.8), constrained_layout=True)
    axes = np.atleast_1d(axes)
    colours = {label: OKABE_ITO[i % len(OKABE_ITO)] for i, label in enumerate(task_curves)}
    # Dash patterns as well as colours: identical curves (e.g. gamma = 0 and thinking
    # with the same key) stay visible on top of each other.
    styles = {label: _LINESTYLES[i % len(_LINESTYLES)] for i, label in enumerate(task_curves)}
    for label, (steps, acc) in task_curves.items():
        axes[0].plot(np.asarray(steps), np.asarray(acc), label=label, color=colours[label],
                     linestyle=styles[label])
    if reference is not None:
        steps, values, label = reference
        axes[0].plot(np.asarray(steps), np.asarray(values), "k--", lw=1, label=label)
    axes[0].set_xscale("log")
    axes[0].set_xlabel("step i")
    axes[0].set_ylabel("task accuracy (no error up to step i)")
    axes[0].set_ylim(0, 1.02)
    axes[0].legend(frameon=False, fontsize="small")
    if step_curves is not None:
        for i, (label, (steps, acc)) in enumerate(step_curves.items()):
            colour = colours.get(label, OKABE_ITO[i % len(OKABE_ITO)])
            style = styles.get(label, "-")
            axes[1].step(np.asarray(steps), np.asarray(acc), where="post", label=label, color=colour,
                         linestyle=style)
        axes[1].set_xscale("log")
        axes[1].set_xlabel("step i")
        axes[1].set_ylabel("step accuracy (correct update)")
        axes[1].legend(frameon=False, fontsize="small")
    if title:
        fig.suptitle(title)
    return fig


def gamma_recovery_figure(recovery: Mapping[str, Any], title: str | None = None):
    """Recovered gamma (with its confidence interval) against true gamma, and the identity line.

    Args:
      recovery: arrays ``true``, ``estimate``, ``low``, ``high`` (from
        :func:`kdgap_sim.horizon.gamma_recovery`).
    """
    true = np.asarray(recovery["true"])
    est = np.asarray(recovery["estimate"])
    err = np.stack([est - np.asarray(recovery["low"]), np.asarray(recovery["high"]) - est])
    fig, ax = plt.subplots(figsize=(4.6, 4.2), constrained_layout=True)
    lims = [min(true.min(), est.min()), max(true.max(), est.max())]
    pad = 0.05 * (lims[1] - lims[0] or 1.0)
    lims = [lims[0] - pad, lims[1] + pad]
    ax.plot(lims, lims, "k--", lw=1, label="identity")
    ax.errorbar(true, est, yerr=err, fmt="o", color=OKABE_ITO[0], capsize=3, label="estimate (95% CI)")
    ax.set_xlim(lims)
    ax.set_ylim(lims)
    ax.set_xlabel("true gamma")
    ax.set_ylabel("recovered gamma")
    ax.legend(frameon=False, fontsize="small")
    if title:
        ax.set_title(title)
    return fig


def entropy_ratio_surface(
    grid: Mapping[str, Any], x: str, y: str, levels: tuple[float, ...] = (3.0, 4.0),
    title: str | None = None,
):
    """Heat map of the off/on-policy entropy ratio over two params, contours at ``levels``.

    Args:
      grid: from :func:`kdgap_sim.metrics.entropy_ratio_grid`.
      x, y: the names of its two axes.
    """
    xs, ys = np.asarray(grid[x]), np.asarray(grid[y])
    ratio = np.asarray(grid["ratio"])
    fig, ax = plt.subplots(figsize=(5.6, 4.2), constrained_layout=True)
    positive = ratio[ratio > 0]
    low = min(1.0, positive.min()) if positive.size else 1.0
    high = max(10.0, positive.max()) if positive.size else 10.0
    mesh = ax.pcolormesh(xs, ys, ratio, shading="nearest", cmap="cividis",
                         norm=mcolors.LogNorm(vmin=low, vmax=high))
    fig.colorbar(mesh, ax=ax, label="entropy ratio off / on")
    if ratio.shape[0] > 1 and ratio.shape[1] > 1:
        contours = ax.contour(xs, ys, ratio, levels=list(levels), colors=[OKABE_ITO[1], OKABE_ITO[3]])
        ax.clabel(contours, fmt="%gx", fontsize="small")
    ax.set_xlabel(x.replace("_", " "))
    ax.set_ylabel(y.replace("_", " "))
    if title:
        ax.set_title(title)
    return fig
