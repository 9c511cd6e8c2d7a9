"""Count-based recommenders: UCB1, the Beta-Bernoulli posterior and Thompson sampling.

They share one state, :class:`CountState` (pulls and reward sums per action),
and differ only in how they turn it into beliefs and a recommendation.
"""

from __future__ import annotations

import dataclasses
from typing import NamedTuple

import jax
import jax.numpy as jnp

from kdgap_sim import validation
from kdgap_sim.agents.predictor_base import FEEDBACK_MODES, Predictor, rationale_from
from kdgap_sim.params import Params, params_class
from kdgap_sim.types import Array, Feedback, Rationale

# --------------------------------------------------------------------------
# Count-based predictors: Beta-Bernoulli posterior, UCB1, Thompson sampling
# --------------------------------------------------------------------------


class CountState(NamedTuple):
    """Sufficient statistics: pulls ``counts``, reward ``sums`` per action, total ``t``.

    Example:
      >>> import kdgap_sim as kd
      >>> kd.agents.UCB().init(2, kd.agents.UCBParams()).counts.tolist()
      [0.0, 0.0]
    """

    counts: Array
    sums: Array
    t: Array


def _count_init(n_actions: int) -> CountState:
    zeros = jnp.zeros((n_actions,), jnp.float32)
    return CountState(counts=zeros, sums=zeros, t=jnp.float32(0.0))


def _count_update(state: CountState, action, feedback: Feedback, full: bool) -> CountState:
    n = state.counts.shape[-1]
    seen = jnp.ones((n,), jnp.float32) if full else jax.nn.one_hot(action, n, dtype=jnp.float32)
    return CountState(
        counts=state.counts + seen,
        sums=state.sums + seen * feedback.outcomes,
        t=state.t + 1.0,
    )


def empirical_means(state: CountState, prior_mean: Array) -> Array:
    """Sample mean of each action, ``prior_mean`` where an action is untried."""
    return jnp.where(state.counts > 0, state.sums / jnp.maximum(state.counts, 1.0), prior_mean)


@params_class
class UCBParams(Params):
    """Params of :class:`UCB`.

    Attributes:
      exploration: ``c`` multiplying the bonus; ``c = 1`` is UCB1.
      q0: belief about an untried action (used by actors acting on beliefs).

    Example:
      >>> import kdgap_sim as kd
      >>> kd.agents.UCBParams().exploration
      1.0
    """

    exploration: Array = 1.0
    q0: Array = 0.5
    domains = {"exploration": "nonnegative", "q0": "real"}


class _CountPredictor(Predictor):
    """Shared plumbing of predictors whose state is :class:`CountState`."""

    feedback: str = "partial"

    def __post_init__(self) -> None:
        validation.check_choice("feedback", self.feedback, FEEDBACK_MODES)

    def init(self, n_actions: int, params) -> CountState:
        return _count_init(n_actions)

    def update(self, state, obs, action, feedback, forced, params) -> CountState:
        return _count_update(state, action, feedback, self.feedback == "full")


@dataclasses.dataclass(frozen=True)
class UCB(_CountPredictor):
    r"""UCB1 recommender (Auer, Cesa-Bianchi & Fischer 2002, Machine Learning 47:235).

    Every untried action is recommended first (lowest index first); then

    .. math:: a_t = \arg\max_a\; \hat\mu_a + c\sqrt{2 \ln t / n_a},

    with :math:`t` the number of trials so far and :math:`n_a` the pulls of
    :math:`a`. Beliefs are the sample means (``q0`` for untried actions), or
    with ``beliefs_from="index"`` the index itself, :math:`\hat\mu_a + c\sqrt{2 \ln t /
    \max(n_a, 1)}` (finite also for untried actions), so that an actor acting
    on beliefs (``Softmax``) adds its choice noise to the information bonus:
    directed plus random exploration (Wilson, Geana, White, Ludvig & Cohen
    2014, J. Exp. Psychol. Gen. 143(6); see :mod:`kdgap_sim.envs.horizon_task`).

    Example:
      >>> import kdgap_sim as kd
      >>> ucb = kd.agents.UCB()
      >>> params = ucb.default_params()
      >>> ucb.index(ucb.init(2, params), params).tolist()   # untried actions first
      [inf, inf]
    """

    feedback: str = "partial"
    beliefs_from: str = "means"

    def __post_init__(self) -> None:
        super().__post_init__()
        validation.check_choice("beliefs_from", self.beliefs_from, ("means", "index"))

    def default_params(self) -> UCBParams:
        return UCBParams()

    def beliefs(self, state: CountState, obs, params: UCBParams) -> Array:
        means = empirical_means(state, params.q0)
        if self.beliefs_from == "index":
            return means + self._bonus(state, params)
        return means

    def _bonus(self, state: CountState, params: UCBParams) -> Array:
        return params.exploration * jnp.sqrt(
            2.0 * jnp.log(jnp.maximum(state.t, 1.0)) / jnp.maximum(state.counts, 1.0))

    def index(self, state: CountState, params: UCBParams) -> Array:
        """The UCB1 index of every action (``+inf`` for untried actions)."""
        means = empirical_means(state, params.q0)
        return jnp.where(state.counts > 0, means + self._bonus(state, params), jnp.inf)

    def recommend(self, key, state: CountState, obs, params: UCBParams) -> Rationale:
        del key
        return rationale_from(self.beliefs(state, obs, params), self.index(state, params))


