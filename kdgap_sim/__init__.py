"""kdgap_sim: decision-theoretic simulation of the knowing-doing gap, in JAX.

An agent is a *predictor* (what it believes and recommends) composed with an
*actor* (what it actually does); every rollout logs both, so the gap between
knowing and doing is a measured quantity.

Submodules and names are imported on first use (``kd.rollout_batch``,
``kd.fitting``), so ``import kdgap_sim`` does not import JAX and the ``kdgap``
command answers ``--help`` at once.
"""

import importlib
import importlib.util
import sys
import types as _types  # not `types`: importing kdgap_sim.types rebinds that package attribute

from kdgap_sim._version import __version__

# public name -> the module that defines it; imported by ``__getattr__`` on first access
_NAMES = {
    "Params": "kdgap_sim.params",
    "params_class": "kdgap_sim.params",
    "knowing_doing_profile": "kdgap_sim.profile",
    "rollout": "kdgap_sim.rollout",
    "rollout_batch": "kdgap_sim.rollout",
    "seed_keys": "kdgap_sim.rollout",
    "Feedback": "kdgap_sim.types",
    "Rationale": "kdgap_sim.types",
    "Summary": "kdgap_sim.types",
    "Trajectory": "kdgap_sim.types",
}

_SUBPACKAGES = (
    "accumulators", "agents", "decisions", "envs", "fitting", "horizon", "llm", "logs", "metrics", "rewards", "sweep",
    "validation", "verify",
)

__all__ = sorted([*_NAMES, *_SUBPACKAGES])


class _Package(_types.ModuleType):
    """``kdgap_sim`` itself: ``kd.rollout`` stays the function when the submodule is imported.

    Importing ``kdgap_sim.rollout`` sets the package's ``rollout`` attribute to the module;
    the function of that name is the public API, so it is kept instead.
    """

    def __setattr__(self, name, value):
        if name == "rollout" and isinstance(value, _types.ModuleType):
            value = value.rollout
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __getattr__(name):
    if name in _NAMES:
        value = getattr(importlib.import_module(_NAMES[name]), name)
    elif not name.startswith("__") and importlib.util.find_spec(f"kdgap_sim.{name}") is not None:
        value = importlib.import_module(f"kdgap_sim.{name}")  # any submodule: kd.plotting, kd.config
    else:
        raise AttributeError(f"module 'kdgap_sim' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__():
    return sorted({*globals(), *__all__})
