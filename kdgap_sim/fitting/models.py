r"""Choice models for fitting, built on the simulation agents' own functions.

A :class:`ChoiceModel` maps a vector of free parameters (one subject) and a
subject's logged trials to the log-probability of every action on every
trial, with one ``lax.scan`` over trials. :class:`AgentModel` does this with
an :class:`~kdgap_sim.agents.Agent`: per trial it calls the predictor's
``beliefs`` (and ``recommend``, or the logged rationale), the actor's exact
``action_probs``, and ``Agent.learn`` fed the *logged* action and outcomes,
so a fitted model and a simulated agent cannot drift apart.

Parameterisation (the same for every model; hBayesDM's models differ only in
the link and the scale of ``sigma``, see :mod:`kdgap_sim.fitting.hbayesdm`).
Each parameter :math:`\theta` has bounds :math:`[l, u]` and a raw value
:math:`x` on the real line:

.. math::
    \theta = l + (u - l)\,\Phi(x), \qquad
    \text{hierarchical: } x_i = \mu + \sigma z_i,\;
    \mu \sim N(0, 1),\; \sigma \sim N^+(0, s),\; z_i \sim N(0, 1),

and, fitted individually, :math:`x_i \sim N(0, 1)`, i.e. :math:`\theta_i \sim
U(l, u)`. Native models use the exact normal CDF :math:`\Phi` and
:math:`s = 0.5`; the group-level value reported as ``mu_<name>`` is
:math:`l + (u - l)\Phi(\mu)`, the population median (as hBayesDM reports).

Source: Ahn, Haines & Zhang (2017), hBayesDM, Comput. Psychiatry 1:24-57;
Palminteri et al. (2017), PLoS Comput. Biol. 13:e1005684.
"""

from __future__ import annotations

import abc
import dataclasses
from typing import Any

import jax
import jax.numpy as jnp
from jax.scipy.special import ndtr

from kdgap_sim import validation
from kdgap_sim.agents.agent import Agent
from kdgap_sim.agents.predictors import RescorlaWagner
from kdgap_sim.logs.choice_log import ChoiceLog, LogArrays
from kdgap_sim.types import Array, Feedback, PRNGKey, Rationale

LINKS = ("probit", "phi_approx")
FORCED_BY_SIGN = ("alpha_forced_pos", "alpha_forced_neg")


def phi_approx(x: Array) -> Array:
    r"""Stan's ``Phi_approx``: :math:`\mathrm{logit}^{-1}(0.07056 x^3 + 1.5976 x)`.

    A logistic approximation of the standard normal CDF used by hBayesDM's
    Stan models (Stan Functions Reference, "Phi_approx").

    Example:
      >>> import jax.numpy as jnp, kdgap_sim as kd
      >>> [round(x, 3) for x in kd.fitting.phi_approx(jnp.array([-1.0, 0.0, 1.0])).tolist()]
      [0.159, 0.5, 0.841]
    """
    return jax.nn.sigmoid(0.07056 * x**3 + 1.5976 * x)


@dataclasses.dataclass(frozen=True)
class ParamSpec:
    """A fitted parameter: its reported name, bounds, and the agent params it sets.

    Attributes:
      name: name in the posterior (``mu_<name>`` for the group level).
      low, high: bounds; the parameter is ``low + (high - low) * link(raw)``.
      targets: flat names of the agent params set to this value.
      description: one line for tables and docs.

    Example:
      >>> import kdgap_sim as kd
      >>> kd.fitting.make_model("rw").params[1]
      ParamSpec(name='beta', low=0.0, high=20.0, targets=('beta',), description='softmax inverse temperature')
      >>> kd.fitting.ParamSpec("rate", 0.0, 1.0, ("alpha_pos", "alpha_neg")).targets
      ('alpha_pos', 'alpha_neg')
    """

    name: str
    low: float
    high: float
    targets: tuple[str, ...]
    description: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise TypeError(f"ParamSpec name must be a non-empty string, got {self.name!r}")
        for field in ("low", "high"):
            label = f"ParamSpec {self.name!r} {field}"
            validation.check_shape(label, getattr(self, field), ())
            validation.check_in_domain(label, getattr(self, field), "real")
        if not self.low < self.high:
            raise ValueError(f"ParamSpec {self.name!r} needs low < high, got ({self.low}, {self.high})")
        if not (isinstance(self.targets, tuple) and all(isinstance(t, str) for t in self.targets)):
            raise TypeError(f"ParamSpec {self.name!r} targets must be a tuple of flat param names, "
                            f"got {self.targets!r}")


