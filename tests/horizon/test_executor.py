"""Tests of the self-conditioning and thinking executors."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from kdgap_sim.envs.execution import ExecutionObs
from kdgap_sim.horizon import ExecutorParams, SelfConditioningExecutor


def _push_all(executor, flags):
    state = executor.init()
    for flag in flags:
        state = executor.observe(state, flag)
    return state


def test_ring_buffer_counts_errors_in_last_window_outputs():
    executor = SelfConditioningExecutor(window=4)
    flags = [True, True, False, False, True, False, True]
    state = _push_all(executor, flags)
    assert int(state.filled) == 4
    assert int(state.n_errors) == sum(flags[-4:])
    assert float(executor.context_error_fraction(state)) == pytest.approx(sum(flags[-4:]) / 4)
    partial = _push_all(executor, [True, False, False])
    assert float(executor.context_error_fraction(partial)) == pytest.approx(1 / 3)
    assert float(executor.context_error_fraction(executor.init())) == 0.0


def test_error_probability_is_clipped_linear_and_thinking_ignores_context():
    state = _push_all(SelfConditioningExecutor(window=4), [True, True, False, False])
    params = ExecutorParams(eps0=0.1, gamma=0.6)
    assert float(SelfConditioningExecutor(window=4).error_probability(state, params)) == pytest.approx(0.4)
    assert float(SelfConditioningExecutor(window=4, thinking=True).error_probability(state, params)) == pytest.approx(0.1)
    high = ExecutorParams(eps0=0.5, gamma=3.0)
    assert float(SelfConditioningExecutor(window=4).error_probability(state, high)) == 1.0
    negative = ExecutorParams(eps0=0.1, gamma=-1.0)
    assert float(SelfConditioningExecutor(window=4).error_probability(state, negative)) == 0.0


def test_wrong_outputs_are_off_by_nonzero_amount_within_max_offset():
    executor = SelfConditioningExecutor(window=2, max_offset=3)
    keys = jax.random.split(jax.random.key(0), 2000)
    offsets = np.asarray(jax.vmap(lambda k: executor.wrong_output(k, jnp.int32(10)))(keys)) - 10
    assert set(np.unique(offsets).tolist()) == {-3, -2, -1, 1, 2, 3}


def test_act_errs_never_at_eps_zero_and_always_at_eps_one():
    executor = SelfConditioningExecutor(window=2)
    obs = ExecutionObs(keys=jnp.array([1, 2]), values=jnp.array([5, -7]))
    keys = jax.random.split(jax.random.key(1), 200)
    for eps0, expect_error in ((0.0, False), (1.0, True)):
        params = ExecutorParams(eps0=eps0, gamma=0.0)
        out, err = jax.vmap(lambda k: executor.act(k, executor.init(), obs, jnp.int32(4), params))(keys)
        assert (np.asarray(err) == expect_error).all()
        assert ((np.asarray(out) != 2) == expect_error).all()  # target 4 + 5 - 7 = 2


def test_bad_options_raise():
    with pytest.raises(ValueError, match="window"):
        SelfConditioningExecutor(window=0)
    with pytest.raises(TypeError, match="thinking"):
        SelfConditioningExecutor(thinking=1)
    with pytest.raises(ValueError, match="eps0"):
        SelfConditioningExecutor().validate_params(ExecutorParams(eps0=1.5))


@pytest.mark.parametrize("eps", [2.0**-26, 1e-7, 1e-6, 1e-3, 0.3, 1 - 2.0**-24])
def test_error_threshold_gives_p_error_eps_to_2_pow_minus_33(eps):
    # A word w uniform on [0, 2**32) errs when w < t, so P(error) = t / 2**32 exactly. The old
    # 24-bit rule gave ceil(eps 2**24) / 2**24: 4x eps at 2**-26, 1.013x at 1e-6.
    eps32 = float(np.float32(eps))
    t = int(SelfConditioningExecutor.error_threshold(eps32))
    assert t == round(eps32 * 2**32)  # float64 product exact: eps32 has 24 significant bits
    assert abs(t / 2**32 - eps32) <= 2.0**-33
    assert int(jax.jit(SelfConditioningExecutor.error_threshold)(eps32)) == t


def _act_with_words(monkeypatch, eps0, words):
    """``act`` with ``jax.random.bits`` replaced by the given first words (offset word 1)."""
    executor = SelfConditioningExecutor(window=2)
    obs = ExecutionObs(keys=jnp.array([1]), values=jnp.array([5]))
    params = ExecutorParams(eps0=eps0, gamma=0.0)
    errs = []
    for word in words:
        fixed = jnp.array([word, 1], jnp.uint32)
        monkeypatch.setattr(jax.random, "bits", lambda key, shape, dtype, fixed=fixed: fixed)
        errs.append(bool(executor.act(jax.random.key(0), executor.init(), obs, jnp.int32(0), params)[1]))
    return errs


def test_act_compares_the_whole_32_bit_word(monkeypatch):
    # eps = 2**-26: exactly the 64 words below 64 err (the 24-bit rule erred on all 256 below 256).
    assert _act_with_words(monkeypatch, 2.0**-26, [0, 63, 64, 255]) == [True, True, False, False]
    t = int(SelfConditioningExecutor.error_threshold(np.float32(0.3)))
    assert _act_with_words(monkeypatch, 0.3, [t - 1, t]) == [True, False]
    assert _act_with_words(monkeypatch, 1.0, [2**32 - 1]) == [True]
    assert _act_with_words(monkeypatch, 0.0, [0]) == [False]


def test_act_error_rate_at_small_eps():
    # 2**21 independent draws at eps = 2e-4: errors ~ Binomial(n, eps), mean 419, sd 20.5;
    # tolerance 4 sd.
    executor = SelfConditioningExecutor(window=2)
    obs = ExecutionObs(keys=jnp.array([1]), values=jnp.array([5]))
    params = ExecutorParams(eps0=np.float32(2e-4), gamma=np.float32(0.0))
    n = 2**21
    keys = jax.random.split(jax.random.key(3), n)
    _, err = jax.jit(jax.vmap(lambda k: executor.act(k, executor.init(), obs, jnp.int32(0), params)))(keys)
    count = int(np.asarray(err).sum())
    assert abs(count - n * 2e-4) <= 4 * np.sqrt(n * 2e-4 * (1 - 2e-4)), count
