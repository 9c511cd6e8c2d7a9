"""Predictors: what an agent believes and what it recommends (its rationale).

A predictor keeps beliefs about the actions' values and states a
:class:`~kdgap_sim.types.Rationale`: the action its own rule recommends and a
confidence. It never chooses the action taken; that is the actor's job, so the
knowing-doing gap can be measured. All functions are pure and written for one
agent; static options (feedback mode, rate tying) are constructor fields,
everything swept or fitted is a params field.

This module holds Rescorla-Wagner, fixed beliefs and ``NoisyRationale``; the
interface is in :mod:`kdgap_sim.agents.predictor_base` and the count-based
recommenders (UCB1, Beta-Bernoulli, Thompson) in :mod:`kdgap_sim.agents.counting`;
all are re-exported here.
"""

from __future__ import annotations

import dataclasses
from typing import NamedTuple

import jax
import jax.numpy as jnp

from kdgap_sim import validation
from kdgap_sim.agents.counting import (
    BetaBernoulli,
    BetaParams,
    CountState,
    Thompson,
    UCB,
    UCBParams,
    empirical_means,
)
from kdgap_sim.agents.predictor_base import (
    FEEDBACK_MODES,
    Predictor,
    argmax_first,
    rationale_from,
)
from kdgap_sim.params import Params, params_class
from kdgap_sim.types import Array, Feedback, Rationale

# --------------------------------------------------------------------------
# Rescorla-Wagner with four learning rates
# --------------------------------------------------------------------------


class ValueState(NamedTuple):
    """Action values ``q``, ``[n_actions]``.

    Example:
      >>> import kdgap_sim as kd
      >>> kd.agents.RescorlaWagner().init(2, kd.agents.RescorlaWagnerParams()).q.tolist()
      [0.5, 0.5]
    """

    q: Array


@params_class
class RescorlaWagnerParams(Params):
    """Params of :class:`RescorlaWagner` (all rates in [0, 1]).

    Attributes:
      alpha_pos: rate for the chosen action when the prediction error is positive.
      alpha_neg: rate for the chosen action when the prediction error is negative.
      alpha_unchosen_pos: rate for an unchosen action, positive error (full feedback).
      alpha_unchosen_neg: rate for an unchosen action, negative error (full feedback).
      alpha_forced: one rate for both signs on forced (no-agency) trials.
      q0: initial value of every action.

    Example:
      >>> import kdgap_sim as kd
      >>> kd.agents.RescorlaWagnerParams(alpha_pos=0.3).alpha_pos
      0.3
    """

    alpha_pos: Array = 0.2
    alpha_neg: Array = 0.2
    alpha_unchosen_pos: Array = 0.2
    alpha_unchosen_neg: Array = 0.2
    alpha_forced: Array = 0.2
    q0: Array = 0.5
    domains = {
        "alpha_pos": "unit",
        "alpha_neg": "unit",
        "alpha_unchosen_pos": "unit",
        "alpha_unchosen_neg": "unit",
        "alpha_forced": "unit",
        "q0": "real",
    }


