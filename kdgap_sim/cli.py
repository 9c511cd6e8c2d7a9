"""The ``kdgap`` command.

Subcommands defined here: ``demo`` and ``simulate``. Other subcommands live
beside the code they drive; each such module defines
``add_subcommand(subparsers)`` and is listed in ``EXTENSIONS``.
"""

from __future__ import annotations

import argparse
import importlib
import pathlib
import sys
from collections.abc import Sequence

EXTENSIONS: tuple[str, ...] = (
    "kdgap_sim.sweep.cli",
    "kdgap_sim.fitting.cli",
    "kdgap_sim.verify.cli",
    "kdgap_sim.gallery.runner",
)


def _run_and_report(key_seed, env, env_params, agents, n_steps, n_seeds, output, figure, title):
    import jax

    from kdgap_sim import plotting
    from kdgap_sim.simulate import format_study_table, run_study, study_to_json

    results = run_study(jax.random.key(key_seed), env, env_params, agents, n_steps, n_seeds)
    print(title)
    print(format_study_table(results))
    if output:
        pathlib.Path(output).parent.mkdir(parents=True, exist_ok=True)
        pathlib.Path(output).write_text(study_to_json(results))
        print(f"wrote {output}")
    if figure:
        pathlib.Path(figure).parent.mkdir(parents=True, exist_ok=True)
        for path in plotting.save(plotting.study_figure(results, title), figure):
            print(f"wrote {path}")
    return results


def _demo(args: argparse.Namespace) -> int:
    from kdgap_sim import agents, envs
    from kdgap_sim.config import check_output_path

    out_dir = check_output_path("--out", args.out, folder=True)
    env = envs.make("bernoulli-bandit", n_arms=5)
    chosen = {name: agents.profile(name) for name in ("knowing-doing-ucb", "faithful-ucb", "greedy")}
    title = (
        f"5-armed Bernoulli bandit, p = {list(map(float, env.default_params().probs))}, "
        f"{args.seeds} seeds x {args.steps} steps (mean ± s.e.)"
    )
    _run_and_report(
        args.seed, env, env.default_params(), chosen, args.steps, args.seeds,
        str(out_dir / "demo.json"), str(out_dir / "demo.png"), title,
    )
    return 0


def _simulate(args: argparse.Namespace) -> int:
    from kdgap_sim.config import check_output_path, load_simulation

    cfg = load_simulation(args.config)
    for key in ("output", "figure"):
        if cfg[key] is not None:
            check_output_path(key, cfg[key])
    _run_and_report(
        cfg["seed"], cfg["env"], cfg["env_params"], cfg["agents"], cfg["n_steps"], cfg["n_seeds"],
        cfg["output"], cfg["figure"], f"simulate {args.config}",
    )
    return 0


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def n_seeds_int(text: str) -> int:
    """argparse type: a number of seeds, >= 2 (a standard error needs two seeds)."""
    from kdgap_sim.simulate import check_n_seeds

    value = int(text)  # a ValueError here is argparse's "invalid n_seeds_int value"
    try:
        return check_n_seeds(value)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err).removeprefix("n_seeds ")) from err


def seed_int(text: str) -> int:
    """argparse type: a root random seed, ``0 <= seed < 2**32``."""
    from kdgap_sim.config import check_seed

    value = int(text)
    try:
        return check_seed("seed", value)
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"must be in [0, 2**32), got {value}") from err


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``kdgap`` with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="kdgap", description="Simulate, sweep, fit and verify knowing-doing-gap agents."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="run the default knowing-doing-gap study")
    demo.add_argument("--seeds", type=n_seeds_int, default=1000, help="number of seeds (>= 2)")
    demo.add_argument("--steps", type=positive_int, default=100)
    demo.add_argument("--seed", type=seed_int, default=0, help="root random seed, in [0, 2**32)")
    demo.add_argument("--out", default="kdgap_demo", help="folder for demo.png and demo.json")
    demo.set_defaults(handler=_demo)
    sim = sub.add_parser("simulate", help="run a study described by a TOML config")
    sim.add_argument("config")
    sim.set_defaults(handler=_simulate)
    for module in EXTENSIONS:
        importlib.import_module(module).add_subcommand(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status (2 for bad input, with a one-line message)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except (ValueError, TypeError) as err:
        print(f"kdgap {args.command}: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
