"""The layer rule of docs/architecture.md: a module imports only from its own layer or lower ones.

Every ``import`` and ``from ... import`` in ``kdgap_sim`` (top-level and inside
functions alike: a lazy import is still a dependency) is resolved to the
top-level unit it names (``kdgap_sim.fitting.data`` -> ``fitting``) and checked
against ``LAYERS``. Imports that break the rule would be listed, each by
importer and imported unit, in ``KNOWN_UPWARD`` (issue 23 emptied it: none is
left; a deprecation alias reaches a name that moved up through
``kdgap_sim._moved``, by module name, at call time). The test fails when a new upward import appears, and also when a
listed one is removed without being struck from the list, so the list stays the
true account of what is left.
"""

from __future__ import annotations

import ast
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "kdgap_sim"

#: unit -> layer; a unit is a top-level module or subpackage of kdgap_sim.
LAYERS = {
    # 0 core: types, parameters, validation, the random stream, files, choice logs and progress
    **dict.fromkeys(("types", "validation", "params", "threefry", "action_axis", "traced_checks",
                     "atomic_files", "compile_cache", "progress", "_moved", "_version", "registry", "logs"), 0),
    # 1 environments and agents
    **dict.fromkeys(("envs", "agents"), 1),
    # 2 the trial loop
    **dict.fromkeys(("rollout", "memory", "accumulators"), 2),
    # 3 what is computed from rollouts: metrics, decision theory, rewards
    **dict.fromkeys(("metrics", "decisions", "rewards", "simulate", "profile", "decision_training"), 3),
    # 4 workflows: sweeps, fitting, fine-tuning, long horizons, language models, configuration
    **dict.fromkeys(("sweep", "fitting", "training", "horizon", "llm", "config"), 4),
    # 5 figures
    **dict.fromkeys(("plotting", "plotting_horizon"), 5),
    # 6 the package facade, and what is written as a user writes it, through the facade:
    # the numerical verification of THEORY.md and the gallery
    **dict.fromkeys(("__init__", "verify", "gallery"), 6),
    # 7 the command line: one package, one module per subcommand
    **dict.fromkeys(("cli",), 7),
}

#: (importer, imported) pairs that break the rule today; issue 23 removes them.
KNOWN_UPWARD: set[tuple[str, str]] = set()  # none left


def _is_module(name: str) -> bool:
    path = PACKAGE.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def _unit(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _imports(path: pathlib.Path) -> list[tuple[str, int]]:
    """The ``kdgap_sim`` modules that ``path`` imports, with line numbers (relative imports resolved)."""
    relative = path.relative_to(PACKAGE.parent).with_suffix("")
    module = ".".join(relative.parts)
    package = module[: -len(".__init__")] if module.endswith(".__init__") else module.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for alias in node.names:
                target = f"{source}.{alias.name}"
                found.append((target if _is_module(target) else source, node.lineno))
    return [(name, line) for name, line in found if name.split(".")[0] == "kdgap_sim"]


def upward_imports() -> dict[tuple[str, str], list[str]]:
    """(importer unit, imported unit) -> ``file:line`` of each import from a higher layer."""
    upward: dict[tuple[str, str], list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        importer = _unit(".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts))
        for name, line in _imports(path):
            imported = _unit(name)
            if imported != importer and LAYERS[imported] > LAYERS[importer]:
                upward.setdefault((importer, imported), []).append(f"{path.relative_to(PACKAGE.parent)}:{line}")
    return upward


def test_every_unit_has_a_layer():
    units = {p.stem for p in PACKAGE.glob("*.py")} | {p.parent.name for p in PACKAGE.glob("*/__init__.py")}
    assert units - set(LAYERS) == set(), "a new top-level module needs a layer in LAYERS"
    assert set(LAYERS) - units <= {"_version"}, "LAYERS names a unit that no longer exists"


def test_no_new_upward_import():
    upward = upward_imports()
    new = {pair: where for pair, where in upward.items() if pair not in KNOWN_UPWARD}
    assert not new, f"imports from a higher layer (docs/architecture.md, 'Layers'): {new}"


def test_known_upward_imports_are_still_there():
    gone = KNOWN_UPWARD - set(upward_imports())
    assert not gone, f"fixed: strike {sorted(gone)} from KNOWN_UPWARD"


@pytest.mark.parametrize("source, expected", [
    ("from kdgap_sim.fitting.data import ChoiceLog\n", [("kdgap_sim.fitting.data", 1)]),
    ("def f():\n    from kdgap_sim import plotting\n", [("kdgap_sim.plotting", 2)]),
    ("from .. import rollout\n", [("kdgap_sim.rollout", 1)]),
    ("import numpy\nfrom kdgap_sim import __version__\n", [("kdgap_sim", 2)]),
])
def test_imports_are_resolved(tmp_path, monkeypatch, source, expected):
    # The checker itself can fail: a lazy import inside a function, a relative import, and a
    # name imported from the facade are each found and resolved to the right unit.
    fake = PACKAGE / "envs" / "_layer_probe.py"
    monkeypatch.setattr(pathlib.Path, "read_text", lambda self, encoding=None: source)
    assert _imports(fake) == expected


def test_an_upward_import_is_caught(monkeypatch):
    # envs (layer 1) importing plotting (layer 5) must be reported.
    real_read = pathlib.Path.read_text

    def read(self, encoding=None):
        text = real_read(self, encoding=encoding)
        if self.name == "base.py" and self.parent.name == "envs":
            text += "\nfrom kdgap_sim import plotting\n"
        return text

    monkeypatch.setattr(pathlib.Path, "read_text", read)
    assert ("envs", "plotting") in upward_imports()
