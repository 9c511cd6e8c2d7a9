r"""Fit choice models to choice logs with numpyro (NUTS or SVI), returning arviz InferenceData.

:func:`numpyro_model` is the joint density: the priors of
:mod:`kdgap_sim.fitting.models` (hierarchical non-centred, or independent per
subject) and, for each subject, the log-likelihood of the logged choices,

.. math:: \log p(c \mid \theta_i) = \sum_{t:\,\text{scored}} \log \pi_{\theta_i}(c_t \mid h_t),

computed by the model's scan (forced and padded trials score nothing).
:func:`fit` samples it (NUTS) or fits a Gaussian guide (SVI) and reports
R-hat, bulk ESS and divergences (:mod:`~kdgap_sim.fitting.diagnostics`, which
also warns when they are poor); one-step-ahead predictions live in
:mod:`~kdgap_sim.fitting.predictive` and PSIS-LOO comparison in
:mod:`~kdgap_sim.fitting.comparison`.

Source: Hoffman & Gelman (2014), JMLR 15:1593 (NUTS); Kucukelbir et al.
(2017), JMLR 18:1 (ADVI, the SVI guides).
"""

from __future__ import annotations

import functools
import time
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import numpyro
import numpyro.distributions as dist
from numpyro.infer import Predictive

from kdgap_sim import validation
from kdgap_sim.fitting._checks import check_model, check_scalar, check_values
from kdgap_sim.fitting.chains import chain_method_for
from kdgap_sim.logs.choice_log import ChoiceLog, LogArrays
from kdgap_sim.fitting.derivatives import DERIVATIVES, choose, forward_mode_per_subject
from kdgap_sim.fitting.diagnostics import RHAT_MAX, FitWarning, diagnostics, warn_if_poor, worst_mixing
from kdgap_sim.fitting.model_registry import make_model
from kdgap_sim.fitting.models import ChoiceModel
from kdgap_sim.fitting.predictive import add_posterior_predictive
from kdgap_sim.fitting.sampler import NutsSettings, sample_nuts
from kdgap_sim.fitting.svi import make_guide, svi_fit, warm_start
from kdgap_sim.types import Array, PRNGKey

METHODS = ("nuts", "svi")
CHAIN_METHODS = ("vectorized", "parallel", "sequential")
INITS = ("uniform", "svi")


def subject_log_lik(model: ChoiceModel, values: Array, arrays: LogArrays, n_contexts: int = 1,
                    *, derivatives: str = "auto") -> Array:
    r"""Log-likelihood of each subject's scored choices, ``[S]`` (``values``: ``[S, n_params]``).

    :math:`\ell_s = \sum_{t\ \mathrm{scored}} \log \pi_{\theta_s}(c_{s,t} \mid h_{s,t})`.

    ``derivatives`` chooses how its gradient with respect to ``values`` is
    computed; all give the same numbers. ``"forward"``: one forward-mode pass
    per parameter inside the trial scan
    (:func:`~kdgap_sim.fitting.derivatives.forward_mode_per_subject`; faster
    for up to ~100 RW+- subjects on CPU); ``"reverse"``: plain reverse-mode
    autodiff (2x faster for 1,000 subjects); ``"auto"``: forward up to
    :data:`~kdgap_sim.fitting.derivatives.FORWARD_MAX_SIZE` subject parameters.

    Example:
      >>> import jax.numpy as jnp, kdgap_sim as kd
      >>> log = kd.fitting.ChoiceLog.from_arrays([[0, 1, 1], [1, 0, 0]], [[1., 0., 1.], [0., 1., 0.]],
      ...                                        n_actions=2, n_trials=[3, 2])
      >>> model = kd.fitting.make_model("rw")
      >>> ll = kd.fitting.subject_log_lik(model, jnp.array([[0.3, 0.0], [0.3, 0.0]]), log.arrays())
      >>> [round(x, 4) for x in ll.tolist()]  # beta = 0: log(1/2) per logged trial
      [-2.0794, -1.3863]
    """
    validation.check_choice("derivatives", derivatives, DERIVATIVES)
    check_model(model)
    if not isinstance(arrays, LogArrays):
        raise TypeError(f"arrays must be LogArrays (log.arrays()), got {type(arrays).__name__}")
    if np.ndim(arrays.choice) != 2:
        raise ValueError("arrays must have a subject axis: arrays.choice must be [n_subjects, n_trials] "
                         f"(log.arrays(), not one subject's), got shape {np.shape(arrays.choice)}")
    validation.check_int("n_contexts", n_contexts, minimum=1)
    check_values(model, values, "values", n_subjects=np.shape(arrays.choice)[0])

    def one_subject(theta: Array, data: LogArrays) -> Array:
        log_probs = model.log_probs(theta, data, n_contexts)
        chosen = jnp.take_along_axis(log_probs, data.choice[..., None], axis=-1)[..., 0]
        return jnp.sum(jnp.where(data.scored, chosen, 0.0))

    if choose(derivatives, *values.shape[-2:]) == "forward":
        return forward_mode_per_subject(one_subject)(values, arrays)
    return jax.vmap(one_subject)(values, arrays)


