"""Posterior recovery: true parameter against posterior mean, with credible intervals.

Parameter recovery (theory/THEORY.md, cross-cutting results): simulate from known
parameters, fit, and report the correlation of true and estimated values and
the coverage of the credible intervals (about 90% for 90% intervals).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from kdgap_sim.plotting.style import color, finish_axes, new_axes


def interval_from_samples(
    samples: Any, interval: float = 0.9, axis: int = -1
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Posterior mean and the central ``interval`` credible interval from draws along ``axis``.

    Example:
      >>> import numpy as np
      >>> from kdgap_sim import plotting
      >>> mean, low, high = plotting.interval_from_samples(np.linspace(0, 1, 101)[None], 0.9)
      >>> [round(float(v[0]), 3) for v in (mean, low, high)]
      [0.5, 0.05, 0.95]
    """
    if not 0 < interval < 1:
        raise ValueError(f"interval must lie in (0, 1), got {interval}")
    draws = np.asarray(samples, np.float64)
    tail = (1 - interval) / 2
    low, high = np.quantile(draws, [tail, 1 - tail], axis=axis)
    return draws.mean(axis=axis), low, high


def recovery_scatter(
    true: Any,
    posterior_mean: Any,
    lower: Any,
    upper: Any,
    parameter: str = "parameter",
    interval: float = 0.9,
    ax=None,
    index: int = 0,
):
    """True values against posterior means with interval bars and the identity line.

    The title gives Pearson's correlation ``r`` between true and posterior mean
    and the coverage: the share of intervals ``[lower, upper]`` containing the
    true value (should be close to ``interval``).

    Example:
      >>> import numpy as np
      >>> from kdgap_sim import plotting
      >>> true = np.array([0.1, 0.3, 0.5, 0.7])
      >>> fig = plotting.recovery_scatter(true, true + 0.01, true - 0.1, true + 0.1, "alpha_pos")
      >>> fig.axes[0].get_title(loc="left")
      'alpha_pos: r = 1.00, 90% coverage = 1.00 (n = 4)'
    """
    true = np.asarray(true, np.float64).ravel()
    mean = np.asarray(posterior_mean, np.float64).ravel()
    low = np.asarray(lower, np.float64).ravel()
    high = np.asarray(upper, np.float64).ravel()
    if not (true.shape == mean.shape == low.shape == high.shape):
        raise ValueError(
            f"true, posterior_mean, lower and upper must have one size, got "
            f"{true.size}, {mean.size}, {low.size}, {high.size}"
        )
    if true.size < 2:
        raise ValueError("recovery_scatter needs at least 2 simulated subjects")
    ax = new_axes(ax, (3.8, 3.6))
    ax.errorbar(true, mean, yerr=[np.maximum(mean - low, 0), np.maximum(high - mean, 0)],
                fmt="o", ms=3, lw=0.8, capsize=0, color=color(index), alpha=0.8)
    span = [min(true.min(), low.min()), max(true.max(), high.max())]
    ax.plot(span, span, color="0.4", ls=":", lw=1)
    r = float(np.corrcoef(true, mean)[0, 1]) if true.std() > 0 and mean.std() > 0 else float("nan")
    coverage = float(np.mean((low <= true) & (true <= high)))
    ax.set_title(
        f"{parameter}: r = {r:.2f}, {round(100 * interval)}% coverage = {coverage:.2f} (n = {true.size})",
        loc="left",
    )
    ax.set_xlabel(f"true {parameter}")
    ax.set_ylabel(f"posterior mean ({round(100 * interval)}% CrI)")
    finish_axes(ax)
    return ax.figure


def recovery_figure(results: Mapping[str, tuple[Any, Any, Any, Any]], interval: float = 0.9):
    """One :func:`recovery_scatter` panel per parameter: ``{name: (true, mean, lower, upper)}``.

    Example:
      >>> import numpy as np
      >>> from kdgap_sim import plotting
      >>> t = np.array([0.1, 0.5, 0.9])
      >>> fig = plotting.recovery_figure({"a": (t, t, t - 0.1, t + 0.1), "b": (t, t, t, t)})
      >>> len(fig.axes)
      2
    """
    if not results:
        raise ValueError("results must name at least one parameter")
    fig, axes = plt.subplots(1, len(results), figsize=(3.8 * len(results), 3.6),
                             constrained_layout=True, squeeze=False)
    for i, (name, (true, mean, low, high)) in enumerate(results.items()):
        recovery_scatter(true, mean, low, high, name, interval, ax=axes[0, i], index=i)
    return fig
