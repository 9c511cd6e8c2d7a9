"""Makes the figures of docs/horizon.md (a few minutes on a laptop CPU).

    PYTHONPATH=$PWD python docs/horizon_figures.py --out docs/figures

Writes task_accuracy_clean.png, task_accuracy_injected.png, gamma_recovery.png,
entropy_ratio_surface.png and horizon_figures.json (the numbers behind them).
"""

from __future__ import annotations

import argparse
import json
import pathlib

import jax
import numpy as np

import kdgap_sim as kd
from kdgap_sim import horizon as hz
from kdgap_sim import plotting
from kdgap_sim.plotting import horizon as plotting_horizon


def execution_curves(key, n_agents, n_steps, eps0, gamma, window, prefix_fraction):
    task = kd.envs.make("execution", max_keys_per_turn=2)
    steps = np.unique(np.round(np.geomspace(1, n_steps, 60)).astype(int))
    task_curves, step_curves = {}, {}
    setups = {
        "gamma = 0": (False, 0.0),
        f"gamma = {gamma}": (False, gamma),
        f"thinking (gamma = {gamma} ignored)": (True, gamma),
    }
    prefix = window if prefix_fraction > 0 else 0
    for label, (thinking, g) in setups.items():
        executor = hz.SelfConditioningExecutor(window=window, thinking=thinking)
        params = hz.ExecutorParams(eps0=np.float32(eps0), gamma=np.float32(g))
        out = hz.run_execution(key, task, task.default_params(), executor, params, n_steps,
                               n_agents, prefix_steps=prefix, injected_error_fraction=prefix_fraction)
        task_curves[label] = (steps, hz.task_accuracy_curve(out, steps))
        step_curves[label] = hz.step_accuracy_by_bin(out)
    reference = (steps, np.asarray(hz.task_accuracy(1 - eps0, steps)), f"p**i, p = {1 - eps0}")
    return task_curves, step_curves, reference


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="docs/figures")
    parser.add_argument("--agents", type=int, default=4000)
    args = parser.parse_args(argv)
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    key = jax.random.key(2026)
    numbers = {}

    for name, fraction in (("clean", 0.0), ("injected", 0.3)):
        task_curves, step_curves, reference = execution_curves(
            jax.random.fold_in(key, 0), args.agents, 1000, 0.002, 0.5, 50, fraction)
        title = ("clean start: task accuracy does not depend on gamma" if fraction == 0 else
                 f"after {50} prefilled turns with {fraction:.0%} errors")
        fig = plotting_horizon.task_accuracy_figure(task_curves, step_curves, reference, title)
        plotting.save(fig, str(out / f"task_accuracy_{name}.png"))
        numbers[f"task_accuracy_{name}"] = {
            label: {"steps": s.tolist(), "accuracy": a.tolist()} for label, (s, a) in task_curves.items()
        }

    task = kd.envs.make("execution", max_keys_per_turn=2)
    recovery = hz.gamma_recovery(
        jax.random.fold_in(key, 1), task, task.default_params(), hz.SelfConditioningExecutor(window=20),
        0.05, np.linspace(0.0, 0.8, 9), np.linspace(0.0, 1.0, 11), args.agents // 4)
    plotting.save(plotting_horizon.gamma_recovery_figure(recovery, "error injection, 11 fractions"),
                  str(out / "gamma_recovery.png"))
    numbers["gamma_recovery"] = {k: v.tolist() for k, v in recovery.items()}

    policy = kd.agents.SurpriseTemperaturePolicy(vocab_size=32)
    base = policy.default_params(jax.random.fold_in(key, 2), scale=2.0)
    grid = kd.metrics.entropy_ratio_grid(
        jax.random.fold_in(key, 3), policy, base, base,
        {"surprise_gain": np.linspace(0.0, 1.0, 11), "temperature": [0.5, 0.75, 1.0, 1.5, 2.0]},
        300, 100, burn_in=100)
    fig = plotting_horizon.entropy_ratio_surface(
        grid, "surprise_gain", "temperature", title="off/on-policy entropy ratio (source: base policy)")
    plotting.save(fig, str(out / "entropy_ratio_surface.png"))
    numbers["entropy_ratio"] = {k: np.asarray(v).tolist() for k, v in grid.items()}
    (out / "horizon_figures.json").write_text(json.dumps(numbers, indent=1) + "\n")
    print(f"wrote figures to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
