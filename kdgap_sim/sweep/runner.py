"""Run an agent over a grid x seeds: chunked, sharded over devices and processes, resumable.

Grid point ``i`` (flat, C order) runs ``_rollout_impl(fold_in(root, i), ...)``
with its axis values put into the base params, and keeps only per-point summary
metrics (computed on device). The flat grid is cut into chunks of a fixed size
(a multiple of the global device count); the last chunk is padded, so one
jitted, vmapped function, compiled once, serves every chunk. Each chunk's batch
axis is sharded over a 1-D ``Mesh`` of all devices (``NamedSharding(P("batch"))``);
in a multi-process job (after ``jax.distributed.initialize()``) every process
computes the same global chunk and writes only its addressable shards into the
zarr store, whose zarr chunk length equals the per-device shard, so no two
processes ever write the same zarr chunk. After all shards of a chunk are
written (a cross-process barrier), process 0 records the chunk in the progress
manifest; a restarted run skips recorded chunks. Results do not depend on the
chunk size, the device count or the process count.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import os
import sys
import time
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import xarray as xr
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from kdgap_sim import validation
from kdgap_sim.agents.agent import Agent
from kdgap_sim.envs.base import Environment
from kdgap_sim.rollout import _rollout_impl, init_summary
from kdgap_sim.sweep.grid import SEED, Grid
from kdgap_sim.sweep.store import SweepStore, StoreError, covered, dim_coords, merge_ranges, open_dataset
from kdgap_sim.types import Summary

METRICS = (
    "regret", "reward", "coverage", "greedy", "optimal_action", "suffix_failure", "min_frac",
    "rationale_correct", "rationale_optimal", "follow", "follow_given_correct", "gap",
)
MAX_POINTS_PER_DEVICE = 2**14
MEMORY_FRACTION = 0.25


@dataclasses.dataclass
class RunStats:
    """What the last :func:`run` in this process did (for tests and benchmarks).

    Attributes:
      n_chunks: chunks in the sweep; n_computed: chunks computed by this run;
      n_skipped: chunks found finished in the store; n_traces: times the chunk
      function was traced (1 per run: one compilation for all chunks);
      chunk_size: points per chunk; seconds: wall time of the chunk loop;
      write_seconds: time spent writing chunks and the manifest.
    """

    n_chunks: int = 0
    n_computed: int = 0
    n_skipped: int = 0
    n_traces: int = 0
    chunk_size: int = 0
    seconds: float = 0.0
    write_seconds: float = 0.0


_LAST = RunStats()


def last_run_stats() -> RunStats:
    """A copy of the :class:`RunStats` of the last :func:`run` in this process."""
    return dataclasses.replace(_LAST)


def point_stats(summary: Summary) -> dict[str, jax.Array]:
    """The scalars of a rollout Summary that the sweep metrics need (computed on device).

    Only sums and counts: every division is left to :func:`metrics_from_stats` on
    the host, because XLA may round ``count / n`` differently for different batch
    shapes (it can turn a vectorised division into a multiplication by a
    reciprocal), which would make results depend on the chunk size.
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


_TRACES = [0]  # chunk-function traces in this process (RunStats.n_traces is this run's share)


@functools.lru_cache(maxsize=32)
def _chunk_fn(env, agent, n_steps, unroll, shape, layout, key_impl, sharding, replicated):
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
        _TRACES[0] += 1
        root = root_data if key_impl is None else jax.random.wrap_key_data(root_data, impl=key_impl)
        return jax.vmap(point, in_axes=(None, None, None, None, 0))(root, env_params, agent_params, tables, flat_indices)

    return jax.jit(
        chunk,
        in_shardings=(replicated, replicated, replicated, replicated, sharding),
        out_shardings=sharding,
    )


