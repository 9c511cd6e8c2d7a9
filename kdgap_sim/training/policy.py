"""A learnable actor: a small log-linear (optionally MLP) policy over rationale and context.

:class:`LearnedActor` is an :class:`~kdgap_sim.agents.Actor` whose params are
the policy's weights, so a fine-tuned actor runs in :func:`kdgap_sim.rollout`
like any other. Its output distribution has ``n_actions + 1`` entries: the
actions, and one *invalid output* (an unparseable answer, as LLM agents
produce). In the environment an invalid output is replaced by a uniformly
random action, so the action distribution is

.. math::
    \\pi(a) = (1-\\varepsilon)\\big[g\\,\\mathbb{1}[a = a^{\\text{rat}}]
      + (1-g)\\,\\mathrm{softmax}_a(w^\\top\\phi_a + \\mathrm{MLP}(\\phi_a))\\big]
      + \\varepsilon / K,

with follow gate :math:`g = \\sigma(v^\\top \\gamma)` over context features
:math:`\\gamma` = (1, coverage of the context, rationale confidence), per-action
features :math:`\\phi_a` = (belief :math:`Q_a`, :math:`\\log(1 + n_a)` with
:math:`n_a` the count of :math:`a` in the context, :math:`\\mathbb{1}[n_a = 0]`,
:math:`\\mathbb{1}[a = a^{\\text{rat}}]`) and invalid-output rate
:math:`\\varepsilon = \\sigma(\\text{invalid\\_logit})`. The MLP's output layer
starts at zero.

This family contains :class:`~kdgap_sim.agents.RationaleFollowing` over
:class:`~kdgap_sim.agents.FrequencyBiased` or
:class:`~kdgap_sim.agents.Softmax` exactly (:math:`v = (\\mathrm{logit}\\,\\rho,
0, 0)`, :math:`w = (\\beta, \\kappa, 0, 0)`), so :func:`from_reference`
initialises the policy *at* a greedy, frequency-biased, low-follow-rate actor
and fine-tuning starts from the reference, as in Schmied et al. (2025),
arXiv 2504.16078.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from kdgap_sim import validation
from kdgap_sim.agents.actors import (
    ActionHistory,
    Actor,
    FrequencyBiased,
    RationaleFollowing,
    Softmax,
)
from kdgap_sim.params import Params, params_class
from kdgap_sim.types import Array, PRNGKey, Rationale

N_GATE_FEATURES = 3
N_ACTION_FEATURES = 4
GATE_FEATURES = ("bias", "context_coverage", "rationale_confidence")
ACTION_FEATURES = ("belief", "log1p_context_count", "untried_in_context", "is_rationale")
#: Logit used for a probability of exactly 0 or 1 in a reference actor.
_MAX_LOGIT = 30.0


@params_class
class PolicyParams(Params):
    """Weights of :class:`LearnedActor`.

    Attributes:
      gate_weights: ``[3]`` weights of the follow gate (bias, context coverage,
        rationale confidence).
      action_weights: ``[4]`` weights of the action features (belief, log1p
        context count, untried in context, is the rationale's action).
      invalid_logit: logit of the invalid-output rate.
      hidden_weights: ``[4, H]`` first MLP layer (``H = 0``: no MLP).
      hidden_bias: ``[H]``.
      output_weights: ``[H]`` MLP output layer (zero at initialisation).

    Example:
      >>> import kdgap_sim as kd
      >>> from kdgap_sim import training
      >>> reference = kd.agents.RationaleFollowing(fallback=kd.agents.FrequencyBiased())
      >>> _, params = training.from_reference(reference, reference.default_params())
      >>> params.gate_weights.shape, params.action_weights.shape, params.hidden_weights.shape
      ((3,), (4,), (4, 0))
    """

    gate_weights: Array
    action_weights: Array
    invalid_logit: Array
    hidden_weights: Array
    hidden_bias: Array
    output_weights: Array


def _logit(p: float) -> float:
    if p <= 0.0:
        return -_MAX_LOGIT
    if p >= 1.0:
        return _MAX_LOGIT
    return float(np.clip(np.log(p) - np.log1p(-p), -_MAX_LOGIT, _MAX_LOGIT))


def gate_features(history: ActionHistory, rationale: Rationale) -> Array:
    """Context features of the follow gate, ``[3]``: 1, context coverage, confidence."""
    coverage = jnp.mean((history.counts > 0).astype(jnp.float32))
    return jnp.stack([jnp.float32(1.0), coverage, jnp.asarray(rationale.confidence, jnp.float32)])


def action_features(history: ActionHistory, beliefs: Array, rationale: Rationale) -> Array:
    """Per-action features, ``[n_actions, 4]``: belief, log1p count, untried, is rationale."""
    n = beliefs.shape[-1]
    counts = history.counts
    return jnp.stack(
        [
            jnp.asarray(beliefs, jnp.float32),
            jnp.log1p(counts),
            (counts <= 0).astype(jnp.float32),
            jax.nn.one_hot(rationale.action, n, dtype=jnp.float32),
        ],
        axis=-1,
    )


def output_log_probs(params: PolicyParams, gate: Array, features: Array, rationale_action: Array) -> Array:
    """Log-probabilities of the ``n_actions + 1`` outputs (last = invalid output)."""
    n = features.shape[0]
    logits = features @ params.action_weights
    if params.output_weights.shape[-1] > 0:
        hidden = jnp.tanh(features @ params.hidden_weights + params.hidden_bias)
        logits = logits + hidden @ params.output_weights
    log_fallback = jax.nn.log_softmax(logits)
    gate_logit = gate @ params.gate_weights
    log_follow, log_not_follow = jax.nn.log_sigmoid(gate_logit), jax.nn.log_sigmoid(-gate_logit)
    is_rationale = jax.nn.one_hot(rationale_action, n, dtype=bool)
    log_valid = jnp.where(
        is_rationale,
        jnp.logaddexp(log_follow, log_not_follow + log_fallback),
        log_not_follow + log_fallback,
    )
    log_ok, log_invalid = jax.nn.log_sigmoid(-params.invalid_logit), jax.nn.log_sigmoid(params.invalid_logit)
    return jnp.concatenate([log_ok + log_valid, log_invalid[None]])


@dataclasses.dataclass(frozen=True)
class LearnedActor(Actor):
    """A learnable actor (see the module docstring); ``hidden`` MLP units (0: log-linear).

    Example:
      >>> import jax, kdgap_sim as kd
      >>> from kdgap_sim.training import LearnedActor
      >>> agent = kd.agents.Agent(kd.agents.UCB(), LearnedActor(context_window=20))
      >>> env = kd.envs.BernoulliBandit(n_arms=5)
      >>> out = kd.rollout(jax.random.key(0), env, env.default_params(), agent,
      ...                  agent.default_params(), n_steps=20)
      >>> int(out.n_steps)
      20
    """

    context_window: int = 20
    hidden: int = 0

    def __post_init__(self) -> None:
        validation.check_int("context_window", self.context_window, minimum=1)
        validation.check_int("hidden", self.hidden, minimum=0)

    @property
    def window(self) -> int:
        return self.context_window

    def default_params(self) -> PolicyParams:
        """Uniform fallback, follow gate 1/2, no invalid outputs, zero MLP."""
        return PolicyParams(
            gate_weights=jnp.zeros((N_GATE_FEATURES,), jnp.float32),
            action_weights=jnp.zeros((N_ACTION_FEATURES,), jnp.float32),
            invalid_logit=jnp.float32(-_MAX_LOGIT),
            hidden_weights=jnp.zeros((N_ACTION_FEATURES, self.hidden), jnp.float32),
            hidden_bias=jnp.zeros((self.hidden,), jnp.float32),
            output_weights=jnp.zeros((self.hidden,), jnp.float32),
        )

    def validate_params(self, params: Any, name: str = "params.actor") -> None:
        if not isinstance(params, PolicyParams):
            raise TypeError(f"{name} must be PolicyParams, got {type(params).__name__}")
        params.validate(name)
        shapes = {
            "gate_weights": (N_GATE_FEATURES,),
            "action_weights": (N_ACTION_FEATURES,),
            "invalid_logit": (),
            "hidden_weights": (N_ACTION_FEATURES, self.hidden),
            "hidden_bias": (self.hidden,),
            "output_weights": (self.hidden,),
        }
        for field, shape in shapes.items():
            validation.check_shape(f"{name}.{field}", getattr(params, field), shape)

    def output_log_probs(
        self, history: ActionHistory, beliefs: Array, rationale: Rationale, params: PolicyParams
    ) -> Array:
        """Log-probabilities of the ``n_actions + 1`` outputs (last = invalid)."""
        return output_log_probs(
            params, gate_features(history, rationale), action_features(history, beliefs, rationale),
            rationale.action,
        )

    def action_probs(self, history, beliefs, rationale, params: PolicyParams) -> Array:
        out = jnp.exp(self.output_log_probs(history, beliefs, rationale, params))
        n = beliefs.shape[-1]
        return out[:n] + out[n] / n


def from_reference(
    actor: Actor,
    actor_params: Any,
    *,
    invalid_prob: float = 0.0,
    hidden: int = 0,
    key: PRNGKey | None = None,
) -> tuple[LearnedActor, PolicyParams]:
    """A :class:`LearnedActor` whose policy equals the reference ``actor`` exactly.

    Supported references: ``RationaleFollowing`` over ``FrequencyBiased`` or
    ``Softmax``, and ``FrequencyBiased`` or ``Softmax`` alone. A follow
    probability of exactly 0 or 1 is represented by a gate logit of -/+30.

    Args:
      actor, actor_params: the reference actor and its params (concrete).
      invalid_prob: rate of invalid outputs of the reference, in [0, 1).
      hidden: MLP width (its first layer is drawn from ``key``; output layer 0).
      key: needed when ``hidden > 0``.

    Example:
      >>> import kdgap_sim as kd
      >>> from kdgap_sim.training import from_reference
      >>> reference = kd.agents.RationaleFollowing(fallback=kd.agents.FrequencyBiased())
      >>> learned, params = from_reference(reference, reference.default_params())
      >>> [round(float(w), 3) for w in params.action_weights]
      [5.0, 1.0, 0.0, 0.0]
    """
    actor.validate_params(actor_params, "actor_params")
    if not isinstance(invalid_prob, (int, float)) or not 0.0 <= invalid_prob < 1.0:
        raise ValueError(f"invalid_prob must be a number in [0, 1), got {invalid_prob!r}")
    validation.check_int("hidden", hidden, minimum=0)
    follow_prob, inner, inner_params = 0.0, actor, actor_params
    if isinstance(actor, RationaleFollowing):
        follow_prob = float(actor_params.follow_prob)
        inner, inner_params = actor.fallback, actor_params.fallback
    if isinstance(inner, FrequencyBiased):
        beta, kappa, window = float(inner_params.beta), float(inner_params.kappa), inner.context_window
    elif isinstance(inner, Softmax):
        beta, kappa, window = float(inner_params.beta), 0.0, 1
    else:
        raise ValueError(
            "from_reference supports RationaleFollowing over FrequencyBiased or Softmax, "
            f"FrequencyBiased or Softmax; got {actor!r}"
        )
    learned = LearnedActor(context_window=window, hidden=hidden)
    params = learned.default_params()
    hidden_weights = params.hidden_weights
    if hidden > 0:
        if key is None:
            raise ValueError("key is required when hidden > 0 (to draw the first MLP layer)")
        validation.check_key(key)
        hidden_weights = jax.random.normal(key, (N_ACTION_FEATURES, hidden)) / np.sqrt(N_ACTION_FEATURES)
    params = dataclasses.replace(
        params,
        gate_weights=jnp.array([_logit(follow_prob), 0.0, 0.0], jnp.float32),
        action_weights=jnp.array([beta, kappa, 0.0, 0.0], jnp.float32),
        invalid_logit=jnp.float32(_logit(invalid_prob)),
        hidden_weights=hidden_weights.astype(jnp.float32),
    )
    return learned, params
