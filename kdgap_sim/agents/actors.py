"""Actors: how an agent turns beliefs, a rationale and its habits into an action.

Every actor defines ``action_probs`` — the exact distribution of the action
given the predictor's beliefs, its rationale and the actor's own context of
recent actions — and samples from it with a single uniform draw (inverse CDF).
The same ``action_probs`` is the likelihood used when fitting the agent to
choice logs, so simulation and inference cannot drift apart.
"""

from __future__ import annotations

import abc
import dataclasses
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

from kdgap_sim import action_axis, threefry, validation
from kdgap_sim.params import Params, params_class, validate_scalar_params
from kdgap_sim.types import Array, PRNGKey, Rationale


class ActionHistory(NamedTuple):
    """The actor's context: the last ``window`` actions and their counts.

    Attributes:
      recent: ring buffer of past actions, ``[window]`` (-1 marks an empty slot).
      counts: how often each action occurs in ``recent``, ``[n_actions]``.
      position: next slot of the ring buffer to overwrite.

    Example:
      >>> from kdgap_sim.agents.actors import empty_history, push_action
      >>> push_action(empty_history(3, 2), 1).counts.tolist()
      [0.0, 1.0, 0.0]
    """

    recent: Array
    counts: Array
    position: Array


def empty_history(n_actions: int, window: int) -> ActionHistory:
    """An empty context of length ``window`` for ``n_actions`` actions."""
    return ActionHistory(
        recent=jnp.full((window,), -1, jnp.int32),
        counts=jnp.zeros((n_actions,), jnp.float32),
        position=jnp.int32(0),
    )


def push_action(history: ActionHistory, action: Array) -> ActionHistory:
    """Appends ``action`` to the context, evicting the oldest when it is full."""
    window = history.recent.shape[-1]
    if window == 0:
        return history
    n = history.counts.shape[-1]
    evicted = history.recent[history.position]
    counts = history.counts + jax.nn.one_hot(action, n) - jax.nn.one_hot(evicted, n)
    recent = history.recent.at[history.position].set(action)
    return ActionHistory(recent=recent, counts=counts, position=(history.position + 1) % window)


def sample_from_probs(u: Array, probs: Array) -> Array:
    """Inverse-CDF sample: the action ``a`` with ``F(a-1) <= u < F(a)``, for ``u ~ U[0, 1)``."""
    cdf = action_axis.running_total(probs)
    # A reduction (not a fold): XLA then computes the action once instead of
    # fusing the random draw behind it into each of its many consumers.
    action = jnp.sum(cdf <= u * cdf[..., -1:], axis=-1)
    return jnp.minimum(action, probs.shape[-1] - 1).astype(jnp.int32)


def greedy_probs(beliefs: Array) -> Array:
    """Uniform over the actions of maximal belief."""
    is_max = (beliefs >= action_axis.largest(beliefs)[..., None]).astype(jnp.float32)
    return is_max / action_axis.total(is_max)[..., None]


class Actor(abc.ABC):
    """Interface of an actor; subclasses are frozen (hashable) dataclasses.

    Example:
      >>> import jax.numpy as jnp, kdgap_sim as kd
      >>> actor = kd.agents.Greedy()
      >>> isinstance(actor, kd.agents.Actor), actor.window
      (True, 0)
    """

    @property
    def window(self) -> int:
        """Length of the context of past actions the actor keeps (static)."""
        return 0

    @abc.abstractmethod
    def default_params(self) -> Params:
        """Default traced parameters."""

    @property
    def used_params(self) -> tuple[str, ...]:
        """Flat names of the params that affect behaviour."""
        return self.default_params().flat_names()

    def validate_params(self, params: Any, name: str = "params.actor") -> None:
        """Eagerly checks type, scalar shapes and domains of ``params``."""
        validate_scalar_params(params, type(self.default_params()), name)

    def init(self, n_actions: int) -> ActionHistory:
        """An empty context."""
        return empty_history(n_actions, self.window)

    @abc.abstractmethod
    def action_probs(
        self, history: ActionHistory, beliefs: Array, rationale: Rationale, params: Any
    ) -> Array:
        """Probability of each action, ``[n_actions]``."""

    def act(
        self, key: PRNGKey, history: ActionHistory, beliefs: Array, rationale: Rationale, params: Any
    ) -> Array:
        """Samples an action from :meth:`action_probs` with one uniform draw."""
        probs = self.action_probs(history, beliefs, rationale, params)
        return sample_from_probs(threefry.uniform(key), probs)

    def update(self, history: ActionHistory, action: Array) -> ActionHistory:
        """The context after ``action`` was taken."""
        return push_action(history, action)


