"""``kdgap llm CONFIG.toml``: run a language model on a bandit from a config, report its gap.

Checks the config (:mod:`kdgap_sim.llm.config`) and the output folder before
any model is loaded or asked, runs :func:`kdgap_sim.llm.run` with progress,
prints :func:`kdgap_sim.llm.report`, and writes to the output folder
``log.csv`` (the choice log, loadable by ``kdgap fit``), ``answers.jsonl`` (every
prompt and answer), ``report.csv`` and ``report.png``/``.pdf``.
"""

from __future__ import annotations

import pathlib
import sys

NAME = "llm"
HELP = "run a language model on a bandit and report its knowing-doing gap (TOML config)"
OUTPUT_FILES = ("log.csv", "answers.jsonl", "report.csv", "report.png", "report.pdf")


def add_subcommand(subparsers) -> None:
    """Registers ``llm`` on the ``kdgap`` parser."""
    p = subparsers.add_parser(
        NAME, help=HELP,
        description="Run a language model (OpenAI-compatible endpoint, local transformers model, "
                    "a simulated agent or a replay) on a bandit; log its rationale, confidence and "
                    "action; print the knowing-doing report and write log, answers, report and figure.")
    p.add_argument("config", help="TOML config (see docs/llm.md)")
    p.add_argument("--out", default=None, help="output folder (overrides the config's output)")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.set_defaults(handler=run)


def run(args) -> int:
    """The ``kdgap llm`` command."""
    import jax

    from kdgap_sim import llm
    from kdgap_sim.config import check_output_path
    from kdgap_sim.llm.config import build_policy, load_llm_config

    config = load_llm_config(args.config)
    if args.out is not None:
        out = check_output_path("--out", args.out, folder=True)
    elif config["output"] is not None:
        out = check_output_path("output", config["output"], folder=True)
    else:
        out = pathlib.Path(args.config).resolve().with_suffix("")
        out = check_output_path("output", str(out), folder=True)
    env = config["env"]
    try:
        policy = build_policy(config["policy_kind"], config["policy_options"], env.n_actions, config["labels"])
    except ImportError as error:
        print(f"kdgap llm: error: {error}", file=sys.stderr)
        return 2
    out.mkdir(parents=True, exist_ok=True)
    try:
        log = llm.run(
            jax.random.key(config["seed"]), env, config["env_params"], policy,
            n_episodes=config["n_episodes"], n_steps=config["n_steps"], prompt=config["prompt"],
            history=config["history"], labels=config["labels"], cache=config["cache"],
            on_invalid=config["on_invalid"], output=out / "answers.jsonl", progress=not args.quiet)
    except RuntimeError as error:  # the endpoint failed for good after its retries
        kept = f"; the answers received are in {config['cache']}, a rerun asks only the rest" if config["cache"] else ""
        print(f"kdgap llm: error: {error}{kept}", file=sys.stderr)
        return 1
    table = llm.report(log, rule=config["rule"])
    log.to_dataframe().to_csv(out / "log.csv", index=False)
    table.to_csv(out / "report.csv")
    from kdgap_sim import plotting
    from kdgap_sim.plotting.llm import llm_run_figure

    paths = plotting.save(llm_run_figure(log, table, label=policy.name), out / "report")
    print(f"{policy.name} on {config['n_episodes']} episodes x {config['n_steps']} trials "
          f"({log.requests['requests']} requests, {log.requests['cached']} answers from the cache)")
    print(table.to_string(float_format=lambda x: f"{x:.3f}"))
    print(f"wrote {out / 'log.csv'}, {out / 'answers.jsonl'}, {out / 'report.csv'}, "
          f"{', '.join(str(p) for p in paths)}")
    return 0
