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

.. math:: \\tilde r_t = r_t + b\\,\\mathbb{1}[a_t \\text{ untried}]
   - c\\,\\mathbb{1}[\\text{invalid}] + \\lambda\\,\\mathbb{1}[a_t = a^{\\text{rat}}_t]

(exploration bonus ``b``, invalid penalty ``c``, rationale-consistency reward
``lambda``; the last two terms count only valid outputs). Advantages are
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
from kdgap_sim.agents.predictors import UCB, UCBParams
from kdgap_sim.envs.bandit import BernoulliBandit, BernoulliBanditParams
from kdgap_sim.training import checkpoint
from kdgap_sim.training.objectives import _all_log_probs, advantages, loss_fn
from kdgap_sim.training.policy import (
    LearnedActor,
    PolicyParams,
    action_features,
    from_reference,
    gate_features,
    output_log_probs,
)
from kdgap_sim.types import Array, PRNGKey

ALGORITHMS = ("reinforce", "ppo")
METRICS = ("loss", "kl", "return", "shaped_return", "follow", "coverage", "regret", "invalid")


def _check_prob_range(low_name: str, low: Any, high_name: str, high: Any) -> None:
    """Both in [0, 1] (not NaN) and ``low <= high``; tracers are skipped."""
    validation.check_in_domain(low_name, low, "unit")
    validation.check_in_domain(high_name, high, "unit")
    if not (validation.is_tracer(low) or validation.is_tracer(high)) and np.any(
        np.asarray(low) > np.asarray(high)
    ):
        raise ValueError(f"{low_name} must be <= {high_name}, got {low!r} > {high!r}")


@dataclasses.dataclass(frozen=True)
class RLFTConfig:
    """Static options of a fine-tuning run (validated when built).

    Attributes:
      algorithm: ``"ppo"`` (clipped objective) or ``"reinforce"``.
      n_arms, n_steps: bandit size and episode length.
      n_envs: environments (episodes) per update, at least 2.
      n_updates: number of updates.
      learning_rate: Adam step size.
      ppo_epochs, clip_eps: PPO's gradient steps per batch and clip range.
      kl_coef: weight of KL(policy || reference).
      entropy_coef: weight of an entropy bonus (0: none).
      exploration_bonus: reward for taking an action never tried in the episode.
      invalid_penalty: penalty for an invalid output.
      consistency_reward: reward for an action equal to the rationale's.
      discount: discount of the returns-to-go.
      normalize_advantages: divide advantages by their batch standard deviation.
      prob_low, prob_high: the training bandits' arm probabilities are
        i.i.d. ``Uniform(prob_low, prob_high)``.
      ucb_exploration: ``c`` of the UCB predictor that writes the rationale.
        The default 0.2 is UCB tuned to 50-trial episodes: UCB1 (``c = 1``)
        over-explores at this horizon (10 arms, 50 trials: regret 14.8 when
        followed always vs 12.4 for greedy), so following it would not pay.
      belief_prior: the predictor's belief about an untried arm (``q0``); 0
        makes acting greedily on beliefs commit to the first arm that pays.

    Example:
      >>> from kdgap_sim import training
      >>> config = training.RLFTConfig(algorithm="reinforce", n_arms=3, n_envs=8)
      >>> config.n_steps, config.kl_coef
      (50, 0.01)
      >>> training.RLFTConfig(n_envs=1)
      Traceback (most recent call last):
      ...
      ValueError: n_envs must be ...
    """

    algorithm: str = "ppo"
    n_arms: int = 10
    n_steps: int = 50
    n_envs: int = 64
    n_updates: int = 60
    learning_rate: float = 0.1
    ppo_epochs: int = 4
    clip_eps: float = 0.2
    kl_coef: float = 0.01
    entropy_coef: float = 0.0
    exploration_bonus: float = 0.1
    invalid_penalty: float = 1.0
    consistency_reward: float = 0.0
    discount: float = 1.0
    normalize_advantages: bool = True
    prob_low: float = 0.05
    prob_high: float = 0.95
    ucb_exploration: float = 0.2
    belief_prior: float = 0.0

    def __post_init__(self) -> None:
        validation.check_choice("algorithm", self.algorithm, ALGORITHMS)
        validation.check_int("n_arms", self.n_arms, minimum=2)
        validation.check_int("n_steps", self.n_steps, minimum=1)
        validation.check_int("n_envs", self.n_envs, minimum=2)
        validation.check_int("n_updates", self.n_updates, minimum=0)
        validation.check_int("ppo_epochs", self.ppo_epochs, minimum=1)
        for name in ("learning_rate", "clip_eps"):
            validation.check_in_domain(name, getattr(self, name), "positive")
        for name in ("kl_coef", "entropy_coef", "exploration_bonus", "invalid_penalty",
                     "consistency_reward"):
            validation.check_in_domain(name, getattr(self, name), "nonnegative")
        validation.check_in_domain("discount", self.discount, "unit")
        validation.check_in_domain("ucb_exploration", self.ucb_exploration, "nonnegative")
        validation.check_in_domain("belief_prior", self.belief_prior, "real")
        _check_prob_range("prob_low", self.prob_low, "prob_high", self.prob_high)
        if not isinstance(self.normalize_advantages, (bool, np.bool_)):
            raise TypeError(f"normalize_advantages must be a bool, got {self.normalize_advantages!r}")


