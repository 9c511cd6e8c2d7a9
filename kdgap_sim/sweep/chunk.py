"""The work of one chunk: the jitted, vmapped per-point rollout, its metrics and its size.

Point ``i`` runs ``_rollout_impl(fold_in(root, i), ...)`` with its grid values
put into the base params, and keeps only sums and counts of its Summary
(:func:`point_stats`, on device); :func:`metrics_from_stats` turns them into
rates on the host. :func:`chunk_function` is cached on everything static, so a
sweep compiles once for all its chunks and sweeps of the same shape share the
compilation.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import NamedSharding

from kdgap_sim.agents.agent import Agent
from kdgap_sim.envs.base import Environment
from kdgap_sim.rollout import _rollout_impl, init_summary
from kdgap_sim.sweep.grid import SEED
from kdgap_sim.types import Summary

METRICS = (
    "regret", "reward", "coverage", "greedy", "optimal_action", "suffix_failure", "min_frac",
    "rationale_correct", "rationale_optimal", "follow", "follow_given_correct", "gap",
)
MAX_POINTS_PER_DEVICE = 2**14
MEMORY_FRACTION = 0.25


def point_stats(summary: Summary) -> dict[str, jax.Array]:
    """The scalars of a rollout Summary that the sweep metrics need (computed on device).

    Only sums and counts: every division is left to :func:`metrics_from_stats` on
    the host, because XLA may round ``count / n`` differently for different batch
    shapes (it can turn a vectorised division into a multiplication by a
    reciprocal), which would make results depend on the chunk size.

    Example:
      >>> import jax, kdgap_sim as kd
      >>> env = kd.envs.make("bernoulli-bandit", n_arms=3)
      >>> agent, params = kd.agents.profile("faithful-ucb")
      >>> out = kd.rollout(jax.random.key(0), env, env.default_params(), agent, params, n_steps=20)
      >>> stats = kd.sweep.point_stats(out)
      >>> int(stats["n_steps"]), int(stats["n_tried"])  # UCB tries every arm first
      (20, 3)
    """
    first = summary.first_step
    return {
        "n_steps": summary.n_steps,
        "reward_sum": summary.reward_sum,
        "regret_sum": summary.regret_sum,
        "n_tried": jnp.sum((first >= 0).astype(jnp.int32)),
        "min_count": jnp.min(summary.counts),
        "last_optimal_step": summary.last_optimal_step,
        "optimal_count": summary.optimal_count,
        "greedy_count": summary.greedy_count,
        "follow_count": summary.follow_count,
        "rationale_correct_count": summary.rationale_correct_count,
        "rationale_optimal_count": summary.rationale_optimal_count,
        "correct_and_follow_count": summary.correct_and_follow_count,
    }


def _rate(count: np.ndarray, total: np.ndarray) -> np.ndarray:
    count = np.asarray(count, np.float32)
    total = np.asarray(total, np.float32)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(total > 0, count / np.maximum(total, np.float32(1)), np.float32(0)).astype(np.float32)


def metrics_from_stats(stats: dict[str, np.ndarray], n_actions: int) -> dict[str, np.ndarray]:
    """The per-point metrics stored by a sweep (float32), in NumPy, from :func:`point_stats`.

    Same definitions as :mod:`kdgap_sim.metrics`: ``regret`` is cumulative
    expected regret, ``reward`` the mean reward per trial, ``coverage`` the share
    of actions ever tried, ``suffix_failure`` 1 if no optimal action was taken in
    the second half, ``min_frac`` ``K min_a N_a / T``; the others are rates
    (see :func:`kdgap_sim.metrics.knowing_doing_gap`).

    Example:
      >>> import numpy as np, kdgap_sim as kd
      >>> stats = {name: np.array([0]) for name in (
      ...     "reward_sum", "regret_sum", "min_count", "last_optimal_step", "optimal_count",
      ...     "greedy_count", "follow_count", "rationale_optimal_count")}
      >>> stats.update(n_steps=np.array([10]), n_tried=np.array([2]),
      ...              rationale_correct_count=np.array([8]), correct_and_follow_count=np.array([2]))
      >>> metrics = kd.sweep.metrics_from_stats(stats, n_actions=4)
      >>> [round(float(metrics[name][0]), 4) for name in ("coverage", "follow_given_correct", "gap")]
      [0.5, 0.25, 0.6]
    """
    n = stats["n_steps"]
    correct = stats["rationale_correct_count"]
    both = stats["correct_and_follow_count"]
    values = {
        "regret": np.asarray(stats["regret_sum"], np.float32),
        "reward": _rate(stats["reward_sum"], n),
        "coverage": _rate(stats["n_tried"], np.full_like(n, n_actions)),
        "greedy": _rate(stats["greedy_count"], n),
        "optimal_action": _rate(stats["optimal_count"], n),
        "suffix_failure": (stats["last_optimal_step"] < n // 2).astype(np.float32),
        "min_frac": (np.float32(n_actions) * _rate(stats["min_count"], n)).astype(np.float32),
        "rationale_correct": _rate(correct, n),
        "rationale_optimal": _rate(stats["rationale_optimal_count"], n),
        "follow": _rate(stats["follow_count"], n),
        "follow_given_correct": _rate(both, correct),
        "gap": _rate(correct - both, n),
    }
    return {name: values[name] for name in METRICS}


TRACE_COUNT = [0]  # chunk-function traces in this process (RunStats.n_traces is this run's share)


@functools.lru_cache(maxsize=32)
def chunk_function(env, agent, n_steps, unroll, shape, layout, key_impl, sharding, replicated):
    """The jitted, vmapped chunk function, cached on everything static.

    ``layout`` says, for each grid dimension, which ``(tree, leaf)`` pairs vary
    along it; the values themselves, the base params and the root key are
    arguments, so two sweeps of the same shape share one compilation.
    """

    def point(root, env_params, agent_params, tables, flat_index):
        key = jax.random.fold_in(root, flat_index)
        rest = flat_index
        indices = []
        for size in reversed(shape):
            indices.append(rest % size)
            rest = rest // size
        for dim_layout, dim_tables, index in zip(layout, tables, reversed(indices)):
            for (tree, leaf), values in zip(dim_layout, dim_tables):
                if tree == "env":
                    env_params = env_params.replace(**{leaf: values[index]})
                else:
                    agent_params = agent_params.replace(**{leaf: values[index]})
        summary = _rollout_impl(
            key, env_params, agent_params, None, env=env, agent=agent, n_steps=n_steps, record="summary",
            unroll=unroll,
        )
        return point_stats(summary)

    def chunk(root_data, env_params, agent_params, tables, flat_indices):
        TRACE_COUNT[0] += 1
        root = root_data if key_impl is None else jax.random.wrap_key_data(root_data, impl=key_impl)
        return jax.vmap(point, in_axes=(None, None, None, None, 0))(root, env_params, agent_params, tables, flat_indices)

    return jax.jit(
        chunk,
        in_shardings=(replicated, replicated, replicated, replicated, sharding),
        out_shardings=sharding,
    )


def replicate(tree: Any, replicated: NamedSharding) -> Any:
    """Every leaf as a global array replicated on all devices (of all processes)."""

    def put(leaf):
        host = np.asarray(leaf, dtype=jnp.asarray(leaf).dtype)
        return jax.make_array_from_callback(host.shape, replicated, lambda index: host[index])

    return jax.tree_util.tree_map(put, tree)


def chunk_inputs(key, env_params, agent_params, grid, targets):
    """Static layout and dynamic arguments of :func:`chunk_function` for this sweep."""
    layout, tables = [], []
    for d in grid.dims:
        varying = [(axis, targets[axis]) for axis in d.axes if targets[axis][0] != SEED]
        layout.append(tuple(target for _, target in varying))
        tables.append(tuple(d.axes[axis] for axis, _ in varying))
    if jax.dtypes.issubdtype(key.dtype, jax.dtypes.prng_key):
        key_impl, root_data = str(jax.random.key_impl(key)), jax.random.key_data(key)
    else:
        key_impl, root_data = None, key
    return tuple(layout), key_impl, (np.asarray(root_data), env_params, agent_params, tuple(tables))


def bytes_per_point(env: Environment, agent: Agent, env_params: Any, agent_params: Any) -> int:
    """A generous estimate of device memory per grid point (carry, temporaries, metrics)."""

    def carry():
        obs, env_state = env.reset(jax.random.key(0), env_params)
        return obs, env_state, agent.init(env.n_actions, agent_params), init_summary(env.n_actions)

    leaves = jax.tree_util.tree_leaves(jax.eval_shape(carry))
    carry_bytes = sum(math.prod(x.shape) * x.dtype.itemsize for x in leaves)
    return 16 * carry_bytes + 1024


def auto_chunk_size(n_points: int, n_devices: int, point_bytes: int, memory_bytes: int) -> int:
    """Points per chunk: a multiple of ``n_devices`` that fits ``MEMORY_FRACTION`` of a device.

    At most ``MAX_POINTS_PER_DEVICE`` per device (so a lost process loses little
    work) and no more than the grid needs.
    """
    per_device = max(1, int(MEMORY_FRACTION * memory_bytes) // max(point_bytes, 1))
    per_device = min(per_device, MAX_POINTS_PER_DEVICE, -(-n_points // n_devices))
    return per_device * n_devices