@params_class
class BetaParams(Params):
    """Beta(``prior_a``, ``prior_b``) prior on each action's success probability.

    Example:
      >>> import kdgap_sim as kd
      >>> kd.agents.BetaParams().prior_a
      1.0
    """

    prior_a: Array = 1.0
    prior_b: Array = 1.0
    domains = {"prior_a": "positive", "prior_b": "positive"}


def _posterior(state: CountState, params: BetaParams) -> tuple[Array, Array]:
    a = params.prior_a + state.sums
    b = params.prior_b + state.counts - state.sums
    return a, b


class _BetaPredictor(_CountPredictor):
    """Count-based predictor with a Beta prior; beliefs are posterior means."""

    def default_params(self) -> BetaParams:
        return BetaParams()

    def beliefs(self, state: CountState, obs, params: BetaParams) -> Array:
        a, b = _posterior(state, params)
        return a / (a + b)

    def check_env(self, env, env_params=None) -> None:
        """Also refuses an environment whose rewards may leave [0, 1]: the Beta posterior's
        counts would go negative and its draws NaN (e.g. Gaussian rewards, or costs)."""
        super().check_env(env, env_params)
        bounds = env.reward_bounds(env_params)
        if bounds is not None and (bounds[0] < 0.0 or bounds[1] > 1.0):
            raise ValueError(
                f"{type(self).__name__} models Bernoulli rewards and needs rewards in [0, 1], but "
                f"{type(env).__name__}'s rewards lie in [{bounds[0]:g}, {bounds[1]:g}]; "
                f"use UCB or a Rescorla-Wagner predictor instead"
            )


@dataclasses.dataclass(frozen=True)
class BetaBernoulli(_BetaPredictor):
    r"""Exact Beta-Bernoulli posterior; recommends the highest posterior mean.

    .. math:: \theta_a \mid \text{data} \sim \mathrm{Beta}(a_0 + s_a,\; b_0 + n_a - s_a),
       \qquad a_t = \arg\max_a \frac{a_0 + s_a}{a_0 + b_0 + n_a}.

    Rewards must lie in [0, 1] (fractional rewards count as fractional successes).

    Example:
      >>> import kdgap_sim as kd
      >>> predictor = kd.agents.BetaBernoulli()
      >>> params = predictor.default_params()
      >>> predictor.beliefs(predictor.init(2, params), 0, params).tolist()
      [0.5, 0.5]
    """

    feedback: str = "partial"

    def recommend(self, key, state: CountState, obs, params: BetaParams) -> Rationale:
        del key
        means = self.beliefs(state, obs, params)
        return rationale_from(means, means)


@dataclasses.dataclass(frozen=True)
class Thompson(_BetaPredictor):
    r"""Thompson sampling with a Beta-Bernoulli model (Thompson 1933; Agrawal & Goyal 2012).

    .. math:: \tilde\theta_a \sim \mathrm{Beta}(a_0 + s_a, b_0 + n_a - s_a),\qquad
       a_t = \arg\max_a \tilde\theta_a.

    The confidence is the posterior mean of the recommended action.

    Example:
      >>> import jax, kdgap_sim as kd
      >>> agent = kd.agents.Agent(kd.agents.Thompson(), kd.agents.Greedy())
      >>> params = agent.default_params()
      >>> decision = agent.act(jax.random.key(0), agent.init(3, params), 0, params)
      >>> 0 <= int(decision.rationale.action) < 3
      True
    """

    feedback: str = "partial"

    def recommend(self, key, state: CountState, obs, params: BetaParams) -> Rationale:
        a, b = _posterior(state, params)
        sample = jax.random.beta(key, a, b)
        return rationale_from(a / (a + b), sample)
