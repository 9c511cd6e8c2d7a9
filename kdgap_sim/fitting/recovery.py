r"""Parameter and model recovery: simulate from known parameters with the same agent, fit, compare.

Parameter recovery draws, for each replicate, a population from the model's
own hierarchical prior (:math:`\mu \sim N(0, 1)`, :math:`\sigma \sim N^+(0,
s)`, :math:`x_i = \mu + \sigma z_i`), simulates every subject with the
model's agent (``ChoiceModel.simulate``, i.e. :func:`kdgap_sim.rollout` for
agent models), fits, and reports the coverage of the central credible
intervals of the group-level parameters and the correlation between true and
posterior-mean subject parameters. Because the truth is drawn from the prior,
exact inference covers it at exactly the nominal rate (simulation-based
calibration: Talts et al. 2018, arXiv 1804.06788), so the coverage is a test
of the inference, with a binomial sampling error.

Model recovery simulates from each model and fits every candidate; the
confusion matrix counts which candidate has the highest PSIS-LOO ELPD
(Wilson & Collins 2019, eLife 8:e49547).

Simulation and, with ``method="svi"``, fitting are ``vmap``-ed over
replicates in one ``jit``; with ``method="nuts"`` one compiled sampler is
reused across replicates (``jit_model_args``).
"""

from __future__ import annotations

import functools
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from numpyro.infer import MCMC, NUTS