PARAMETERIZATIONS = ("noncentered", "centered")


def centering(model: ChoiceModel, parameterization: str | dict[str, str | float] = "noncentered"
              ) -> tuple[float, ...]:
    """Per-parameter centring weights (1.0 centred, 0.0 non-centred) of ``parameterization``.

    ``parameterization``: ``"noncentered"`` (default), ``"centered"``, or a
    dict ``{param name: "centered" | "noncentered" | c}`` with ``c`` a weight in
    [0, 1] (partial centring, between the two; missing names: non-centred).

    Example:
      >>> import kdgap_sim as kd
      >>> kd.fitting.centering(kd.fitting.make_model("rw"), {"beta": "centered"})
      (0.0, 1.0)
      >>> kd.fitting.centering(kd.fitting.make_model("rw"), {"alpha_pos": 0.5})
      (0.5, 0.0)
    """
    names = model.param_names
    if isinstance(parameterization, str):
        validation.check_choice("parameterization", parameterization, PARAMETERIZATIONS)
        return tuple(float(parameterization == "centered") for _ in names)
    if not isinstance(parameterization, dict):
        raise TypeError("parameterization must be 'noncentered', 'centered' or a dict "
                        f"{{param: 'centered' | 'noncentered' | weight in [0, 1]}}, got {parameterization!r}")
    unknown = sorted(set(parameterization) - set(names))
    if unknown:
        raise ValueError(f"parameterization names unknown parameter(s) {unknown}; "
                         f"model {model.name!r} has {list(names)}")
    weights = {}
    for name, value in parameterization.items():
        if isinstance(value, str):
            validation.check_choice(f"parameterization[{name!r}]", value, PARAMETERIZATIONS)
            weights[name] = float(value == "centered")
        else:
            validation.check_in_domain(f"parameterization[{name!r}]", value, "unit")
            weights[name] = float(value)
    return tuple(weights.get(n, 0.0) for n in names)


