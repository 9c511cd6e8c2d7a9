"""kdgap_sim.threefry gives jax.random's numbers bit for bit, on the fused and the fallback path."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kdgap_sim import threefry

seeds = st.integers(0, 2**32 - 1)
shapes = st.lists(st.integers(1, 5), min_size=0, max_size=3).map(tuple)


def same_bits(a, b):
    return np.array_equal(np.asarray(a).view(np.uint32), np.asarray(b).view(np.uint32))


def test_known_answer_vectors():
    # Threefry-2x32-20 known-answer tests (Salmon et al. 2011, Random123 kat_vectors).
    zero = np.uint32(0)
    assert tuple(int(h) for h in threefry.hash_2x32((zero, zero), (zero, zero))) == (0x6B200159, 0x99BA4EFE)
    ones = np.uint32(0xFFFFFFFF)
    assert tuple(int(h) for h in threefry.hash_2x32((ones, ones), (ones, ones))) == (0x1CB996FC, 0xBB002BE7)
    key = (np.uint32(0x13198A2E), np.uint32(0x03707344))
    counter = (np.uint32(0x243F6A88), np.uint32(0x85A308D3))
    assert tuple(int(h) for h in threefry.hash_2x32(key, counter)) == (0xC4923A9C, 0x483DF7A0)


def test_fold_in_equals_jax_over_many_keys_and_counters():
    rng = np.random.default_rng(0)
    keys = jax.random.wrap_key_data(jnp.asarray(rng.integers(0, 2**32, (4096, 2), dtype=np.uint32)))
    data = jnp.asarray(rng.integers(0, 2**32, 4096, dtype=np.uint32))
    ours = jax.jit(jax.vmap(lambda k, d: jax.random.key_data(threefry.fold_in(k, d))))(keys, data)
    reference = jax.jit(jax.vmap(lambda k, d: jax.random.key_data(jax.random.fold_in(k, d))))(keys, data)
    assert same_bits(ours, reference)
    big = 2**32 - 1  # a Python int beyond int32, as jax.random accepts
    assert same_bits(jax.random.key_data(threefry.fold_in(keys[0], big)),
                     jax.random.key_data(jax.random.fold_in(keys[0], big)))


@pytest.mark.slow  # ~20 s; runs in .ci/run's slow stage (default suite < 5 min)
@settings(max_examples=8, deadline=None)
@given(seed=seeds, shape=shapes)
def test_bits_uniform_normal_equal_jax(seed, shape):
    key = jax.random.key(seed)
    assert same_bits(threefry.bits32(key, shape), jax.random.bits(key, shape, jnp.uint32))
    assert same_bits(threefry.uniform(key, shape), jax.random.uniform(key, shape))
    assert same_bits(threefry.normal(key, shape), jax.random.normal(key, shape))


def test_uniform_with_bounds_equals_jax():
    # Both compiled: XLA may contract the affine map u * (high - low) + low into
    # one fused multiply-add, and does so alike for both when both are jitted.
    rng = np.random.default_rng(1)
    keys = jax.random.split(jax.random.key(9), 512)
    low = jnp.asarray(rng.uniform(-10, 10, 512), jnp.float32)
    high = low + jnp.asarray(rng.uniform(0, 10, 512), jnp.float32)
    ours = jax.jit(jax.vmap(lambda k, a, b: threefry.uniform(k, (3,), a, b)))(keys, low, high)
    reference = jax.jit(jax.vmap(lambda k, a, b: jax.random.uniform(k, (3,), minval=a, maxval=b)))(keys, low, high)
    assert same_bits(ours, reference)


def test_equal_under_jit_and_vmap_with_traced_counters():
    keys = jax.random.split(jax.random.key(5), 64)
    steps = jnp.arange(64, dtype=jnp.int32) * 977

    @jax.jit
    def ours(keys, steps):
        def one(key, t):
            k = threefry.fold_in(key, t)
            return threefry.uniform(threefry.fold_in(k, 1), (2,)), threefry.normal(k, (3,))
        return jax.vmap(one)(keys, steps)

    @jax.jit
    def reference(keys, steps):
        def one(key, t):
            k = jax.random.fold_in(key, t)
            return jax.random.uniform(jax.random.fold_in(k, 1), (2,)), jax.random.normal(k, (3,))
        return jax.vmap(one)(keys, steps)

    for a, b in zip(ours(keys, steps), reference(keys, steps)):
        assert same_bits(a, b)


@pytest.mark.parametrize("impl", ["rbg", "unsafe_rbg"])
def test_other_key_implementations_fall_back_to_jax(impl):
    key = jax.random.key(3, impl=impl)
    assert not threefry._is_fast_path(key)
    assert same_bits(threefry.uniform(key, (4,)), jax.random.uniform(key, (4,)))
    assert same_bits(jax.random.key_data(threefry.fold_in(key, 9)),
                     jax.random.key_data(jax.random.fold_in(key, 9)))


def test_raw_uint32_keys_and_batched_keys_fall_back_to_jax():
    raw = jax.random.PRNGKey(4)
    assert same_bits(threefry.uniform(raw, (2,)), jax.random.uniform(raw, (2,)))
    batch = jax.random.split(jax.random.key(4), 3)
    with pytest.raises(ValueError, match="single key"):  # as jax.random.fold_in itself
        threefry.fold_in(batch, 2)


def test_non_partitionable_mode_falls_back_to_jax():
    key = jax.random.key(11)
    with jax.threefry_partitionable(False):
        assert not threefry._is_fast_path(key)
        assert same_bits(threefry.uniform(key, (5,)), jax.random.uniform(key, (5,)))
