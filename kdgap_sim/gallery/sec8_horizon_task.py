"""theory/THEORY.md section 8: directed and random exploration both grow with the horizon.

See docs/horizon-task.md.

Wilson, Geana, White, Ludvig & Cohen (2014), "Humans use directed and random
exploration to solve the explore-exploit dilemma", J. Exp. Psychol. Gen.
143(6). People given 6 free trials instead of 1 choose the less-known arm more
often (directed exploration, b2 of the unequal-information fit > 0) and choose
more noisily (random exploration, -b3 of the equal-information fit > 0).

Four simulated players on ``kd.envs.make("horizon-task")``, all
``Agent(UCB(beliefs_from="index"), Softmax())`` (a softmax over sample mean
plus UCB bonus), with params set per horizon (``kdgap_sim.metrics.horizon_play.play``):

* ``greedy``: no bonus, greedy actor. Its choice is a deterministic function
  of the observed means, so the fits on observed differences are separated
  (reported, not a number); against generative means both measures are ~0.
* ``directed``: the bonus grows with the horizon (c = 0 -> 20), fixed beta.
* ``random``: the temperature grows with the horizon (beta = 0.3 -> 0.1), no bonus.
* ``human-like``: both grow (c = 2 -> 15, beta = 0.3 -> 0.12): Wilson et al.'s result.

For each: directed exploration, random exploration and the mean reward with
standard errors (``kd.metrics.horizon_exploration``), and Wilson et al.'s
model (``make_model("wilson-horizon")``) fitted to the human-like player with
NUTS (full mode only).
"""

from __future__ import annotations

import jax
import matplotlib.pyplot as plt
import numpy as np

import kdgap_sim as kd
from kdgap_sim import plotting
from kdgap_sim.envs import horizon_task as ht
from kdgap_sim.metrics import horizon_play
from kdgap_sim.gallery.runner import comparison_table, figure_path

TITLE = ("Horizon task: directed and random exploration both increase with the horizon "
         "(Wilson et al. 2014)")
AGENT = kd.agents.Agent(kd.agents.UCB(beliefs_from="index"), kd.agents.Softmax())
GREEDY = kd.agents.Agent(kd.agents.UCB(beliefs_from="index"), kd.agents.Greedy())
_P = AGENT.default_params()
PLAYERS = {
    "greedy": (GREEDY, GREEDY.default_params().replace(exploration=0.0), "directed ~0, random ~0"),
    "directed": (AGENT, {1: _P.replace(exploration=0.0, beta=0.15), 6: _P.replace(exploration=20.0, beta=0.15)},
                 "directed > 0, random ~0"),
    "random": (AGENT, {1: _P.replace(exploration=0.0, beta=0.3), 6: _P.replace(exploration=0.0, beta=0.1)},
               "directed ~0, random > 0"),
    "human-like": (AGENT, {1: _P.replace(exploration=2.0, beta=0.3), 6: _P.replace(exploration=15.0, beta=0.12)},
                   "both > 0 (Wilson et al. 2014)"),
}


def _fmt(estimate: float, se: float) -> str:
    return "not converged" if not np.isfinite(estimate) else f"{estimate:.3f} ± {se:.3f}"


def _choice_curves(log, difference="observed"):
    """Fraction of y = 1 per dR bin, per condition and horizon (for the figure)."""
    rows = kd.metrics.first_free_choices(log, difference=difference)
    edges = np.array([-40, -20, -10, -4, 0, 4, 10, 20, 40])
    curves = {}
    for unequal in (True, False):
        for h in (-1, 1):
            sel = (rows.unequal == unequal) & (rows.h == h)
            idx = np.digitize(rows.dR[sel], edges[1:-1])
            frac = [rows.y[sel][idx == k].mean() if np.any(idx == k) else np.nan for k in range(len(edges) - 1)]
            curves[(unequal, h)] = (0.5 * (edges[1:] + edges[:-1]), np.asarray(frac))
    return curves


