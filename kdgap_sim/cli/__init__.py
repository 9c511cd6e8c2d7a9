"""The ``kdgap`` command: one module per subcommand, imported statically.

Each subcommand module (``demo``, ``simulate``, ``sweep``, ``fit``, ``verify``,
``gallery``, ``llm``) defines ``NAME``, a one-line ``HELP`` and
``add_subcommand(subparsers)``, and imports the library (and JAX behind it)
only inside its handler. :func:`build_parser` given a command line builds the
full parser of the subcommand it names and a placeholder carrying ``HELP`` for
the others, so ``kdgap --help`` and a mistyped subcommand answer at once.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from kdgap_sim.cli import demo, fit, gallery, llm, simulate, sweep, verify
from kdgap_sim.cli.arguments import add_quiet, n_seeds_int, positive_float, positive_int, seed_int
from kdgap_sim.cli.demo import DEMO_AGENTS, DEMO_OUT

__all__ = ["main", "build_parser", "SUBCOMMANDS", "add_quiet", "n_seeds_int", "positive_float",
           "positive_int", "seed_int", "DEMO_AGENTS", "DEMO_OUT"]

#: The subcommand modules, in the order ``kdgap --help`` lists them.
SUBCOMMANDS = (demo, simulate, sweep, fit, verify, gallery, llm)


def _subcommand_of(argv: Sequence[str]) -> str | None:
    """The subcommand named by a command line: its first argument that is not an option."""
    return next((arg for arg in argv if not arg.startswith("-")), None)


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The argument parser of ``kdgap``.

    Without ``argv`` every subcommand gets its full parser; with ``argv``, only the one
    it names does (the others a placeholder with their ``HELP``), so a subcommand whose
    options need the library (``fit`` lists the models) imports it only when named.

    Example:
      >>> from kdgap_sim.cli import build_parser
      >>> build_parser(["demo"]).parse_args(["demo", "--seeds", "10"]).seeds
      10
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
    for command in SUBCOMMANDS:
        if argv is None or command.NAME == wanted:
            command.add_subcommand(sub)
        else:
            sub.add_parser(command.NAME, help=command.HELP)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status (2 for bad input, with a one-line message).

    Example:
      >>> from kdgap_sim.cli import main
      >>> main(["verify", "--list"]) == 0  # doctest: +ELLIPSIS
      rw-steady-state: ...
      True
    """
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
