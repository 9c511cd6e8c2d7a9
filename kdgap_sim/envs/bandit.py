"""K-armed Bernoulli and Gaussian bandits, stationary or drifting.

Setting of Schmied et al. (2025), "LLMs are Greedy Agents", arXiv 2504.16078:
K in {5, 10, 20} arms; Bernoulli arms, or Gaussian arms with low, medium or
high noise. ``n_arms`` and ``drift`` are static; probabilities, means, noise
and drift scale are traced params, so a grid of them can be ``vmap``-ed.
"""

from __future__ import annotations

import dataclasses
import math
from typing import NamedTuple

import jax.numpy as jnp

from kdgap_sim import action_axis, threefry, validation
from kdgap_sim.envs.base import Environment
from kdgap_sim.params import Params, params_class
from kdgap_sim.types import Array, Feedback, PRNGKey


class BanditState(NamedTuple):
    """Current arm means (they move only when ``drift=True``) and the trial index.

    Example:
      >>> import jax, kdgap_sim as kd
      >>> env = kd.envs.BernoulliBandit(n_arms=2)
      >>> _, state = env.reset(jax.random.key(0), env.default_params())
      >>> state.means.tolist(), int(state.t)
      ([0.25, 0.75], 0)
    """

    means: Array
    t: Array


@params_class
class BernoulliBanditParams(Params):
    """Params of :class:`BernoulliBandit`.

    Attributes:
      probs: success probability of each arm, ``[n_arms]`` in [0, 1].
      drift_scale: standard deviation of the per-trial Gaussian random walk of
        each probability (used only when the bandit has ``drift=True``;
        probabilities are clipped to [0, 1]).

    Example:
      >>> import kdgap_sim as kd
      >>> kd.envs.BernoulliBandit(n_arms=2).default_params().probs.tolist()
      [0.25, 0.75]
    """

    probs: Array
    drift_scale: Array = 0.0
    domains = {"probs": "unit", "drift_scale": "nonnegative"}


@params_class
class GaussianBanditParams(Params):
    """Params of :class:`GaussianBandit`.

    Attributes:
      means: expected reward of each arm, ``[n_arms]``.
      noise: reward standard deviation (scalar, shared by all arms).
      drift_scale: standard deviation of the per-trial random walk of the means
        (used only when ``drift=True``).

    Example:
      >>> import kdgap_sim as kd
      >>> float(kd.envs.GaussianBandit().default_params().noise)
      1.0
    """

    means: Array
    noise: Array = 1.0
    drift_scale: Array = 0.0
    domains = {"means": "real", "noise": "nonnegative", "drift_scale": "nonnegative"}


def _check_n_arms(n_arms: int) -> None:
    validation.check_int("n_arms", n_arms, minimum=1)


@dataclasses.dataclass(frozen=True)
class _ArmedBandit(Environment):
    """What the two K-armed bandits share: ``n_arms`` actions, one state, optional drift."""

    n_arms: int = 5
    drift: bool = False

    def __post_init__(self) -> None:
        _check_n_arms(self.n_arms)
        validation.check_bool("drift", self.drift)

    @property
    def n_actions(self) -> int:
        return self.n_arms

    @property
    def used_params(self) -> tuple[str, ...]:
        names = super().used_params
        return names if self.drift else tuple(n for n in names if n != "drift_scale")

    @property
    def n_states(self) -> int:
        return 1