def _replicate(tree: Any, replicated: NamedSharding) -> Any:
    """Every leaf as a global array replicated on all devices (of all processes)."""

    def put(leaf):
        host = np.asarray(leaf, dtype=jnp.asarray(leaf).dtype)
        return jax.make_array_from_callback(host.shape, replicated, lambda index: host[index])

    return jax.tree_util.tree_map(put, tree)


def _chunk_inputs(key, env_params, agent_params, grid, targets):
    """Static layout and dynamic arguments of :func:`_chunk_fn` for this sweep."""
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


def device_memory_bytes(device: jax.Device) -> int:
    """Memory of one device: its allocator limit, or host RAM shared by the local CPU devices."""
    try:
        stats = device.memory_stats() or {}
    except Exception:  # noqa: BLE001 - backends without memory stats
        stats = {}
    if "bytes_limit" in stats:
        return int(stats["bytes_limit"])
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return int(ram // max(jax.local_device_count(), 1))


def auto_chunk_size(n_points: int, n_devices: int, point_bytes: int, memory_bytes: int) -> int:
    """Points per chunk: a multiple of ``n_devices`` that fits ``MEMORY_FRACTION`` of a device.

    At most ``MAX_POINTS_PER_DEVICE`` per device (so a lost process loses little
    work) and no more than the grid needs.
    """
    per_device = max(1, int(MEMORY_FRACTION * memory_bytes) // max(point_bytes, 1))
    per_device = min(per_device, MAX_POINTS_PER_DEVICE, -(-n_points // n_devices))
    return per_device * n_devices


def _describe(root_key, env, agent, env_params, agent_params, grid, n_steps) -> dict[str, Any]:
    from kdgap_sim import __version__

    def tolist(x):
        return np.asarray(x).tolist()

    key_data = jax.random.key_data(root_key) if jax.dtypes.issubdtype(root_key.dtype, jax.dtypes.prng_key) else root_key
    return {
        "format": "kdgap-sweep",
        "format_version": 1,
        "library_version": __version__,
        "env": repr(env),
        "agent": repr(agent),
        "env_params": {k: tolist(v) for k, v in env_params.as_dict().items()},
        "agent_params": {k: tolist(v) for k, v in agent_params.as_dict().items()},
        "grid": [
            {"name": d.name, "axes": {a: {"values": v.tolist(), "dtype": str(v.dtype)} for a, v in d.axes.items()}}
            for d in grid.dims
        ],
        "n_points": grid.size,
        "n_steps": n_steps,
        "key": tolist(key_data),
        "metrics": list(METRICS),
    }


def _barrier(name: str) -> None:
    if jax.process_count() > 1:
        from jax.experimental import multihost_utils

        multihost_utils.sync_global_devices(name)


def _progress_bar(total: int, done: int):
    from tqdm.auto import tqdm

    quiet = jax.process_index() != 0 or not sys.stderr.isatty()
    return tqdm(total=total, initial=done, unit="chunk", desc="sweep", disable=quiet, file=sys.stderr)


def run(
    key: jax.Array,
    env: Environment,
    agent: Agent,
    grid: Grid,
    n_steps: int,
    *,
    env_params: Any = None,
    agent_params: Any = None,
    store: str | os.PathLike | None = None,
    chunk_size: int | None = None,
    resume: bool = True,
    unroll: int = 1,
) -> xr.Dataset:
    """Runs ``agent`` on ``env`` at every point of ``grid`` and returns the metrics.

    Point ``i`` (flat C-order index over the grid's dimensions) uses the key
    ``fold_in(key, i)`` and the base params with that point's axis values put in.

    Args:
      key: root ``jax.random`` key.
      env, agent: the (static) environment and agent.
      grid: a :class:`Grid`; a one-value ``seed`` axis is added if it has none.
      n_steps: trials per rollout.
      env_params, agent_params: base params (default: ``default_params()``).
      store: path of a zarr sweep store; ``None`` keeps results in memory only.
      chunk_size: points per chunk (rounded up to a multiple of the device
        count); default: chosen from the agent's state size and device memory.
      resume: reopen an existing store of the same sweep and skip its finished
        chunks; with ``False`` an existing store is an error.
      unroll: ``lax.scan`` unroll factor (speed only).

    Returns:
      An ``xarray.Dataset``: one float32 variable per metric in ``METRICS``,
      dimensions the grid's dimensions (incl. ``seed``), loaded in memory.

    Raises:
      ValueError, TypeError: a bad argument or grid value (naming it), before any work.
      StoreError: the store is foreign, damaged, or exists with ``resume=False``.

    Example:
      >>> import jax, kdgap_sim as kd
      >>> env = kd.envs.make("bernoulli-bandit", n_arms=3)
      >>> agent, _ = kd.agents.profile("knowing-doing-ucb")
      >>> grid = kd.sweep.Grid(follow_prob=[0.0, 1.0], seed=range(4))
      >>> ds = kd.sweep.run(jax.random.key(0), env, agent, grid, n_steps=20)
      >>> ds["follow"].dims, ds["follow"].shape
      (('follow_prob', 'seed'), (2, 4))
    """
    global _LAST
    validation.check_key(key)
    if not isinstance(env, Environment):
        raise TypeError(f"env must be an Environment (e.g. kd.envs.make(...)), got {env!r}")
    if not isinstance(agent, Agent):
        raise TypeError(f"agent must be a kd.agents.Agent, got {agent!r}")
    if not isinstance(grid, Grid):
        raise TypeError(f"grid must be a kd.sweep.Grid, got {type(grid).__name__}")
    n_steps = validation.check_int("n_steps", n_steps, minimum=1)
    unroll = validation.check_int("unroll", unroll, minimum=1)
    env_params = env.default_params() if env_params is None else env_params
    agent_params = agent.default_params() if agent_params is None else agent_params
    env.validate_params(env_params, "env_params")
    agent.validate_params(agent_params, "agent_params")
    agent.check_n_actions(env.n_actions)
    grid = grid.with_seed()
    targets = grid.resolve(env, agent, env_params, agent_params)
    grid = grid.cast(env_params, agent_params, targets)

    devices = jax.devices()
    n_devices = len(devices)
    n_points = grid.size
    if chunk_size is None:
        point_bytes = bytes_per_point(env, agent, env_params, agent_params)
        chunk_size = auto_chunk_size(n_points, n_devices, point_bytes, device_memory_bytes(jax.local_devices()[0]))
    else:
        chunk_size = validation.check_int("chunk_size", chunk_size, minimum=1)
        chunk_size = min(chunk_size, n_points)
        chunk_size = -(-chunk_size // n_devices) * n_devices
    shard = chunk_size // n_devices
    n_chunks = -(-n_points // chunk_size)

    description = _describe(key, env, agent, env_params, agent_params, grid, n_steps)
    sweep_store = SweepStore(store) if store is not None else None
    done: list[list[int]] = []
    if sweep_store is not None:
        if jax.process_index() == 0:
            if sweep_store.exists() and (not sweep_store.path.is_dir() or any(sweep_store.path.iterdir())):
                if not resume:
                    raise StoreError(
                        f"sweep store {str(store)!r} exists; pass resume=True (--resume) to continue it "
                        "or choose another path"
                    )
                sweep_store.check_matches(description, METRICS)
            else:
                sweep_store.create(description, METRICS, shard)
        _barrier("kdgap-sweep-store-ready")
        if jax.process_index() != 0:
            sweep_store.check_matches(description, METRICS)
        done = sweep_store.read_done()
        zarr_chunk = sweep_store.arrays(METRICS, mode="r")[METRICS[0]].chunks[0]
        if jax.process_count() > 1 and shard % zarr_chunk and n_chunks > 1:
            raise ValueError(
                f"chunk_size {chunk_size} gives {shard} points per device, not a multiple of the store's "
                f"zarr chunk length {zarr_chunk}; in a multi-process run use a chunk size that is a "
                f"multiple of {zarr_chunk * n_devices}"
            )
        arrays = sweep_store.arrays(METRICS)
    elif jax.process_count() > 1:
        raise ValueError("a multi-process sweep needs a store (store=PATH on a shared file system)")
    else:
        results = {name: np.full(n_points, np.nan, np.float32) for name in METRICS}

    stats = RunStats(n_chunks=n_chunks, chunk_size=chunk_size)
    _LAST = stats
    mesh = Mesh(np.asarray(devices), ("batch",))
    sharding = NamedSharding(mesh, PartitionSpec("batch"))
    replicated = NamedSharding(mesh, PartitionSpec())
    layout, key_impl, dynamic = _chunk_inputs(key, env_params, agent_params, grid, targets)
    chunk_fn = _chunk_fn(env, agent, n_steps, unroll, grid.shape, layout, key_impl, sharding, replicated)
    dynamic = _replicate(dynamic, replicated)
    traces_before = _TRACES[0]
    todo = [c for c in range(n_chunks) if not covered(done, c * chunk_size, min((c + 1) * chunk_size, n_points))]
    stats.n_skipped = n_chunks - len(todo)
    points = 0
    start_time = time.perf_counter()
    with _progress_bar(n_chunks, stats.n_skipped) as bar:
        for c in todo:
            start = c * chunk_size
            stop = min(start + chunk_size, n_points)
            host_indices = np.minimum(np.arange(start, start + chunk_size), n_points - 1).astype(np.int32)
            indices = jax.make_array_from_callback((chunk_size,), sharding, lambda i: host_indices[i])
            out = chunk_fn(*dynamic, indices)
            stats.n_traces = _TRACES[0] - traces_before
            jax.block_until_ready(out)
            write_start = time.perf_counter()
            for shard_index, name_values in _local_shards(out):
                lo = start + shard_index
                hi = min(lo + len(next(iter(name_values.values()))), stop)
                if hi <= lo:
                    continue
                point_values = {name: v[: hi - lo] for name, v in name_values.items()}
                values = metrics_from_stats(point_values, env.n_actions)
                if sweep_store is not None:
                    sweep_store.write(arrays, lo, values)
                else:
                    for name, v in values.items():
                        results[name][lo:hi] = v
            done = merge_ranges([*done, [start, stop]])
            if sweep_store is not None:
                _barrier(f"kdgap-sweep-chunk-{c}")
                if jax.process_index() == 0:
                    sweep_store.mark_done(done)
            stats.write_seconds += time.perf_counter() - write_start
            stats.n_computed += 1
            points += stop - start
            elapsed = time.perf_counter() - start_time
            bar.set_postfix_str(f"{points * n_steps / elapsed:.3g} agent-steps/s")
            bar.update(1)
    stats.seconds = time.perf_counter() - start_time
    if sweep_store is not None:
        _barrier("kdgap-sweep-finished")
        return open_dataset(sweep_store.path).load()
    data = {name: (grid.dim_names, values.reshape(grid.shape)) for name, values in results.items()}
    return xr.Dataset(data, coords=dim_coords(grid.dims), attrs={"env": repr(env), "agent": repr(agent), "n_steps": n_steps})


def _local_shards(out: dict[str, jax.Array]):
    """Yields ``(offset in chunk, {metric: host values})`` for each addressable shard."""
    by_device = {name: {s.device: s for s in array.addressable_shards} for name, array in out.items()}
    first = next(iter(by_device.values()))
    for device, shard in sorted(first.items(), key=lambda item: item[1].index[0].start or 0):
        offset = shard.index[0].start or 0
        yield offset, {name: np.asarray(shards[device].data) for name, shards in by_device.items()}


@functools.wraps(open_dataset)
def open(store: str | os.PathLike) -> xr.Dataset:  # noqa: A001 - the public name is sweep.open
    return open_dataset(store)
