"""fit(init="svi"): NUTS started from a mean-field SVI fit (points and metric); same posterior."""

import functools

import jax
import jax.numpy as jnp
import numpy as np
import numpyro
import numpyro.distributions as dist
import pytest
from jax.flatten_util import ravel_pytree
from numpyro.infer.util import initialize_model

import kdgap_sim as kd
from kdgap_sim.fitting import FitWarning, fit, numpyro_model
from kdgap_sim.fitting.inference import _svi_start
from kdgap_sim.fitting.svi import make_guide, svi_fit, warm_start


def _rw_log(n_subjects, n_trials, seed=0):
    model = kd.fitting.make_model("rw")
    population = kd.fitting.sample_population(jax.random.key(seed), model, n_subjects)
    return kd.fitting.simulate_log(jax.random.key(seed + 1), model, population.values, n_trials)


def test_warm_start_points_and_metric_are_in_numpyros_layout():
    log = _rw_log(5, 30)
    fn = functools.partial(numpyro_model, model=kd.fitting.make_model("rw"), hierarchical=True)
    guide = make_guide(5, 2, True, "normal")
    init, inverse_mass, losses = warm_start(jax.random.key(0), log.arrays(), fn, guide, 3, steps=200)
    assert init["z"].shape == (3, 5, 2) and init["mu_pr"].shape == (3, 2) and init["sigma"].shape == (3, 2)
    assert losses.shape == (200,) and bool(jnp.all(jnp.isfinite(losses)))
    # The same SVI fit (warm_start splits its key into fit and draw keys) gives the guide's scales;
    # numpyro's own ravelling of its unconstrained latents must put each variance at its latent.
    params, _ = svi_fit(jax.random.split(jax.random.key(0))[0], log.arrays(), fn, guide, steps=200,
                        learning_rate=0.02)
    scale = params["scale"]
    info = initialize_model(jax.random.key(1), fn, model_args=(log.arrays(),))
    _, unravel = ravel_pytree(info.param_info.z)
    laid_out = unravel(inverse_mass)
    np.testing.assert_allclose(laid_out["z"], (scale[:10] ** 2).reshape(5, 2), rtol=1e-6)
    np.testing.assert_allclose(laid_out["mu_pr"], scale[10:12] ** 2, rtol=1e-6)
    np.testing.assert_allclose(laid_out["sigma"], scale[12:] ** 2, rtol=1e-6)
    # Chains start apart (overdispersed draws, not the guide's mean).
    assert float(jnp.std(init["z"], axis=0).min()) > 0.0
    with pytest.raises(ValueError, match="mean-field"):
        warm_start(jax.random.key(0), log.arrays(), fn, make_guide(5, 2, True, "multivariate-normal"), 3)


def test_init_svi_gives_the_same_posterior_as_init_uniform():
    log = _rw_log(12, 60, seed=4)
    fits = {init: fit(jax.random.key(2), log, "rw", num_warmup=400, num_samples=400, num_chains=2,
                      init=init, warn=False) for init in ("uniform", "svi")}
    assert fits["svi"].posterior.attrs["init"] == "svi"
    assert fits["uniform"].posterior.attrs["init"] == "uniform"
    import arviz as az

    for name in ("mu_alpha_pos", "mu_beta"):
        means = [float(f.posterior[name].mean()) for f in fits.values()]
        mcse = [float(az.mcse(f.posterior[name]).to_array().values.squeeze()) for f in fits.values()]
        # Independent runs: the difference of posterior-mean estimates has sd sqrt(mcse_1^2 + mcse_2^2);
        # 4 of those bound a false failure at ~1e-4 per quantity.
        assert abs(means[0] - means[1]) < 4 * float(np.hypot(*mcse)), (name, means, mcse)


def test_init_svi_falls_back_to_uniform_with_a_warning_when_svi_diverges():
    log = _rw_log(3, 10)

    def nan_model(arrays):
        with numpyro.plate("subject", 3):
            numpyro.sample("z", dist.Normal(0.0, 1.0).expand([2]).to_event(1))
        numpyro.factor("broken", jnp.nan)

    model = kd.fitting.make_model("rw")
    with pytest.warns(FitWarning, match="SVI warm start diverged"):
        assert _svi_start(jax.random.key(0), log.arrays(), nan_model, log, model, False, 2) == (None, None)


def test_bad_init_is_refused_before_fitting():
    log = _rw_log(3, 10)
    with pytest.raises(ValueError, match="init must be one of"):
        fit(jax.random.key(0), log, "rw", init="median")
