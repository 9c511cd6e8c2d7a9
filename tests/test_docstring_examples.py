"""Every ``>>>`` example in the package's docstrings runs and prints what it says.

This replaces pytest's ``--doctest-modules`` (which would also import every test
and helper script under ``tests/`` a second time).
"""

import doctest
import importlib
import pkgutil
import warnings

import pytest

import kdgap_sim

MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(kdgap_sim.__path__, prefix="kdgap_sim.")
    if not info.name.endswith("__main__")
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        module = importlib.import_module(name)
    if module.__name__ != name:
        pytest.skip(f"{name} is a deprecated alias of {module.__name__}, whose examples run under its own name")
    result = doctest.testmod(
        module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False
    )
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"
