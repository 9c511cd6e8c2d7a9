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
    "kdgap_sim.llm.cli",
)

# Extensions whose subcommand name and one-line help are known without importing them: the
# module (and JAX behind it) is imported only when its subcommand is run or asked for help,
# so ``kdgap --help`` and a mistyped subcommand answer at once. tests/test_cli.py checks that
# each entry matches what the module registers. An extension missing here is imported always.
SUMMARIES: dict[str, tuple[str, str]] = {
    "kdgap_sim.sweep.cli": ("sweep", "run an agent over a parameter grid x seeds (TOML config)"),
    "kdgap_sim.fitting.cli": ("fit", "fit a model to a choice log (CSV, TSV, JSONL)"),
    "kdgap_sim.verify.cli": ("verify", "run the numerical checks of theory/THEORY.md"),
    "kdgap_sim.gallery.runner": (
        "gallery", "reproduce the papers' results (one script per theory/THEORY.md section)"
    ),
    "kdgap_sim.llm.cli": ("llm", "run a language model on a bandit and report its knowing-doing gap (TOML config)"),
}


def _run_and_report(key_seed, env, env_params, agents, n_steps, n_seeds, output, figure, title, quiet=False):
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


DEMO_OUT = "kdgap_demo"
# The default study: agents that differ in doing (follow the rationale always, with prob. 0.64,
# never) and in knowing (llm-2b-like states a wrong rationale 13% of the time, and repeats itself).
DEMO_AGENTS = ("faithful-ucb", "knowing-doing-ucb", "greedy", "llm-2b-like")


def _demo(args: argparse.Namespace) -> int:
    from kdgap_sim import agents, envs
    from kdgap_sim.config import check_output_path

    # an error names --out only when the user gave it; the default is "the output folder"
    name = "--out" if args.out is not None else "the default output folder"
    out_dir = check_output_path(name, args.out if args.out is not None else DEMO_OUT, folder=True)
    env = envs.make("bernoulli-bandit", n_arms=5)
    chosen = {name: agents.profile(name) for name in DEMO_AGENTS}
    title = (
        f"5-armed Bernoulli bandit, p = {list(map(float, env.default_params().probs))}, "
        f"{args.seeds} seeds x {args.steps} steps"
    )
    _run_and_report(
        args.seed, env, env.default_params(), chosen, args.steps, args.seeds,
        str(out_dir / "demo.json"), str(out_dir / "demo.png"), title, args.quiet,
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
        cfg["output"], cfg["figure"], f"simulate {args.config}", args.quiet,
    )
    return 0


def _integer(text: str) -> int:
    """``int(text)``, with argparse's message for a non-integer (not "invalid <function> value")."""
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1."""
    value = _integer(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def add_quiet(parser: argparse.ArgumentParser) -> None:
    """``--quiet``: no progress on stderr (a bar on a terminal, periodic lines otherwise)."""
    parser.add_argument("--quiet", "-q", action="store_true",
                        help="print no progress (default: a bar on a terminal, a line every few seconds otherwise)")


def positive_float(text: str) -> float:
    """argparse type: a finite number > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {text}")
    return value


def n_seeds_int(text: str) -> int:
    """argparse type: a number of seeds, >= 2 (a standard error needs two seeds)."""
    from kdgap_sim.simulate import check_n_seeds

    value = _integer(text)
    try:
        return check_n_seeds(value)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err).removeprefix("n_seeds ")) from err


def seed_int(text: str) -> int:
    """argparse type: a root random seed, ``0 <= seed < 2**32``."""
    from kdgap_sim.config import check_seed

    value = _integer(text)
    try:
        return check_seed("seed", value)
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"must be in [0, 2**32), got {value}") from err


def _subcommand_of(argv: Sequence[str]) -> str | None:
    """The subcommand named by a command line: its first argument that is not an option."""
    return next((arg for arg in argv if not arg.startswith("-")), None)


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The argument parser of ``kdgap`` with every subcommand.

    With ``argv``, only the extension module of the subcommand it names is imported; the
    others get a placeholder parser carrying their one-line help (``SUMMARIES``).
    """
    wanted = _subcommand_of(argv) if argv is not None else None
    parser = argparse.ArgumentParser(
        prog="kdgap", description="Simulate, sweep, fit and verify knowing-doing-gap agents."
    )
    parser.add_argument(
        "--no-compile-cache", action="store_true",
        help="do not use JAX's persistent compilation cache (also: KDGAP_COMPILE_CACHE=0)",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="run the default knowing-doing-gap study")
    demo.add_argument("--seeds", type=n_seeds_int, default=1000, help="number of seeds (>= 2)")
    demo.add_argument("--steps", type=positive_int, default=100, help="trials per seed (>= 1)")
    demo.add_argument("--seed", type=seed_int, default=0, help="root random seed, in [0, 2**32)")
    demo.add_argument(
        "--out", default=None, help=f"folder for demo.png, demo.pdf and demo.json (default {DEMO_OUT})"
    )
    add_quiet(demo)
    demo.set_defaults(handler=_demo)
    sim = sub.add_parser("simulate", help="run a study described by a TOML config")
    sim.add_argument("config", help="study config (TOML); see docs/cli.md")
    add_quiet(sim)
    sim.set_defaults(handler=_simulate)
    for module in EXTENSIONS:
        name, summary = SUMMARIES.get(module, (None, None))
        if argv is None or name is None or name == wanted:
            importlib.import_module(module).add_subcommand(sub)
        else:
            sub.add_parser(name, help=summary)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status (2 for bad input, with a one-line message)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    if not args.no_compile_cache:
        from kdgap_sim.compile_cache import enable_compile_cache

        enable_compile_cache()
    try:
        return int(args.handler(args) or 0)
    except (ValueError, TypeError) as err:
        print(f"kdgap {args.command}: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
