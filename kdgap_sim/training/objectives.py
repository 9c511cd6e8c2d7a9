"""Policy-gradient objectives of RLFT: returns-to-go, baselines, REINFORCE and PPO-clip + KL.

See :mod:`kdgap_sim.training.setting` for the setting. Functions take a batch of
:class:`~kdgap_sim.training.setting.Transitions` with leading axes
``[n_envs, n_steps]``.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from kdgap_sim import validation
from kdgap_sim.training.policy import PolicyParams, output_log_probs
from kdgap_sim.types import Array


def returns_to_go(rewards: Array, discount: float) -> Array:
    """:math:`G_t = \\sum_{s \\ge t} \\gamma^{s-t} r_s` along the last axis (``discount`` in [0, 1]).

    Example:
      >>> import jax.numpy as jnp
      >>> from kdgap_sim import training
      >>> training.returns_to_go(jnp.array([1.0, 1.0, 1.0]), 0.5).tolist()
      [1.75, 1.5, 1.0]
    """
    if np.ndim(rewards) < 1:
        raise ValueError(f"rewards must have at least one axis (time last), got shape {np.shape(rewards)}")
    validation.check_in_domain("rewards", rewards, "real")
    validation.check_in_domain("discount", discount, "unit")
    rewards = jnp.asarray(rewards, jnp.float32)

    def back(acc, r):
        acc = r + discount * acc
        return acc, acc

    _, out = jax.lax.scan(back, jnp.zeros(rewards.shape[:-1]), jnp.moveaxis(rewards, -1, 0), reverse=True)
    return jnp.moveaxis(out, 0, -1)


def advantages(shaped_rewards: Array, discount: float, normalize: bool) -> Array:
    """Returns-to-go minus the leave-one-out mean over environments, ``[n_envs, n_steps]``.

    The baseline of environment ``e`` is the mean return-to-go of the *other*
    environments, so ``shaped_rewards`` must be ``[n_envs, n_steps]`` with
    ``n_envs >= 2`` (ValueError otherwise); ``normalize`` must be a bool.

    Example:
      >>> import jax.numpy as jnp
      >>> from kdgap_sim import training
      >>> rewards = jnp.array([[1.0, 0.0], [0.0, 0.0]])
      >>> training.advantages(rewards, 1.0, normalize=False).tolist()
      [[1.0, 0.0], [-1.0, 0.0]]
    """
    shape = np.shape(shaped_rewards)
    if len(shape) != 2 or shape[0] < 2:
        raise ValueError(
            f"shaped_rewards must have shape [n_envs, n_steps] with n_envs >= 2 "
            f"(leave-one-out baseline), got {shape}"
        )
    if not isinstance(normalize, (bool, np.bool_)):
        raise TypeError(f"normalize must be a bool, got {normalize!r}")
    g = returns_to_go(shaped_rewards, discount)
    n = g.shape[0]
    baseline = (jnp.sum(g, axis=0, keepdims=True) - g) / (n - 1)
    adv = g - baseline
    if normalize:
        adv = adv / (jnp.std(adv) + 1e-8)
    return adv


def _all_log_probs(params: PolicyParams, batch: Any) -> Array:
    fn = jax.vmap(jax.vmap(output_log_probs, in_axes=(None, 0, 0, 0)), in_axes=(None, 0, 0, 0))
    return fn(params, batch.gate, batch.features, batch.rationale_action)


def loss_fn(
    params: PolicyParams, batch: Any, adv: Array, ref_log_probs: Array, config: Any
) -> tuple[Array, Array]:
    """The REINFORCE or PPO-clip loss plus KL and entropy terms; returns ``(loss, kl)``.

    Example:
      >>> import jax, jax.numpy as jnp, kdgap_sim as kd
      >>> from kdgap_sim import training
      >>> from kdgap_sim.training.policy import output_log_probs
      >>> reference = kd.agents.RationaleFollowing(fallback=kd.agents.FrequencyBiased())
      >>> actor, params = training.from_reference(reference, reference.default_params())
      >>> config = training.RLFTConfig(n_arms=3, n_steps=5, n_envs=4)
      >>> probs = training.sample_bandit_probs(jax.random.key(1), 4, 3, 0.1, 0.9)
      >>> episode = jax.vmap(training.run_episode, in_axes=(0, 0, None, None, None))
      >>> batch = episode(jax.random.split(jax.random.key(0), 4), probs, params, actor, config)
      >>> per_step = jax.vmap(jax.vmap(output_log_probs, in_axes=(None, 0, 0, 0)),
      ...                     in_axes=(None, 0, 0, 0))
      >>> ref = per_step(params, batch.gate, batch.features, batch.rationale_action)
      >>> adv = training.advantages(batch.shaped_reward, 1.0, normalize=True)
      >>> loss, kl = training.loss_fn(params, batch, adv, ref, config)
      >>> abs(float(kl)) < 1e-5  # the policy is still the reference
      True
    """
    all_log_probs = _all_log_probs(params, batch)
    log_prob = jnp.take_along_axis(all_log_probs, batch.output[..., None], axis=-1)[..., 0]
    probs = jnp.exp(all_log_probs)
    kl = jnp.mean(jnp.sum(probs * (all_log_probs - ref_log_probs), axis=-1))
    entropy = jnp.mean(-jnp.sum(probs * all_log_probs, axis=-1))
    if config.algorithm == "reinforce":
        policy_loss = -jnp.mean(log_prob * adv)
    else:
        ratio = jnp.exp(log_prob - batch.log_prob)
        clipped = jnp.clip(ratio, 1.0 - config.clip_eps, 1.0 + config.clip_eps)
        policy_loss = -jnp.mean(jnp.minimum(ratio * adv, clipped * adv))
    return policy_loss + config.kl_coef * kl - config.entropy_coef * entropy, kl
