"""Bandit figures: knowing-doing-gap bars, coverage, learning and frequency-bias curves.

Every function draws into ``ax`` (or a new figure) and returns the ``Figure``;
none calls ``plt.show()``. Inputs are plain numbers and arrays (or rollout
results), so the figures work for simulated and logged agents alike.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from kdgap_sim.plotting.style import agent_style, color, finish_axes, mean_and_interval, new_axes
from kdgap_sim.types import Trajectory

METRIC_LABELS = {
    "rationale_correct": "rationale correct",
    "rationale_optimal": "rationale optimal",
    "follow": "action follows rationale",
    "follow_given_correct": "follows correct rationale",
    "coverage": "action coverage",
    "optimal_action": "optimal action",
    "greedy": "greedy action",
    "gap": "knowing-doing gap",
}

# Per-trial quantities of a batched Trajectory that learning_curves can draw.
CURVE_QUANTITIES = {
    "regret": "cumulative regret (expected reward units)",
    "reward": "reward per trial",
    "optimal_action": "P(optimal action)",
    "follow": "P(action = rationale)",
    "coverage": "action coverage $C_t$",
}


def _metric_table(result: Mapping[str, Any]) -> Mapping[str, Any]:
    return result["metrics"] if "metrics" in result else result


def gap_bars(
    results: Mapping[str, Mapping[str, Any]],
    metrics: Sequence[str] = ("rationale_correct", "rationale_optimal", "follow", "coverage"),
    ax=None,
):
    """Grouped bars (mean ± 1.96 s.e.) of rate metrics, one group per agent.

    Args:
      results: ``{agent: {"metrics": {name: (mean, se)}}}`` as returned by
        :func:`kdgap_sim.simulate.run_study`, or ``{agent: {name: (mean, se)}}``.
      metrics: which rates to draw; the default contrasts knowing (rationale
        correct by its own rule, rationale optimal in the environment) with
        doing (action follows the rationale) and exploring (coverage).
      ax: axes to draw into (default: a new figure).

    Example:
      >>> from kdgap_sim import plotting
      >>> fig = plotting.gap_bars({"agent": {"rationale_correct": (0.87, 0.01),
      ...     "rationale_optimal": (0.6, 0.02), "follow": (0.64, 0.01), "coverage": (0.5, 0.0)}})
      >>> len(fig.axes[0].patches)
      4
    """
    ax = new_axes(ax, (6.4, 3.4))
    labels = list(results)
    width = 0.8 / max(len(metrics), 1)
    x = np.arange(len(labels))
    for i, metric in enumerate(metrics):
        means = [float(_metric_table(results[a])[metric][0]) for a in labels]
        ses = [float(_metric_table(results[a])[metric][1]) for a in labels]
        ax.bar(x + i * width, means, width, yerr=1.96 * np.nan_to_num(ses), capsize=2,
               label=METRIC_LABELS.get(metric, metric.replace("_", " ")), color=color(i))
    ax.set_xticks(x + width * (len(metrics) - 1) / 2, labels, rotation=15)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("rate (mean ± 95% CI)")
    finish_axes(ax)
    ax.legend(frameon=False, fontsize=8, ncols=2, loc="upper center", bbox_to_anchor=(0.5, 1.22))
    return ax.figure


def coverage_curves(results: Mapping[str, Mapping[str, Any]], ax=None):
    """Mean action coverage :math:`C_t` against trial ``t``, one line per agent.

    Args:
      results: ``{agent: {"coverage_curve": [T]}}`` (as from ``run_study``).

    Agents are drawn in greys and line styles (:func:`~kdgap_sim.plotting.style.agent_style`),
    never in the colours :func:`gap_bars` gives metrics.

    Example:
      >>> from kdgap_sim import plotting
      >>> fig = plotting.coverage_curves({"a": {"coverage_curve": [0.2, 0.4, 0.4]}})
      >>> fig.axes[0].get_xlabel()
      'trial t'
    """
    ax = new_axes(ax)
    for i, (label, result) in enumerate(results.items()):
        curve = np.asarray(result["coverage_curve"])
        ax.plot(np.arange(1, curve.size + 1), curve, label=label, **agent_style(i))
    ax.set_xlabel("trial t")
    ax.set_ylabel("action coverage $C_t$ (fraction of arms)")
    ax.set_ylim(0, 1.05)
    finish_axes(ax, legend=True)
    return ax.figure


def regret_bars(results: Mapping[str, Mapping[str, Any]], ax=None):
    """Cumulative regret per agent (mean ± 1.96 s.e.), in the agents' greys.

    Example:
      >>> from kdgap_sim import plotting
      >>> fig = plotting.regret_bars({"a": {"regret": (16.2, 0.06)}, "b": {"regret": (9.8, 0.3)}})
      >>> [round(float(p.get_height()), 1) for p in fig.axes[0].patches]
      [16.2, 9.8]
    """
    ax = new_axes(ax, (3.6, 3.4))
    labels = list(results)
    for i, label in enumerate(labels):
        mean, se = (float(v) for v in _metric_table(results[label])["regret"])
        ax.bar(i, mean, 0.7, yerr=1.96 * np.nan_to_num(se), capsize=2, color=agent_style(i)["color"],
               edgecolor="black", linewidth=0.5)
    ax.set_xticks(np.arange(len(labels)), labels, rotation=25, ha="right")
    ax.set_ylabel("cumulative regret (mean ± 95% CI)")
    finish_axes(ax)
    return ax.figure


def study_figure(results: Mapping[str, Mapping[str, Any]], title: str | None = None):
    """Three panels from ``run_study`` results: gap bars, regret bars and coverage curves.

    Bars and error bars are means with 95% intervals (± 1.96 s.e.); the suptitle says so.

    Example:
      >>> from kdgap_sim import plotting
      >>> r = {"rationale_correct": (1, 0), "rationale_optimal": (1, 0), "follow": (1, 0),
      ...      "coverage": (1, 0), "regret": (3.0, 0.1)}
      >>> fig = plotting.study_figure({"a": {"metrics": r, "coverage_curve": [1.0]}}, "t")
      >>> len(fig.axes), fig._suptitle.get_text()
      (3, 't (bars: mean, 95% interval over seeds)')
    """
    fig, (left, middle, right) = plt.subplots(1, 3, figsize=(14, 3.8), constrained_layout=True,
                                              width_ratios=(1.5, 0.8, 1.1))
    gap_bars(results, ax=left)
    regret_bars(results, ax=middle)
    coverage_curves(results, ax=right)
    note = "bars: mean, 95% interval over seeds"
    fig.suptitle(f"{title} ({note})" if title else note, fontsize=10)
    return fig


def trajectory_curve(out: Trajectory, quantity: str) -> np.ndarray:
    """A per-trial quantity of a (batched) trajectory, ``[..., T]``.

    ``quantity`` is one of :data:`CURVE_QUANTITIES`: ``"regret"`` (cumulative
    expected regret), ``"reward"``, ``"optimal_action"`` (1 if the action was
    an optimal action, i.e. its expected regret is 0, so any of tied best arms counts), ``"follow"`` (1 if the action equals the
    rationale's) or ``"coverage"`` (:math:`C_t`, fraction of actions tried up to
    and including ``t``).

    Example:
      >>> import jax, kdgap_sim as kd
      >>> from kdgap_sim import plotting
      >>> env = kd.envs.make("bernoulli-bandit", n_arms=3)
      >>> agent, params = kd.agents.profile("faithful-ucb")
      >>> out = kd.rollout_batch(jax.random.key(0), env, env.default_params(), agent, params,
      ...                        n_steps=6, n_seeds=2, record="trajectory")
      >>> plotting.trajectory_curve(out, "coverage")[0].round(2).tolist()
      [0.33, 0.67, 1.0, 1.0, 1.0, 1.0]
    """
    if not isinstance(out, Trajectory):
        raise TypeError(f"out must be a Trajectory (record='trajectory'), got {type(out).__name__}")
    if quantity not in CURVE_QUANTITIES:
        raise ValueError(f"quantity must be one of {tuple(CURVE_QUANTITIES)}, got {quantity!r}")
    action = np.asarray(out.action)
    if quantity == "regret":
        return np.cumsum(np.asarray(out.regret, np.float64), axis=-1)
    if quantity == "reward":
        return np.asarray(out.reward, np.float64)
    if quantity == "optimal_action":
        # Optimal = zero regret, so every one of tied best arms counts, as in the summary's
        # optimal_count (Trajectory.optimal_action names only the first of them).
        return (np.asarray(out.regret) == 0).astype(np.float64)
    if quantity == "follow":
        return (action == np.asarray(out.rationale.action)).astype(np.float64)
    n_actions = out.beliefs.shape[-1]
    tried = np.maximum.accumulate(np.eye(n_actions, dtype=bool)[action], axis=-2)
    return tried.mean(axis=-1)


def learning_curves(
    curves: Mapping[str, Any],
    quantity: str | None = None,
    ylabel: str | None = None,
    ax=None,
):
    """Mean over seeds ± 95% CI of a per-trial quantity, one line and band per agent.

    Args:
      curves: ``{agent: values}`` with ``values`` a batched
        :class:`~kdgap_sim.types.Trajectory` (then ``quantity`` picks what to
        draw, see :func:`trajectory_curve`) or an array ``[n_seeds, T]``.
      quantity: name of the per-trial quantity for trajectories.
      ylabel: y-axis label (default: from ``quantity``).
      ax: axes to draw into.

    Example:
      >>> import numpy as np
      >>> from kdgap_sim import plotting
      >>> fig = plotting.learning_curves({"a": np.ones((4, 10))}, ylabel="P(optimal action)")
      >>> fig.axes[0].get_ylabel()
      'P(optimal action)'
    """
    ax = new_axes(ax)
    for i, (label, values) in enumerate(curves.items()):
        if isinstance(values, Trajectory):
            if quantity is None:
                raise ValueError("quantity is needed when curves holds trajectories")
            values = trajectory_curve(values, quantity)
        values = np.asarray(values, np.float64)
        if values.ndim != 2:
            raise ValueError(f"curves[{label!r}] must be [n_seeds, T], got shape {values.shape}")
        mean, low, high = mean_and_interval(values, axis=0)
        t = np.arange(1, values.shape[1] + 1)
        ax.plot(t, mean, color=color(i), label=label, lw=1.5)
        ax.fill_between(t, low, high, color=color(i), alpha=0.2, lw=0)
    ax.set_xlabel("trial t")
    ax.set_ylabel(ylabel or CURVE_QUANTITIES.get(quantity or "", quantity or "value"))
    ax.set_title("mean over seeds, band = 95% CI", loc="left")
    finish_axes(ax, legend=True)
    return ax.figure


def frequency_bias_curves(
    curves: Mapping[str, Any], repeats: Sequence[int], n_actions: int | None = None, ax=None
):
    """Frequency-bias curves: P(copy the context's action) against its repetitions ``n``.

    Args:
      curves: ``{agent: f}`` with ``f[i]`` the probability of choosing the
        action that fills the context ``repeats[i]`` times, as returned by
        :func:`kdgap_sim.metrics.frequency_bias_curve`.
      repeats: the ``n`` values.
      n_actions: if given, draws the chance level ``1 / n_actions``.

    Source: Schmied et al. (2025), arXiv 2504.16078, section 4.2.

    Example:
      >>> from kdgap_sim import plotting
      >>> fig = plotting.frequency_bias_curves({"a": [0.2, 0.5]}, [0, 10], n_actions=5)
      >>> len(fig.axes[0].get_lines())
      2
    """
    ax = new_axes(ax)
    repeats = np.asarray(repeats)
    for i, (label, curve) in enumerate(curves.items()):
        curve = np.asarray(curve, np.float64)
        if curve.shape != repeats.shape:
            raise ValueError(f"curves[{label!r}] has shape {curve.shape}, expected {repeats.shape}")
        ax.plot(repeats, curve, marker="o", ms=3, color=color(i), label=label)
    if n_actions:
        ax.axhline(1.0 / n_actions, color="0.5", ls=":", lw=1, label="chance (1/K)")
    ax.set_xlabel("repetitions n of one action in the context")
    ax.set_ylabel("P(choose the repeated action)")
    ax.set_ylim(0, 1.02)
    finish_axes(ax, legend=True)
    return ax.figure