@dataclasses.dataclass(frozen=True)
class Prior:
    """Link and hyperprior scales shared by a model's parameters (see the module docstring).

    Attributes:
      link: ``"probit"`` (exact normal CDF) or ``"phi_approx"`` (hBayesDM's).
      mu_scale: standard deviation of the normal prior on group raw means.
      sigma_scale: scale of the half-normal prior on group raw spreads.

    Example:
      >>> import kdgap_sim as kd
      >>> kd.fitting.Prior()
      Prior(link='probit', mu_scale=1.0, sigma_scale=0.5)
      >>> kd.fitting.Prior(link="logit")
      Traceback (most recent call last):
      ...
      ValueError: link must be one of ('probit', 'phi_approx'), got 'logit'
    """

    link: str = "probit"
    mu_scale: float = 1.0
    sigma_scale: float = 0.5

    def __post_init__(self) -> None:
        validation.check_choice("link", self.link, LINKS)
        validation.check_in_domain("mu_scale", self.mu_scale, "positive")
        validation.check_in_domain("sigma_scale", self.sigma_scale, "positive")


class ChoiceModel(abc.ABC):
    """A fittable model: free parameters, a prior and per-trial action log-probabilities.

    Subclasses set ``name``, ``params``, ``prior`` and ``description`` and
    implement :meth:`log_probs` and :meth:`simulate`
    (:class:`AgentModel`, :class:`~kdgap_sim.fitting.RewardPunishmentModel`).
    Raw (unbounded) values map to bounded ones by ``low + (high - low) * link(raw)``.

    Example:
      >>> import jax.numpy as jnp, kdgap_sim as kd
      >>> model = kd.fitting.make_model("rw")
      >>> isinstance(model, kd.fitting.ChoiceModel), model.param_names
      (True, ('alpha_pos', 'beta'))
      >>> model.transform(jnp.zeros(2)).tolist()  # probit(0) = 0.5 of each range
      [0.5, 10.0]
    """

    name: str
    params: tuple[ParamSpec, ...]
    prior: Prior
    description: str
    per_context: bool = False

    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)

    def transform(self, raw: Array) -> Array:
        """Bounded parameters from raw values ``[..., n_params]``."""
        link = ndtr if self.prior.link == "probit" else phi_approx
        low = jnp.asarray([p.low for p in self.params], jnp.float32)
        high = jnp.asarray([p.high for p in self.params], jnp.float32)
        return low + (high - low) * link(raw)

    def for_log(self, log: ChoiceLog) -> ChoiceModel:
        """This model checked against ``log`` (and extended, e.g. for forced trials).

        Raises:
          ValueError: if the log lacks what the model needs (full feedback,
            rationales, gain/loss columns, a number of actions).
        """
        return self

    @abc.abstractmethod
    def log_probs(self, values: Array, data: LogArrays, n_contexts: int = 1) -> Array:
        """Log-probability of every action on every trial of one subject, ``[T, n_actions]``.

        Args:
          values: the subject's parameters, ``[n_params]``, in ``self.params`` order.
          data: one subject's :class:`LogArrays` (no leading subject axis).
          n_contexts: number of contexts (static); beliefs and habits are kept per context.
        """

    @abc.abstractmethod
    def simulate(self, key: PRNGKey, values: Array, task: Any, n_trials: int) -> dict[str, Array]:
        """Simulates one subject; returns ``choice``, ``reward`` (and ``outcomes``, ...) ``[T]``."""


def _take(tree: Any, index: Array) -> Any:
    return jax.tree_util.tree_map(lambda x: x[index], tree)


def _put(tree: Any, index: Array, value: Any) -> Any:
    return jax.tree_util.tree_map(lambda x, v: x.at[index].set(v), tree, value)


