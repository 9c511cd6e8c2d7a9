"""Every public name has a docstring with an example (issue 9's check)."""

import importlib
import importlib.util
import inspect
import pathlib
import types

import pytest


def _api_reference_generator():
    path = pathlib.Path(__file__).resolve().parent.parent / "docs" / "make_api_reference.py"
    spec = importlib.util.spec_from_file_location("make_api_reference", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# The modules whose ``__all__`` is the public API: one list, kept by the API reference generator.
PUBLIC_MODULES = _api_reference_generator().PUBLIC_MODULES


def _public_objects():
    seen = set()
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            obj = getattr(module, name)
            if isinstance(obj, types.ModuleType):
                continue  # subpackages are covered by their own __all__
            if not (inspect.isclass(obj) or callable(obj)):
                continue  # data constants (palettes, tables) document themselves in their module
            if id(obj) in seen:
                continue
            seen.add(id(obj))
            yield f"{module_name}.{name}", obj


PUBLIC = sorted(_public_objects(), key=lambda item: item[0])


def test_every_public_module_defines_all():
    for module_name in PUBLIC_MODULES:
        assert importlib.import_module(module_name).__all__, module_name
    assert len(PUBLIC) > 50


@pytest.mark.parametrize(("name", "obj"), PUBLIC, ids=[name for name, _ in PUBLIC])
def test_public_name_has_docstring_with_example(name, obj):
    doc = inspect.getdoc(obj) or ""
    assert doc.strip(), f"{name} has no docstring"
    assert ">>>" in doc or "Example" in doc, f"{name}'s docstring has no example"


def test_version_is_the_one_pyproject_declares():
    import tomllib

    import kdgap_sim

    pyproject = pathlib.Path(__file__).resolve().parent.parent / "pyproject.toml"
    assert kdgap_sim.__version__ == tomllib.loads(pyproject.read_text())["project"]["version"]
