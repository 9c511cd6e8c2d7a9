"""``kdgap demo``: the default knowing-doing-gap study (four agents on a 5-armed bandit)."""

from __future__ import annotations

import argparse

from kdgap_sim.cli.arguments import add_quiet, n_seeds_int, positive_int, seed_int
from kdgap_sim.cli.simulate import run_and_report

NAME = "demo"
HELP = "run the default knowing-doing-gap study"
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
    run_and_report(
        args.seed, env, env.default_params(), chosen, args.steps, args.seeds,
        str(out_dir / "demo.json"), str(out_dir / "demo.png"), title, args.quiet,
    )
    return 0


def add_subcommand(subparsers) -> None:
    """Adds ``kdgap demo [--seeds N] [--steps T] [--seed S] [--out DIR]``."""
    demo = subparsers.add_parser(NAME, help=HELP)
    demo.add_argument("--seeds", type=n_seeds_int, default=1000, help="number of seeds (>= 2)")
    demo.add_argument("--steps", type=positive_int, default=100, help="trials per seed (>= 1)")
    demo.add_argument("--seed", type=seed_int, default=0, help="root random seed, in [0, 2**32)")
    demo.add_argument(
        "--out", default=None, help=f"folder for demo.png, demo.pdf and demo.json (default {DEMO_OUT})"
    )
    add_quiet(demo)
    demo.set_defaults(handler=_demo)
