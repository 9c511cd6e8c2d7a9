"""loo / compare: PSIS-LOO per subject and ranking of fits of the same log."""

import jax
import numpy as np
import pytest

from kdgap_sim.fitting import compare, fit, loo


def test_loo_and_compare(svi_fit, log):
    other = fit(jax.random.key(0), log, "rw", method="svi", svi_steps=400, num_samples=200)
    assert loo(svi_fit).loo_i.shape == (4,)
    table = compare({"asymmetric-rw": svi_fit, "rw": other})
    assert set(table.index) == {"asymmetric-rw", "rw"}
    with pytest.raises(ValueError, match="at least two"):
        compare({"rw": other})


def test_compare_refuses_fits_of_different_logs(svi_fit):
    import arviz as az

    other = az.from_dict(posterior={"beta": np.zeros((1, 200))},
                         log_likelihood={"choices": -1.0 + 0.01 * np.random.default_rng(0).normal(size=(1, 200, 4))},
                         coords={"subject": ["w", "x", "y", "z"]}, dims={"choices": ["subject"]})
    with pytest.raises(ValueError, match="subjects differ"):
        compare({"a": svi_fit, "b": other})


def test_compare_and_loo_name_what_is_not_a_fit(svi_fit):
    with pytest.raises(TypeError, match=r"fits\['a'\] must be an arviz InferenceData.*got int"):
        compare({"a": 1, "b": 2})
    with pytest.raises(TypeError, match=r"fits\['b'\] must be an arviz InferenceData"):
        compare({"a": svi_fit, "b": None})
    with pytest.raises(TypeError, match="idata must be an arviz InferenceData"):
        loo(None)
