r"""The named choice models and their registry: ``make_model("asymmetric-rw")`` and friends.

Each native model is an :class:`~kdgap_sim.fitting.models.AgentModel` over a
simulation agent (``RescorlaWagner`` with a softmax, frequency-biased or
rationale-following actor), with the bounds and descriptions below and the
probit prior of :mod:`kdgap_sim.fitting.models`. :mod:`kdgap_sim.fitting.hbayesdm`
adds hBayesDM's bandit models through :func:`register_model`.

Source: Palminteri et al. (2017), PLoS Comput. Biol. 13:e1005684 (RW, RW+-,
four rates, confirmation); Schmied et al. (2025) (frequency bias).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kdgap_sim.agents.actors import FrequencyBiased, RationaleFollowing, Softmax
from kdgap_sim.agents.agent import Agent
from kdgap_sim.agents.predictors import RescorlaWagner
from kdgap_sim.fitting.models import AgentModel, ChoiceModel, ParamSpec, Prior
from kdgap_sim.registry import Registry

BOUNDS: dict[str, tuple[float, float]] = {
    "alpha_pos": (0.0, 1.0),
    "alpha_neg": (0.0, 1.0),
    "alpha_unchosen_pos": (0.0, 1.0),
    "alpha_unchosen_neg": (0.0, 1.0),
    "follow_prob": (0.0, 1.0),
    "beta": (0.0, 20.0),
    "kappa": (0.0, 5.0),
}
DESCRIPTIONS: dict[str, str] = {
    "alpha_pos": "learning rate, chosen action, positive prediction error",
    "alpha_neg": "learning rate, chosen action, negative prediction error",
    "alpha_unchosen_pos": "learning rate, unchosen action, positive prediction error",
    "alpha_unchosen_neg": "learning rate, unchosen action, negative prediction error",
    "follow_prob": "probability of taking the logged rationale's action (rho)",
    "beta": "softmax inverse temperature",
    "kappa": "frequency-bias (perseveration) strength on log(1 + count)",
}


def _native(name, predictor, actor, names, description, *, q0=0.5, bounds=None,
            sigma_scale=0.5, logged_rationale=False, requires=(), forced_by_sign=False) -> AgentModel:
    table = {**BOUNDS, **(bounds or {})}
    unknown = sorted(set(bounds or {}) - set(names))
    if unknown:
        raise ValueError(f"bounds given for {unknown}, which model {name!r} does not fit; it fits {list(names)}")
    for key, (low, high) in table.items():
        if not low < high:
            raise ValueError(f"bounds for {key!r} must satisfy low < high, got ({low}, {high})")
    specs = tuple(ParamSpec(n, *table[n], (n,), DESCRIPTIONS[n]) for n in names)
    return AgentModel(
        name=name, agent=Agent(predictor, actor), params=specs, fixed=(("q0", float(q0)),),
        prior=Prior("probit", 1.0, float(sigma_scale)), logged_rationale=logged_rationale,
        requires=tuple(requires), forced_by_sign=bool(forced_by_sign), description=description,
    )


def rw(**options) -> AgentModel:
    """Rescorla-Wagner, one learning rate, softmax: ``alpha_pos``, ``beta``."""
    return _native("rw", RescorlaWagner(asymmetric=False), Softmax(), ("alpha_pos", "beta"),
                   "Rescorla-Wagner (one rate) + softmax", **options)


def asymmetric_rw(**options) -> AgentModel:
    """RW+-: separate rates for positive and negative errors (optimism bias), softmax."""
    return _native("asymmetric-rw", RescorlaWagner(asymmetric=True), Softmax(),
                   ("alpha_pos", "alpha_neg", "beta"), "RW+- (two rates) + softmax", **options)


def full_feedback_rw(**options) -> AgentModel:
    """Four rates (chosen/unchosen x positive/negative), full feedback, softmax."""
    return _native("full-feedback-rw", RescorlaWagner(asymmetric=True, feedback="full"), Softmax(),
                   ("alpha_pos", "alpha_neg", "alpha_unchosen_pos", "alpha_unchosen_neg", "beta"),
                   "four-rate RW, full feedback + softmax", requires=("full_feedback",), **options)


def confirmation_rw(**options) -> AgentModel:
    """Confirmation model: ``alpha_pos`` for {chosen +, unchosen -}, ``alpha_neg`` for the rest."""
    return _native("confirmation-rw",
                   RescorlaWagner(asymmetric=True, feedback="full", confirmation=True), Softmax(),
                   ("alpha_pos", "alpha_neg", "beta"),
                   "confirmation RW (confirmatory/disconfirmatory rates), full feedback + softmax",
                   requires=("full_feedback",), **options)


def perseveration_rw(window: int = 1, **options) -> AgentModel:
    """RW with a frequency-biased softmax: bonus ``kappa*log(1+n_a)`` over the last ``window`` actions."""
    name = "perseveration-rw" if window == 1 else "frequency-rw"
    return _native(name, RescorlaWagner(asymmetric=False), FrequencyBiased(context_window=window),
                   ("alpha_pos", "beta", "kappa"),
                   f"RW + softmax with frequency bias over the last {window} action(s)", **options)


def frequency_rw(window: int = 20, **options) -> AgentModel:
    """:func:`perseveration_rw` with a 20-action context (Schmied et al. 2025's frequency bias)."""
    return perseveration_rw(window=window, **options)


def knowing_doing(**options) -> AgentModel:
    """Mixture: take the logged rationale's action with probability rho, else softmax on RW values."""
    return _native("knowing-doing", RescorlaWagner(asymmetric=False),
                   RationaleFollowing(fallback=Softmax()), ("alpha_pos", "beta", "follow_prob"),
                   "knowing-doing mixture: rho * 1[a = rationale] + (1 - rho) * softmax(beta Q)",
                   logged_rationale=True, requires=("rationale",), **options)


# Other names of registered models (not listed in MODELS, so nothing is fitted twice).
ALIASES: dict[str, str] = {"knowing-doing-mixture": "knowing-doing"}

MODELS = Registry("model", {
    "rw": rw,
    "asymmetric-rw": asymmetric_rw,
    "full-feedback-rw": full_feedback_rw,
    "confirmation-rw": confirmation_rw,
    "perseveration-rw": perseveration_rw,
    "frequency-rw": frequency_rw,
    "knowing-doing": knowing_doing,
}, aliases=ALIASES)


def register_model(name: str, factory: Callable[..., ChoiceModel]) -> None:
    """Adds a model factory under ``name`` (used by :mod:`kdgap_sim.fitting.hbayesdm`).

    Example:
      >>> import kdgap_sim as kd
      >>> kd.fitting.register_model("my-rw", lambda: kd.fitting.make_model("rw"))
      >>> kd.fitting.make_model("my-rw").param_names
      ('alpha_pos', 'beta')
      >>> del kd.fitting.MODELS["my-rw"]  # keep the registry as it was
    """
    MODELS[name] = factory


def make_model(name: str | ChoiceModel, **options: Any) -> ChoiceModel:
    """A model by registry name (options: ``q0``, ``bounds``, ``sigma_scale``, ``window``,
    ``forced_by_sign``).

    Example:
      >>> import kdgap_sim as kd
      >>> kd.fitting.make_model("asymmetric-rw").param_names
      ('alpha_pos', 'alpha_neg', 'beta')
      >>> log = kd.fitting.ChoiceLog.from_arrays([[0, 1]], [[1.0, 0.0]], n_actions=2,
      ...                                        forced=[[True, False]])
      >>> kd.fitting.make_model("asymmetric-rw", forced_by_sign=True).for_log(log).param_names
      ('alpha_pos', 'alpha_neg', 'beta', 'alpha_forced_pos', 'alpha_forced_neg')
    """
    if isinstance(name, ChoiceModel):
        if options:
            raise ValueError("options can only be given with a model name")
        return name
    factory = MODELS.get_entry(name)
    try:
        return factory(**options)
    except TypeError as err:
        raise ValueError(f"bad options {sorted(options)} for model {name!r}: {err}") from err
