"""fit(): InferenceData layout, diagnostics and warnings, eager validation."""

import jax
import numpy as np
import pytest

from kdgap_sim.fitting import FitWarning, fit


def test_svi_fit_layout(svi_fit, log):
    post = svi_fit.posterior
    assert post["alpha_pos"].shape == (1, 200, 4)
    assert post["mu_alpha_pos"].shape == (1, 200)
    assert post["z"].shape == (1, 200, 4, 3)
    assert list(post["param"].values) == ["alpha_pos", "alpha_neg", "beta"]
    assert svi_fit.log_likelihood["choices"].shape == (1, 200, 4)
    assert post.attrs["model"] == "asymmetric-rw" and post.attrs["method"] == "svi"
    assert post.attrs["intervals"].startswith("point estimates only")
    beta = np.asarray(post["beta"])
    assert (beta >= 0).all() and (beta <= 20).all()
    # The log-likelihood group sums each subject's scored trials: padding adds nothing.
    assert np.isfinite(np.asarray(svi_fit.log_likelihood["choices"])).all()
    assert (np.asarray(svi_fit.observed_data["choice"])[3, 30:] == -1).all()


def test_short_nuts_reports_diagnostics_and_warns(log):
    # 2 chains x 10 draws cannot reach a bulk ESS of 100 per chain: the warning is certain.
    # Its R-hat is the max over 16 quantities (z, alpha_pos, beta of 4 subjects) of 2 x 10 draws
    # (R-hat - 1 of such short chains is ~0.05), so it exceeds 1.01 and the warning names the worst.
    with pytest.warns(FitWarning, match="min bulk ESS") as record:
        idata = fit(jax.random.key(0), log, "rw", hierarchical=False, num_warmup=10,
                    num_samples=10, num_chains=2)
    message = str(record[0].message)
    assert "max R-hat" in message and "; worst: " in message
    attrs = idata.posterior.attrs
    assert idata.posterior["alpha_pos"].shape == (2, 10, 4)
    assert idata.sample_stats["diverging"].shape == (2, 10)
    depth, steps = (np.asarray(idata.sample_stats[k]) for k in ("tree_depth", "n_steps"))
    assert ((2**depth - 1 <= steps) & (steps < 2 ** (depth + 1) - 1)).all()
    assert attrs["min_ess_bulk"] < 200 and np.isfinite(attrs["max_rhat"])
    assert attrs["n_divergent"] >= 0


def test_fit_validates_eagerly(log):
    key = jax.random.key(0)
    with pytest.raises(TypeError, match="log must be a ChoiceLog"):
        fit(key, {"choice": [0]}, "rw")
    with pytest.raises(ValueError, match="method must be one of"):
        fit(key, log, "rw", method="laplace")
    with pytest.raises(ValueError, match="num_chains must be >= 1"):
        fit(key, log, "rw", num_chains=0)
    with pytest.raises(ValueError, match="target_accept must lie in"):
        fit(key, log, "rw", target_accept=1.5)
    with pytest.raises(TypeError, match="key must be a jax.random key"):
        fit(0, log, "rw")
    with pytest.raises(ValueError, match="needs full feedback"):
        fit(key, log, "full-feedback-rw")


def test_fit_names_non_numeric_settings(log):
    key = jax.random.key(0)
    with pytest.raises(TypeError, match="target_accept must be numeric, got None"):
        fit(key, log, "rw", target_accept=None)
    with pytest.raises(ValueError, match="learning_rate must be finite"):
        fit(key, log, "rw", method="svi", learning_rate=float("inf"))


def test_subject_log_lik_validates_values_against_the_model(log):
    import jax.numpy as jnp

    from kdgap_sim.fitting import make_model, subject_log_lik

    model, arrays = make_model("rw"), log.arrays()
    good = jnp.tile(jnp.array([[0.3, 2.0]]), (log.n_subjects, 1))
    assert subject_log_lik(model, good, arrays).shape == (log.n_subjects,)
    with pytest.raises(ValueError,
                       match=r"values must have shape \[4, 2\] \(alpha_pos, beta\) .*got \(4, 3\)"):
        subject_log_lik(model, jnp.full((log.n_subjects, 3), 0.3), arrays)  # was: column ignored
    with pytest.raises(ValueError, match=r"values must have shape \[4, 2\].*got \(2,\)"):
        subject_log_lik(model, good[0], arrays)
    with pytest.raises(ValueError, match=r"values\[:, 0\] \(alpha_pos\) must lie in \[0.0, 1.0\], got nan"):
        subject_log_lik(model, good.at[1, 0].set(jnp.nan), arrays)
    with pytest.raises(ValueError, match=r"values\[:, 0\] \(alpha_pos\) must lie in \[0.0, 1.0\], got 5.0"):
        subject_log_lik(model, good.at[0, 0].set(5.0), arrays)
    with pytest.raises(TypeError, match="arrays must be LogArrays"):
        subject_log_lik(model, good, log)
    one = jax.tree_util.tree_map(lambda x: x[0], arrays)
    with pytest.raises(ValueError, match="arrays must have a subject axis"):
        subject_log_lik(model, good[:1], one)
    with pytest.raises(TypeError, match="model must be a ChoiceModel"):
        subject_log_lik("rw", good, arrays)
    with pytest.raises(ValueError, match="n_contexts must be >= 1"):
        subject_log_lik(model, good, arrays, n_contexts=0)
    # Traced values (inside the sampler's jit/grad) are not inspected, only their shape.
    grad = jax.grad(lambda v: subject_log_lik(model, v, arrays).sum())(good)
    assert grad.shape == good.shape