from kdgap_sim import validation
from kdgap_sim.envs.bandit import BernoulliBandit
from kdgap_sim.fitting.data import ChoiceLog, LogArrays
from kdgap_sim.fitting.hbayesdm import GainLossTask
from kdgap_sim.fitting.inference import numpyro_model, subject_log_lik
from kdgap_sim.fitting.models import AgentModel, ChoiceModel, make_model
from kdgap_sim.fitting.svi import make_guide, svi_fit
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
    if model.prior.link != "probit":
        raise ValueError(f"population_at needs a probit-link model, {model.name!r} uses {model.prior.link}")
    missing = sorted(set(model.param_names) - set(group))
    if missing:
        raise ValueError(f"group values missing for {missing}")
    mu = []
    for spec in model.params:
        u = (float(group[spec.name]) - spec.low) / (spec.high - spec.low)
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
    [0.2, 0.8] (two arms: 0.2 and 0.8). ``bandit4arm_4par``: a
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
    keys = jax.random.split(key, values.shape[0])
    sim = jax.vmap(lambda k, v: model.simulate(k, v, task, n_trials))(keys, values)
    choice = sim["choice"].astype(jnp.int32)
    n = _n_actions(task)
    zeros = jnp.zeros(choice.shape, jnp.float32)
    outcomes = sim.get("outcomes", jax.nn.one_hot(choice, n) * sim["reward"][..., None])
    return LogArrays(
        choice=choice, reward=sim["reward"].astype(jnp.float32), outcomes=outcomes.astype(jnp.float32),
        gain=sim.get("gain", zeros), loss=sim.get("loss", zeros),
        forced=jnp.zeros(choice.shape, bool), scored=jnp.ones(choice.shape, bool),
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
    values = jnp.asarray(values, jnp.float32)
    if values.ndim != 2 or values.shape[1] != len(model.params):
        raise ValueError(f"values must have shape [n_subjects, {len(model.params)}] "
                         f"({', '.join(model.param_names)}), got {values.shape}")
    for i, spec in enumerate(model.params):
        column = np.asarray(values[:, i])
        if (column < spec.low).any() or (column > spec.high).any() or np.isnan(column).any():
            raise ValueError(f"values[:, {i}] ({spec.name}) must lie in [{spec.low}, {spec.high}], "
                             f"got {column}")
    task = default_task(model) if task is None else task
    a = jax.tree_util.tree_map(np.asarray, simulate_arrays(key, model, values, task, n_trials))
    needs = getattr(model, "requires", ())
    return ChoiceLog.from_arrays(
        a.choice, a.reward, n_actions=_n_actions(task),
        outcomes=a.outcomes if "full_feedback" in needs else None,
        rationale=a.rationale if getattr(model, "logged_rationale", False) else None,
        gain=a.gain if not isinstance(model, AgentModel) else None,
        loss=a.loss if not isinstance(model, AgentModel) else None,
    )


class RecoveryResult(NamedTuple):
    """Outcome of :func:`parameter_recovery` (``R`` replicates, ``S`` subjects, ``P`` params).

    Attributes:
      param_names: the model's parameter names.
      true_mu_pr: true group raw means ``[R, P]``; ``true_group`` the bounded
        group values ``[R, P]``; ``true_values`` subject values ``[R, S, P]``.
      group_interval: central ``level`` credible interval of each bounded
        group value ``[R, P, 2]``; ``group_mean`` its posterior mean ``[R, P]``.
      covered: whether the interval covers the truth ``[R, P]``.
      subject_mean: posterior-mean subject values ``[R, S, P]``;
        ``subject_covered`` coverage of the subjects' intervals ``[R, S, P]``.
      level: the nominal coverage.

    Example:
      A hand-made result (:func:`parameter_recovery` returns one):

      >>> import numpy as np, kdgap_sim as kd
      >>> res = kd.fitting.RecoveryResult(
      ...     param_names=("beta",), true_mu_pr=np.zeros((2, 1)), true_group=np.full((2, 1), 10.0),
      ...     true_values=np.array([[[8.0], [12.0]], [[9.0], [11.0]]]),
      ...     group_interval=np.array([[[9.0, 11.0]], [[10.5, 12.0]]]), group_mean=np.array([[10.0], [11.0]]),
      ...     covered=np.array([[True], [False]]), subject_mean=np.array([[[7.5], [12.5]], [[9.5], [10.5]]]),
      ...     subject_covered=np.ones((2, 2, 1), bool), level=0.9)
      >>> res.coverage()
      {'beta': 0.5}
      >>> round(res.correlation()["beta"], 3)
      0.965
    """

    param_names: tuple[str, ...]
    true_mu_pr: np.ndarray
    true_group: np.ndarray
    true_values: np.ndarray
    group_interval: np.ndarray
    group_mean: np.ndarray
    covered: np.ndarray
    subject_mean: np.ndarray
    subject_covered: np.ndarray
    level: float

    def coverage(self) -> dict[str, float]:
        """Fraction of replicates whose group interval covers the truth, per parameter."""
        return {n: float(self.covered[:, i].mean()) for i, n in enumerate(self.param_names)}

    def correlation(self) -> dict[str, float]:
        """Pearson correlation of true and posterior-mean subject values, pooled over replicates."""
        out = {}
        for i, n in enumerate(self.param_names):
            x, y = self.true_values[..., i].ravel(), self.subject_mean[..., i].ravel()
            out[n] = float(np.corrcoef(x, y)[0, 1]) if x.std() > 0 and y.std() > 0 else float("nan")
        return out

    def table(self) -> str:
        """A plain-text table: coverage, its binomial standard error, correlation."""
        cov, cor = self.coverage(), self.correlation()
        n = self.covered.shape[0]
        se = np.sqrt(self.level * (1 - self.level) / n)
        lines = [f"{'param':<20}{'coverage':>10}{'nominal':>9}{'se':>7}{'corr':>8}"]
        for name in self.param_names:
            lines.append(f"{name:<20}{cov[name]:>10.3f}{self.level:>9.2f}{se:>7.3f}{cor[name]:>8.3f}")
        return "\n".join(lines)


def _quantiles(draws: Array, level: float) -> Array:
    tail = (1.0 - level) / 2.0
    return jnp.stack([jnp.quantile(draws, tail, axis=0), jnp.quantile(draws, 1 - tail, axis=0)], -1)


def _summaries(model, mu_pr_draws, value_draws, level):
    group = model.transform(mu_pr_draws)
    return (_quantiles(group, level), group.mean(0), value_draws.mean(0), _quantiles(value_draws, level))


def _svi_replicates(keys, model, arrays, *, steps, learning_rate, n_draws, level, guide="auto"):
    S = arrays.choice.shape[1]
    numpyro_fn = functools.partial(numpyro_model, model=model, hierarchical=True, n_contexts=1)
    gaussian = make_guide(S, len(model.params), True, guide, model.prior.sigma_scale)

    def one(key, data):
        k_fit, k_draw = jax.random.split(key)
        params, _ = svi_fit(k_fit, data, numpyro_fn, gaussian, steps=steps, learning_rate=learning_rate)
        lat = gaussian.sample(k_draw, params, n_draws)
        values = model.transform(lat.mu_pr[:, None, :] + lat.sigma[:, None, :] * lat.z)
        return _summaries(model, lat.mu_pr, values, level)

    return jax.jit(jax.vmap(one))(keys, arrays)


def _nuts_replicates(keys, model, arrays, *, num_warmup, num_samples, num_chains, level):
    numpyro_fn = functools.partial(numpyro_model, model=model, hierarchical=True, n_contexts=1)
    mcmc = MCMC(NUTS(numpyro_fn), num_warmup=num_warmup, num_samples=num_samples,
                num_chains=num_chains, chain_method="vectorized", progress_bar=False,
                jit_model_args=True)
    outs = []
    for r in range(keys.shape[0]):
        data = jax.tree_util.tree_map(lambda x: x[r], arrays)
        mcmc.run(keys[r], data)
        s = mcmc.get_samples()
        values = jnp.stack([s[n] for n in model.param_names], axis=-1)
        outs.append(_summaries(model, s["mu_pr"], values, level))
    return jax.tree_util.tree_map(lambda *x: jnp.stack(x), *outs)


def parameter_recovery(
    key: PRNGKey,
    model: str | ChoiceModel,
    n_replicates: int = 20,
    n_subjects: int = 20,
    n_trials: int = 100,
    *,
    task: Any = None,
    method: str = "nuts",
    level: float = 0.9,
    svi_steps: int = 2000,
    learning_rate: float = 0.02,
    n_draws: int = 1000,
    num_warmup: int = 500,
    num_samples: int = 500,
    num_chains: int = 2,
    populations: Population | None = None,
) -> RecoveryResult:
    """Simulates ``n_replicates`` populations from the prior, fits each hierarchically, scores recovery.

    ``populations`` (leaves with a leading replicate axis, e.g. from
    ``vmap(population_at)``) replaces the draws from the prior.

    ``method="nuts"`` (default) gives intervals whose coverage is a test of the
    inference; ``method="svi"`` is much faster (vmapped over replicates) but
    its Gaussian-guide intervals are approximate and typically too narrow, so
    use it for correlations and signs, not for coverage.

    Example:
      >>> import jax, kdgap_sim as kd
      >>> res = kd.fitting.parameter_recovery(  # doctest: +SKIP
      ...     jax.random.key(0), "rw", n_replicates=20, n_subjects=20, n_trials=100)
      >>> print(res.table())  # doctest: +SKIP
    """
    validation.check_key(key, "key")
    for name, value in (("n_replicates", n_replicates), ("n_subjects", n_subjects),
                        ("n_trials", n_trials)):
        validation.check_int(name, value, minimum=1)
    validation.check_choice("method", method, ("svi", "nuts"))
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must lie in (0, 1), got {level}")
    model = make_model(model)
    task = default_task(model) if task is None else task
    k_pop, k_sim, k_fit = jax.random.split(key, 3)
    if populations is None:
        pops = jax.vmap(lambda k: sample_population(k, model, n_subjects))(
            jax.random.split(k_pop, n_replicates))
    else:
        pops = populations
        if pops.values.shape[:2] != (n_replicates, n_subjects):
            raise ValueError(f"populations.values must have shape [{n_replicates}, {n_subjects}, P], "
                             f"got {pops.values.shape}")
    arrays = jax.jit(jax.vmap(lambda k, v: simulate_arrays(k, model, v, task, n_trials)))(
        jax.random.split(k_sim, n_replicates), pops.values)
    fit_keys = jax.random.split(k_fit, n_replicates)
    if method == "svi":
        out = _svi_replicates(fit_keys, model, arrays, steps=svi_steps, learning_rate=learning_rate,
                              n_draws=n_draws, level=level)
    else:
        out = _nuts_replicates(fit_keys, model, arrays, num_warmup=num_warmup,
                               num_samples=num_samples, num_chains=num_chains, level=level)
    interval, group_mean, subject_mean, subject_interval = (np.asarray(x) for x in out)
    true_group = np.asarray(model.transform(pops.mu_pr))
    true_values = np.asarray(pops.values)
    return RecoveryResult(
        param_names=model.param_names,
        true_mu_pr=np.asarray(pops.mu_pr),
        true_group=true_group,
        true_values=true_values,
        group_interval=interval,
        group_mean=group_mean,
        covered=(interval[..., 0] <= true_group) & (true_group <= interval[..., 1]),
        subject_mean=subject_mean,
        subject_covered=((subject_interval[..., 0] <= true_values)
                         & (true_values <= subject_interval[..., 1])),
        level=level,
    )


def _elpd_loo(log_lik: np.ndarray) -> float:
    """PSIS-LOO ELPD from draws of per-subject log-likelihoods ``[draws, S]``."""
    import arviz as az

    idata = az.from_dict(posterior={"_": np.zeros((1, log_lik.shape[0]))},
                         log_likelihood={"choices": log_lik[None]})
    return float(az.loo(idata).elpd_loo)


def model_recovery(
    key: PRNGKey,
    models: list[str | ChoiceModel],
    n_replicates: int = 10,
    n_subjects: int = 20,
    n_trials: int = 100,
    *,
    task: Any = None,
    svi_steps: int = 2000,
    learning_rate: float = 0.02,
    n_draws: int = 500,
) -> tuple[np.ndarray, tuple[str, ...]]:
    """Confusion matrix ``[generating, selected]`` (row fractions) of model selection by PSIS-LOO.

    Each generating model simulates ``n_replicates`` populations from its
    prior on a shared ``task``; every candidate is fitted (SVI, vmapped over
    replicates) and the one with the highest ELPD is selected. The guide's
    draws stand in for posterior draws in PSIS-LOO (an approximation; the
    Pareto-k diagnostics of arviz flag where it is poor).

    Example:
      Skipped in the doctests: it compiles one SVI fit per generating x
      candidate pair, about 30 s even at this size.

      >>> import jax, kdgap_sim as kd
      >>> confusion, names = kd.fitting.model_recovery(  # doctest: +SKIP
      ...     jax.random.key(0), ["rw", "asymmetric-rw"], n_replicates=1, n_subjects=2,
      ...     n_trials=10, svi_steps=10, n_draws=20)
      >>> names, confusion.shape, confusion.sum(axis=1).tolist()  # doctest: +SKIP
      (('rw', 'asymmetric-rw'), (2, 2), [1.0, 1.0])
    """
    validation.check_key(key, "key")
    built = [make_model(m) for m in models]
    if len(built) < 2:
        raise ValueError("model_recovery needs at least two models")
    names = tuple(m.name for m in built)
    task = default_task(built[0]) if task is None else task
    confusion = np.zeros((len(built), len(built)))
    for g, generator in enumerate(built):
        k_g = jax.random.fold_in(key, g)
        pops = jax.vmap(lambda k: sample_population(k, generator, n_subjects))(
            jax.random.split(jax.random.fold_in(k_g, 0), n_replicates))
        arrays = jax.jit(jax.vmap(lambda k, v: simulate_arrays(k, generator, v, task, n_trials)))(
            jax.random.split(jax.random.fold_in(k_g, 1), n_replicates), pops.values)
        elpd = np.zeros((n_replicates, len(built)))
        for c, candidate in enumerate(built):
            fn = functools.partial(numpyro_model, model=candidate, hierarchical=True, n_contexts=1)
            gaussian = make_guide(n_subjects, len(candidate.params), True, "auto",
                                  candidate.prior.sigma_scale)

            def one(k, data, candidate=candidate, fn=fn, gaussian=gaussian):
                k_fit, k_draw = jax.random.split(k)
                params, _ = svi_fit(k_fit, data, fn, gaussian, steps=svi_steps,
                                    learning_rate=learning_rate)
                lat = gaussian.sample(k_draw, params, n_draws)
                values = candidate.transform(lat.mu_pr[:, None, :] + lat.sigma[:, None, :] * lat.z)
                return jax.vmap(lambda v: subject_log_lik(candidate, v, data))(values)

            log_lik = jax.jit(jax.vmap(one))(
                jax.random.split(jax.random.fold_in(k_g, 2 + c), n_replicates), arrays)
            elpd[:, c] = [_elpd_loo(np.asarray(ll)) for ll in log_lik]
        winners = elpd.argmax(axis=1)
        confusion[g] = np.bincount(winners, minlength=len(built)) / n_replicates
    return confusion, names

