"""Executors whose per-step error probability depends on their own context.

Sinha et al. (2025), arXiv 2509.09677, section "self-conditioning":
``eps_t = clip(eps_0 + gamma * f_t, 0, 1)`` with ``f_t`` the fraction of
erroneous outputs among the executor's last ``W`` outputs (a ring buffer: O(W)
memory whatever the horizon). A *thinking* executor keeps its past outputs out
of the decision: ``eps_t = eps_0``.
"""

from __future__ import annotations

import dataclasses
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

from kdgap_sim import validation
from kdgap_sim.envs.execution import ExecutionObs
from kdgap_sim.params import Params, params_class
from kdgap_sim.types import Array, PRNGKey


@params_class
class ExecutorParams(Params):
    """Error model of an executor.

    Attributes:
      eps0: error probability with a clean context, in [0, 1].
      gamma: self-conditioning strength: extra error probability per unit
        fraction of erroneous outputs in the context (may be negative).

    Example:
      >>> import kdgap_sim as kd
      >>> params = kd.horizon.ExecutorParams(eps0=0.05, gamma=0.5)
      >>> params.validate()
      >>> params.replace(gamma=-0.1).gamma
      -0.1
    """

    eps0: Array = 0.01
    gamma: Array = 0.0
    domains = {"eps0": "unit", "gamma": "real"}


class ExecutorState(NamedTuple):
    """The executor's context: which of its last ``W`` outputs were wrong.

    Attributes:
      errors: ring buffer ``[W]`` of bools (False in empty slots).
      position: next slot to overwrite.
      filled: outputs in the context, ``min(t, W)``.
      n_errors: erroneous outputs in the context.

    Example:
      >>> import kdgap_sim as kd
      >>> ex = kd.horizon.SelfConditioningExecutor(window=3)
      >>> state = ex.observe(ex.observe(ex.init(), True), False)
      >>> state.errors.tolist(), int(state.filled), int(state.n_errors)
      ([True, False, False], 2, 1)
    """

    errors: Array
    position: Array
    filled: Array
    n_errors: Array