@dataclasses.dataclass(frozen=True)
class RescorlaWagner(Predictor):
    r"""Delta-rule learner with rates split by choice and by the sign of the error.

    For the chosen action :math:`c` and, under full feedback, every unchosen
    action :math:`u` (Lefebvre et al. 2017; Palminteri et al. 2017):

    .. math::
        \delta_c = r_c - Q_c,\quad Q_c \leftarrow Q_c + \alpha_c^{\mathrm{sign}\,\delta_c}\,\delta_c,
        \qquad
        \delta_u = r_u - Q_u,\quad Q_u \leftarrow Q_u + \alpha_u^{\mathrm{sign}\,\delta_u}\,\delta_u.

    On forced trials (no agency) every update uses ``alpha_forced`` for both
    signs. With rewards in {0, 1} and ``P(r = 1) = p`` the chosen-action value
    has stationary mean :math:`V^* = \alpha^+ p / (\alpha^+ p + \alpha^-(1-p))`
    (theory/THEORY.md section 3).

    Args:
      asymmetric: if False, ``alpha_pos`` (chosen) and ``alpha_unchosen_pos``
        (unchosen) are used for both signs; the ``*_neg`` rates are ignored.
      feedback: ``"partial"`` (only the chosen outcome is seen) or ``"full"``.
      confirmation: if True, the "confirmation" model: ``alpha_pos`` for
        {chosen +, unchosen -} and ``alpha_neg`` for {chosen -, unchosen +}.

    Source: Schubert et al. (2024), arXiv 2402.03969; Lefebvre et al. (2017),
    Nat. Hum. Behav. 1, 0067.

    Example:
      >>> import kdgap_sim as kd
      >>> rw = kd.agents.RescorlaWagner(asymmetric=True, feedback="full")
      >>> rw.default_params().replace(alpha_pos=0.3).alpha_pos
      0.3
    """

    asymmetric: bool = True
    feedback: str = "partial"
    confirmation: bool = False

    def __post_init__(self) -> None:
        validation.check_bool("asymmetric", self.asymmetric)
        validation.check_bool("confirmation", self.confirmation)
        validation.check_choice("feedback", self.feedback, FEEDBACK_MODES)

    def default_params(self) -> RescorlaWagnerParams:
        return RescorlaWagnerParams()

    @property
    def used_params(self) -> tuple[str, ...]:
        names = ["alpha_pos", "alpha_forced", "q0"]
        if self.asymmetric or self.confirmation:
            names.append("alpha_neg")
        if self.feedback == "full" and not self.confirmation:
            names.append("alpha_unchosen_pos")
            if self.asymmetric:
                names.append("alpha_unchosen_neg")
        return tuple(names)

    def init(self, n_actions: int, params: RescorlaWagnerParams) -> ValueState:
        return ValueState(q=jnp.full((n_actions,), params.q0, dtype=jnp.float32))

    def beliefs(self, state: ValueState, obs, params) -> Array:
        return state.q

    def recommend(self, key, state: ValueState, obs, params) -> Rationale:
        del key
        return rationale_from(state.q, state.q)

    def learning_rates(self, error: Array, params: RescorlaWagnerParams) -> tuple[Array, Array]:
        """Per-action rates for (chosen, unchosen) given the prediction errors."""
        positive = error > 0
        if self.confirmation:
            return (
                jnp.where(positive, params.alpha_pos, params.alpha_neg),
                jnp.where(positive, params.alpha_neg, params.alpha_pos),
            )
        if not self.asymmetric:
            return (
                jnp.broadcast_to(jnp.asarray(params.alpha_pos, jnp.float32), error.shape),
                jnp.broadcast_to(jnp.asarray(params.alpha_unchosen_pos, jnp.float32), error.shape),
            )
        return (
            jnp.where(positive, params.alpha_pos, params.alpha_neg),
            jnp.where(positive, params.alpha_unchosen_pos, params.alpha_unchosen_neg),
        )

    def update(self, state: ValueState, obs, action, feedback: Feedback, forced, params) -> ValueState:
        q = state.q
        chosen = jax.nn.one_hot(action, q.shape[-1], dtype=q.dtype)
        # Under partial feedback only the chosen outcome is used: outcomes[action] == reward.
        error = feedback.outcomes - q
        rate_chosen, rate_unchosen = self.learning_rates(error, params)
        seen_unchosen = (1.0 - chosen) if self.feedback == "full" else jnp.zeros_like(chosen)
        rate = chosen * rate_chosen + seen_unchosen * rate_unchosen
        rate = jnp.where(forced, params.alpha_forced * (chosen + seen_unchosen), rate)
        return ValueState(q=q + rate * error)


# --------------------------------------------------------------------------
# Fixed beliefs, and a predictor that misstates its rule
# --------------------------------------------------------------------------


@params_class
class FixedParams(Params):
    """Fixed beliefs ``values``, ``[n_actions]``.

    Example:
      >>> import kdgap_sim as kd
      >>> kd.agents.FixedPredictor(n_actions=2).default_params().values.tolist()
      [0.0, 0.0]
    """

    values: Array
    domains = {"values": "real"}


@dataclasses.dataclass(frozen=True)
class FixedPredictor(Predictor):
    """Beliefs that never change; recommends their argmax. ``n_actions`` is static.

    Example:
      >>> import jax.numpy as jnp, kdgap_sim as kd
      >>> predictor = kd.agents.FixedPredictor(n_actions=2)
      >>> params = kd.agents.FixedParams(values=jnp.array([0.2, 0.8]))
      >>> int(predictor.recommend(None, predictor.init(2, params), 0, params).action)
      1
    """

    n_actions: int = 2

    def __post_init__(self) -> None:
        validation.check_int("n_actions", self.n_actions, minimum=1)

    def default_params(self) -> FixedParams:
        return FixedParams(values=jnp.zeros((self.n_actions,), jnp.float32))

    def validate_params(self, params, name: str = "params.predictor") -> None:
        if not isinstance(params, FixedParams):
            raise TypeError(f"{name} must be FixedParams, got {type(params).__name__}")
        params.validate(name)
        validation.check_shape(f"{name}.values", params.values, (self.n_actions,))

    def check_n_actions(self, n_actions: int) -> None:
        if n_actions != self.n_actions:
            raise ValueError(
                f"FixedPredictor was built for n_actions={self.n_actions}, "
                f"but the environment has {n_actions} actions"
            )

    def init(self, n_actions: int, params: FixedParams) -> ValueState:
        return ValueState(q=jnp.asarray(params.values, jnp.float32))

    def beliefs(self, state: ValueState, obs, params) -> Array:
        return state.q

    def recommend(self, key, state: ValueState, obs, params) -> Rationale:
        del key
        return rationale_from(state.q, state.q)

    def update(self, state, obs, action, feedback, forced, params) -> ValueState:
        return state