class Transitions(NamedTuple):
    """What one episode records per trial (leading axis: time)."""

    gate: Array
    features: Array
    rationale_action: Array
    output: Array
    log_prob: Array
    reward: Array
    shaped_reward: Array
    regret: Array
    follow: Array
    invalid: Array
    coverage: Array


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


def predictor_params_of(config: RLFTConfig) -> UCBParams:
    """Params of the UCB predictor that writes the rationale.

    Example:
      >>> from kdgap_sim import training
      >>> params = training.predictor_params_of(training.RLFTConfig(ucb_exploration=0.5))
      >>> float(params.exploration), float(params.q0)
      (0.5, 0.0)
    """
    return UCBParams(exploration=jnp.float32(config.ucb_exploration), q0=jnp.float32(config.belief_prior))


def sample_bandit_probs(key: PRNGKey, n_envs: int, n_arms: int, low: float, high: float) -> Array:
    """Arm probabilities ``[n_envs, n_arms]``, i.i.d. ``Uniform(low, high)``, ``0 <= low <= high <= 1``.

    Example:
      >>> import jax
      >>> from kdgap_sim import training
      >>> probs = training.sample_bandit_probs(jax.random.key(0), 4, 3, 0.2, 0.8)
      >>> probs.shape, bool(((probs >= 0.2) & (probs <= 0.8)).all())
      ((4, 3), True)
    """
    validation.check_key(key)
    validation.check_int("n_envs", n_envs, minimum=1)
    validation.check_int("n_arms", n_arms, minimum=1)
    _check_prob_range("low", low, "high", high)
    return jax.random.uniform(key, (n_envs, n_arms), minval=low, maxval=high)


def run_episode(
    key: PRNGKey, probs: Array, params: PolicyParams, actor: LearnedActor, config: RLFTConfig
) -> Transitions:
    """One episode of the UCB-rationale agent with the learnable actor (unbatched).

    ``probs`` are the ``config.n_arms`` arm probabilities, in [0, 1]; concrete
    arguments are checked eagerly, traced ones (under ``jit``/``vmap``) for shape only.

    Example:
      >>> import jax, jax.numpy as jnp, kdgap_sim as kd
      >>> from kdgap_sim import training
      >>> reference = kd.agents.RationaleFollowing(fallback=kd.agents.FrequencyBiased())
      >>> actor, params = training.from_reference(reference, reference.default_params())
      >>> config = training.RLFTConfig(n_arms=3, n_steps=5)
      >>> episode = training.run_episode(jax.random.key(0), jnp.array([0.2, 0.5, 0.8]),
      ...                                params, actor, config)
      >>> episode.reward.shape, float(episode.coverage[-1])  # UCB's rationale tries every arm
      ((5,), 1.0)
    """
    validation.check_key(key)
    if not isinstance(config, RLFTConfig):
        raise TypeError(f"config must be an RLFTConfig, got {type(config).__name__}")
    if not isinstance(actor, LearnedActor):
        raise TypeError(f"actor must be a LearnedActor, got {type(actor).__name__}")
    actor.validate_params(params, "params")
    validation.check_shape("probs", probs, (config.n_arms,))
    validation.check_in_domain("probs", probs, "unit")
    probs = jnp.asarray(probs, jnp.float32)
    env, predictor = BernoulliBandit(n_arms=config.n_arms), UCB()
    env_params = BernoulliBanditParams(probs=probs, drift_scale=jnp.float32(0.0))
    predictor_params = predictor_params_of(config)
    n = config.n_arms
    _, env_state = env.reset(key, env_params)
    carry = (env_state, predictor.init(n, predictor_params), actor.init(n), jnp.zeros((n,), bool))

    def trial(carry, t):
        env_state, belief_state, history, tried = carry
        k_rationale, k_output, k_random, k_env = jax.random.split(jax.random.fold_in(key, t), 4)
        beliefs = predictor.beliefs(belief_state, 0, predictor_params)
        rationale = predictor.recommend(k_rationale, belief_state, 0, predictor_params)
        gate = gate_features(history, rationale)
        features = action_features(history, beliefs, rationale)
        log_probs = output_log_probs(params, gate, features, rationale.action)
        output = jax.random.categorical(k_output, log_probs).astype(jnp.int32)
        invalid = output == n
        action = jnp.where(invalid, jax.random.randint(k_random, (), 0, n), output).astype(jnp.int32)
        expected = env.expected_rewards(env_state, env_params)
        regret = jnp.max(expected) - expected[action]
        _, env_state, feedback = env.step(k_env, env_state, action, env_params)
        valid = (~invalid).astype(jnp.float32)
        follow = action == rationale.action
        shaped = (
            feedback.reward
            + config.exploration_bonus * valid * (~tried[action]).astype(jnp.float32)
            - config.invalid_penalty * (1.0 - valid)
            + config.consistency_reward * valid * follow.astype(jnp.float32)
        )
        tried = tried.at[action].set(True)
        belief_state = predictor.update(belief_state, 0, action, feedback, False, predictor_params)
        history = actor.update(history, action)
        record = Transitions(
            gate, features, rationale.action, output, log_probs[output], feedback.reward, shaped,
            regret, follow, invalid, jnp.mean(tried.astype(jnp.float32)),
        )
        return (env_state, belief_state, history, tried), record

    _, transitions = jax.lax.scan(trial, carry, jnp.arange(config.n_steps))
    return transitions


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