@dataclasses.dataclass(frozen=True)
class AgentModel(ChoiceModel):
    """A choice model given by an :class:`~kdgap_sim.agents.Agent` and a parameter map.

    Attributes:
      name: registry name.
      agent: the simulation agent whose functions define the likelihood.
      params: fitted parameters and the agent params they set.
      fixed: agent params held fixed, as ``(flat_name, value)`` pairs (e.g. ``q0``).
      prior: link and hyperprior scales.
      logged_rationale: build the actor's rationale from the log's rationale
        column (trials without one use the fallback actor alone).
      requires: what the log must contain: any of ``"full_feedback"``, ``"rationale"``.
      n_actions: the number of actions the model is defined for (None: any).
      forced_param: name of the rate fitted on forced trials when the log has
        some (None: such logs are refused).
      forced_by_sign: fit two rates on forced trials instead, ``alpha_forced_pos``
        and ``alpha_forced_neg`` (by the sign of the prediction error, for the
        chosen and any seen unchosen action), so that an asymmetry without agency
        can be measured; needs ``RescorlaWagner(asymmetric=True)`` without
        ``confirmation``. Equal rates reproduce the agent's own forced update.
      per_context: keep beliefs and habits per logged context (False: one set).
      unroll: ``lax.scan`` unroll factor over trials (a speed knob only).
      description: one line.

    Example:
      >>> import jax, jax.numpy as jnp, kdgap_sim as kd
      >>> from kdgap_sim.agents import Agent, RescorlaWagner, Softmax
      >>> model = kd.fitting.AgentModel(
      ...     name="my-rw", agent=Agent(RescorlaWagner(asymmetric=False), Softmax()),
      ...     params=(kd.fitting.ParamSpec("alpha", 0.0, 1.0, ("alpha_pos",)),
      ...             kd.fitting.ParamSpec("beta", 0.0, 10.0, ("beta",))))
      >>> float(model.agent_params(jnp.array([0.3, 2.0])).actor.beta)
      2.0
      >>> log = kd.fitting.ChoiceLog.from_arrays([[0, 1]], [[1.0, 0.0]], n_actions=2)
      >>> one = jax.tree_util.tree_map(lambda x: x[0], log.arrays())
      >>> jnp.exp(model.log_probs(jnp.array([0.3, 0.0]), one)).tolist()  # beta = 0: uniform
      [[0.5, 0.5], [0.5, 0.5]]
    """

    name: str
    agent: Agent
    params: tuple[ParamSpec, ...]
    fixed: tuple[tuple[str, float], ...] = ()
    prior: Prior = Prior()
    logged_rationale: bool = False
    requires: tuple[str, ...] = ()
    n_actions: int | None = None
    forced_param: str | None = "alpha_forced"
    forced_by_sign: bool = False
    per_context: bool = True
    unroll: int = 1
    description: str = ""

    def for_log(self, log: ChoiceLog) -> AgentModel:
        if not isinstance(log, ChoiceLog):
            raise TypeError(f"log must be a ChoiceLog, got {type(log).__name__}")
        if self.n_actions is not None and log.n_actions != self.n_actions:
            raise ValueError(
                f"model {self.name!r} is defined for {self.n_actions} actions, "
                f"the log has {log.n_actions} ({log.coding_note or 'coding given'}); if the log's "
                f"coding was misread, pass choice_base= / n_actions= (CLI: --choice-base, --n-actions)"
            )
        if "full_feedback" in self.requires and not log.has_full_feedback:
            raise ValueError(
                f"model {self.name!r} needs full feedback: add outcome_<a> columns "
                "(or unchosen_outcome for two actions) with the outcome of every action"
            )
        if "rationale" in self.requires and not log.has_rationale:
            raise ValueError(f"model {self.name!r} needs a 'rationale' column (the recommended action)")
        if log.has_forced and self.forced_by_sign:
            return self._with_forced_by_sign()
        if log.has_forced and self.forced_param not in self.param_names:
            if self.forced_param is None:
                raise ValueError(f"model {self.name!r} cannot fit logs with forced trials")
            spec = ParamSpec(self.forced_param, 0.0, 1.0, ("alpha_forced",),
                             "learning rate on forced (no-agency) trials")
            return dataclasses.replace(self, params=(*self.params, spec))
        return self

    def _with_forced_by_sign(self) -> AgentModel:
        predictor = self.agent.predictor
        if not (isinstance(predictor, RescorlaWagner) and predictor.asymmetric
                and not predictor.confirmation):
            raise ValueError(
                f"forced_by_sign needs RescorlaWagner(asymmetric=True, confirmation=False), "
                f"model {self.name!r} has {predictor!r}")
        if FORCED_BY_SIGN[0] in self.param_names:
            return self
        specs = tuple(ParamSpec(name, 0.0, 1.0, (), f"learning rate on forced (no-agency) trials, "
                                f"{sign} prediction error")
                      for name, sign in zip(FORCED_BY_SIGN, ("positive", "negative")))
        return dataclasses.replace(self, params=(*self.params, *specs))

    def agent_params(self, values: Array):
        """The agent's params with the fixed and fitted values set (``values``: ``[n_params]``)."""
        params = self.agent.default_params().replace(**dict(self.fixed))
        changes = {t: values[i] for i, spec in enumerate(self.params) for t in spec.targets}
        return params.replace(**changes)

    def log_probs(self, values: Array, data: LogArrays, n_contexts: int = 1) -> Array:
        agent = self.agent
        params = self.agent_params(values)
        n = data.outcomes.shape[-1]
        state = agent.init(n, params)
        if n_contexts > 1:
            state = jax.tree_util.tree_map(lambda x: jnp.broadcast_to(x, (n_contexts, *x.shape)), state)
        obs = jnp.int32(0)
        fallback = agent.actor.fallback if self.logged_rationale else None
        forced_params = None
        if self.forced_by_sign and FORCED_BY_SIGN[0] in self.param_names:
            pos, neg = (values[self.param_names.index(n)] for n in FORCED_BY_SIGN)
            forced_params = params.replace(alpha_pos=pos, alpha_neg=neg,
                                           alpha_unchosen_pos=pos, alpha_unchosen_neg=neg)

        def trial(states, x):
            current = _take(states, x.context) if n_contexts > 1 else states
            beliefs = agent.predictor.beliefs(current.predictor, obs, params.predictor)
            if self.logged_rationale:
                rationale = Rationale(jnp.maximum(x.rationale, 0), x.confidence, jnp.bool_(True))
            else:
                rationale = agent.predictor.recommend(
                    jax.random.key(0), current.predictor, obs, params.predictor)
            probs = agent.actor.action_probs(current.actor, beliefs, rationale, params.actor)
            if fallback is not None:
                alone = fallback.action_probs(current.actor, beliefs, rationale, params.actor.fallback)
                probs = jnp.where(x.rationale >= 0, probs, alone)
            feedback = Feedback(reward=x.reward, outcomes=x.outcomes)
            learned = agent.learn(current, obs, x.choice, feedback, x.forced, params)
            if forced_params is not None:  # forced trials: the free-choice rule with the forced rates
                by_sign = agent.learn(current, obs, x.choice, feedback, jnp.bool_(False), forced_params)
                learned = jax.tree_util.tree_map(lambda f, n: jnp.where(x.forced, f, n), by_sign, learned)
            states = _put(states, x.context, learned) if n_contexts > 1 else learned
            return states, jnp.log(jnp.maximum(probs, jnp.finfo(jnp.float32).tiny))

        _, log_probs = jax.lax.scan(trial, state, data, unroll=self.unroll)
        return log_probs

    def simulate(self, key: PRNGKey, values: Array, task: Any, n_trials: int) -> dict[str, Array]:
        """One subject on ``task = (env, env_params)``, via :func:`kdgap_sim.rollout`."""
        from kdgap_sim.rollout import rollout

        env, env_params = task
        out = rollout(key, env, env_params, self.agent, self.agent_params(values), n_trials,
                      record="trajectory")
        return {"choice": out.action, "reward": out.reward, "outcomes": out.outcomes,
                "rationale": out.rationale.action, "confidence": out.rationale.confidence}
