"""RL fine-tuning (RLFT) of an actor on bandits: REINFORCE with a baseline, PPO-clip + KL.

Setting of Schmied et al. (2025), "LLMs are Greedy Agents: Effects of RL
Fine-tuning on Decision-Making Abilities", arXiv 2504.16078: an agent whose
predictor writes a correct UCB1 rationale but whose actor is greedy, copies
the frequent actions of its context and follows the rationale rarely is
fine-tuned with a PPO-style clipped objective and a KL penalty to the
reference (pre-fine-tuning) policy, with a penalty for invalid outputs and an
optional bonus for untried actions.

Each update: ``n_envs`` Bernoulli bandits with i.i.d. ``Uniform(prob_low,
prob_high)`` arm probabilities are drawn, one episode of ``n_steps`` trials is
run in each (a ``lax.scan``, ``vmap``-ed over environments), and the policy is
updated with optax. The shaped reward of trial ``t`` is

.. math:: \\tilde r_t = r_t + b\\,\\mathbb{1}[\\text{valid}]\\,\\mathbb{1}[a_t \\text{ untried}]
   - c\\,\\mathbb{1}[\\text{invalid}]
   + \\lambda\\,\\mathbb{1}[\\text{valid}]\\,\\mathbb{1}[a_t = a^{\\text{rat}}_t]

(exploration bonus ``b``, invalid penalty ``c``, rationale-consistency reward
``lambda``; the bonus ``b`` and the consistency reward ``lambda`` count only
valid outputs, while an invalid output is played as a uniformly random arm
``a_t`` that still earns ``r_t`` and is marked as tried). Advantages are
returns-to-go minus a leave-one-out baseline (the mean return-to-go of the
*other* environments at the same trial, which keeps the estimator unbiased),
optionally normalised. Losses, with :math:`\\rho = \\pi_\\theta/\\pi_{\\text{old}}`
and the exact per-state :math:`\\mathrm{KL}(\\pi_\\theta \\| \\pi_{\\text{ref}})`:

- REINFORCE: :math:`-\\hat E[\\log\\pi_\\theta(o_t) A_t] + \\beta_{KL}\\,\\mathrm{KL}`
  (Williams 1992, Machine Learning 8:229), one gradient step per batch;
- PPO-clip: :math:`-\\hat E[\\min(\\rho A, \\mathrm{clip}(\\rho, 1\\pm\\epsilon) A)]
  + \\beta_{KL}\\,\\mathrm{KL}` (Schulman et al. 2017, arXiv 1707.06347),
  ``ppo_epochs`` full-batch steps per batch.

Update ``i`` draws everything from ``fold_in(key, i)``; with checkpoints this
makes a resumed run identical to an uninterrupted one.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from kdgap_sim import validation
from kdgap_sim.agents.actors import Actor
from kdgap_sim.training import checkpoint
from kdgap_sim.training.objectives import _all_log_probs, advantages, loss_fn
from kdgap_sim.training.policy import LearnedActor, PolicyParams, from_reference
from kdgap_sim.training.setting import (  # noqa: F401 - re-exported: the run's setting
    ALGORITHMS,
    RLFTConfig,
    Transitions,
    predictor_params_of,
    run_episode,
    sample_bandit_probs,
)
from kdgap_sim.types import Array, PRNGKey

METRICS = ("loss", "kl", "return", "shaped_return", "follow", "coverage", "regret", "invalid")


class TrainState(NamedTuple):
    """Policy params, optimiser state and the number of updates done.

    Example:
      >>> import jax.numpy as jnp, optax, kdgap_sim as kd
      >>> from kdgap_sim import training
      >>> reference = kd.agents.RationaleFollowing(fallback=kd.agents.FrequencyBiased())
      >>> _, params = training.from_reference(reference, reference.default_params())
      >>> state = training.TrainState(params, optax.adam(0.1).init(params), jnp.int32(0))
      >>> int(state.step)
      0
    """

    params: PolicyParams
    opt_state: Any
    step: Array


class RLFTResult(NamedTuple):
    """Outcome of :func:`train`: the fine-tuned actor and its params, the reference, the log.

    Example:
      >>> import jax, kdgap_sim as kd
      >>> from kdgap_sim import training
      >>> reference = kd.agents.RationaleFollowing(fallback=kd.agents.FrequencyBiased())
      >>> config = training.RLFTConfig(n_arms=3, n_steps=5, n_envs=4, n_updates=2)
      >>> result = training.train(jax.random.key(0), config, reference, reference.default_params())
      >>> type(result.actor).__name__, result.config.n_updates, sorted(result.history)[:3]
      ('LearnedActor', 2, ['coverage', 'follow', 'invalid'])
    """

    actor: LearnedActor
    params: PolicyParams
    reference_params: PolicyParams
    history: dict[str, np.ndarray]
    config: RLFTConfig


def _optimizer(config: RLFTConfig) -> optax.GradientTransformation:
    return optax.adam(config.learning_rate)


@functools.partial(jax.jit, static_argnames=("actor", "config"))
def update_step(
    key: PRNGKey, state: TrainState, reference: PolicyParams, *, actor: LearnedActor, config: RLFTConfig
) -> tuple[TrainState, dict[str, Array]]:
    """One update from ``fold_in(key, state.step)``: collect a batch, take the gradient step(s).

    Example:
      >>> import jax, jax.numpy as jnp, optax, kdgap_sim as kd
      >>> from kdgap_sim import training
      >>> reference = kd.agents.RationaleFollowing(fallback=kd.agents.FrequencyBiased())
      >>> actor, params = training.from_reference(reference, reference.default_params())
      >>> config = training.RLFTConfig(n_arms=3, n_steps=5, n_envs=4, n_updates=0)
      >>> state = training.TrainState(params, optax.adam(config.learning_rate).init(params), jnp.int32(0))
      >>> state, metrics = training.update_step(jax.random.key(0), state, params, actor=actor, config=config)
      >>> int(state.step), sorted(metrics)[:3]
      (1, ['coverage', 'follow', 'invalid'])
    """
    k = jax.random.fold_in(key, state.step)
    k_probs, k_episodes = jax.random.split(k)
    probs = sample_bandit_probs(k_probs, config.n_envs, config.n_arms, config.prob_low, config.prob_high)
    keys = jax.random.split(k_episodes, config.n_envs)
    batch = jax.vmap(run_episode, in_axes=(0, 0, None, None, None))(
        keys, probs, state.params, actor, config
    )
    adv = advantages(batch.shaped_reward, config.discount, config.normalize_advantages)
    ref_log_probs = _all_log_probs(reference, batch)
    optimizer = _optimizer(config)
    grad_fn = jax.value_and_grad(loss_fn, has_aux=True)
    n_epochs = 1 if config.algorithm == "reinforce" else config.ppo_epochs

    def epoch(carry, _):
        params, opt_state = carry
        (loss, kl), grads = grad_fn(params, batch, adv, ref_log_probs, config)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return (optax.apply_updates(params, updates), opt_state), (loss, kl)

    (params, opt_state), (losses, kls) = jax.lax.scan(
        epoch, (state.params, state.opt_state), None, length=n_epochs
    )
    metrics = {
        "loss": losses[0],
        "kl": kls[0],
        "return": jnp.mean(jnp.sum(batch.reward, axis=-1)),
        "shaped_return": jnp.mean(jnp.sum(batch.shaped_reward, axis=-1)),
        "follow": jnp.mean(batch.follow.astype(jnp.float32)),
        "coverage": jnp.mean(batch.coverage[:, -1]),
        "regret": jnp.mean(jnp.sum(batch.regret, axis=-1)),
        "invalid": jnp.mean(batch.invalid.astype(jnp.float32)),
    }
    return TrainState(params, opt_state, state.step + 1), metrics


def _config_record(config: RLFTConfig) -> dict[str, Any]:
    record = dataclasses.asdict(config)
    record.pop("n_updates")  # a run may be resumed with more updates
    return record


def _as_lists(tree: Any) -> list:
    return [np.asarray(leaf).tolist() for leaf in jax.tree_util.tree_leaves(tree)]


def train(
    key: PRNGKey,
    config: RLFTConfig,
    reference_actor: Actor,
    reference_params: Any,
    *,
    invalid_prob: float = 0.0,
    hidden: int = 0,
    checkpoint_dir: str | None = None,
    checkpoint_every: int = 10,
    resume: bool = True,
) -> RLFTResult:
    """Fine-tunes a :class:`LearnedActor` initialised at ``reference_actor``.

    Args:
      key: root key; update ``i`` uses ``fold_in(key, i)``.
      config: an :class:`RLFTConfig`.
      reference_actor, reference_params: the pre-fine-tuning actor (see
        :func:`~kdgap_sim.training.from_reference` for the supported ones).
      invalid_prob: the reference's rate of invalid outputs.
      hidden: MLP width of the learned policy (0: log-linear).
      checkpoint_dir: if given, the train state and the log are saved there
        every ``checkpoint_every`` updates and at the end.
      resume: continue from the latest checkpoint in ``checkpoint_dir``.

    Returns:
      An :class:`RLFTResult`; ``history[name]`` has one value per update for
      every name in :data:`METRICS`.

    Raises:
      ValueError: bad arguments, or a checkpoint made with another config or reference.

    Example:
      >>> import jax, kdgap_sim as kd
      >>> from kdgap_sim import training
      >>> reference = kd.agents.RationaleFollowing(fallback=kd.agents.FrequencyBiased())
      >>> config = training.RLFTConfig(n_arms=3, n_steps=5, n_envs=4, n_updates=2)
      >>> result = training.train(jax.random.key(0), config, reference, reference.default_params())
      >>> result.history["follow"].shape
      (2,)
    """
    validation.check_key(key)
    if not isinstance(config, RLFTConfig):
        raise TypeError(f"config must be an RLFTConfig, got {type(config).__name__}")
    validation.check_int("checkpoint_every", checkpoint_every, minimum=1)
    actor, reference = from_reference(
        reference_actor, reference_params, invalid_prob=invalid_prob, hidden=hidden,
        key=jax.random.fold_in(key, 2**31 - 1),
    )
    state = TrainState(reference, _optimizer(config).init(reference), jnp.int32(0))
    history: dict[str, list[float]] = {name: [] for name in METRICS}
    metadata = {"config": _config_record(config), "reference": _as_lists(reference), "hidden": hidden}
    if checkpoint_dir is not None and resume and (path := checkpoint.latest(checkpoint_dir)):
        state, saved = checkpoint.restore(path, state)
        for field in ("config", "reference", "hidden"):
            if saved.get(field) != metadata[field]:
                raise ValueError(
                    f"checkpoint {str(path)!r} was made with a different {field}; "
                    "use another checkpoint_dir or resume=False"
                )
        history = {name: list(saved["history"][name]) for name in METRICS}
    start = int(state.step)
    step_config = dataclasses.replace(config, n_updates=0)  # one compilation whatever n_updates is
    for i in range(start, config.n_updates):
        state, metrics = update_step(key, state, reference, actor=actor, config=step_config)
        for name in METRICS:
            history[name].append(float(metrics[name]))
        done = i + 1
        if checkpoint_dir is not None and (done % checkpoint_every == 0 or done == config.n_updates):
            checkpoint.save(
                checkpoint.checkpoint_path(checkpoint_dir, done), state,
                {**metadata, "history": history, "step": done},
            )
    return RLFTResult(
        actor=actor,
        params=state.params,
        reference_params=reference,
        history={name: np.asarray(values) for name, values in history.items()},
        config=config,
    )
