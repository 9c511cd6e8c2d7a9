r"""Fit choice models to choice logs with numpyro (NUTS or SVI), returning arviz InferenceData.

:func:`numpyro_model` is the joint density: the priors of
:mod:`kdgap_sim.fitting.models` (hierarchical non-centred, or independent per
subject) and, for each subject, the log-likelihood of the logged choices,

.. math:: \log p(c \mid \theta_i) = \sum_{t:\,\text{scored}} \log \pi_{\theta_i}(c_t \mid h_t),

computed by the model's scan (forced and padded trials score nothing).
:func:`fit` samples it and reports R-hat, bulk ESS and divergences (and warns
when they are poor); :func:`posterior_predictive` draws one-step-ahead choices
(hBayesDM's ``y_pred``); :func:`compare` ranks fits by PSIS-LOO with one
subject as the unit left out.

Source: Hoffman & Gelman (2014), JMLR 15:1593 (NUTS); Vehtari, Gelman & Gabry
(2017), Stat. Comput. 27:1413 (PSIS-LOO); Vehtari et al. (2021), Bayesian
Analysis 16:667 (rank-normalised R-hat, bulk ESS).
"""

from __future__ import annotations

import functools
import time
import warnings
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import numpyro
import numpyro.distributions as dist
from numpyro.infer import MCMC, NUTS, Predictive

from kdgap_sim import validation
from kdgap_sim.fitting.chains import chain_method_for
from kdgap_sim.fitting.data import ChoiceLog, LogArrays
from kdgap_sim.fitting.model_registry import make_model
from kdgap_sim.fitting.models import ChoiceModel
from kdgap_sim.fitting.svi import make_guide, svi_fit
from kdgap_sim.types import Array, PRNGKey

METHODS = ("nuts", "svi")
CHAIN_METHODS = ("vectorized", "parallel", "sequential")
RHAT_MAX = 1.01


class FitWarning(UserWarning):
    """Poor convergence: R-hat above 1.01, low bulk ESS or divergent transitions.

    Emitted by :func:`fit` (NUTS, ``warn=True``); filter or raise it with the
    :mod:`warnings` machinery.

    Example:
      >>> import warnings, kdgap_sim as kd
      >>> issubclass(kd.fitting.FitWarning, UserWarning)
      True
      >>> with warnings.catch_warnings(record=True) as caught:
      ...     warnings.simplefilter("always")
      ...     warnings.warn("poor convergence", kd.fitting.FitWarning)
      >>> caught[0].category.__name__
      'FitWarning'
    """


def subject_log_lik(model: ChoiceModel, values: Array, arrays: LogArrays, n_contexts: int = 1) -> Array:
    r"""Log-likelihood of each subject's scored choices, ``[S]`` (``values``: ``[S, n_params]``).

    :math:`\ell_s = \sum_{t\ \mathrm{scored}} \log \pi_{\theta_s}(c_{s,t} \mid h_{s,t})`.

    Example:
      >>> import jax.numpy as jnp, kdgap_sim as kd
      >>> log = kd.fitting.ChoiceLog.from_arrays([[0, 1, 1], [1, 0, 0]], [[1., 0., 1.], [0., 1., 0.]],
      ...                                        n_actions=2, n_trials=[3, 2])
      >>> model = kd.fitting.make_model("rw")
      >>> ll = kd.fitting.subject_log_lik(model, jnp.array([[0.3, 0.0], [0.3, 0.0]]), log.arrays())
      >>> [round(x, 4) for x in ll.tolist()]  # beta = 0: log(1/2) per logged trial
      [-2.0794, -1.3863]
    """
    log_probs = jax.vmap(lambda v, d: model.log_probs(v, d, n_contexts))(values, arrays)
    chosen = jnp.take_along_axis(log_probs, arrays.choice[..., None], axis=-1)[..., 0]
    return jnp.sum(jnp.where(arrays.scored, chosen, 0.0), axis=-1)