@dataclasses.dataclass(frozen=True)
class BernoulliBandit(_ArmedBandit):
    """K-armed bandit with rewards in {0, 1}: ``r_a ~ Bernoulli(p_a)``.

    Example:
      >>> import jax, kdgap_sim as kd
      >>> env = kd.envs.BernoulliBandit(n_arms=3)
      >>> obs, state = env.reset(jax.random.key(0), env.default_params())
      >>> env.expected_rewards(state, env.default_params()).shape
      (3,)
    """

    def reward_bounds(self, params=None) -> tuple[float, float]:
        return (0.0, 1.0)

    def default_params(self) -> BernoulliBanditParams:
        """Evenly spaced probabilities from 0.25 to 0.75 (best arm last)."""
        probs = jnp.linspace(0.25, 0.75, self.n_arms) if self.n_arms > 1 else jnp.array([0.5])
        return BernoulliBanditParams(probs=probs.astype(jnp.float32), drift_scale=jnp.float32(0.0))

    def validate_params(self, params, name: str = "env_params") -> None:
        super().validate_params(params, name)
        validation.check_shape(f"{name}.probs", params.probs, (self.n_arms,))
        validation.check_shape(f"{name}.drift_scale", params.drift_scale, ())

    def reset(self, key: PRNGKey, params: BernoulliBanditParams) -> tuple[Array, BanditState]:
        del key
        state = BanditState(means=jnp.asarray(params.probs, jnp.float32), t=jnp.int32(0))
        return jnp.int32(0), state

    def step(self, key, state: BanditState, action, params: BernoulliBanditParams):
        # Without drift the key is used for the outcomes alone (no split: one hash saved).
        k_outcome = threefry.fold_in(key, 0) if self.drift else key
        outcomes = (threefry.uniform(k_outcome, (self.n_arms,)) < state.means).astype(jnp.float32)
        reward = action_axis.entry(outcomes, action)
        means = state.means
        if self.drift:
            noise = threefry.normal(threefry.fold_in(key, 1), (self.n_arms,))
            means = jnp.clip(means + params.drift_scale * noise, 0.0, 1.0)
        return jnp.int32(0), BanditState(means=means, t=state.t + 1), Feedback(reward, outcomes)

    def expected_rewards(self, state: BanditState, params) -> Array:
        del params
        return state.means


@dataclasses.dataclass(frozen=True)
class GaussianBandit(_ArmedBandit):
    """K-armed bandit with Gaussian rewards: ``r_a ~ Normal(mu_a, noise**2)``.

    Schmied et al. (2025) use low, medium and high noise levels; pass them as
    ``noise`` in the params.

    Example:
      >>> import kdgap_sim as kd
      >>> env = kd.envs.make("gaussian-bandit", n_arms=3)
      >>> env.default_params().means.tolist()
      [0.0, 0.5, 1.0]
    """

    def reward_bounds(self, params=None) -> tuple[float, float]:
        return (-math.inf, math.inf)

    def default_params(self) -> GaussianBanditParams:
        """Means evenly spaced in [0, 1] (best arm last), noise 1."""
        means = jnp.linspace(0.0, 1.0, self.n_arms) if self.n_arms > 1 else jnp.array([0.0])
        return GaussianBanditParams(
            means=means.astype(jnp.float32), noise=jnp.float32(1.0), drift_scale=jnp.float32(0.0)
        )

    def validate_params(self, params, name: str = "env_params") -> None:
        super().validate_params(params, name)
        validation.check_shape(f"{name}.means", params.means, (self.n_arms,))
        validation.check_shape(f"{name}.noise", params.noise, ())
        validation.check_shape(f"{name}.drift_scale", params.drift_scale, ())

    def reset(self, key: PRNGKey, params: GaussianBanditParams) -> tuple[Array, BanditState]:
        del key
        return jnp.int32(0), BanditState(means=jnp.asarray(params.means, jnp.float32), t=jnp.int32(0))

    def step(self, key, state: BanditState, action, params: GaussianBanditParams):
        k_outcome = threefry.fold_in(key, 0) if self.drift else key
        outcomes = state.means + params.noise * threefry.normal(k_outcome, (self.n_arms,))
        reward = action_axis.entry(outcomes, action)
        means = state.means
        if self.drift:
            means = means + params.drift_scale * threefry.normal(threefry.fold_in(key, 1), (self.n_arms,))
        return jnp.int32(0), BanditState(means=means, t=state.t + 1), Feedback(reward, outcomes)

    def expected_rewards(self, state: BanditState, params) -> Array:
        del params
        return state.means
