"""String IDs for environments: ``make("bernoulli-bandit", n_arms=5)`` and ``register``.

Configs and sweeps name environments by ID; every registered ID is exercised
by one smoke test (``tests/envs/test_registry.py``).
"""

from __future__ import annotations

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
from kdgap_sim.envs.token_stream import TokenStream
from kdgap_sim.registry import Registry

_REGISTRY = Registry("environment")


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
    _REGISTRY.register(env_id, factory, overwrite=overwrite)


def registered() -> tuple[str, ...]:
    """All registered environment IDs, sorted.

    Example:
      >>> import kdgap_sim as kd
      >>> "reversal-bandit" in kd.envs.registered()
      True
    """
    return _REGISTRY.names()


def make(env_id: str, **options) -> Environment:
    """Builds the environment registered as ``env_id`` with static ``options``.

    Example:
      >>> import kdgap_sim as kd
      >>> kd.envs.make("bernoulli-bandit", n_arms=10).n_actions
      10

    Raises:
      ValueError: unknown ``env_id`` or unknown option name.
    """
    return _REGISTRY.build(env_id, options)


register("bernoulli-bandit", BernoulliBandit)
register("gaussian-bandit", GaussianBandit)
register("contextual-bandit", ContextualBandit)
register("protect-or-not", protect_or_not)
register("event-decision", EventDecision)
register("linear-contextual-bandit", LinearContextualBandit)
register("execution", ExecutionTask)
register("reversal-bandit", ReversalBandit)
register("horizon-task", HorizonTask)
register("token-stream", TokenStream)
