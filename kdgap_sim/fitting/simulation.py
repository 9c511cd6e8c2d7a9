r"""Simulated populations and choice logs: the truth that recovery studies fit back.

A :class:`Population` is drawn from a model's own hierarchical prior
(:math:`\mu \sim N(0, 1)`, :math:`\sigma \sim N^+(0, s)`, :math:`x_i = \mu +
\sigma z_i`) or placed at chosen group values (:func:`population_at`); every
subject is then simulated with the model's agent (``ChoiceModel.simulate``,
i.e. :func:`kdgap_sim.rollout` for agent models) on a task
(:func:`default_task`), giving :class:`~kdgap_sim.fitting.LogArrays`
(:func:`simulate_arrays`, vmappable) or a validated
:class:`~kdgap_sim.fitting.ChoiceLog` (:func:`simulate_log`).

Source: Wilson & Collins (2019), eLife 8:e49547 (simulate before fitting).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from kdgap_sim import validation
from kdgap_sim.fitting._checks import check_model, check_scalar, check_values
from kdgap_sim.envs.bandit import BernoulliBandit
from kdgap_sim.logs.choice_log import ChoiceLog, LogArrays
from kdgap_sim.fitting.hbayesdm import GainLossTask, RewardPunishmentModel, check_gain_loss_task
from kdgap_sim.fitting.horizon_model import HorizonChoiceModel
from kdgap_sim.fitting.model_registry import make_model
from kdgap_sim.fitting.models import AgentModel, ChoiceModel
from kdgap_sim.types import Array, PRNGKey


class Population(NamedTuple):
    """True parameters: group ``mu_pr``, ``sigma`` ``[P]`` and subject ``values`` ``[S, P]``.

    Example:
      >>> import jax, kdgap_sim as kd
      >>> pop = kd.fitting.sample_population(jax.random.key(0), kd.fitting.make_model("rw"), 3)
      >>> pop.mu_pr.shape, pop.sigma.shape, pop.values.shape
      ((2,), (2,), (3, 2))
    """

    mu_pr: Array
    sigma: Array
    values: Array


def sample_population(key: PRNGKey, model: ChoiceModel, n_subjects: int) -> Population:
    r"""Draws a population from ``model``'s hierarchical prior (unbatched; vmap over keys).

    :math:`\mu \sim N(0, s_\mu)`, :math:`\sigma \sim N^+(0, s_\sigma)`,
    :math:`x_i = \mathrm{transform}(\mu + \sigma z_i)`, :math:`z_i \sim N(0, 1)`.

    Example:
      >>> import jax, kdgap_sim as kd
      >>> model = kd.fitting.make_model("rw")
      >>> pop = kd.fitting.sample_population(jax.random.key(0), model, 4)
      >>> pop.values.shape
      (4, 2)
      >>> bool(((pop.values >= 0.0) & (pop.values <= jax.numpy.array([1.0, 20.0]))).all())
      True
    """
    validation.check_key(key, "key")
    check_model(model)
    validation.check_int("n_subjects", n_subjects, minimum=1)
    k_mu, k_sigma, k_z = jax.random.split(key, 3)
    n_params = len(model.params)
    mu_pr = model.prior.mu_scale * jax.random.normal(k_mu, (n_params,))
    sigma = jnp.abs(model.prior.sigma_scale * jax.random.normal(k_sigma, (n_params,)))
    z = jax.random.normal(k_z, (n_subjects, n_params))
    return Population(mu_pr, sigma, model.transform(mu_pr + sigma * z))


def population_at(key: PRNGKey, model: ChoiceModel, group: dict[str, float], sigma: float,
                  n_subjects: int) -> Population:
    """A population whose group-level (median) values are ``group`` and raw spread ``sigma``.

    Only for models with the exact probit link (the native models): ``mu_pr =
    Phi^{-1}((theta - low) / (high - low))``.

    Example:
      >>> import jax, kdgap_sim as kd
      >>> model = kd.fitting.make_model("rw")
      >>> pop = kd.fitting.population_at(jax.random.key(0), model,
      ...                                {"alpha_pos": 0.3, "beta": 5.0}, sigma=0.0, n_subjects=2)
      >>> [[round(x, 3) for x in row] for row in pop.values.tolist()]  # sigma 0: every subject at the group values
      [[0.3, 5.0], [0.3, 5.0]]
    """
    validation.check_key(key, "key")
    check_model(model)
    validation.check_int("n_subjects", n_subjects, minimum=1)
    if not isinstance(group, Mapping):
        raise TypeError(f"group must be a dict of values by parameter name, got {type(group).__name__}")
    validation.check_unknown_keys("group", group, model.param_names)
    validation.check_in_domain("sigma", sigma, "nonnegative")
    if model.prior.link != "probit":
        raise ValueError(f"population_at needs a probit-link model, {model.name!r} uses {model.prior.link}")
    missing = sorted(set(model.param_names) - set(group))
    if missing:
        raise ValueError(f"group values missing for {missing}")
    mu = []
    for spec in model.params:
        theta = check_scalar(f"group[{spec.name!r}]", group[spec.name], "real")
        u = (theta - spec.low) / (spec.high - spec.low)
        if not 0.0 < u < 1.0:
            raise ValueError(f"group value of {spec.name} must lie strictly inside "
                             f"({spec.low}, {spec.high}), got {group[spec.name]}")
        mu.append(float(jax.scipy.special.ndtri(u)))
    mu_pr = jnp.asarray(mu, jnp.float32)
    sigmas = jnp.full_like(mu_pr, sigma)
    z = jax.random.normal(key, (n_subjects, len(mu)))
    return Population(mu_pr, sigmas, model.transform(mu_pr + sigmas * z))


def default_task(model: ChoiceModel, n_actions: int = 2) -> Any:
    """A task to simulate ``model`` on.

    Agent models: a Bernoulli bandit with probabilities evenly spaced in
    [0.2, 0.8] (two arms: 0.2 and 0.8). ``wilson-horizon``: the horizon task
    (``HorizonTask`` with the model's ``n_forced`` and ``horizons``). ``bandit4arm_4par``: a
    :class:`GainLossTask` with gain probabilities (0.6, 0.45, 0.35, 0.5) and
    loss probabilities (0.3, 0.45, 0.5, 0.25).

    Example:
      >>> import kdgap_sim as kd
      >>> env, env_params = kd.fitting.default_task(kd.fitting.make_model("rw"))
      >>> env.n_actions, [round(p, 2) for p in env_params.probs.tolist()]
      (2, [0.2, 0.8])
      >>> type(kd.fitting.default_task(kd.fitting.bandit4arm_4par())).__name__
      'GainLossTask'
    """
    if isinstance(model, HorizonChoiceModel):
        from kdgap_sim.envs.horizon_task import HorizonTask

        env = HorizonTask(n_forced=model.n_forced, horizons=model.horizons)
        return env, env.default_params()
    if isinstance(model, AgentModel):
        n = model.n_actions or n_actions
        env = BernoulliBandit(n_arms=n)
        return env, env.default_params().replace(probs=jnp.linspace(0.2, 0.8, n).astype(jnp.float32))
    return GainLossTask(p_gain=jnp.array([0.6, 0.45, 0.35, 0.5]),
                        p_loss=jnp.array([0.3, 0.45, 0.5, 0.25]))


def _n_actions(task: Any) -> int:
    if isinstance(task, GainLossTask):
        return int(task.p_gain.shape[-1])
    return task[0].n_actions


def check_task(model: ChoiceModel, task: Any) -> None:
    """Raises TypeError/ValueError unless ``task`` is what ``model.simulate`` takes.

    ``wilson-horizon`` takes ``(HorizonTask, HorizonTaskParams)`` of its design;
    agent models take ``(env, env_params)`` (an environment with ``n_actions``,
    matching the model's own ``n_actions`` if it has one); hBayesDM's
    ``bandit4arm_4par`` takes a :class:`GainLossTask`; other models are not checked.
    """
    if isinstance(model, HorizonChoiceModel):
        from kdgap_sim.envs.horizon_task import HorizonTask

        if not (isinstance(task, tuple) and len(task) == 2 and isinstance(task[0], HorizonTask)):
            raise TypeError(f"task for model {model.name!r} must be a tuple (HorizonTask, HorizonTaskParams), "
                            f"e.g. kd.fitting.default_task(model); got {type(task).__name__}")
        env, env_params = task
        if (env.n_forced, env.horizons) != (model.n_forced, model.horizons):
            raise ValueError(f"task has n_forced={env.n_forced}, horizons={env.horizons}; model "
                             f"{model.name!r} has n_forced={model.n_forced}, horizons={model.horizons}")
        env.validate_params(env_params, "task[1]")
    elif isinstance(model, AgentModel):
        if not (isinstance(task, tuple) and len(task) == 2 and hasattr(task[0], "n_actions")):
            raise TypeError(f"task for model {model.name!r} must be a tuple (env, env_params), "
                            f"e.g. kd.fitting.default_task(model); got {type(task).__name__}")
        if model.n_actions is not None and task[0].n_actions != model.n_actions:
            raise ValueError(f"task has {task[0].n_actions} actions, model {model.name!r} "
                             f"is defined for {model.n_actions}")
    elif isinstance(model, RewardPunishmentModel):
        if not isinstance(task, GainLossTask):
            raise TypeError(f"task for model {model.name!r} must be a GainLossTask "
                            f"(e.g. kd.fitting.default_task(model)), got {type(task).__name__}")
        check_gain_loss_task(task)


def simulate_arrays(key: PRNGKey, model: ChoiceModel, values: Array, task: Any, n_trials: int) -> LogArrays:
    """Simulates every subject (``values``: ``[S, P]``) and packs the result as :class:`LogArrays`.

    Example:
      >>> import jax, jax.numpy as jnp, kdgap_sim as kd
      >>> model = kd.fitting.make_model("rw")
      >>> arrays = kd.fitting.simulate_arrays(jax.random.key(0), model, jnp.array([[0.3, 5.0], [0.5, 1.0]]),
      ...                                     kd.fitting.default_task(model), n_trials=6)
      >>> arrays.choice.shape, bool(arrays.scored.all())
      ((2, 6), True)
      >>> bool(jnp.isin(arrays.reward, jnp.array([0.0, 1.0])).all())  # Bernoulli rewards
      True
    """
    validation.check_key(key, "key")
    check_model(model)
    check_values(model, values)
    check_task(model, task)
    validation.check_int("n_trials", n_trials, minimum=1)
    keys = jax.random.split(key, values.shape[0])
    sim = jax.vmap(lambda k, v: model.simulate(k, v, task, n_trials))(keys, values)
    choice = sim["choice"].astype(jnp.int32)
    n = _n_actions(task)
    zeros = jnp.zeros(choice.shape, jnp.float32)
    forced = sim.get("forced", jnp.zeros(choice.shape, bool)).astype(bool)
    outcomes = sim.get("outcomes", jax.nn.one_hot(choice, n) * sim["reward"][..., None])
    return LogArrays(
        choice=choice, reward=sim["reward"].astype(jnp.float32), outcomes=outcomes.astype(jnp.float32),
        gain=sim.get("gain", zeros), loss=sim.get("loss", zeros),
        forced=forced, scored=~forced,
        context=jnp.zeros(choice.shape, jnp.int32),
        rationale=sim.get("rationale", jnp.full(choice.shape, -1, jnp.int32)).astype(jnp.int32),
        confidence=sim.get("confidence", zeros).astype(jnp.float32),
    )


def simulate_log(key: PRNGKey, model: str | ChoiceModel, values: Any, n_trials: int,
                 task: Any = None) -> ChoiceLog:
    """A validated :class:`ChoiceLog` simulated from ``values`` ``[S, P]`` (``model.param_names`` order).

    Example:
      >>> import jax, jax.numpy as jnp, kdgap_sim as kd
      >>> log = kd.fitting.simulate_log(jax.random.key(0), "asymmetric-rw",
      ...                               jnp.array([[0.4, 0.1, 5.0]]), n_trials=50)
      >>> log.n_subjects, log.max_trials
      (1, 50)
    """
    validation.check_key(key, "key")
    model = make_model(model)
    validation.check_int("n_trials", n_trials, minimum=1)
    check_values(model, values)
    values = jnp.asarray(values, jnp.float32)
    task = default_task(model) if task is None else task
    check_task(model, task)
    a = jax.tree_util.tree_map(np.asarray, simulate_arrays(key, model, values, task, n_trials))
    needs = getattr(model, "requires", ())
    return ChoiceLog.from_arrays(
        a.choice, a.reward, n_actions=_n_actions(task),
        outcomes=a.outcomes if "full_feedback" in needs else None,
        rationale=a.rationale if getattr(model, "logged_rationale", False) else None,
        forced=a.forced if bool(np.asarray(a.forced).any()) else None,
        gain=a.gain if not isinstance(model, (AgentModel, HorizonChoiceModel)) else None,
        loss=a.loss if not isinstance(model, (AgentModel, HorizonChoiceModel)) else None,
    )
