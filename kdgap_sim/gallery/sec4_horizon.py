"""theory/THEORY.md section 4: long-horizon execution, self-conditioning, and thinking.

Sinha, Arun, Goel, Staab, Geiping (2025), "The Illusion of Diminishing
Returns: Measuring Long Horizon Execution in LLMs", arXiv 2509.09677.

1. Horizon: with constant step accuracy p, task accuracy is p^i and the
   horizon H_0.5 = ln 0.5 / ln p (THEORY, derived: 6.6, 69.0, 692.8 for
   p = 0.9, 0.99, 0.999). Simulated with ``SelfConditioningExecutor`` at
   gamma = 0 on the execution task (``kd.envs.make("execution")``).
2. Self-conditioning: executors with eps_t = eps_0 + gamma f_t (f_t: the error
   fraction of their last W outputs) start after W prefilled turns with 30% of
   their own outputs wrong. Task and step accuracy fall faster with gamma > 0;
   the thinking variant (context kept out of the decision) does not degrade.
3. Error injection recovers gamma (``error_injection_experiment``,
   ``fit_gamma``) for several true values; for the thinking variant the
   fitted slope is ~0.
"""

from __future__ import annotations

import jax
import matplotlib.pyplot as plt
import numpy as np

import kdgap_sim as kd
from kdgap_sim import horizon as hz
from kdgap_sim import plotting
from kdgap_sim.gallery.runner import comparison_table, figure_path

TITLE = "Long-horizon execution: H_0.5 = ln 0.5 / ln p, self-conditioning, thinking removes it (Sinha et al. 2025)"
HORIZONS = {0.9: 6.6, 0.99: 69.0, 0.999: 692.8}
EPS0, GAMMA, WINDOW, INJECTED = 0.01, 0.5, 20, 0.3
SETUPS = {"gamma = 0": ("clean", False, 0.0), f"gamma = {GAMMA}": ("self_conditioning", False, GAMMA),
          f"thinking (gamma = {GAMMA})": ("thinking", True, GAMMA)}


