"""argparse types and options shared by the ``kdgap`` subcommands.

Each type turns a command-line string into a checked value or raises
``argparse.ArgumentTypeError`` (argparse then prints the usage line and the
message and exits with status 2), so bad input is refused before any JAX import.
"""

from __future__ import annotations

import argparse


def _integer(text: str) -> int:
    """``int(text)``, with argparse's message for a non-integer (not "invalid <function> value")."""
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1.

    Example:
      >>> from kdgap_sim.cli import positive_int
      >>> positive_int("3")
      3
    """
    value = _integer(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def positive_float(text: str) -> float:
    """argparse type: a finite number > 0.

    Example:
      >>> from kdgap_sim.cli import positive_float
      >>> positive_float("2.5")
      2.5
    """
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {text}")
    return value


def n_seeds_int(text: str) -> int:
    """argparse type: a number of seeds, >= 2 (a standard error needs two seeds).

    Example:
      >>> from kdgap_sim.cli import n_seeds_int
      >>> n_seeds_int("100")
      100
    """
    from kdgap_sim.simulate import check_n_seeds

    value = _integer(text)
    try:
        return check_n_seeds(value)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err).removeprefix("n_seeds ")) from err


def seed_int(text: str) -> int:
    """argparse type: a root random seed, ``0 <= seed < 2**32``.

    Example:
      >>> from kdgap_sim.cli import seed_int
      >>> seed_int("7")
      7
    """
    from kdgap_sim.config import check_seed

    value = _integer(text)
    try:
        return check_seed("seed", value)
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"must be in [0, 2**32), got {value}") from err


def add_quiet(parser: argparse.ArgumentParser) -> None:
    """``--quiet``: no progress on stderr (a bar on a terminal, periodic lines otherwise).

    Example:
      >>> import argparse
      >>> from kdgap_sim.cli import add_quiet
      >>> parser = argparse.ArgumentParser()
      >>> add_quiet(parser)
      >>> parser.parse_args(["-q"]).quiet
      True
    """
    parser.add_argument("--quiet", "-q", action="store_true",
                        help="print no progress (default: a bar on a terminal, a line every few seconds otherwise)")
