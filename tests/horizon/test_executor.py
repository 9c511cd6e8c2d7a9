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
