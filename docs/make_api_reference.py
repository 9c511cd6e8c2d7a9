"""Writes docs/api.md, the API reference, from the docstrings of the public names.

For each public module (``PUBLIC_MODULES``, the same list that
tests/test_public_api.py checks) and each name in its ``__all__``, in sorted
order: a heading, the signature and the docstring. A name exported by several
modules is written out once, where it first appears, and referred to after.

The docstring examples are executed by tests/test_docstring_examples.py; here
their ``>>>`` prompts are written as ``py>`` so that pytest's doctest
collection of ``docs/*.md`` does not run them a second time.
tests/test_api_reference.py fails when docs/api.md is out of date.

Usage (from the repository root)::

    python docs/make_api_reference.py
"""

from __future__ import annotations

import importlib
import inspect
import pathlib
import re
import sys
import types

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "docs" / "api.md"

#: Modules whose ``__all__`` is the public API, in the order they are documented.
PUBLIC_MODULES = (
    "kdgap_sim",
    "kdgap_sim.accumulators",
    "kdgap_sim.logs",
    "kdgap_sim.agents",
    "kdgap_sim.envs",
    "kdgap_sim.envs.horizon_task",
    "kdgap_sim.metrics",
    "kdgap_sim.metrics.horizon_play",
    "kdgap_sim.verify",
    "kdgap_sim.plotting",
    "kdgap_sim.gallery",
    "kdgap_sim.decisions",
    "kdgap_sim.fitting",
    "kdgap_sim.fitting.sampler",
    "kdgap_sim.decisions.training",
    "kdgap_sim.horizon",
    "kdgap_sim.rewards",
    "kdgap_sim.sweep",
    "kdgap_sim.training",
    "kdgap_sim.threefry",
    "kdgap_sim.action_axis",
)

_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
_FORWARD_REF = re.compile(r"ForwardRef\('([^']*)'[^)]*\)")
_MAX_VALUE_REPR = 300


def _clean(text: str) -> str:
    """Removes memory addresses, ``ForwardRef(...)`` and doctest prompts; strips trailing spaces."""
    text = _ADDRESS.sub("", text)
    text = _FORWARD_REF.sub(r"\1", text)
    text = text.replace(">>>", "py>")
    return "\n".join(line.rstrip() for line in text.splitlines())


def _signature(name: str, obj: object) -> str | None:
    try:
        signature = inspect.signature(obj)
    except (TypeError, ValueError):
        return None
    prefix = "class " if inspect.isclass(obj) else ""
    return _clean(f"{prefix}{name}{signature}")


def _summary(doc: str) -> str:
    return doc.strip().split("\n\n", 1)[0].replace("\n", " ") if doc else ""


def _anchor(qualified: str) -> str:
    return qualified.lower().replace(".", "")


def _entry(qualified: str, name: str, obj: object, first: dict[int, str]) -> list[str]:
    lines = [f"### `{qualified}`", ""]
    if isinstance(obj, types.ModuleType):
        target = obj.__name__
        if target in PUBLIC_MODULES:
            lines.append(f"Module; see [`{target}`](#{_anchor(target)}).")
        else:
            lines.append(f"Module `{target}`: {_clean(_summary(inspect.getdoc(obj) or ''))}")
        return lines + [""]
    if id(obj) in first:
        original = first[id(obj)]
        return lines + [f"Same object as [`{original}`](#{_anchor(original)}).", ""]
    first[id(obj)] = qualified
    if not (inspect.isclass(obj) or callable(obj)):
        value = _clean(repr(obj))
        if len(value) > _MAX_VALUE_REPR:
            value = value[:_MAX_VALUE_REPR] + " ..."
        return lines + ["```python", f"{name} = {value}", "```", ""]
    signature = _signature(name, obj)
    if signature is not None:
        lines += ["```python", signature, "```", ""]
    doc = inspect.getdoc(obj) or "(no docstring)"
    return lines + ["```text", _clean(doc), "```", ""]


def render() -> str:
    """The text of docs/api.md for the modules currently importable."""
    lines = [
        "# API reference",
        "",
        "Generated from the docstrings by `python docs/make_api_reference.py`; do not edit.",
        "Examples are shown with a `py>` prompt; they run as doctests from the docstrings",
        "(tests/test_docstring_examples.py).",
        "",
        "Modules:",
        "",
    ]
    lines += [f"- [`{name}`](#{_anchor(name)})" for name in PUBLIC_MODULES]
    lines.append("")
    first: dict[int, str] = {}
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        lines += [f"## {module_name}", ""]
        summary = _summary(inspect.getdoc(module) or "")
        if summary:
            lines += [_clean(summary), ""]
        for name in sorted(module.__all__):
            lines += _entry(f"{module_name}.{name}", name, getattr(module, name), first)
    return "\n".join(lines).rstrip("\n") + "\n"


def main() -> int:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    OUTPUT.write_text(render(), encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
