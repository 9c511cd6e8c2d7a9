"""A Bernoulli bandit whose arm probabilities reverse every ``reversal_every`` trials.

The reversal environment of Lefebvre, Summerfield & Bogacz (2022), Neural
Computation 34(2):307: a two-armed bandit whose reward probabilities swap
during the run. For ``K`` arms the probability vector is reversed
(``p[::-1]``), which for two arms is the swap. The period is a traced param,
so a grid of periods can be ``vmap``-ed; ``reversal_every = (n_steps + 1) // 2``
gives exactly one reversal, in the middle of the run (``n_steps // 2`` would give
a second one at the last trial when ``n_steps`` is odd).
"""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp

from kdgap_sim import threefry, validation
from kdgap_sim.envs.bandit import BanditState
from kdgap_sim.envs.base import Environment
from kdgap_sim.params import Params, params_class
from kdgap_sim.types import Array, Feedback, PRNGKey


@params_class
class ReversalBanditParams(Params):
    """Params of :class:`ReversalBandit`.

    Attributes:
      probs: success probability of each arm before the first reversal, ``[n_arms]``.
      reversal_every: trials between reversals (a positive whole number); the
        probabilities reverse after trials ``r - 1, 2r - 1, ...`` (0-based), so
        trial ``t`` sees ``probs`` reversed ``t // r`` times.

    Example:
      >>> import kdgap_sim as kd
      >>> float(kd.envs.ReversalBandit().default_params().reversal_every)
      50.0
    """

    probs: Array
    reversal_every: Array = 50.0
    domains = {"probs": "unit", "reversal_every": "positive"}


@dataclasses.dataclass(frozen=True)
class ReversalBandit(Environment):
    """K-armed Bernoulli bandit whose probabilities reverse every ``reversal_every`` trials.

    Example:
      >>> import jax, jax.numpy as jnp, kdgap_sim as kd
      >>> env = kd.envs.make("reversal-bandit", n_arms=2)
      >>> params = env.default_params().replace(probs=jnp.array([0.2, 0.8]), reversal_every=1.0)
      >>> _, state = env.reset(jax.random.key(0), params)
      >>> _, state, _ = env.step(jax.random.key(1), state, 0, params)
      >>> env.expected_rewards(state, params).tolist()
      [0.800000011920929, 0.20000000298023224]
    """

    n_arms: int = 2

    def __post_init__(self) -> None:
        validation.check_int("n_arms", self.n_arms, minimum=1)

    @property
    def n_actions(self) -> int:
        return self.n_arms

    @property
    def n_states(self) -> int:
        return 1

    def reward_bounds(self, params=None) -> tuple[float, float]:
        return (0.0, 1.0)

    def default_params(self) -> ReversalBanditParams:
        """Probabilities evenly spaced from 0.25 to 0.75 (best arm last), reversal every 50 trials."""
        probs = jnp.linspace(0.25, 0.75, self.n_arms) if self.n_arms > 1 else jnp.array([0.5])
        return ReversalBanditParams(probs=probs.astype(jnp.float32), reversal_every=jnp.float32(50.0))

    def validate_params(self, params, name: str = "env_params") -> None:
        super().validate_params(params, name)
        validation.check_shape(f"{name}.probs", params.probs, (self.n_arms,))
        validation.check_shape(f"{name}.reversal_every", params.reversal_every, ())
        every = params.reversal_every
        if not validation.is_tracer(every) and float(every) != round(float(every)):
            raise ValueError(f"{name}.reversal_every must be a whole number of trials, got {float(every)}")

    def reset(self, key: PRNGKey, params: ReversalBanditParams) -> tuple[Array, BanditState]:
        del key
        return jnp.int32(0), BanditState(means=jnp.asarray(params.probs, jnp.float32), t=jnp.int32(0))

    def step(self, key, state: BanditState, action, params: ReversalBanditParams):
        outcomes = (threefry.uniform(key, (self.n_arms,)) < state.means).astype(jnp.float32)
        reward = jnp.sum(outcomes * jax.nn.one_hot(action, self.n_arms, dtype=jnp.float32))
        t = state.t + 1
        every = jnp.maximum(jnp.round(params.reversal_every), 1.0).astype(jnp.int32)
        means = jnp.where(t % every == 0, state.means[::-1], state.means)
        return jnp.int32(0), BanditState(means=means, t=t), Feedback(reward, outcomes)

    def expected_rewards(self, state: BanditState, params) -> Array:
        del params
        return state.means