def numpyro_model(arrays: LogArrays, *, model: ChoiceModel, hierarchical: bool, n_contexts: int = 1,
                  derivatives: str = "auto", centered: tuple[float, ...] | None = None):
    r"""The numpyro model: priors on raw parameters, bounded transforms, choice likelihood.

    Sites: ``mu_pr``, ``sigma`` (hierarchical only; ``[n_params]``), ``z``
    (``[S, n_params]``); deterministic ``mu_<name>`` (group level), ``<name>``
    (``[S]``) and ``log_lik`` (``[S]``); a factor ``choices``. ``derivatives``:
    how the likelihood's gradient is computed (see :func:`subject_log_lik`).

    ``centered`` (hierarchical only; from :func:`centering`): per parameter
    :math:`c_p \in [0, 1]`, the latent is
    :math:`z_{sp} \sim \mathcal N(c_p \mu_p, \sigma_p^{c_p})` and the raw value
    :math:`\mu_p + (z_{sp} - c_p\mu_p)\,\sigma_p^{1 - c_p}`: non-centred
    (:math:`z` standard normal, the default), centred (:math:`z` is the raw
    value itself) or partly centred in between, the same joint density of the raw values either way
    (Papaspiliopoulos, Roberts & Skold 2007, Statist. Sci. 22:59; numpyro's
    ``LocScaleReparam`` with ``centered`` = :math:`c`). Centring suits
    parameters the data pin down (a posterior much narrower than the group
    spread), non-centring those the data barely inform.

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
    if hierarchical and centered is not None and any(centered):
        c = jnp.asarray(centered, jnp.float32)
        mu_pr = numpyro.sample(
            "mu_pr", dist.Normal(0.0, model.prior.mu_scale).expand([n_params]).to_event(1))
        sigma = numpyro.sample(
            "sigma", dist.HalfNormal(model.prior.sigma_scale).expand([n_params]).to_event(1))
        with numpyro.plate("subject", n_subjects):
            z = numpyro.sample("z", dist.Normal(c * mu_pr, sigma**c).to_event(1))
        raw = mu_pr + (z - c * mu_pr) * sigma ** (1.0 - c)
    else:
        with numpyro.plate("subject", n_subjects):
            z = numpyro.sample("z", dist.Normal(0.0, 1.0).expand([n_params]).to_event(1))
    if hierarchical:
        if centered is None or not any(centered):
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
    log_lik = numpyro.deterministic("log_lik", subject_log_lik(model, values, arrays, n_contexts,
                                                                derivatives=derivatives))
    numpyro.factor("choices", jnp.sum(log_lik))


def _bind(model: ChoiceModel, log: ChoiceLog, hierarchical: bool, derivatives: str = "auto",
          centered: tuple[float, ...] | None = None):
    n_contexts = log.n_contexts if model.per_context else 1
    return functools.partial(numpyro_model, model=model, hierarchical=hierarchical,
                             n_contexts=n_contexts, derivatives=derivatives, centered=centered)


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


def _svi_start(key, arrays, numpyro_fn, log: ChoiceLog, model: ChoiceModel, hierarchical: bool,
               num_chains: int):
    """``(init_params, inverse_mass_matrix)`` for NUTS from :func:`warm_start`, or ``(None, None)``
    with a :class:`FitWarning` if the SVI fit diverged (NUTS then starts as with ``init="uniform"``)."""
    guide = make_guide(log.n_subjects, len(model.params), hierarchical, "normal", model.prior.sigma_scale)
    init_params, inverse_mass, losses = warm_start(key, arrays, numpyro_fn, guide, num_chains)
    finite = bool(np.isfinite(np.asarray(losses[-1]))) and bool(np.all(np.isfinite(np.asarray(inverse_mass))))
    if not finite:
        warnings.warn("init='svi': the SVI warm start diverged (non-finite ELBO); NUTS starts from "
                      "init_to_uniform instead", FitWarning, stacklevel=3)
        return None, None
    if num_chains == 1:
        init_params = {k: v[0] for k, v in init_params.items()}
    return init_params, inverse_mass


MIN_GROUP_SUBJECTS = 3
SVI_INTERVALS = ("point estimates only: SVI intervals are not calibrated (90% group intervals "
                 "covered the truth in 0.5-0.7 of recovery replicates); use method='nuts' for intervals")


def warn_if_uninformative(log: ChoiceLog, n_params: int) -> None:
    """Warns (:class:`FitWarning`) when ``log`` is too small to inform a hierarchical model's group level.

    The group standard deviations are estimated from the spread of subject
    parameters: with fewer than :data:`MIN_GROUP_SUBJECTS` subjects, or fewer
    scored trials than parameters per subject, their posterior is essentially the prior.
    """
    scored = int((log.mask & ~log.forced).sum())
    problems = []
    if log.n_subjects < MIN_GROUP_SUBJECTS:
        problems.append(f"{log.n_subjects} subject(s) (fewer than {MIN_GROUP_SUBJECTS})")
    if scored < n_params * log.n_subjects:
        problems.append(f"{scored} scored trial(s) for {n_params * log.n_subjects} subject parameters")
    if problems:
        warnings.warn(
            f"the log has {' and '.join(problems)}: the data cannot inform the group level of a "
            "hierarchical fit (its posterior is close to the prior); fit hierarchical=False "
            "(CLI: --no-hierarchical) or add subjects", FitWarning, stacklevel=3)


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
    derivatives: str = "auto",
    parameterization: str | dict[str, str] = "noncentered",
    compile_cache: bool = True,
    init: str = "uniform",
):
    """Fits ``model`` to ``log``; returns arviz ``InferenceData``.

    Groups: ``posterior`` (``mu_pr``, ``sigma``, ``z``, ``mu_<name>``,
    ``<name>[subject]``), ``log_likelihood`` (``choices[subject]``, for LOO),
    ``sample_stats`` (NUTS: ``diverging``, ``tree_depth``, ``n_steps`` (leapfrog steps), ``accept_prob``),
    ``observed_data`` and, with ``posterior_predictive_draws > 0``,
    ``posterior_predictive``. ``posterior.attrs`` holds the model name, the
    method, the wall time, the log's coding (``choice_base``, ``n_actions`` and
    ``coding``, the note of :func:`~kdgap_sim.logs.coding.infer_coding`)
    and the diagnostics of :func:`diagnostics`.

    Args:
      key: ``jax.random`` key.
      log: a :class:`~kdgap_sim.fitting.ChoiceLog`.
      model: a registry name (see :data:`~kdgap_sim.fitting.MODELS`) or a ChoiceModel.
      hierarchical: non-centred hierarchical prior (True) or independent subjects.
      method: ``"nuts"`` or ``"svi"`` (Adam on the ELBO; posterior draws from the guide).
        SVI gives **point estimates only**: its intervals are not calibrated
        (full-rank Gaussian guide, 90% group intervals covered the truth in
        0.5-0.7 of parameter-recovery replicates), and ``posterior.attrs["intervals"]``
        says so (:data:`SVI_INTERVALS`); use NUTS for intervals.
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
      progress_bar: numpyro's progress bar (numpyro itself keeps it off when the
        environment variable ``CI`` or ``PYTEST_XDIST_WORKER`` is set).
      warn: emit :class:`FitWarning` on R-hat > 1.01, bulk ESS < 100 per chain or divergences,
        and before fitting when a hierarchical fit's log is too small to inform
        the group level (:func:`warn_if_uninformative`).
      derivatives: ``"auto"`` (default), ``"forward"`` or ``"reverse"``: how the
        likelihood's gradient is computed (same values; see :func:`subject_log_lik`).
      parameterization: ``"noncentered"`` (default), ``"centered"`` or
        ``{param: "centered" | "noncentered"}`` for the subject level of a
        hierarchical fit (same posterior; see :func:`numpyro_model`). With a
        centred parameter, ``posterior["z"][..., p]`` is its raw (probit-scale)
        value rather than a standardised one.
      compile_cache: turn on JAX's persistent compilation cache (once per process,
        in the platform's cache folder; :func:`kdgap_sim.compile_cache.ensure_compile_cache`)
        so that a fit of the same shapes in a new process does not compile its
        sampler again. A cache folder set in JAX by the user is kept;
        ``KDGAP_COMPILE_CACHE=0`` or ``compile_cache=False`` leave the cache off.
      init: where NUTS starts. ``"uniform"`` (default): numpyro's
        ``init_to_uniform(2)`` and a unit metric. ``"svi"``: a 1,000-step
        mean-field SVI fit first gives each chain an overdispersed starting
        point and NUTS its starting diagonal metric
        (:func:`~kdgap_sim.fitting.svi.warm_start`); same posterior, far
        fewer warm-up leapfrog steps for large cohorts (1,000 subjects of
        RW+-: about 47 instead of 800-940 per iteration in early warm-up).

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
    validation.check_choice("init", init, INITS)
    validation.check_choice("derivatives", derivatives, DERIVATIVES)
    for name, value, low in (("num_warmup", num_warmup, 1), ("num_samples", num_samples, 1),
                             ("num_chains", num_chains, 1), ("max_tree_depth", max_tree_depth, 1),
                             ("svi_steps", svi_steps, 1),
                             ("posterior_predictive_draws", posterior_predictive_draws, 0)):
        validation.check_int(name, value, minimum=low)
    if not 0.0 < check_scalar("target_accept", target_accept, "real") < 1.0:
        raise ValueError(f"target_accept must lie in (0, 1), got {target_accept}")
    check_scalar("learning_rate", learning_rate, "positive")
    if not isinstance(compile_cache, bool):
        raise TypeError(f"compile_cache must be True or False, got {compile_cache!r}")
    model = make_model(model).for_log(log)
    store = None
    if compile_cache:
        from kdgap_sim.compile_cache import ensure_compile_cache

        store = ensure_compile_cache()
    centered = centering(model, parameterization)
    if warn and hierarchical:
        warn_if_uninformative(log, len(model.params))
    arrays = log.arrays()
    numpyro_fn = _bind(model, log, hierarchical, derivatives, centered if hierarchical else None)
    k_fit, k_draws, k_ppc = jax.random.split(key, 3)
    start = time.perf_counter()
    if method == "nuts":
        init_params, inverse_mass = None, None
        if init == "svi":
            init_params, inverse_mass = _svi_start(jax.random.fold_in(key, 3), arrays, numpyro_fn, log,
                                                   model, hierarchical, num_chains)
        settings = NutsSettings(num_warmup, num_samples, num_chains, float(target_accept), max_tree_depth)
        samples, extra, program = sample_nuts(
            k_fit, arrays, numpyro_fn, settings, chain_method=chain_method_for(chain_method, num_chains),
            progress_bar=progress_bar, init_params=init_params, inverse_mass=inverse_mass, store=store)
        stats = {"diverging": np.asarray(extra["diverging"]),
                 "tree_depth": np.log2(np.asarray(extra["num_steps"]) + 1).astype(np.int64),
                 "n_steps": np.asarray(extra["num_steps"]),
                 "accept_prob": np.asarray(extra["accept_prob"])}
        losses = None
    else:
        program = "svi"
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
             "fit_seconds": elapsed, "source": log.source, "choice_base": log.choice_base,
             "n_actions": log.n_actions, "coding": log.coding_note,
             "init": init if method == "nuts" else "svi-guide", "sampler_program": program,
             "parameterization": ",".join(f"{n}={'centered' if c else 'noncentered'}"
                                          for n, c in zip(model.param_names, centered)), **diag}
    if losses is not None:
        attrs["svi_final_loss"] = float(np.asarray(losses)[-100:].mean())
        attrs["intervals"] = SVI_INTERVALS
    idata.posterior.attrs.update(attrs)
    if warn and method == "nuts":
        worst = None
        if diag["max_rhat"] > RHAT_MAX:
            row = worst_mixing(idata, n=1)
            worst = f"{row.index[0]} (R-hat {row['r_hat'].iloc[0]:.3f})"
        warn_if_poor(diag, worst)
    if posterior_predictive_draws:
        add_posterior_predictive(k_ppc, idata, log, model, posterior_predictive_draws)
    return idata