def numpyro_model(arrays: LogArrays, *, model: ChoiceModel, hierarchical: bool, n_contexts: int = 1):
    """The numpyro model: priors on raw parameters, bounded transforms, choice likelihood.

    Sites: ``mu_pr``, ``sigma`` (hierarchical only; ``[n_params]``), ``z``
    (``[S, n_params]``); deterministic ``mu_<name>`` (group level), ``<name>``
    (``[S]``) and ``log_lik`` (``[S]``); a factor ``choices``.

    Example:
      >>> import functools, kdgap_sim as kd
      >>> from numpyro.handlers import seed, trace
      >>> log = kd.fitting.ChoiceLog.from_arrays([[0, 1, 1], [1, 0, 0]], [[1., 0., 1.], [0., 1., 0.]],
      ...                                        n_actions=2, n_trials=[3, 2])
      >>> fn = functools.partial(kd.fitting.numpyro_model, model=kd.fitting.make_model("rw"),
      ...                        hierarchical=True)
      >>> sites = trace(seed(fn, 0)).get_trace(log.arrays())
      >>> sorted(sites)  # 'subject' is the plate
      ['alpha_pos', 'beta', 'choices', 'log_lik', 'mu_alpha_pos', 'mu_beta', 'mu_pr', 'sigma', 'subject', 'z']
      >>> sites["z"]["value"].shape, sites["log_lik"]["value"].shape
      ((2, 2), (2,))
    """
    n_params = len(model.params)
    n_subjects = arrays.choice.shape[0]
    with numpyro.plate("subject", n_subjects):
        z = numpyro.sample("z", dist.Normal(0.0, 1.0).expand([n_params]).to_event(1))
    if hierarchical:
        mu_pr = numpyro.sample(
            "mu_pr", dist.Normal(0.0, model.prior.mu_scale).expand([n_params]).to_event(1))
        sigma = numpyro.sample(
            "sigma", dist.HalfNormal(model.prior.sigma_scale).expand([n_params]).to_event(1))
        raw = mu_pr + sigma * z
        group = model.transform(mu_pr)
        for i, spec in enumerate(model.params):
            numpyro.deterministic(f"mu_{spec.name}", group[i])
    else:
        raw = z
    values = model.transform(raw)
    for i, spec in enumerate(model.params):
        numpyro.deterministic(spec.name, values[:, i])
    log_lik = numpyro.deterministic("log_lik", subject_log_lik(model, values, arrays, n_contexts))
    numpyro.factor("choices", jnp.sum(log_lik))


def _bind(model: ChoiceModel, log: ChoiceLog, hierarchical: bool):
    n_contexts = log.n_contexts if model.per_context else 1
    return functools.partial(numpyro_model, model=model, hierarchical=hierarchical,
                             n_contexts=n_contexts)


def _dims(model: ChoiceModel, hierarchical: bool) -> dict[str, list[str]]:
    dims = {"z": ["subject", "param"], "log_lik": ["subject"]}
    if hierarchical:
        dims.update(mu_pr=["param"], sigma=["param"])
    dims.update({spec.name: ["subject"] for spec in model.params})
    return dims


def _to_idata(samples, log: ChoiceLog, model: ChoiceModel, hierarchical: bool, sample_stats=None):
    import arviz as az

    samples = {k: np.asarray(v) for k, v in samples.items()}
    log_lik = samples.pop("log_lik")
    dims = _dims(model, hierarchical)
    return az.from_dict(
        posterior=samples,
        sample_stats=sample_stats,
        log_likelihood={"choices": log_lik},
        observed_data={"choice": np.where(log.mask, log.choice, -1)},
        coords={"subject": list(log.subjects), "param": list(model.param_names),
                "trial": np.arange(log.max_trials)},
        dims={**dims, "choices": ["subject"], "choice": ["subject", "trial"]},
    )


