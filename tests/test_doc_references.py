"""Every ``*.md`` file named by the package, the README or the docs exists in the repository.

The CLI's help texts and the gallery's output cite theory/THEORY.md; a citation
of a file the repository does not ship is a dead end for a user.
"""

from __future__ import annotations

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent
REFERENCE = re.compile(r"(?<![\w/.:-])((?:[\w.-]+/)*[\w-]+\.md)\b")


def _sources() -> list[pathlib.Path]:
    files = sorted((ROOT / "kdgap_sim").rglob("*.py"))
    files += [ROOT / "README.md"]
    files += sorted(p for p in (ROOT / "docs").rglob("*.md") if p.name != "api.md")
    files += sorted((ROOT / "theory").glob("*.md"))
    return files


def _resolves(name: str, source: pathlib.Path) -> bool:
    return any((base / name).is_file() for base in (ROOT, source.parent, ROOT / "docs"))


def test_every_markdown_reference_resolves():
    missing = []
    for source in _sources():
        for line_no, line in enumerate(source.read_text(encoding="utf-8").splitlines(), 1):
            if "http://" in line or "https://" in line:
                line = re.sub(r"https?://\S+", "", line)
            for name in REFERENCE.findall(line):
                if not _resolves(name, source):
                    missing.append(f"{source.relative_to(ROOT)}:{line_no}: {name}")
    assert not missing, "references to files that do not exist:\n" + "\n".join(missing)


def test_cli_help_cites_a_shipped_theory_file():
    from kdgap_sim.cli import build_parser

    parser = build_parser()
    helps = [action.help for action in parser._subparsers._group_actions[0]._choices_actions]
    cited = [h for h in helps if h and "THEORY" in h]
    assert cited, "verify and gallery help should cite the theory file"
    for text in cited:
        assert "theory/THEORY.md" in text
    assert (ROOT / "theory" / "THEORY.md").is_file()
