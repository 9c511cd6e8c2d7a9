"""String IDs for environments: ``make("bernoulli-bandit", n_arms=5)`` and ``register``.

Configs and sweeps name environments by ID; every registered ID is exercised
by one smoke test (``tests/envs/test_registry.py``).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable

from kdgap_sim.envs.bandit import BernoulliBandit, GaussianBandit
from kdgap_sim.envs.base import Environment
from kdgap_sim.envs.contextual import (
    ContextualBandit,
    EventDecision,
    LinearContextualBandit,
    protect_or_not,
)
from kdgap_sim.envs.execution import ExecutionTask
from kdgap_sim.envs.horizon_task import HorizonTask
from kdgap_sim.envs.reversal import ReversalBandit

_REGISTRY: dict[str, Callable[..., Environment]] = {}


def register(env_id: str, factory: Callable[..., Environment], *, overwrite: bool = False) -> None:
    """Registers ``factory`` (a class or function returning an Environment) under ``env_id``.

    Raises:
      TypeError: ``env_id`` is not a string or ``factory`` is not callable.
      ValueError: ``env_id`` is already registered and ``overwrite`` is False.

    Example:
      >>> import kdgap_sim as kd
      >>> import functools
      >>> kd.envs.register("bandit-7", functools.partial(kd.envs.BernoulliBandit, n_arms=7), overwrite=True)
      >>> kd.envs.make("bandit-7").n_actions
      7
    """
    if not isinstance(env_id, str) or not env_id:
        raise TypeError(f"env_id must be a non-empty string, got {env_id!r}")
    if not callable(factory):
        raise TypeError(f"factory must be callable, got {factory!r}")
    if env_id in _REGISTRY and not overwrite:
        raise ValueError(f"environment {env_id!r} is already registered")
    _REGISTRY[env_id] = factory


def registered() -> tuple[str, ...]:
    """All registered environment IDs, sorted.

    Example:
      >>> import kdgap_sim as kd
      >>> "reversal-bandit" in kd.envs.registered()
      True
    """
    return tuple(sorted(_REGISTRY))


def make(env_id: str, **options) -> Environment:
    """Builds the environment registered as ``env_id`` with static ``options``.

    Example:
      >>> import kdgap_sim as kd
      >>> kd.envs.make("bernoulli-bandit", n_arms=10).n_actions
      10

    Raises:
      ValueError: unknown ``env_id`` or unknown option name.
    """
    if env_id not in _REGISTRY:
        raise ValueError(f"unknown environment {env_id!r}; registered: {list(registered())}")
    factory = _REGISTRY[env_id]
    signature = inspect.signature(factory)
    accepts_any = any(p.kind is p.VAR_KEYWORD for p in signature.parameters.values())
    if not accepts_any:
        unknown = sorted(set(options) - set(signature.parameters))
        if unknown:
            raise ValueError(
                f"unknown option(s) {unknown} for environment {env_id!r}; "
                f"allowed: {sorted(signature.parameters)}"
            )
    return factory(**options)


register("bernoulli-bandit", BernoulliBandit)
register("gaussian-bandit", GaussianBandit)
register("contextual-bandit", ContextualBandit)
register("protect-or-not", protect_or_not)
register("event-decision", EventDecision)
register("linear-contextual-bandit", LinearContextualBandit)
register("execution", ExecutionTask)
register("reversal-bandit", ReversalBandit)
register("horizon-task", HorizonTask)
