"""docs/api.md is exactly what docs/make_api_reference.py generates (it cannot go stale)."""

import importlib.util
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _generator():
    spec = importlib.util.spec_from_file_location(
        "make_api_reference", ROOT / "docs" / "make_api_reference.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_api_reference_is_up_to_date():
    generator = _generator()
    committed = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    assert generator.render() == committed, (
        "docs/api.md is out of date with the docstrings; "
        "run `python docs/make_api_reference.py` from the repository root and commit docs/api.md"
    )


def test_api_reference_documents_the_tested_modules_without_runnable_prompts():
    generator = _generator()
    text = generator.render()
    for module_name in generator.PUBLIC_MODULES:
        assert f"\n## {module_name}\n" in text, module_name
    assert ">>>" not in text  # doctest would run them again when collecting docs/*.md
    assert " at 0x" not in text  # memory addresses would make the output nondeterministic
