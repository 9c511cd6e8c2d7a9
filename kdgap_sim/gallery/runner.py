"""Discovery and running of gallery scripts (``kdgap gallery``: :mod:`kdgap_sim.cli.gallery`).

A gallery script is a module ``kdgap_sim/gallery/sec<N>_<name>.py`` (``N`` is
its theory/THEORY.md section) that defines ``TITLE`` (one line: the result and its
paper) and ``main(quick: bool, out_dir: str) -> dict`` returning its key
numbers; ``main`` prints them next to the paper's (:func:`comparison_table`)
and saves its figure as PNG and PDF in ``out_dir``. Adding a script is adding
such a file: nothing else needs registering.
"""

from __future__ import annotations

import importlib
import pathlib
import pkgutil
import re
import time
from collections.abc import Sequence
from typing import Any, NamedTuple

_PATTERN = re.compile(r"^sec(\d+)_(\w+)$")


class Entry(NamedTuple):
    """A gallery script: ``name`` (``sec1_greedy``), THEORY ``section``, one-line ``title``.

    Example:
      >>> from kdgap_sim import gallery
      >>> gallery.resolve(["optimism"])[0].name
      'sec3_optimism'
    """

    name: str
    section: int
    title: str
    module: str


def entries() -> list[Entry]:
    """Every gallery script, ordered by theory/THEORY.md section then name.

    Example:
      >>> from kdgap_sim import gallery
      >>> [e.name for e in gallery.entries()][:1]
      ['sec1_greedy']
    """
    package = importlib.import_module("kdgap_sim.gallery")
    found = []
    for info in pkgutil.iter_modules(package.__path__):
        match = _PATTERN.match(info.name)
        if not match:
            continue
        module_name = f"kdgap_sim.gallery.{info.name}"
        module = importlib.import_module(module_name)
        found.append(Entry(info.name, int(match.group(1)), module.TITLE, module_name))
    return sorted(found, key=lambda e: (e.section, e.name))


def resolve(names: Sequence[str]) -> list[Entry]:
    """The entries named (full name ``sec1_greedy`` or short ``greedy``); all if empty.

    Raises:
      ValueError: a name matches no script.

    Example:
      >>> from kdgap_sim import gallery
      >>> [e.section for e in gallery.resolve(["sec1_greedy", "optimism"])]
      [1, 3]
    """
    known = entries()
    if not names:
        return known
    chosen = []
    for name in names:
        match = [e for e in known if name in (e.name, _PATTERN.match(e.name).group(2))]
        if not match:
            raise ValueError(f"unknown gallery script {name!r}; known: {[e.name for e in known]}")
        chosen.extend(m for m in match if m not in chosen)
    return chosen


def run(names: Sequence[str] = (), quick: bool = True, out_dir: str = "kdgap_gallery") -> dict[str, dict]:
    """Runs the named scripts (all by default); returns ``{name: key numbers}``.

    Example (runs the scripts, so not executed here)::

        numbers = gallery.run(["greedy"], quick=True, out_dir="figures")
    """
    results = {}
    for entry in resolve(names):
        module = importlib.import_module(entry.module)
        print(f"== {entry.name}: {entry.title}")
        start = time.perf_counter()
        results[entry.name] = module.main(quick=quick, out_dir=out_dir)
        print(f"({entry.name} took {time.perf_counter() - start:.1f} s)\n")
    return results


def comparison_table(rows: Sequence[tuple[str, Any, str]]) -> str:
    """Plain-text table: quantity, our value, the paper's value (with "approx." where THEORY says so).

    Example:
      >>> from kdgap_sim.gallery import comparison_table
      >>> print(comparison_table([("follow rate", 0.7171, "0.64 (approx.)")]))
      quantity     ours   paper
      -----------  -----  --------------
      follow rate  0.717  0.64 (approx.)
    """
    table = [("quantity", "ours", "paper")]
    for label, ours, paper in rows:
        text = f"{ours:.3g}" if isinstance(ours, float) else str(ours)
        table.append((label, text, paper))
    widths = [max(len(r[i]) for r in table) for i in range(3)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in table]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def figure_path(out_dir: str, name: str) -> str:
    """``out_dir/name`` (without suffix: :func:`kdgap_sim.plotting.save` adds .png and .pdf)."""
    return str(pathlib.Path(out_dir) / name)