def diagnostics(idata) -> dict[str, float]:
    """Max R-hat and min bulk ESS over all posterior variables (``log_lik`` aside), divergences.

    R-hat needs two or more chains (NaN otherwise); ``n_divergent`` is NaN
    without NUTS ``sample_stats``. Rank-normalised R-hat and bulk ESS: Vehtari
    et al. (2021), Bayesian Analysis 16:667 (arXiv 1903.08008).

    Example:
      >>> import numpy as np, arviz as az, kdgap_sim as kd
      >>> draws = np.random.default_rng(0).normal(size=(2, 500))  # 2 well-mixed chains
      >>> diag = kd.fitting.diagnostics(az.from_dict(posterior={"mu_beta": draws}))
      >>> diag["n_chains"], diag["n_draws"], diag["max_rhat"] < 1.01, diag["min_ess_bulk"] > 500
      (2.0, 500.0, True, True)
    """
    import arviz as az

    names = [v for v in idata.posterior.data_vars if v not in ("log_lik",)]
    n_chains = idata.posterior.sizes["chain"]
    out: dict[str, float] = {"n_chains": float(n_chains), "n_draws": float(idata.posterior.sizes["draw"])}
    if n_chains > 1:
        rhat = az.rhat(idata, var_names=names)
        out["max_rhat"] = float(max(float(rhat[v].max()) for v in rhat.data_vars))
    else:
        out["max_rhat"] = float("nan")
    ess = az.ess(idata, var_names=names, method="bulk")
    out["min_ess_bulk"] = float(min(float(ess[v].min()) for v in ess.data_vars))
    stats = getattr(idata, "sample_stats", None)
    if stats is not None and "diverging" in stats:
        out["n_divergent"] = float(stats["diverging"].sum())
    else:
        out["n_divergent"] = float("nan")
    return out


def _warn(diag: dict[str, float]) -> None:
    problems = []
    if diag["max_rhat"] > RHAT_MAX:
        problems.append(f"max R-hat {diag['max_rhat']:.3f} > {RHAT_MAX}")
    if diag["min_ess_bulk"] < 100 * diag["n_chains"]:
        problems.append(f"min bulk ESS {diag['min_ess_bulk']:.0f} < 100 per chain")
    if diag["n_divergent"] > 0:
        problems.append(f"{int(diag['n_divergent'])} divergent transitions")
    if problems:
        warnings.warn("poor convergence: " + "; ".join(problems) +
                      " (run longer, raise target_accept, or reparameterise)", FitWarning,
                      stacklevel=3)


