"""Deprecation aliases for modules that moved to their layer (issue 23, Core v2).

An old module path stays importable for one release: importing it warns with a
``DeprecationWarning`` naming the new path and binds the old name to the new
module object, so ``kdgap_sim.decision_training is kdgap_sim.decisions.training``.
"""

from __future__ import annotations

import importlib
import sys
import types
import warnings


def alias(old: str, new: str) -> types.ModuleType:
    """Replaces module ``old`` in ``sys.modules`` by module ``new``, with a ``DeprecationWarning``.

    Example:
      >>> import warnings
      >>> with warnings.catch_warnings(record=True) as caught:
      ...     warnings.simplefilter("always")
      ...     module = alias("kdgap_sim._example_old", "kdgap_sim.decisions.problems")
      >>> module.__name__, caught[0].category.__name__
      ('kdgap_sim.decisions.problems', 'DeprecationWarning')
    """
    warnings.warn(
        f"{old} moved to {new}; the old name is an alias for one release", DeprecationWarning, stacklevel=3
    )
    module = importlib.import_module(new)
    sys.modules[old] = module
    return module


def attribute(old: str, name: str, new: str, new_name: str | None = None):
    """The object ``name`` of module ``new``, reached by its old path ``old.name``, with a ``DeprecationWarning``.

    For a package's module-level ``__getattr__``: a name that moved up a layer
    stays reachable from its old package for one release without the old
    package importing the new one at import time.

    Example:
      >>> import warnings
      >>> with warnings.catch_warnings(record=True) as caught:
      ...     warnings.simplefilter("always")
      ...     fn = attribute("kdgap_sim.agents", "generate_tokens", "kdgap_sim.metrics.generation")
      >>> fn.__module__, caught[0].category.__name__
      ('kdgap_sim.metrics.generation', 'DeprecationWarning')
    """
    new_name = name if new_name is None else new_name
    warnings.warn(
        f"{old}.{name} moved to {new}.{new_name}; the old name is an alias for one release",
        DeprecationWarning, stacklevel=3,
    )
    return getattr(importlib.import_module(new), new_name)