def main(quick: bool = True, out_dir: str = "kdgap_gallery") -> dict[str, float]:
    """Simulates the four players; prints the three numbers per player; saves ``sec8_horizon_task.{png,pdf}``."""
    key = jax.random.key(8)
    env = kd.envs.make("horizon-task")
    # per horizon: half equal, half unequal games. Pilot SEs at 100 games per horizon and condition:
    # 0.25 (directed), 0.035 (random); quick mode (400 per cell) halves them, full mode quarters them
    n_games = 800 if quick else 3200
    numbers: dict[str, float] = {}
    logs = {}
    rows = []
    for i, (name, (agent, params, expected)) in enumerate(PLAYERS.items()):
        log = ht.to_choice_log(horizon_play.play(jax.random.fold_in(key, i), env, agent, params, n_games), subject=name)
        logs[name] = log
        r = kd.metrics.horizon_exploration(log)
        g = kd.metrics.horizon_exploration(log, difference="generative")
        for label, result in (("", r), ("_generative", g)):
            for q in ("directed", "random"):
                if np.isfinite(getattr(result, q)):
                    numbers[f"{name}_{q}{label}"] = getattr(result, q)
                    numbers[f"{name}_{q}{label}_se"] = getattr(result, f"{q}_se")
        numbers[f"{name}_reward_mean"] = r.reward_mean
        numbers[f"{name}_reward_mean_se"] = r.reward_mean_se
        rows.append((f"{name}: directed exploration (b2, unequal games)", _fmt(r.directed, r.directed_se), expected))
        rows.append((f"{name}: random exploration (-b3, equal games)", _fmt(r.random, r.random_se), ""))
        if not r.converged:
            rows.append((f"{name}: directed / random on generative means",
                         f"{_fmt(g.directed, g.directed_se)} / {_fmt(g.random, g.random_se)}", "both ~0"))
        rows.append((f"{name}: mean reward per trial", _fmt(r.reward_mean, r.reward_mean_se), ""))
    print(f"{n_games} games per horizon (1 and 6 free trials), half [2, 2] and half [1, 3]; "
          "observed (forced-trial) mean differences; ± 1 s.e.")
    print(comparison_table(rows))

    fig, axes = plt.subplots(1, 3, figsize=(14, 4), constrained_layout=True)
    curves = _choice_curves(logs["human-like"])
    for j, (unequal, title, ylabel) in enumerate((
            (True, "human-like, unequal [1, 3]", "P(choose the once-sampled arm)"),
            (False, "human-like, equal [2, 2]", "P(choose arm 1)"))):
        for k, h in enumerate((-1, 1)):
            x, frac = curves[(unequal, h)]
            axes[j].plot(x, frac, "o-", color=plotting.color(k), label=f"horizon {1 if h < 0 else 6}")
        axes[j].set_xlabel("mean difference dR (observed)")
        axes[j].set_ylabel(ylabel)
        axes[j].set_title(title, loc="left")
        axes[j].axhline(0.5, color="k", lw=0.5)
    names = list(PLAYERS)
    for k, q in enumerate(("directed", "random")):
        values, errors = [], []
        for name in names:
            key_q = f"{name}_{q}" if f"{name}_{q}" in numbers else f"{name}_{q}_generative"
            values.append(numbers[key_q])
            errors.append(1.96 * numbers[f"{key_q}_se"])
        scale = 1.0 if q == "directed" else 10.0
        axes[2].bar(np.arange(len(names)) + (k - 0.5) * 0.38, np.asarray(values) * scale, 0.38,
                    yerr=np.asarray(errors) * scale, color=plotting.color(k), capsize=3,
                    label=f"{q} exploration{'' if scale == 1 else ' x 10'}")
    axes[2].set_xticks(np.arange(len(names)), [n + ("*" if n == "greedy" else "") for n in names])
    axes[2].axhline(0.0, color="k", lw=0.5)
    axes[2].set_title("exploration by player (95% CI; *generative means)", loc="left")
    for ax in axes:
        plotting.style.finish_axes(ax, legend=True)
    fig.suptitle("Directed and random exploration in the horizon task (Wilson et al. 2014)", fontsize=11)
    for path in plotting.save(fig, figure_path(out_dir, "sec8_horizon_task")):
        print(f"wrote {path}")

    if not quick:  # the model-based analysis: Wilson et al.'s model fitted to the human-like player
        log = kd.fitting.with_forced_trials(logs["human-like"])
        idata = kd.fitting.fit(jax.random.fold_in(key, 99), log, "wilson-horizon", hierarchical=False,
                               num_warmup=500, num_samples=500, num_chains=1)
        fit_rows = []
        for name in kd.fitting.make_model("wilson-horizon").param_names:
            mean = float(idata.posterior[name].mean())
            numbers[f"human-like_{name}"] = mean
            fit_rows.append((f"human-like: posterior mean {name}", mean,
                             "A_h6 > A_h1, sigma_h6 > sigma_h1 (Wilson et al. 2014)" if name == "A_h1" else ""))
        print(comparison_table(fit_rows))
    return numbers
