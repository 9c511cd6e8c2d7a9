"""Per-parameter centred / non-centred subject level: same posterior, fewer divergences where data pin subjects."""

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from numpyro.infer.util import log_density

import kdgap_sim as kd
from kdgap_sim.fitting import centering, fit, numpyro_model


def test_centering_weights_and_bad_input():
    model = kd.fitting.make_model("asymmetric-rw")
    assert centering(model) == (0.0, 0.0, 0.0)
    assert centering(model, "centered") == (1.0, 1.0, 1.0)
    assert centering(model, {"alpha_neg": "centered"}) == (0.0, 1.0, 0.0)
    assert centering(model, {"alpha_neg": 0.25, "beta": "noncentered"}) == (0.0, 0.25, 0.0)
    with pytest.raises(ValueError, match=r"parameterization\['beta'\]"):
        centering(model, {"beta": 1.5})  # a weight outside [0, 1]
    with pytest.raises(ValueError, match="parameterization must be one of"):
        centering(model, "centred")
    with pytest.raises(ValueError, match=r"unknown parameter\(s\) \['gamma'\]"):
        centering(model, {"gamma": "centered"})
    with pytest.raises(ValueError, match=r"parameterization\['beta'\]"):
        centering(model, {"beta": "yes"})
    with pytest.raises(TypeError, match="parameterization must be"):
        centering(model, ["centered"])
    log = kd.fitting.ChoiceLog.from_arrays([[0, 1, 1]] * 3, [[1.0, 0.0, 1.0]] * 3, n_actions=2)
    with pytest.raises(ValueError, match="parameterization"):  # before any compilation
        fit(jax.random.key(0), log, "rw", parameterization="centred")


@pytest.mark.parametrize("parameterization", [
    {"alpha_pos": "centered", "beta": "centered"},  # centred and non-centred parameters
    {"alpha_pos": 0.5, "alpha_neg": 0.25, "beta": 1.0},  # partial centring
])
def test_centred_density_is_the_non_centred_one_times_the_jacobian(parameterization):
    # Same joint density of the raw values. With weight c the latent is
    # z = c mu + (raw - mu) / sigma^(1 - c), so dz/draw = sigma^(c - 1) and
    # log p_c(mu, sigma, z) = log p_nc(mu, sigma, z_nc) - sum_{s, p} c_p log sigma_p
    # (c = 1: z is the raw value; c = 0: z = z_nc).
    model = kd.fitting.make_model("asymmetric-rw")
    values = jnp.array([[0.5, 0.1, 6.0], [0.3, 0.3, 4.0], [0.2, 0.5, 8.0]])
    log = kd.fitting.simulate_log(jax.random.key(1), model, values, n_trials=15)
    arrays = log.arrays()
    mu_pr = jnp.array([0.2, -0.4, 0.1])
    sigma = jnp.array([0.7, 0.3, 1.4])
    z_nc = jax.random.normal(jax.random.key(2), (3, 3))
    weights = centering(model, parameterization)
    c = jnp.asarray(weights)
    z_c = c * mu_pr + (mu_pr + sigma * z_nc - mu_pr) / sigma ** (1.0 - c)
    nc = functools.partial(numpyro_model, model=model, hierarchical=True)
    ce = functools.partial(numpyro_model, model=model, hierarchical=True, centered=weights)
    lp_nc, tr_nc = log_density(nc, (arrays,), {}, {"mu_pr": mu_pr, "sigma": sigma, "z": z_nc})
    lp_c, tr_c = log_density(ce, (arrays,), {}, {"mu_pr": mu_pr, "sigma": sigma, "z": z_c})
    jacobian = 3 * jnp.sum(c * jnp.log(sigma))
    np.testing.assert_allclose(float(lp_c), float(lp_nc - jacobian), rtol=1e-5)
    for name in ("alpha_pos", "alpha_neg", "beta"):
        np.testing.assert_allclose(tr_c[name]["value"], tr_nc[name]["value"], rtol=1e-5)