def fit(
    key: PRNGKey,
    log: ChoiceLog,
    model: str | ChoiceModel = "asymmetric-rw",
    hierarchical: bool = True,
    method: str = "nuts",
    *,
    num_warmup: int = 1000,
    num_samples: int = 1000,
    num_chains: int = 4,
    chain_method: str = "vectorized",
    target_accept: float = 0.8,
    max_tree_depth: int = 10,
    svi_steps: int = 3000,
    learning_rate: float = 0.02,
    guide: str = "auto",
    posterior_predictive_draws: int = 0,
    progress_bar: bool = False,
    warn: bool = True,
):
    """Fits ``model`` to ``log``; returns arviz ``InferenceData``.

    Groups: ``posterior`` (``mu_pr``, ``sigma``, ``z``, ``mu_<name>``,
    ``<name>[subject]``), ``log_likelihood`` (``choices[subject]``, for LOO),
    ``sample_stats`` (NUTS: ``diverging``, ``tree_depth``, ``n_steps`` (leapfrog steps), ``accept_prob``),
    ``observed_data`` and, with ``posterior_predictive_draws > 0``,
    ``posterior_predictive``. ``posterior.attrs`` holds the model name, the
    method, the wall time and the diagnostics of :func:`diagnostics`.

    Args:
      key: ``jax.random`` key.
      log: a :class:`~kdgap_sim.fitting.ChoiceLog`.
      model: a registry name (see :data:`~kdgap_sim.fitting.MODELS`) or a ChoiceModel.
      hierarchical: non-centred hierarchical prior (True) or independent subjects.
      method: ``"nuts"`` or ``"svi"`` (Adam on the ELBO; posterior draws from the guide).
      num_warmup, num_samples, num_chains, chain_method: NUTS settings.
        ``"vectorized"`` runs all chains as one batch on one device;
        ``"parallel"`` spreads them over the JAX devices (on CPU, make cores
        devices with ``numpyro.set_host_device_count`` before JAX starts):
        one chain per device, or, with fewer devices than chains, equal
        groups of vectorized chains per device (:func:`spread_chains`), or
        all vectorized on a single device; ``"sequential"`` runs one after another.
      target_accept, max_tree_depth: NUTS step-size target and tree depth.
      svi_steps, learning_rate, guide: SVI settings (``guide``: ``"auto"``,
        ``"multivariate-normal"`` or ``"normal"``, see
        :func:`~kdgap_sim.fitting.svi.make_guide`); ``num_samples`` draws are taken from the guide.
      posterior_predictive_draws: if > 0, adds one-step-ahead predicted choices.
      progress_bar: numpyro's progress bar.
      warn: emit :class:`FitWarning` on R-hat > 1.01, bulk ESS < 100 per chain or divergences.

    Example:
      >>> import jax, kdgap_sim as kd
      >>> log = kd.fitting.ChoiceLog.from_arrays([[0, 1, 1, 1]], [[0., 1., 1., 0.]], n_actions=2)
      >>> idata = kd.fitting.fit(jax.random.key(0), log, "rw", hierarchical=False,
      ...                        method="svi", svi_steps=50, num_samples=20)
      >>> sorted(idata.posterior["alpha_pos"].dims)
      ['chain', 'draw', 'subject']
    """
    validation.check_key(key, "key")
    if not isinstance(log, ChoiceLog):
        raise TypeError(f"log must be a ChoiceLog (e.g. ChoiceLog.load(path)), got {type(log).__name__}")
    if not isinstance(hierarchical, bool):
        raise TypeError(f"hierarchical must be True or False, got {hierarchical!r}")
    validation.check_choice("method", method, METHODS)
    validation.check_choice("chain_method", chain_method, CHAIN_METHODS)
    for name, value, low in (("num_warmup", num_warmup, 1), ("num_samples", num_samples, 1),
                             ("num_chains", num_chains, 1), ("max_tree_depth", max_tree_depth, 1),
                             ("svi_steps", svi_steps, 1),
                             ("posterior_predictive_draws", posterior_predictive_draws, 0)):
        validation.check_int(name, value, minimum=low)
    if not 0.0 < float(target_accept) < 1.0:
        raise ValueError(f"target_accept must lie in (0, 1), got {target_accept}")
    if not float(learning_rate) > 0.0:
        raise ValueError(f"learning_rate must be > 0, got {learning_rate}")
    model = make_model(model).for_log(log)
    arrays = log.arrays()
    numpyro_fn = _bind(model, log, hierarchical)
    k_fit, k_draws, k_ppc = jax.random.split(key, 3)
    start = time.perf_counter()
    if method == "nuts":
        kernel = NUTS(numpyro_fn, target_accept_prob=float(target_accept), max_tree_depth=max_tree_depth)
        mcmc = MCMC(kernel, num_warmup=num_warmup, num_samples=num_samples, num_chains=num_chains,
                    chain_method=chain_method_for(chain_method, num_chains), progress_bar=progress_bar)
        mcmc.run(k_fit, arrays, extra_fields=("diverging", "num_steps", "accept_prob"))
        samples = mcmc.get_samples(group_by_chain=True)
        extra = mcmc.get_extra_fields(group_by_chain=True)
        stats = {"diverging": np.asarray(extra["diverging"]),
                 "tree_depth": np.log2(np.asarray(extra["num_steps"]) + 1).astype(np.int64),
                 "n_steps": np.asarray(extra["num_steps"]),
                 "accept_prob": np.asarray(extra["accept_prob"])}
        losses = None
    else:
        gaussian = make_guide(log.n_subjects, len(model.params), hierarchical, guide,
                              model.prior.sigma_scale)
        sites = ["log_lik", *(f"mu_{n}" for n in model.param_names if hierarchical), *model.param_names]

        @jax.jit
        def fit_and_draw(k_fit, k_draws, arrays):
            params, losses = svi_fit(k_fit, arrays, numpyro_fn, gaussian, steps=svi_steps,
                                     learning_rate=float(learning_rate))
            latents = {name: v for name, v in gaussian.sample(k_draws, params, num_samples)._asdict().items()
                       if v is not None}
            derived = Predictive(numpyro_fn, posterior_samples=latents, return_sites=sites)(k_draws, arrays)
            return losses, {**latents, **derived}

        losses, draws = fit_and_draw(k_fit, k_draws, arrays)
        if not np.isfinite(np.asarray(losses[-1])):
            raise ValueError("SVI diverged (non-finite ELBO); lower learning_rate")
        samples = {k: np.asarray(v)[None] for k, v in draws.items()}
        stats = None
    elapsed = time.perf_counter() - start
    idata = _to_idata(samples, log, model, hierarchical, stats)
    diag = diagnostics(idata)
    attrs = {"model": model.name, "hierarchical": int(hierarchical), "method": method,
             "fit_seconds": elapsed, "source": log.source, **diag}
    if losses is not None:
        attrs["svi_final_loss"] = float(np.asarray(losses)[-100:].mean())
    idata.posterior.attrs.update(attrs)
    if warn and method == "nuts":
        _warn(diag)
    if posterior_predictive_draws:
        add_posterior_predictive(k_ppc, idata, log, model, posterior_predictive_draws)
    return idata


