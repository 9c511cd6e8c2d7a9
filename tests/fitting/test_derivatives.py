"""Forward-mode likelihood derivatives equal reverse-mode autodiff for every registered model."""

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from numpyro.infer.util import initialize_model

from kdgap_sim.fitting import MODELS, ChoiceLog, fit, make_model, numpyro_model, simulate_log, subject_log_lik
from kdgap_sim.fitting.derivatives import forward_mode_per_subject

N_SUBJECTS, N_TRIALS = 3, 30
# float32 sums of 30 log-probabilities: both modes round differently at ~1e-6 relative;
# 1e-4 is far above that and far below any real error (a wrong term changes a gradient at O(1e-1)).
RTOL, ATOL = 1e-4, 1e-4


def _values(model, key):
    raw = jax.random.normal(key, (N_SUBJECTS, len(model.params)))
    return model.transform(raw)


def _gradients(model, values, arrays, weights, n_contexts=1):
    out = {}
    for mode in ("forward", "reverse"):
        def total(v):
            return jnp.sum(weights * subject_log_lik(model, v, arrays, n_contexts, derivatives=mode))
        out[mode] = jax.value_and_grad(total)(values)
    return out


@pytest.mark.parametrize("name", sorted(MODELS))
def test_forward_gradient_equals_reverse_for_every_model(name):
    model = make_model(name)
    key_values, key_log, key_weights = jax.random.split(jax.random.key(sorted(MODELS).index(name)), 3)
    values = _values(model, key_values)
    log = simulate_log(key_log, model, values, N_TRIALS)
    weights = jax.random.uniform(key_weights, (N_SUBJECTS,), minval=0.5, maxval=1.5)
    grads = _gradients(model.for_log(log), values, log.arrays(), weights)
    (v_fwd, g_fwd), (v_rev, g_rev) = grads["forward"], grads["reverse"]
    assert float(v_fwd) == pytest.approx(float(v_rev), rel=1e-6)
    assert np.abs(np.asarray(g_rev)).max() > 1e-3  # a gradient that can be wrong
    np.testing.assert_allclose(g_fwd, g_rev, rtol=RTOL, atol=ATOL)


def test_forward_gradient_with_contexts_forced_trials_and_padding():
    choice = [[0, 1, 1, 0, 1, 0], [1, 1, 0, 0, 1, 1]]
    reward = [[1.0, 0.0, 1.0, 1.0, 0.0, 1.0], [0.0, 1.0, 1.0, 0.0, 1.0, 1.0]]
    forced = [[False, True, False, False, True, False], [False, False, True, False, False, False]]
    log = ChoiceLog.from_arrays(choice, reward, n_actions=2, forced=forced, n_trials=[6, 4])
    model = make_model("asymmetric-rw").for_log(log)
    assert "alpha_forced" in model.param_names
    values = jnp.array([[0.4, 0.1, 3.0, 0.2], [0.2, 0.6, 5.0, 0.7]])
    grads = _gradients(model, values, log.arrays(), jnp.ones(2))
    np.testing.assert_allclose(grads["forward"][1], grads["reverse"][1], rtol=RTOL, atol=ATOL)
    assert float(jnp.abs(grads["forward"][1][:, 3]).max()) > 1e-3  # the forced rate matters


def test_hessian_through_the_forward_rule():
    # The rule is itself differentiable: second derivatives equal those of plain autodiff.
    f = forward_mode_per_subject(lambda th, x: jnp.sum(jnp.sin(th) * x) * th[0])
    values, data = jnp.array([[0.3, 1.2], [2.0, -0.5]]), jnp.array([[1.0, 2.0], [0.5, 3.0]])
    plain = jax.vmap(lambda th, x: jnp.sum(jnp.sin(th) * x) * th[0])
    got = jax.hessian(lambda v: f(v, data).sum())(values)
    want = jax.hessian(lambda v: plain(v, data).sum())(values)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


def test_density_gradient_under_vmap_over_chains(log):
    # What NUTS evaluates: value and gradient of the whole hierarchical density, vmapped over chains.
    model = make_model("asymmetric-rw")
    grads = {}
    for mode in ("forward", "reverse"):
        fn = functools.partial(numpyro_model, model=model, hierarchical=True, derivatives=mode)
        info = initialize_model(jax.random.split(jax.random.key(1), 3), fn, model_args=(log.arrays(),))
        grads[mode] = jax.jit(jax.vmap(jax.value_and_grad(info.potential_fn)))(info.param_info.z)
    np.testing.assert_allclose(grads["forward"][0], grads["reverse"][0], rtol=1e-6)
    for name in ("mu_pr", "sigma", "z"):
        np.testing.assert_allclose(grads["forward"][1][name], grads["reverse"][1][name],
                                   rtol=RTOL, atol=ATOL)


def test_bad_derivatives_option_is_refused(log):
    model = make_model("rw")
    with pytest.raises(ValueError, match="derivatives must be one of"):
        subject_log_lik(model, jnp.full((log.n_subjects, 2), 0.5), log.arrays(), derivatives="central")
    with pytest.raises(ValueError, match="derivatives must be one of"):
        fit(jax.random.key(0), log, "rw", derivatives="numeric")


def test_auto_picks_forward_for_small_and_reverse_for_large_populations():
    from kdgap_sim.fitting.derivatives import FORWARD_MAX_SIZE, choose

    assert choose("auto", 20, 3) == "forward"
    assert choose("auto", FORWARD_MAX_SIZE // 3, 3) == "forward"
    assert choose("auto", FORWARD_MAX_SIZE // 3 + 1, 3) == "reverse"
    assert choose("reverse", 1, 1) == "reverse" and choose("forward", 10**4, 7) == "forward"
