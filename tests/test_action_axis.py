"""kdgap_sim.action_axis equals its jnp namesakes on short and long axes."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from kdgap_sim import action_axis


@pytest.fixture(params=[1, 2, 3, 5, 16, 17, 40])
def values(request):
    rng = np.random.default_rng(request.param)
    x = rng.normal(size=(7, request.param)).astype(np.float32)
    x[0, :] = 1.0  # ties everywhere: the first index wins
    if request.param > 2:
        x[1, 1] = x[1, 2] = x[1].max() + 1.0  # a tie for the maximum
    return jnp.asarray(x)


def test_total_largest_running_total_softmax(values):
    # Sums are left folds, as XLA's CPU reduction adds a short row: equal to float32 rounding.
    np.testing.assert_allclose(action_axis.total(values), jnp.sum(values, -1), rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(action_axis.largest(values), jnp.max(values, -1))
    np.testing.assert_allclose(action_axis.running_total(values), jnp.cumsum(values, -1), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(action_axis.softmax(values), jax.nn.softmax(values, -1), rtol=1e-6, atol=1e-7)


def test_first_argmax_and_entry(values):
    np.testing.assert_array_equal(action_axis.first_argmax(values), jnp.argmax(values, -1))
    index = jnp.arange(values.shape[0]) % values.shape[-1]
    expected = values[jnp.arange(values.shape[0]), index]
    np.testing.assert_array_equal(action_axis.entry(values, index), expected)


def test_same_under_jit_and_vmap(values):
    one = lambda x, i: (action_axis.entry(x, i), action_axis.first_argmax(x), action_axis.softmax(x))  # noqa: E731
    index = jnp.zeros(values.shape[0], jnp.int32)
    for a, b in zip(jax.jit(jax.vmap(one))(values, index), one(values, index)):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_integer_totals_are_exact():
    x = jnp.array([[True, False, True], [False, False, False]])
    np.testing.assert_array_equal(action_axis.total(x.astype(jnp.int32)), [2, 0])