def subject_values(idata, model: ChoiceModel, n_draws: int | None = None) -> np.ndarray:
    """Posterior draws of every subject's parameters, ``[draws, S, n_params]`` (evenly thinned)."""
    post = idata.posterior
    stacked = np.stack([np.asarray(post[n]).reshape(-1, post.sizes["subject"])
                        for n in model.param_names], axis=-1)
    if n_draws is not None and n_draws < stacked.shape[0]:
        stacked = stacked[np.linspace(0, stacked.shape[0] - 1, n_draws).astype(int)]
    return stacked


def posterior_predictive(key: PRNGKey, idata, log: ChoiceLog, model: str | ChoiceModel,
                         n_draws: int = 100) -> dict[str, np.ndarray]:
    r"""One-step-ahead posterior predictive choices (hBayesDM's ``y_pred``).

    For each of ``n_draws`` posterior draws, each trial's choice is drawn from
    :math:`\pi_\theta(\cdot \mid h_t)`, where the history :math:`h_t` is the
    *logged* one. Returns ``choice`` ``[draws, S, T]`` (-1 on padding) and the
    posterior-mean action probabilities ``probs`` ``[S, T, K]``.

    Example:
      >>> import jax, numpy as np, arviz as az, kdgap_sim as kd
      >>> log = kd.fitting.ChoiceLog.from_arrays([[0, 1, 1], [1, 0, 0]], [[1., 0., 1.], [0., 1., 0.]],
      ...                                        n_actions=2, n_trials=[3, 2])
      >>> idata = az.from_dict(  # 10 draws of "rw" parameters (a fit would give these)
      ...     posterior={"alpha_pos": np.full((1, 10, 2), 0.3), "beta": np.zeros((1, 10, 2))},
      ...     coords={"subject": list(log.subjects)}, dims={"alpha_pos": ["subject"], "beta": ["subject"]})
      >>> pred = kd.fitting.posterior_predictive(jax.random.key(0), idata, log, "rw", n_draws=5)
      >>> pred["choice"].shape, pred["choice"][:, 1, 2].tolist()  # subject 1 has 2 trials
      ((5, 2, 3), [-1, -1, -1, -1, -1])
      >>> np.allclose(pred["probs"], 0.5)  # beta = 0: uniform
      True
    """
    validation.check_key(key, "key")
    validation.check_int("n_draws", n_draws, minimum=1)
    model = make_model(model).for_log(log)
    values = jnp.asarray(subject_values(idata, model, n_draws), jnp.float32)
    arrays = log.arrays()
    n_contexts = log.n_contexts if model.per_context else 1
    log_probs_fn = jax.jit(jax.vmap(lambda v, d: model.log_probs(v, d, n_contexts)))

    def one_draw(carry, inputs):
        k, v = inputs
        logp = log_probs_fn(v, arrays)
        return carry + jnp.exp(logp), jax.random.categorical(k, logp).astype(jnp.int32)

    keys = jax.random.split(key, values.shape[0])
    zero = jnp.zeros((*arrays.choice.shape, log.n_actions), jnp.float32)
    total, choices = jax.lax.scan(one_draw, zero, (keys, values))
    mask = log.mask
    return {"choice": np.where(mask, np.asarray(choices), -1),
            "probs": np.asarray(total) / values.shape[0]}