@params_class
class NoParams(Params):
    """Params of an actor that has none.

    Example:
      >>> import kdgap_sim as kd
      >>> kd.agents.NoParams().flat_names()
      ()
    """


@dataclasses.dataclass(frozen=True)
class Greedy(Actor):
    """Takes an action of highest belief, uniformly among ties.

    .. math:: \\pi(a) = \\mathbb{1}[a \\in \\arg\\max_b Q_b] / |\\arg\\max_b Q_b|

    Example:
      >>> import jax.numpy as jnp, kdgap_sim as kd
      >>> kd.agents.Greedy().action_probs(None, jnp.array([1.0, 1.0, 0.0]), None, kd.agents.NoParams()).tolist()
      [0.5, 0.5, 0.0]
    """

    def default_params(self) -> NoParams:
        return NoParams()

    def action_probs(self, history, beliefs, rationale, params) -> Array:
        return greedy_probs(beliefs)


@params_class
class SoftmaxParams(Params):
    """Inverse temperature ``beta`` >= 0.

    Example:
      >>> import kdgap_sim as kd
      >>> kd.agents.SoftmaxParams().beta
      5.0
    """

    beta: Array = 5.0
    domains = {"beta": "nonnegative"}


@dataclasses.dataclass(frozen=True)
class Softmax(Actor):
    r"""Softmax (Boltzmann) choice: :math:`\pi(a) = e^{\beta Q_a} / \sum_b e^{\beta Q_b}`.

    Example:
      >>> import jax.numpy as jnp, kdgap_sim as kd
      >>> params = kd.agents.SoftmaxParams(beta=0.0)
      >>> kd.agents.Softmax().action_probs(None, jnp.array([0.0, 1.0]), None, params).tolist()
      [0.5, 0.5]
    """

    def default_params(self) -> SoftmaxParams:
        return SoftmaxParams()

    def action_probs(self, history, beliefs, rationale, params: SoftmaxParams) -> Array:
        return action_axis.softmax(params.beta * beliefs)


@params_class
class EpsilonGreedyParams(Params):
    """Exploration probability ``epsilon`` in [0, 1].

    Example:
      >>> import kdgap_sim as kd
      >>> kd.agents.EpsilonGreedyParams().epsilon
      0.1
    """

    epsilon: Array = 0.1
    domains = {"epsilon": "unit"}


@dataclasses.dataclass(frozen=True)
class EpsilonGreedy(Actor):
    r"""Greedy with probability :math:`1-\epsilon`, uniform with probability :math:`\epsilon`.

    .. math:: \pi(a) = (1-\epsilon)\,\pi_{\text{greedy}}(a) + \epsilon / K

    Example:
      >>> import jax.numpy as jnp, kdgap_sim as kd
      >>> probs = kd.agents.EpsilonGreedy().action_probs(
      ...     None, jnp.array([0.0, 1.0]), None, kd.agents.EpsilonGreedyParams(epsilon=0.1))
      >>> [round(float(p), 3) for p in probs]
      [0.05, 0.95]
    """

    def default_params(self) -> EpsilonGreedyParams:
        return EpsilonGreedyParams()

    def action_probs(self, history, beliefs, rationale, params: EpsilonGreedyParams) -> Array:
        n = beliefs.shape[-1]
        return (1.0 - params.epsilon) * greedy_probs(beliefs) + params.epsilon / n


