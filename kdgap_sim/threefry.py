r"""Threefry-2x32 written out in XLA operations: the same numbers as ``jax.random``, faster on CPU.

JAX's default generator is the counter-based hash Threefry-2x32 (20 rounds;
Salmon, Moraes, Dror & Shaw, "Parallel random numbers: as easy as 1, 2, 3",
SC'11, doi:10.1145/2063384.2063405). On CPU, JAX lowers each hash as a rolled
``fori_loop`` of five four-round blocks, to keep compile times short. Inside a
simulation's ``lax.scan`` that loop cannot fuse with its neighbours, and the
per-agent hashing, not the agent, bounds the throughput. This module computes
the same hash with the 20 rounds written out, so XLA fuses them into the
surrounding elementwise code (about 7x more hashes per second on a 2-core CPU;
``benchmarks/rollout_throughput.py`` measures the effect on a rollout).

The functions here return **bit-identical** results to their ``jax.random``
namesakes for threefry keys with ``jax_threefry_partitionable`` on (JAX's
default): one round of Threefry-2x32 with key :math:`(k_0, k_1)`, extended key
:math:`k_2 = k_0 \oplus k_1 \oplus \mathtt{0x1BD11BDA}`, is

.. math::
   x_0 \leftarrow x_0 + x_1,\quad x_1 \leftarrow \mathrm{rotl}(x_1, R_r) \oplus x_0,

with rotations :math:`R = (13, 15, 26, 6, 17, 29, 16, 24)` and key injection
:math:`x_0 \mathrel{+}= k_{s \bmod 3}`, :math:`x_1 \mathrel{+}= k_{(s+1) \bmod 3} + s`
after every fourth round :math:`s = 1..5`. ``fold_in(key, d)`` hashes the
counter :math:`(0, d)`; 32-bit random bits of element :math:`i` are
:math:`h_0 \oplus h_1` of the hash of :math:`(0, i)`; ``uniform`` maps the top
23 bits into the mantissa of a float in [1, 2) and subtracts 1.

For any other key implementation (``rbg``, ``unsafe_rbg``, ...) or with
``jax_threefry_partitionable`` off, each function simply calls ``jax.random``,
so results never depend on which path ran. ``tests/test_threefry.py`` checks
the equality over random keys, counters and shapes.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from kdgap_sim.types import Array, PRNGKey

__all__ = ["bits32", "fold_in", "hash_2x32", "normal", "uniform"]

_ROTATIONS = (13, 15, 26, 6, 17, 29, 16, 24)
_PARITY = np.uint32(0x1BD11BDA)
_FLOAT32_ONE_BITS = np.array(1.0, np.float32).view(np.uint32)


def hash_2x32(key_words: tuple[Array, Array], counter: tuple[Array, Array]) -> tuple[Array, Array]:
    """Threefry-2x32 (20 rounds) of a counter pair under a key pair, elementwise.

    Args:
      key_words: ``(k0, k1)``, uint32 arrays (broadcastable with the counter).
      counter: ``(x0, x1)``, uint32 arrays.

    Returns:
      The hashed pair ``(h0, h1)``, uint32.

    Example:
      >>> import numpy as np
      >>> h0, h1 = hash_2x32((np.uint32(0), np.uint32(0)), (np.uint32(0), np.uint32(0)))
      >>> hex(int(h0)), hex(int(h1))   # the Threefry-2x32-20 known-answer test vector
      ('0x6b200159', '0x99ba4efe')
    """
    k0, k1 = (jnp.asarray(k, jnp.uint32) for k in key_words)
    schedule = (k0, k1, k0 ^ k1 ^ _PARITY)
    x0 = jnp.asarray(counter[0], jnp.uint32) + k0
    x1 = jnp.asarray(counter[1], jnp.uint32) + k1
    for block in range(5):
        for rotation in _ROTATIONS[4 * (block % 2): 4 * (block % 2) + 4]:
            x0 = x0 + x1
            x1 = (x1 << np.uint32(rotation)) | (x1 >> np.uint32(32 - rotation))
            x1 = x1 ^ x0
        s = block + 1
        x0 = x0 + schedule[s % 3]
        x1 = x1 + schedule[(s + 1) % 3] + np.uint32(s)
    return x0, x1


def _through_running_sum(bits: Array) -> Array:
    pair = jnp.stack([jnp.zeros_like(bits), bits], axis=-1)
    return jnp.cumsum(pair, axis=-1, dtype=jnp.uint32)[..., 1]


def _computed_once(bits: Array) -> Array:
    """``bits`` unchanged; on CPU passed through a running sum over ``(0, bits)``.

    XLA's CPU compiler fuses cheap integer code into *each* of its consumers, so
    without this a hash feeding five accumulators would be computed five times. A
    running sum lowers to a ``reduce-window``, which XLA computes once into
    memory; the value is exactly ``bits`` (0 + bits). On other platforms XLA
    shares the hash between consumers by itself (multi-output fusion), and the
    extra pass into memory only costs bandwidth (6-9% of a rollout on an H100), so
    the value passes straight through; ``lax.platform_dependent`` picks the branch
    when the function is lowered. A speed device only: results do not depend on it.
    """
    return lax.platform_dependent(bits, cpu=_through_running_sum, default=lambda b: b)


def _is_fast_path(key) -> bool:
    """True when ``key`` is a threefry key and JAX draws bits the way this module does."""
    if not jax.config.jax_threefry_partitionable:
        return False
    dtype = getattr(key, "dtype", None)
    if dtype is not None and jax.dtypes.issubdtype(dtype, jax.dtypes.prng_key):
        return str(jax.random.key_impl(key)) == "threefry2x32"
    return False


def fold_in(key: PRNGKey, data: int | Array) -> PRNGKey:
    """``jax.random.fold_in(key, data)``, bit for bit, with the hash fused.

    The new key is Threefry-2x32 of the counter :math:`(0, d)` under ``key``.

    Args:
      key: a typed ``jax.random`` key (one key; ``vmap`` for several).
      data: a non-negative integer below :math:`2^{32}` (traced or not).

    Example:
      >>> import jax
      >>> key = jax.random.key(7)
      >>> bool((jax.random.key_data(fold_in(key, 3))
      ...       == jax.random.key_data(jax.random.fold_in(key, 3))).all())
      True
    """
    if not _is_fast_path(key) or jnp.shape(key) != ():
        return jax.random.fold_in(key, data)
    words = jax.random.key_data(key)
    h0, h1 = hash_2x32((words[0], words[1]), (jnp.uint32(0), jnp.uint32(data)))
    return jax.random.wrap_key_data(jnp.stack([h0, h1]), impl="threefry2x32")


def bits32(key: PRNGKey, shape: tuple[int, ...] = ()) -> Array:
    """``jax.random.bits(key, shape)`` (uint32), bit for bit: :math:`h_0 \\oplus h_1` of counter :math:`(0, i)`.

    Example:
      >>> import jax
      >>> key = jax.random.key(1)
      >>> bool((bits32(key, (5,)) == jax.random.bits(key, (5,))).all())
      True
    """
    shape = tuple(int(d) for d in shape)
    size = math.prod(shape)
    if not _is_fast_path(key) or jnp.shape(key) != () or size >= 2**32:
        return jax.random.bits(key, shape, jnp.uint32)
    words = jax.random.key_data(key)
    counter = lax.iota(jnp.uint32, size).reshape(shape) if shape else jnp.uint32(0)
    h0, h1 = hash_2x32((words[0], words[1]), (jnp.zeros_like(counter), counter))
    return _computed_once(h0 ^ h1)


def uniform(key: PRNGKey, shape: tuple[int, ...] = (), minval: float = 0.0, maxval: float = 1.0) -> Array:
    """``jax.random.uniform(key, shape, float32, minval, maxval)``, bit for bit.

    :math:`u = \\mathrm{float}(\\mathtt{0x3F800000} \\mid (b \\gg 9)) - 1`, then
    :math:`\\max(\\mathrm{minval}, u\\,(\\mathrm{maxval} - \\mathrm{minval}) + \\mathrm{minval})`.

    Example:
      >>> import jax
      >>> key = jax.random.key(2)
      >>> bool((uniform(key, (3,)) == jax.random.uniform(key, (3,))).all())
      True
    """
    if not _is_fast_path(key) or jnp.shape(key) != ():
        return jax.random.uniform(key, shape, jnp.float32, minval, maxval)
    bits = bits32(key, shape)
    float_bits = (bits >> np.uint32(32 - 23)) | _FLOAT32_ONE_BITS
    floats = lax.bitcast_convert_type(float_bits, jnp.float32) - jnp.float32(1.0)
    low = jnp.asarray(minval, jnp.float32)
    high = jnp.asarray(maxval, jnp.float32)
    return lax.max(low, floats * (high - low) + low)


def normal(key: PRNGKey, shape: tuple[int, ...] = ()) -> Array:
    """``jax.random.normal(key, shape)`` (float32), bit for bit: :math:`\\sqrt{2}\\,\\mathrm{erf}^{-1}(u)`.

    ``u`` is uniform on [nextafter(-1, 0), 1), as in ``jax.random``.

    Example:
      >>> import jax
      >>> key = jax.random.key(3)
      >>> bool((normal(key, (4,)) == jax.random.normal(key, (4,))).all())
      True
    """
    if not _is_fast_path(key) or jnp.shape(key) != ():
        return jax.random.normal(key, shape, jnp.float32)
    low = np.nextafter(np.float32(-1.0), np.float32(0.0), dtype=np.float32)
    u = uniform(key, shape, low, 1.0)
    return lax.mul(np.float32(np.sqrt(2)), lax.erf_inv(u))