def add_posterior_predictive(key: PRNGKey, idata, log: ChoiceLog, model, n_draws: int = 100):
    """Adds :func:`posterior_predictive` choices to ``idata`` as group ``posterior_predictive``.

    Example:
      >>> import jax, kdgap_sim as kd
      >>> log = kd.fitting.ChoiceLog.from_arrays([[0, 1, 1, 1]], [[0., 1., 1., 0.]], n_actions=2)
      >>> idata = kd.fitting.fit(jax.random.key(0), log, "rw", hierarchical=False,
      ...                        method="svi", svi_steps=50, num_samples=20)
      >>> idata = kd.fitting.add_posterior_predictive(jax.random.key(1), idata, log, "rw", n_draws=4)
      >>> idata.posterior_predictive["choice"].dims, idata.posterior_predictive["choice"].shape
      (('chain', 'draw', 'subject', 'trial'), (1, 4, 1, 4))
    """
    draws = posterior_predictive(key, idata, log, model, n_draws)
    idata.add_groups(
        posterior_predictive={"choice": draws["choice"][None]},
        coords={"subject": list(log.subjects), "trial": np.arange(log.max_trials)},
        dims={"choice": ["subject", "trial"]},
    )
    return idata


def loo(idata):
    """PSIS-LOO with one subject left out at a time (``arviz.loo``, pointwise).

    Pareto-smoothed importance sampling LOO: Vehtari, Gelman & Gabry (2017),
    Stat. Comput. 27:1413 (arXiv 1507.04544).

    Example:
      >>> import numpy as np, arviz as az, kdgap_sim as kd
      >>> log_lik = -2.0 + 0.01 * np.random.default_rng(0).normal(size=(1, 200, 3))
      >>> idata = az.from_dict(posterior={"beta": np.zeros((1, 200))},
      ...                      log_likelihood={"choices": log_lik})
      >>> res = kd.fitting.loo(idata)
      >>> res.loo_i.shape, round(float(res.elpd_loo), 1)  # 3 subjects at log-lik -2
      ((3,), -6.0)
    """
    import arviz as az

    return az.loo(idata, pointwise=True)


def compare(fits: dict[str, Any]):
    """Ranks fits of the same log by PSIS-LOO (``arviz.compare``); a pandas DataFrame.

    Example:
      >>> import numpy as np, arviz as az, kdgap_sim as kd
      >>> rng = np.random.default_rng(0)
      >>> def fake_fit(mean):  # what fit() stores: per-subject log-likelihood draws
      ...     return az.from_dict(
      ...         posterior={"beta": np.zeros((1, 200))},
      ...         log_likelihood={"choices": mean + 0.01 * rng.normal(size=(1, 200, 3))},
      ...         coords={"subject": ["a", "b", "c"]}, dims={"choices": ["subject"]})
      >>> table = kd.fitting.compare({"worse": fake_fit(-3.0), "better": fake_fit(-1.0)})
      >>> list(table.index), int(table.loc["better", "rank"])
      (['better', 'worse'], 0)
    """
    import arviz as az

    if not isinstance(fits, dict) or len(fits) < 2:
        raise ValueError("compare needs a dict of at least two named InferenceData fits")
    subjects = {name: tuple(idata.log_likelihood["choices"].coords["subject"].values.tolist())
                for name, idata in fits.items()}
    if len(set(subjects.values())) != 1:
        raise ValueError("compare needs fits of the same log (the subjects differ)")
    return az.compare(fits, ic="loo")
