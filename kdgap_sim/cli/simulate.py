"""``kdgap simulate CONFIG.toml``: a study of several agents described by a TOML config (docs/cli.md)."""

from __future__ import annotations

import argparse
import pathlib

from kdgap_sim.cli.arguments import add_quiet

NAME = "simulate"
HELP = "run a study described by a TOML config"


def run_and_report(key_seed, env, env_params, agents, n_steps, n_seeds, output, figure, title, quiet=False):
    """Runs :func:`kdgap_sim.simulate.run_study`, prints its table, writes the JSON and the figure."""
    import jax

    from kdgap_sim import plotting
    from kdgap_sim.simulate import format_study_table, run_study, study_to_json

    results = run_study(jax.random.key(key_seed), env, env_params, agents, n_steps, n_seeds, progress=not quiet)
    print(title)
    print(format_study_table(results))
    print("(mean ± s.e. over seeds; frequency_bias is exact)")
    if output:
        pathlib.Path(output).parent.mkdir(parents=True, exist_ok=True)
        pathlib.Path(output).write_text(study_to_json(results))
        print(f"wrote {output}")
    if figure:
        pathlib.Path(figure).parent.mkdir(parents=True, exist_ok=True)
        for path in plotting.save(plotting.study_figure(results, title), figure):
            print(f"wrote {path}")
    return results


def _simulate(args: argparse.Namespace) -> int:
    from kdgap_sim.config import check_output_path, load_simulation

    cfg = load_simulation(args.config)
    for key in ("output", "figure"):
        if cfg[key] is not None:
            check_output_path(key, cfg[key])
    run_and_report(
        cfg["seed"], cfg["env"], cfg["env_params"], cfg["agents"], cfg["n_steps"], cfg["n_seeds"],
        cfg["output"], cfg["figure"], f"simulate {args.config}", args.quiet,
    )
    return 0


def add_subcommand(subparsers) -> None:
    """Adds ``kdgap simulate CONFIG``."""
    parser = subparsers.add_parser(NAME, help=HELP)
    parser.add_argument("config", help="study config (TOML); see docs/cli.md")
    add_quiet(parser)
    parser.set_defaults(handler=_simulate)