@params_class
class NoisyRationaleParams(Params):
    """Params of the wrapped predictor plus ``rationale_error`` in [0, 1].

    Example:
      >>> import kdgap_sim as kd
      >>> kd.agents.NoisyRationale().default_params().flat_names()
      ('exploration', 'q0', 'rationale_error')
    """

    base: Params
    rationale_error: Array = 0.13
    domains = {"rationale_error": "unit"}


@dataclasses.dataclass(frozen=True)
class NoisyRationale(Predictor):
    """Wraps a predictor so that its stated rationale is wrong with probability ``rationale_error``.

    With probability ``rationale_error`` the stated action is replaced by a
    uniformly drawn *different* action and marked ``correct=False``; beliefs and
    learning are the wrapped predictor's. This models an agent that computes its
    rule (e.g. UCB values) imperfectly: Schmied et al. (2025) report rationales
    correct about 87% of the time (approx.), hence the default 0.13.

    Example:
      >>> import kdgap_sim as kd
      >>> predictor = kd.agents.NoisyRationale(kd.agents.UCB())
      >>> float(predictor.default_params().rationale_error)
      0.13
    """

    base: Predictor = dataclasses.field(default_factory=UCB)

    def __post_init__(self) -> None:
        if not isinstance(self.base, Predictor):
            raise TypeError(f"base must be a Predictor (e.g. kd.agents.UCB()), got {self.base!r}")

    def default_params(self) -> NoisyRationaleParams:
        return NoisyRationaleParams(base=self.base.default_params())

    @property
    def used_params(self) -> tuple[str, ...]:
        return (*self.base.used_params, "rationale_error")

    def validate_params(self, params, name: str = "params.predictor") -> None:
        if not isinstance(params, NoisyRationaleParams):
            raise TypeError(f"{name} must be NoisyRationaleParams, got {type(params).__name__}")
        self.base.validate_params(params.base, f"{name}.base")
        validation.check_in_domain(f"{name}.rationale_error", params.rationale_error, "unit")
        validation.check_shape(f"{name}.rationale_error", params.rationale_error, ())

    def check_n_actions(self, n_actions: int) -> None:
        self.base.check_n_actions(n_actions)

    def check_env(self, env, env_params=None) -> None:
        self.base.check_env(env, env_params)

    def init(self, n_actions: int, params: NoisyRationaleParams):
        return self.base.init(n_actions, params.base)

    def beliefs(self, state, obs, params: NoisyRationaleParams) -> Array:
        return self.base.beliefs(state, obs, params.base)

    def recommend(self, key, state, obs, params: NoisyRationaleParams) -> Rationale:
        k_base, k_error, k_other = jax.random.split(key, 3)
        rationale = self.base.recommend(k_base, state, obs, params.base)
        beliefs = self.base.beliefs(state, obs, params.base)
        n = beliefs.shape[-1]
        wrong = (jax.random.uniform(k_error) < params.rationale_error) & (n > 1)
        shift = 1 + jax.random.randint(k_other, (), 0, max(n - 1, 1))
        other = ((rationale.action + shift) % n).astype(jnp.int32)
        action = jnp.where(wrong, other, rationale.action)
        confidence = jnp.clip(jnp.sum(beliefs * jax.nn.one_hot(action, n)), 0.0, 1.0)
        return Rationale(action=action, confidence=confidence, correct=rationale.correct & ~wrong)

    def update(self, state, obs, action, feedback, forced, params: NoisyRationaleParams):
        return self.base.update(state, obs, action, feedback, forced, params.base)


__all__ = [
    "BetaBernoulli",
    "BetaParams",
    "CountState",
    "FEEDBACK_MODES",
    "FixedParams",
    "FixedPredictor",
    "NoisyRationale",
    "NoisyRationaleParams",
    "Predictor",
    "RescorlaWagner",
    "RescorlaWagnerParams",
    "Thompson",
    "UCB",
    "UCBParams",
    "ValueState",
    "argmax_first",
    "empirical_means",
    "rationale_from",
]