@dataclasses.dataclass(frozen=True)
class SelfConditioningExecutor:
    """Executor whose error probability rises with the errors in its own context.

    Args:
      window: W, the number of its own past outputs in its context.
      thinking: if True the decision ignores the context (``eps_t = eps_0``).
      max_offset: a wrong output is off by a uniform non-zero integer in
        ``[-max_offset, max_offset]``.

    Example:
      >>> import jax, kdgap_sim as kd
      >>> ex = kd.horizon.SelfConditioningExecutor(window=4)
      >>> state = ex.observe(ex.init(), True)
      >>> round(float(ex.error_probability(state, kd.horizon.ExecutorParams(eps0=0.1, gamma=0.5))), 6)
      0.6
    """

    window: int = 100
    thinking: bool = False
    max_offset: int = 9

    def __post_init__(self) -> None:
        validation.check_int("window", self.window, minimum=1)
        validation.check_int("max_offset", self.max_offset, minimum=1)
        if not isinstance(self.thinking, bool):
            raise TypeError(f"thinking must be a bool, got {self.thinking!r}")

    def default_params(self) -> ExecutorParams:
        return ExecutorParams(eps0=jnp.float32(0.01), gamma=jnp.float32(0.0))

    def validate_params(self, params: Any, name: str = "executor_params") -> None:
        if not isinstance(params, ExecutorParams):
            raise TypeError(f"{name} must be ExecutorParams, got {type(params).__name__}")
        params.validate(name)

    def init(self) -> ExecutorState:
        return ExecutorState(
            errors=jnp.zeros((self.window,), jnp.bool_), position=jnp.int32(0),
            filled=jnp.int32(0), n_errors=jnp.int32(0),
        )

    def context_error_fraction(self, state: ExecutorState) -> Array:
        """``f_t``: erroneous outputs over outputs in the context (0 when empty)."""
        return state.n_errors.astype(jnp.float32) / jnp.maximum(state.filled, 1).astype(jnp.float32)

    def error_probability(self, state: ExecutorState, params: ExecutorParams) -> Array:
        """``eps_t = clip(eps_0 + gamma * f_t, 0, 1)``; ``eps_0`` when thinking."""
        eps0 = jnp.asarray(params.eps0, jnp.float32)
        if self.thinking:
            return jnp.clip(eps0, 0.0, 1.0)
        return jnp.clip(eps0 + params.gamma * self.context_error_fraction(state), 0.0, 1.0)

    @staticmethod
    def error_threshold(eps: Array) -> Array:
        """The uint32 ``t`` such that a uniform 32-bit word ``w`` errs when ``w < t``.

        ``t = round(eps * 2**32)`` for ``eps`` in [0, 1) (``eps * 2**32`` is exact
        in float32: a power-of-two scaling), so ``P(error) = t / 2**32``, within
        ``2**-33`` of ``eps`` and exactly ``eps`` when it is a multiple of
        ``2**-32`` (every float32 ``eps >= 2**-9``). ``eps >= 1`` gives 0 here
        and always errs in :meth:`act`; ``eps = 0`` (or NaN) never errs.

        Example:
          >>> import kdgap_sim as kd
          >>> ex = kd.horizon.SelfConditioningExecutor
          >>> [int(ex.error_threshold(e)) for e in (0.0, 2.0**-26, 0.25)]
          [0, 64, 1073741824]
        """
        eps = jnp.asarray(eps, jnp.float32)
        scaled = jnp.where(eps < 1, jnp.round(eps * jnp.float32(2.0**32)), 0.0)
        return jnp.where(eps > 0, scaled, 0.0).astype(jnp.uint32)

    def _offset(self, word: Array) -> Array:
        # Sign from the lowest bit, size from the rest: uniform on the non-zero integers
        # of [-max_offset, max_offset] up to a modulo bias below max_offset / 2**31.
        size = 1 + ((word >> 1) % jnp.uint32(self.max_offset)).astype(jnp.int32)
        return jnp.where((word & 1) == 1, size, -size)

    def wrong_output(self, key: PRNGKey, target: Array) -> Array:
        """``target`` plus a uniform non-zero offset in ``[-max_offset, max_offset]``.

        Uses the same random word as :meth:`act` does for its offset.
        """
        return target + self._offset(jax.random.bits(key, (2,), jnp.uint32)[1])

    def act(
        self, key: PRNGKey, state: ExecutorState, obs: ExecutionObs, previous_output: Array,
        params: ExecutorParams,
    ) -> tuple[Array, Array]:
        """Returns ``(output, erroneous)``: the updated sum, wrong with probability ``eps_t``.

        Draws two words of random bits (one for the error, one for the offset),
        the least randomness per step, since long horizons are dominated by it.
        The step errs when the whole first word is below
        :meth:`error_threshold` ``(eps_t)`` (or ``eps_t >= 1``): ``P(error)`` is
        ``eps_t`` to within ``2**-33``. (Comparing a 24-bit uniform with
        ``eps_t`` would round it up to a multiple of ``2**-24``: 4x at ``2**-26``.)
        """
        bits = jax.random.bits(key, (2,), jnp.uint32)
        eps = self.error_probability(state, params)
        target = previous_output + jnp.sum(obs.values)
        erroneous = (eps >= 1) | (bits[0] < self.error_threshold(eps))
        output = jnp.where(erroneous, target + self._offset(bits[1]), target)
        return output, erroneous

    def observe(self, state: ExecutorState, erroneous: Array) -> ExecutorState:
        """Appends an output (wrong or not) to the context, evicting the oldest."""
        erroneous = jnp.asarray(erroneous, jnp.bool_)
        evicted = state.errors[state.position]
        n_errors = state.n_errors + erroneous.astype(jnp.int32) - evicted.astype(jnp.int32)
        return ExecutorState(
            errors=state.errors.at[state.position].set(erroneous),
            position=(state.position + 1) % self.window,
            filled=jnp.minimum(state.filled + 1, self.window),
            n_errors=n_errors,
        )
