"""posterior_predictive / add_posterior_predictive: shapes, padding, probabilities."""

import jax
import numpy as np

from kdgap_sim.fitting import add_posterior_predictive, posterior_predictive


def test_posterior_predictive_shapes_and_padding(svi_fit, log):
    ppc = posterior_predictive(jax.random.key(1), svi_fit, log, "asymmetric-rw", n_draws=20)
    assert ppc["choice"].shape == (20, 4, 40)
    assert (ppc["choice"][:, 3, 30:] == -1).all()
    assert set(np.unique(ppc["choice"][:, :, :30])) <= {0, 1}
    np.testing.assert_allclose(ppc["probs"][log.mask].sum(-1), 1.0, rtol=1e-5)


def test_add_posterior_predictive_adds_a_group(svi_fit, log):
    idata = svi_fit.copy()
    add_posterior_predictive(jax.random.key(2), idata, log, "asymmetric-rw", n_draws=7)
    choice = idata.posterior_predictive["choice"]
    assert choice.dims == ("chain", "draw", "subject", "trial") and choice.shape == (1, 7, 4, 40)
    # the same key gives the same draws as posterior_predictive itself
    direct = posterior_predictive(jax.random.key(2), svi_fit, log, "asymmetric-rw", n_draws=7)
    np.testing.assert_array_equal(np.asarray(choice)[0], direct["choice"])
