"""The figure of a language model's run: knowing vs doing, and how it changes over trials."""

from __future__ import annotations

from typing import Any

import numpy as np

from kdgap_sim.plotting.bandit import gap_bars
from kdgap_sim.plotting.style import color, finish_axes, plt

BAR_METRICS = ("rationale_correct", "rationale_optimal", "follow", "coverage", "invalid")


def _per_trial(hits: np.ndarray, of: np.ndarray) -> np.ndarray:
    total = of.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, (hits & of).sum(axis=0) / np.maximum(total, 1), np.nan)


def llm_run_figure(log: Any, table: Any, label: str = "model"):
    """Two panels for a :func:`kdgap_sim.llm.run` log and its :func:`kdgap_sim.llm.report` table.

    Left: rates (mean ± 1.96 s.e. over episodes) of knowing (rationale correct by
    the report's rule, rationale optimal), doing (action follows the rationale),
    exploring (coverage) and invalid answers. Right: per trial, the share of
    episodes whose action follows the stated rationale, whose action is optimal
    (when the log has generative means), and whose answer was invalid.

    Example:
      >>> import jax, kdgap_sim as kd
      >>> from kdgap_sim.plotting.llm import llm_run_figure
      >>> env = kd.envs.make("bernoulli-bandit", n_arms=3)
      >>> agent, params = kd.agents.profile("knowing-doing-ucb")
      >>> log = kd.llm.run(jax.random.key(0), env, env.default_params(),
      ...                  kd.llm.SimulatedText(agent, params, n_actions=3), n_episodes=3, n_steps=6)
      >>> len(llm_run_figure(log, kd.llm.report(log, rule="ucb")).axes)
      2
    """
    fig, (left, right) = plt.subplots(1, 2, figsize=(10.5, 3.8), constrained_layout=True)
    rates = {name: (float(table.loc[name, "mean"]), float(table.loc[name, "se"]))
             for name in BAR_METRICS if name in table.index}
    gap_bars({label: rates}, metrics=tuple(rates), ax=left)
    asked = log.mask & ~log.forced
    trials = np.arange(1, log.max_trials + 1)
    stated = log.rationale >= 0 if log.rationale is not None else np.zeros_like(asked)
    follows = stated & (log.choice == log.rationale) if log.rationale is not None else stated
    curves = [("follows rationale", _per_trial(follows, asked & stated))]
    if log.means is not None:
        means = np.asarray(log.means)
        chosen = np.take_along_axis(means, log.choice[..., None], axis=-1)[..., 0]
        curves.append(("optimal action", _per_trial(chosen >= means.max(-1), log.mask)))
    if log.invalid is not None:
        curves.append(("invalid answer", _per_trial(log.invalid, asked)))
    # Colours the bars do not use (sky blue, black), told apart by line style too.
    styles = [(color(5), "-"), (color(7), "--"), (color(7), ":")]
    for (name, values), (colour, line) in zip(curves, styles):
        right.plot(trials, values, color=colour, ls=line, label=name, lw=1.4)
    right.set_xlabel("trial")
    right.set_ylabel("share of episodes")
    right.set_ylim(-0.02, 1.02)
    right.set_title(f"{label}: {log.n_subjects} episodes")
    finish_axes(right, legend=True)
    return fig
