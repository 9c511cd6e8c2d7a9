"""Parameter recovery: simulate with the same agent, fit, compare with the truth."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from kdgap_sim.fitting import Population, make_model, parameter_recovery, population_at


def _binomial_band(n: int, p: float, n_se: float = 4.0) -> float:
    """n_se binomial standard errors of a proportion over n independent replicates."""
    return n_se * math.sqrt(p * (1.0 - p) / n)


@pytest.mark.slow  # ~20 s; runs in .ci/run's slow stage (default suite < 5 min)
def test_sign_of_learning_rate_asymmetry_is_recovered():
    # Four populations with |mu_alpha_pos - mu_alpha_neg| >= 0.1, both signs, 20 subjects
    # x 150 trials each, fitted with SVI (full-rank Gaussian guide), vmapped over populations.
    model = make_model("asymmetric-rw")
    groups = [(0.45, 0.25), (0.25, 0.45), (0.35, 0.2), (0.2, 0.3)]
    n_subjects = 20
    keys = jax.random.split(jax.random.key(11), len(groups))
    pops = [population_at(k, model, {"alpha_pos": a, "alpha_neg": b, "beta": 6.0}, 0.3, n_subjects)
            for k, (a, b) in zip(keys, groups)]
    populations = Population(*(jnp.stack(x) for x in zip(*pops)))
    res = parameter_recovery(jax.random.key(12), model, n_replicates=len(groups),
                             n_subjects=n_subjects, n_trials=150, populations=populations,
                             method="svi", svi_steps=1500)
    true_diff = res.true_group[:, 0] - res.true_group[:, 1]
    fitted_diff = res.group_mean[:, 0] - res.group_mean[:, 1]
    np.testing.assert_array_equal(np.sign(fitted_diff), np.sign(true_diff))
    # Subject level: among subjects whose own |difference| >= 0.1, the posterior-mean sign
    # agrees far more often than chance (0.5 + 4 binomial standard errors).
    subj_true = res.true_values[..., 0] - res.true_values[..., 1]
    subj_fit = res.subject_mean[..., 0] - res.subject_mean[..., 1]
    eligible = np.abs(subj_true) >= 0.1
    agree = (np.sign(subj_true) == np.sign(subj_fit))[eligible]
    assert agree.size >= 30
    assert agree.mean() > 0.5 + _binomial_band(agree.size, 0.5)


@pytest.mark.slow
def test_group_interval_coverage_small():
    # Simulation-based calibration, small: truths drawn from the prior, NUTS posterior (one
    # compiled sampler reused), central 90% intervals of the group values. 12 replicates x
    # 2 parameters (24 Bernoulli trials): |coverage - 0.9| within 4 binomial s.e. (0.245).
    # SVI's too-narrow intervals (about 0.5-0.7) would fail this.
    res = parameter_recovery(jax.random.key(5), "rw", n_replicates=12, n_subjects=4,
                             n_trials=40, method="nuts", num_warmup=200, num_samples=200,
                             num_chains=1)
    coverage = float(res.covered.mean())
    assert abs(coverage - 0.9) <= _binomial_band(res.covered.size, 0.9)


@pytest.mark.slow
def test_group_interval_coverage_nominal():
    # 40 replicates x 3 parameters of hierarchical RW+- with NUTS: coverage of the group-level
    # 90% intervals within 4 binomial standard errors of 0.9 (120 intervals: +-0.110; per
    # parameter, 40 intervals: +-0.190).
    res = parameter_recovery(jax.random.key(7), "asymmetric-rw", n_replicates=40, n_subjects=8,
                             n_trials=100, method="nuts", num_warmup=300, num_samples=300,
                             num_chains=1)
    print(res.table())
    assert abs(float(res.covered.mean()) - 0.9) <= _binomial_band(res.covered.size, 0.9)
    for name, c in res.coverage().items():
        assert abs(c - 0.9) <= _binomial_band(40, 0.9), name