@params_class
class FrequencyBiasedParams(Params):
    """Inverse temperature ``beta`` and frequency-bias strength ``kappa`` (both >= 0).

    Example:
      >>> import kdgap_sim as kd
      >>> kd.agents.FrequencyBiasedParams().kappa
      1.0
    """

    beta: Array = 5.0
    kappa: Array = 1.0
    domains = {"beta": "nonnegative", "kappa": "nonnegative"}


@dataclasses.dataclass(frozen=True)
class FrequencyBiased(Actor):
    r"""Softmax with a bonus for actions frequent in the recent context.

    .. math:: \pi(a) \propto \exp\big(\beta Q_a + \kappa \log(1 + n_a)\big),

    where :math:`n_a` counts :math:`a` among the last ``window`` actions. This
    is the frequency bias of Schmied et al. (2025), arXiv 2504.16078: small
    models copy the action most frequent in their context regardless of reward.

    Example:
      >>> import kdgap_sim as kd
      >>> kd.agents.FrequencyBiased(context_window=5).window
      5
    """

    context_window: int = 20

    def __post_init__(self) -> None:
        validation.check_int("context_window", self.context_window, minimum=1)

    @property
    def window(self) -> int:
        return self.context_window

    def default_params(self) -> FrequencyBiasedParams:
        return FrequencyBiasedParams()

    def action_probs(self, history, beliefs, rationale, params: FrequencyBiasedParams) -> Array:
        return action_axis.softmax(params.beta * beliefs + params.kappa * jnp.log1p(history.counts))


@params_class
class RationaleFollowingParams(Params):
    """``follow_prob`` in [0, 1] and the fallback actor's params.

    Example:
      >>> import kdgap_sim as kd
      >>> kd.agents.RationaleFollowing().default_params().follow_prob
      0.64
    """

    follow_prob: Array = 0.64
    fallback: Params = dataclasses.field(default_factory=NoParams)
    domains = {"follow_prob": "unit"}


@dataclasses.dataclass(frozen=True)
class RationaleFollowing(Actor):
    r"""Follows the rationale with probability :math:`\rho`, else acts as ``fallback``.

    .. math:: \pi(a) = \rho\,\mathbb{1}[a = a^{\text{rat}}] + (1-\rho)\,\pi_{\text{fallback}}(a)

    Schmied et al. (2025) report actions following a correct rationale about
    64% of the time (approx.), hence the default ``follow_prob = 0.64``.

    Example:
      >>> import kdgap_sim as kd
      >>> actor = kd.agents.RationaleFollowing(fallback=kd.agents.Softmax())
      >>> actor.default_params().flat_names()
      ('follow_prob', 'beta')
    """

    fallback: Actor = dataclasses.field(default_factory=Greedy)

    def __post_init__(self) -> None:
        if not isinstance(self.fallback, Actor):
            raise TypeError(f"fallback must be an Actor, got {self.fallback!r}")

    @property
    def window(self) -> int:
        return self.fallback.window

    def default_params(self) -> RationaleFollowingParams:
        return RationaleFollowingParams(fallback=self.fallback.default_params())

    def validate_params(self, params, name: str = "params.actor") -> None:
        if not isinstance(params, RationaleFollowingParams):
            raise TypeError(f"{name} must be RationaleFollowingParams, got {type(params).__name__}")
        validation.check_in_domain(f"{name}.follow_prob", params.follow_prob, "unit")
        validation.check_shape(f"{name}.follow_prob", params.follow_prob, ())
        self.fallback.validate_params(params.fallback, f"{name}.fallback")

    @property
    def used_params(self) -> tuple[str, ...]:
        return ("follow_prob", *self.fallback.used_params)

    def init(self, n_actions: int) -> ActionHistory:
        return self.fallback.init(n_actions)

    def action_probs(self, history, beliefs, rationale, params: RationaleFollowingParams) -> Array:
        n = beliefs.shape[-1]
        follow = jax.nn.one_hot(rationale.action, n, dtype=jnp.float32)
        other = self.fallback.action_probs(history, beliefs, rationale, params.fallback)
        return params.follow_prob * follow + (1.0 - params.follow_prob) * other

    def update(self, history, action) -> ActionHistory:
        return self.fallback.update(history, action)
