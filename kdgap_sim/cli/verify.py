"""``kdgap verify [NAME...] [--quick] [--list] [--seed N]``: check theory/THEORY.md numerically.

Prints one row per check (measured, expected, tolerance, PASS/FAIL, seconds)
and exits with status 1 if any check fails, 0 otherwise; an unknown check name
is a usage error (status 2, via :func:`kdgap_sim.cli.main`).
"""

from __future__ import annotations

import argparse

from kdgap_sim.cli.arguments import add_quiet

NAME = "verify"
HELP = "run the numerical checks of theory/THEORY.md"


def _verify(args: argparse.Namespace) -> int:
    import jax

    from kdgap_sim.verify import registry

    if args.list:
        for name in registry.names():
            check = registry.get(name)
            print(f"{name}: {check.claim} [{check.formula}]")
        return 0
    selected = args.names or None
    if selected is not None:
        for name in selected:
            registry.get(name)  # raises ValueError naming the unknown check
    results = registry.run(selected, quick=args.quick, key=jax.random.key(args.seed), progress=not args.quiet)
    print(registry.format_table(results))
    failed = [r for r in results if not r.passed]
    for r in failed if args.verbose is False else results:
        print(f"\n{r.name}: {r.claim}\n  formula: {r.formula}\n  source: {r.source}\n  {r.details}")
    print(f"\n{len(results) - len(failed)}/{len(results)} checks passed")
    return 1 if failed else 0


def add_subcommand(subparsers) -> None:
    """Adds ``verify`` to the ``kdgap`` parser."""
    parser = subparsers.add_parser(NAME, help=HELP)
    parser.add_argument("names", nargs="*", metavar="NAME", help="checks to run (default: all)")
    parser.add_argument("--quick", action="store_true", help="smaller samples (under a minute)")
    parser.add_argument("--list", action="store_true", help="list the checks and exit")
    parser.add_argument("--verbose", action="store_true", help="print the details of every check")
    parser.add_argument("--seed", type=int, default=0, help="root random seed")
    add_quiet(parser)
    parser.set_defaults(handler=_verify)
