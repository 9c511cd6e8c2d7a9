"""``kdgap gallery [NAME...] [--quick] [--out DIR] [--list]``: run the paper gallery's scripts."""

from __future__ import annotations

import argparse

NAME = "gallery"
HELP = "reproduce the papers' results (one script per theory/THEORY.md section)"


def _gallery(args: argparse.Namespace) -> int:
    from kdgap_sim.gallery.runner import resolve, run

    if args.list:
        for entry in resolve(args.names):
            print(f"{entry.name:<24} theory/THEORY.md section {entry.section}: {entry.title}")
        return 0
    run(args.names, quick=args.quick, out_dir=args.out)
    return 0


def add_subcommand(subparsers) -> None:
    """Adds ``kdgap gallery``."""
    parser = subparsers.add_parser(NAME, help=HELP)
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help="scripts to run, e.g. sec1_greedy or greedy (default: all)")
    parser.add_argument("--quick", action="store_true", help="small runs (seconds), same figures")
    parser.add_argument("--out", default="kdgap_gallery", help="folder for figures (PNG and PDF)")
    parser.add_argument("--list", action="store_true", help="list the scripts and exit")
    parser.set_defaults(handler=_gallery)
