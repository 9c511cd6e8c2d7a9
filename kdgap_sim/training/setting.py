"""The RLFT setting: a run's static options, the bandits it draws, one episode of the agent.

Schmied et al. (2025), arXiv 2504.16078: a UCB1 predictor writes the rationale
and a learnable actor (:class:`~kdgap_sim.training.LearnedActor`) outputs an
action, or an invalid output, on ``n_arms``-armed Bernoulli bandits with
``Uniform(prob_low, prob_high)`` arm probabilities. :func:`run_episode` records
what the losses of :mod:`kdgap_sim.training.objectives` need (one
:class:`Transitions` row per trial), with the shaped reward of
:mod:`kdgap_sim.training.rlft`; :mod:`kdgap_sim.training.rlft` batches episodes
and updates the actor.
"""

from __future__ import annotations

import dataclasses
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from kdgap_sim import validation
from kdgap_sim.agents.predictors import UCB, UCBParams
from kdgap_sim.envs.bandit import BernoulliBandit, BernoulliBanditParams
from kdgap_sim.training.policy import (
    LearnedActor,
    PolicyParams,
    action_features,
    gate_features,
    output_log_probs,
)
from kdgap_sim.types import Array, PRNGKey

ALGORITHMS = ("reinforce", "ppo")


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