def main(quick: bool = True, out_dir: str = "kdgap_gallery") -> dict[str, float]:
    """Runs the three parts; prints ours vs THEORY/paper; saves ``sec4_horizon.{png,pdf}``."""
    key = jax.random.key(4)
    n_agents = 500 if quick else 10000
    task = kd.envs.make("execution", max_keys_per_turn=2)
    task_params = task.default_params()
    numbers: dict[str, float] = {}

    rows = []
    for j, (p, claimed) in enumerate(HORIZONS.items()):
        formula = float(hz.horizon(0.5, p))
        n_steps = int(3 * claimed) + 10
        out = hz.run_execution(jax.random.fold_in(key, j), task, task_params, hz.SelfConditioningExecutor(),
                               hz.ExecutorParams(eps0=1.0 - p, gamma=0.0), n_steps, n_agents)
        simulated = hz.empirical_horizon(out, 0.5)
        numbers[f"horizon_formula_p{p}"] = formula
        numbers[f"horizon_simulated_p{p}"] = float(simulated)
        rows.append((f"H_0.5, p = {p}: formula", formula, f"{claimed} (derived)"))
        rows.append((f"H_0.5, p = {p}: simulated ({n_agents} executors)*", float(simulated), f"{claimed} (derived)"))
    print("horizon of an executor with constant step accuracy p (gamma = 0)")
    print(comparison_table(rows))
    print("* simulated: the first whole step with task accuracy < 0.5 (formula: ceil gives 7, 69, 693)")

    n_steps = 200
    steps = np.unique(np.round(np.geomspace(1, n_steps, 40)).astype(int))
    task_curves, step_curves = {}, {}
    for label, (short, thinking, gamma) in SETUPS.items():
        out = hz.run_execution(
            jax.random.fold_in(key, 10), task, task_params, hz.SelfConditioningExecutor(window=WINDOW, thinking=thinking),
            hz.ExecutorParams(eps0=EPS0, gamma=gamma), n_steps, n_agents,
            prefix_steps=WINDOW, injected_error_fraction=INJECTED)
        task_curves[label] = hz.task_accuracy_curve(out, steps)
        step_curves[label] = hz.step_accuracy_by_bin(out)
        numbers[f"task_accuracy_step50_{short}"] = float(hz.task_accuracy_curve(out, [50])[0])
        numbers[f"step_accuracy_{short}"] = float(np.asarray(out.n_correct).sum() / (n_steps * n_agents))
    sc, think, clean = (numbers[f"task_accuracy_step50_{short}"] for short in
                        ("self_conditioning", "thinking", "clean"))
    print(f"after {WINDOW} prefilled turns with {INJECTED:.0%} errors; eps_0 = {EPS0}, "
          f"{n_agents} executors x {n_steps} steps")
    print(comparison_table([
        ("task accuracy at step 50, gamma = 0", clean, "(1 - eps_0)^50 = 0.605 (derived)"),
        (f"task accuracy at step 50, gamma = {GAMMA}", sc, "lower: self-conditioning"),
        ("task accuracy at step 50, thinking", think, "restored (qualitative)"),
        (f"mean step accuracy, gamma = {GAMMA}", numbers["step_accuracy_self_conditioning"],
         f"long run 1 - eps_0/(1-gamma) = {1 - EPS0 / (1 - GAMMA):.3f} (derived)"),
        ("mean step accuracy, thinking", numbers["step_accuracy_thinking"],
         f"1 - eps_0 = {1 - EPS0:.3f}"),
    ]))

    fractions = np.linspace(0.0, 1.0, 11)
    gammas = np.linspace(0.0, 0.8, 5)
    injection_agents = n_agents // 2
    recovery = hz.gamma_recovery(jax.random.fold_in(key, 20), task, task_params,
                                 hz.SelfConditioningExecutor(window=WINDOW), 0.05, gammas, fractions,
                                 injection_agents)
    thinking_fit = hz.fit_gamma(hz.error_injection_experiment(
        jax.random.fold_in(key, 21), task, task_params, hz.SelfConditioningExecutor(window=WINDOW, thinking=True),
        hz.ExecutorParams(eps0=0.05, gamma=0.4), fractions, injection_agents))
    rows = []
    for true, est, se in zip(recovery["true"], recovery["estimate"], recovery["se"]):
        numbers[f"gamma_recovered_{true:.1f}"] = float(est)
        rows.append((f"recovered gamma (true {true:.1f}) ± {se:.3f} s.e.", float(est), f"{true:.1f} (true)"))
    numbers["gamma_max_abs_z"] = float(np.max(np.abs(recovery["estimate"] - recovery["true"]) / recovery["se"]))
    numbers["thinking_slope"], numbers["thinking_slope_se"] = thinking_fit.gamma, thinking_fit.gamma_se
    rows.append((f"thinking: fitted slope (true gamma 0.4 ignored) ± {thinking_fit.gamma_se:.3f}",
                 thinking_fit.gamma, "~0: thinking removes it"))
    print(f"error injection: {len(fractions)} context error fractions x {injection_agents} executors, eps_0 = 0.05")
    print(comparison_table(rows))

    fig, axes = plt.subplots(2, 2, figsize=(11, 8), constrained_layout=True)
    p_grid = np.linspace(0.85, 0.9995, 300)
    axes[0, 0].plot(p_grid, np.asarray(hz.horizon(0.5, p_grid)), color=plotting.color(0), label="ln 0.5 / ln p")
    axes[0, 0].plot(list(HORIZONS), [numbers[f"horizon_simulated_p{p}"] for p in HORIZONS], "o",
                    color=plotting.color(1), label="simulated")
    axes[0, 0].set_yscale("log")
    axes[0, 0].set_xlabel("step accuracy p")
    axes[0, 0].set_ylabel("horizon H_0.5 (steps, log scale)")
    axes[0, 0].set_title("small gains in p, large gains in horizon", loc="left")
    for i, label in enumerate(SETUPS):
        style = ("-", "-", (0, (4, 2)))[i]  # thinking equals gamma = 0 (same key): dashed on top
        axes[0, 1].plot(steps, task_curves[label], color=plotting.color(i), ls=style, label=label)
        starts, accuracy = step_curves[label]
        axes[1, 0].step(starts, accuracy, where="post", color=plotting.color(i), ls=style, label=label)
    axes[0, 1].plot(steps, np.asarray(hz.task_accuracy(1 - EPS0, steps)), "k--", lw=1, label="p^i, p = 1 - eps_0")
    axes[0, 1].set_ylabel("task accuracy (no error up to step i)")
    axes[0, 1].set_title(f"after {WINDOW} prefilled turns, {INJECTED:.0%} wrong", loc="left")
    axes[1, 0].set_ylabel("step accuracy (correct update)")
    axes[1, 0].set_title("step accuracy per step bin", loc="left")
    for ax in (axes[0, 1], axes[1, 0]):
        ax.set_xscale("log")
        ax.set_xlabel("step i (log scale)")
    err = np.stack([recovery["estimate"] - recovery["low"], recovery["high"] - recovery["estimate"]])
    axes[1, 1].plot([0, 0.8], [0, 0.8], "k--", lw=1, label="identity")
    axes[1, 1].errorbar(recovery["true"], recovery["estimate"], yerr=err, fmt="o", capsize=3,
                        color=plotting.color(0), label="recovered (95% CI)")
    axes[1, 1].errorbar([0.4], [thinking_fit.gamma], yerr=[[thinking_fit.gamma - thinking_fit.gamma_low],
                        [thinking_fit.gamma_high - thinking_fit.gamma]], fmt="s", capsize=3,
                        color=plotting.color(2), label="thinking (true 0.4)")
    axes[1, 1].set_xlabel("true gamma")
    axes[1, 1].set_ylabel("recovered gamma")
    axes[1, 1].set_title("error injection recovers gamma", loc="left")
    for ax in axes.flat:
        plotting.style.finish_axes(ax, legend=True)
    fig.suptitle("Long-horizon execution and self-conditioning (Sinha et al. 2025)", fontsize=11)
    for path in plotting.save(fig, figure_path(out_dir, "sec4_horizon")):
        print(f"wrote {path}")
    return numbers
