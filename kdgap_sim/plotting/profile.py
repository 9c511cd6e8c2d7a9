"""bsuite-style radar of the knowing-doing profile: one polygon per agent.

The six axes and their definitions are in :mod:`kdgap_sim.profile`; every
score lies in [0, 1] (centre 0, rim 1). Radial bars show ± 1.96 s.e.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from kdgap_sim.plotting.style import LEGEND_SIZE, TICK_SIZE, color, finish_axes

AXIS_LABELS = {
    "exploration": "exploration\n(coverage)",
    "greediness": "greediness",
    "frequency_bias": "frequency\nbias",
    "follow_rate": "follow rate",
    "calibration": "calibration\n(1 - Brier)",
    "long_horizon_drift": "long-horizon\ndrift",
}


def _score(value: Any) -> tuple[float, float]:
    if isinstance(value, (tuple, list)):
        return float(value[0]), float(value[1])
    return float(value), 0.0


def profile_radar(
    profiles: Mapping[str, Mapping[str, Any]],
    axes: Sequence[str] | None = None,
    title: str | None = "knowing-doing profile",
    ax=None,
):
    """Radar (spider) chart of per-agent scores in [0, 1], one closed polygon per agent.

    Args:
      profiles: ``{agent: {axis: score}}`` with ``score`` a number or
        ``(mean, se)`` as returned by :func:`kdgap_sim.profile.knowing_doing_profile`.
      axes: the axes, in order (default: those of the first agent).
      title: figure title.
      ax: a polar axes to draw into.

    Example:
      >>> from kdgap_sim import plotting
      >>> fig = plotting.profile_radar({"a": {"exploration": 1.0, "greediness": (0.2, 0.01),
      ...                                     "follow_rate": 0.6}})
      >>> len(fig.axes[0].get_xticks())
      3
    """
    if not profiles:
        raise ValueError("profiles must name at least one agent")
    names = list(axes) if axes is not None else list(next(iter(profiles.values())))
    if len(names) < 3:
        raise ValueError(f"a radar needs at least 3 axes, got {names}")
    if ax is None:
        fig = plt.figure(figsize=(5.2, 4.6), constrained_layout=True)
        ax = fig.add_subplot(projection="polar")
    ax.set_theta_offset(np.pi / 2)  # first axis at the top, then clockwise
    ax.set_theta_direction(-1)
    angles = np.linspace(0, 2 * np.pi, len(names), endpoint=False)
    closed = np.append(angles, angles[0])
    for i, (agent, scores) in enumerate(profiles.items()):
        missing = [n for n in names if n not in scores]
        if missing:
            raise ValueError(f"profile of {agent!r} lacks axes {missing}")
        means, ses = np.array([_score(scores[n]) for n in names]).T
        values = np.append(means, means[0])
        ax.plot(closed, values, color=color(i), lw=1.6, label=agent)
        ax.fill(closed, values, color=color(i), alpha=0.12)
        if np.any(ses > 0):
            ax.errorbar(angles, means, yerr=1.96 * np.nan_to_num(ses), fmt="none",
                        ecolor=color(i), lw=1, capsize=0)
    ax.set_xticks(angles, [AXIS_LABELS.get(n, n.replace("_", " ")) for n in names])
    ax.set_ylim(0, 1)
    ax.set_yticks([0.25, 0.5, 0.75, 1.0], ["0.25", "0.5", "0.75", "1"], fontsize=TICK_SIZE - 2)
    ax.set_rlabel_position(90)
    finish_axes(ax)
    ax.tick_params(axis="x", pad=10)
    ax.legend(frameon=False, fontsize=LEGEND_SIZE, loc="upper left", bbox_to_anchor=(1.02, 1.05))
    if title:
        ax.set_title(title, fontsize=10, pad=14)
    return ax.figure
