r"""Parameter recovery: fit simulated populations, check interval coverage and correlations.

For each replicate, a population is drawn from the model's own hierarchical
prior (or given), every subject is simulated with the model's agent, the log
is fitted, and the central credible intervals of the group-level parameters
are checked against the truth, along with the correlation between true and
posterior-mean subject parameters. Because the truth is drawn from the
prior, exact inference covers it at exactly the nominal rate
(simulation-based calibration: Talts et al. 2018, arXiv 1804.06788), so the
coverage is a test of the inference, with a binomial sampling error.

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
from kdgap_sim.fitting._checks import check_values
from kdgap_sim.fitting.inference import numpyro_model
from kdgap_sim.fitting.model_registry import make_model
from kdgap_sim.fitting.models import ChoiceModel
from kdgap_sim.fitting.simulation import (
    Population,
    check_task,
    default_task,
    sample_population,
    simulate_arrays,
)
from kdgap_sim.fitting.svi import make_guide, svi_fit
from kdgap_sim.types import Array, PRNGKey


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
    check_task(model, task)
    k_pop, k_sim, k_fit = jax.random.split(key, 3)
    if populations is None:
        pops = jax.vmap(lambda k: sample_population(k, model, n_subjects))(
            jax.random.split(k_pop, n_replicates))
    else:
        pops = populations
        if pops.values.shape[:2] != (n_replicates, n_subjects):
            raise ValueError(f"populations.values must have shape [{n_replicates}, {n_subjects}, P], "
                             f"got {pops.values.shape}")
        check_values(model, np.reshape(pops.values, (n_replicates * n_subjects, -1)),
                     "populations.values (replicates x subjects flattened)")
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
