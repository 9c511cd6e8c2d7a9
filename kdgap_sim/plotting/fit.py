"""The figure of a Bayesian fit: posterior predictive choice rates and subjects' posterior intervals."""

from __future__ import annotations

import pathlib
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from kdgap_sim.plotting.style import OKABE_ITO

__all__ = ["posterior_check_figure"]


def posterior_check_figure(idata: Any, log: Any, model: Any, ppc: dict) -> plt.Figure:
    """A fit at a glance: posterior predictive choice rates, and each subject's posterior interval.

    Panel 1: for each action, the observed choice rate per trial (line) and the 90%
    band of the same rate in posterior predictive draws (one-step-ahead, as
    :func:`kdgap_sim.fitting.posterior_predictive` returns them). One panel per
    parameter: each subject's posterior mean and 90% interval, sorted, with the
    group-level mean where the fit is hierarchical. ``kdgap fit`` draws it.

    Args:
      idata: the fit's ``arviz.InferenceData`` (subject parameters ``[chain, draw, subject]``).
      log: the :class:`~kdgap_sim.fitting.ChoiceLog` fitted.
      model: the model fitted (``model.params``, ``model.name``).
      ppc: posterior predictive draws with ``"choice"`` of shape ``[draws, subjects, trials]``.

    Example:
      >>> import numpy as np, arviz as az, kdgap_sim as kd
      >>> log = kd.fitting.ChoiceLog.from_arrays([[0, 1, 1]], [[1.0, 0.0, 1.0]], n_actions=2)
      >>> model = kd.fitting.make_model("rw").for_log(log)
      >>> rng = np.random.default_rng(0)
      >>> idata = az.from_dict(posterior={n: rng.random((2, 50, 1)) for n in model.param_names})
      >>> ppc = {"choice": rng.integers(0, 2, (20, 1, 3))}
      >>> len(kd.plotting.posterior_check_figure(idata, log, model, ppc).axes)
      3
    """
    n_params = len(model.params)
    fig, axes = plt.subplots(1, 1 + n_params, figsize=(4.2 * (1 + n_params), 3.6),
                             constrained_layout=True)
    ax = axes[0]
    mask = log.mask
    trials = np.arange(1, log.max_trials + 1)
    for a in range(log.n_actions):
        observed = ((log.choice == a) & mask).sum(0) / np.maximum(mask.sum(0), 1)
        draws = ((ppc["choice"] == a) & mask[None]).sum(1) / np.maximum(mask.sum(0), 1)
        low, high = np.quantile(draws, [0.05, 0.95], axis=0)
        colour = OKABE_ITO[a % len(OKABE_ITO)]
        ax.fill_between(trials, low, high, color=colour, alpha=0.25, linewidth=0)
        ax.plot(trials, observed, color=colour, lw=1, label=f"action {a + log.choice_base}")
    ax.set_xlabel("trial")
    ax.set_ylabel("choice rate (line: observed; band: 90% PPC)")
    ax.set_ylim(0, 1)
    ax.legend(frameon=False, fontsize="small")
    post = idata.posterior
    for i, spec in enumerate(model.params):
        ax = axes[1 + i]
        draws = np.asarray(post[spec.name]).reshape(-1, log.n_subjects)
        mean = draws.mean(0)
        low, high = np.quantile(draws, [0.05, 0.95], axis=0)
        order = np.argsort(mean)
        y = np.arange(log.n_subjects)
        ax.hlines(y, low[order], high[order], color=OKABE_ITO[0], lw=1)
        ax.plot(mean[order], y, "o", ms=2.5, color=OKABE_ITO[0])
        if f"mu_{spec.name}" in post:
            ax.axvline(float(post[f"mu_{spec.name}"].mean()), color=OKABE_ITO[3], lw=1,
                       label="group median (posterior mean)")
            ax.legend(frameon=False, fontsize="small")
        ax.set_xlabel(f"{spec.name} (90% interval)")
        ax.set_yticks([])
        ax.set_ylabel("subjects (sorted)")
    fig.suptitle(f"{model.name} on {pathlib.Path(log.source).name}")
    return fig
