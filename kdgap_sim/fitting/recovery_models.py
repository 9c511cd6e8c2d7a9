r"""Model recovery: simulate from each model, fit every candidate, count which one PSIS-LOO selects.

The confusion matrix ``[generating, selected]`` shows whether the models can
be told apart on a task at a given size (Wilson & Collins 2019, eLife
8:e49547); ELPD by PSIS-LOO with one subject left out at a time (Vehtari,
Gelman & Gabry 2017, arXiv 1507.04544).
"""

from __future__ import annotations

import functools
from typing import Any

import jax
import numpy as np

from kdgap_sim import validation
from kdgap_sim.fitting._checks import check_scalar
from kdgap_sim.fitting.inference import numpyro_model, subject_log_lik
from kdgap_sim.fitting.model_registry import make_model
from kdgap_sim.fitting.models import ChoiceModel
from kdgap_sim.fitting.simulation import check_task, default_task, sample_population, simulate_arrays
from kdgap_sim.fitting.svi import make_guide, svi_fit
from kdgap_sim.types import PRNGKey


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
    if isinstance(models, (str, ChoiceModel)) or not isinstance(models, (list, tuple)):
        raise TypeError(f"models must be a list of model names or ChoiceModels, got {models!r}")
    for name, value in (("n_replicates", n_replicates), ("n_subjects", n_subjects),
                        ("n_trials", n_trials), ("svi_steps", svi_steps), ("n_draws", n_draws)):
        validation.check_int(name, value, minimum=1)
    check_scalar("learning_rate", learning_rate, "positive")
    built = [make_model(m) for m in models]
    if len(built) < 2:
        raise ValueError("model_recovery needs at least two models")
    names = tuple(m.name for m in built)
    if len(set(names)) < len(names):
        raise ValueError(f"models must be distinct, got {list(names)}")
    task = default_task(built[0]) if task is None else task
    for generator in built:
        check_task(generator, task)
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
