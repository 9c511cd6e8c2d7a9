"""Run an agent over a grid x seeds: chunked, sharded over devices and processes, resumable.

The flat grid is cut into chunks of a fixed size (a multiple of the global
device count); the last chunk is padded, so one jitted, vmapped function
(:mod:`kdgap_sim.sweep.chunk`), compiled once, serves every chunk. Each chunk's
batch axis is sharded over a 1-D ``Mesh`` of all devices, ordered by process,
with ``NamedSharding(mesh, P("batch"))``. In a multi-process job (after
``jax.distributed.initialize()``) every process computes the same global chunk
and writes only its own contiguous block of it (its addressable shards) to the
zarr store, whose zarr chunk length is that block, so no two processes write
the same zarr chunk and no host gathers another's results (a run resuming a
store with blocks that would share a zarr chunk is refused up front). After every
process has written and fsync-ed its block (a barrier), process 0 records the
chunk in the progress manifest; a restarted run skips recorded chunks. Point
``i`` always uses ``fold_in(root, i)``, so results do not depend on the chunk
size, the device count or the process count.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import os
import sys
import time
from collections.abc import Sequence
from typing import Any

import jax
import numpy as np
import xarray as xr
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from kdgap_sim import validation
from kdgap_sim.agents.agent import Agent
from kdgap_sim.envs.base import Environment
from kdgap_sim.sweep.chunk import (
    METRICS,
    TRACE_COUNT,
    auto_chunk_size,
    bytes_per_point,
    chunk_function,
    chunk_inputs,
    metrics_from_stats,
    replicate,
)
from kdgap_sim.memory import device_memory_bytes
from kdgap_sim.progress import Progress
from kdgap_sim.sweep.grid import Grid
from kdgap_sim.sweep.store import SweepStore, StoreError, covered, dim_coords, merge_ranges, open_dataset


@dataclasses.dataclass
class RunStats:
    """What the last :func:`run` in this process did (for tests and benchmarks).

    Attributes:
      n_chunks: chunks in the sweep; n_computed: chunks computed by this run;
      n_skipped: chunks found finished in the store; n_traces: times the chunk
      function was traced (1 per run: one compilation for all chunks);
      chunk_size: points per chunk; seconds: wall time of the chunk loop;
      first_chunk_seconds: wall time of the first computed chunk (includes
      compilation); write_seconds: time spent writing chunks and the manifest.

    Example:
      >>> import kdgap_sim as kd
      >>> stats = kd.sweep.RunStats(n_chunks=4, n_computed=1, n_skipped=3)
      >>> stats.n_computed + stats.n_skipped == stats.n_chunks
      True
    """

    n_chunks: int = 0
    n_computed: int = 0
    n_skipped: int = 0
    n_traces: int = 0
    chunk_size: int = 0
    seconds: float = 0.0
    first_chunk_seconds: float = 0.0
    write_seconds: float = 0.0


_LAST = RunStats()


def last_run_stats() -> RunStats:
    """A copy of the :class:`RunStats` of the last :func:`run` in this process.

    Example:
      >>> import jax, kdgap_sim as kd
      >>> env = kd.envs.make("bernoulli-bandit", n_arms=3)
      >>> agent, _ = kd.agents.profile("knowing-doing-ucb")
      >>> _ = kd.sweep.run(jax.random.key(0), env, agent, kd.sweep.Grid(seed=range(2)), n_steps=5)
      >>> stats = kd.sweep.last_run_stats()
      >>> stats.n_chunks, stats.n_computed, stats.n_skipped
      (1, 1, 0)
    """
    return dataclasses.replace(_LAST)


def _describe(root_key, env, agent, env_params, agent_params, grid, n_steps) -> dict[str, Any]:
    from kdgap_sim._version import __version__

    def tolist(x):
        return np.asarray(x).tolist()

    typed = jax.dtypes.issubdtype(root_key.dtype, jax.dtypes.prng_key)
    key_data = jax.random.key_data(root_key) if typed else root_key
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
        "key_impl": str(jax.random.key_impl(root_key)) if typed else "raw uint32",
        "metrics": list(METRICS),
    }


def _barrier(name: str) -> None:
    if jax.process_count() > 1:
        from jax.experimental import multihost_utils

        multihost_utils.sync_global_devices(name)


def _smallest_across_processes(memory_bytes: int) -> int:
    """The smallest ``memory_bytes`` of all processes (every process calls this).

    The default chunk size follows each process's own device memory, but all
    processes must cut the grid into the same chunks: on a cluster whose hosts
    differ they agree on the smallest. Counted in KiB (int32 is what crosses
    without x64), so a device above 2 TiB counts as 2 TiB.
    """
    if jax.process_count() == 1:
        return memory_bytes
    from jax.experimental import multihost_utils

    kib = np.int32(min(memory_bytes >> 10, np.iinfo(np.int32).max))
    return int(np.min(multihost_utils.process_allgather(kib))) << 10


def _progress_bar(total: int, done: int, progress: bool | None) -> Progress:
    """Process 0's report of chunks done: a bar on a terminal, plain lines otherwise (None: bar only)."""
    enabled = sys.stderr.isatty() if progress is None else progress
    return Progress(total, "sweep", "chunks", enabled=enabled and jax.process_index() == 0, initial=done)


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
    progress: bool | None = None,
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
      progress: report chunks done on stderr (process 0): True, a bar on a
        terminal and a plain line every few seconds otherwise; None (default),
        the bar on a terminal only; False, nothing.

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
    if progress is not None:
        validation.check_bool("progress", progress)
    env_params = env.default_params() if env_params is None else env_params
    agent_params = agent.default_params() if agent_params is None else agent_params
    env.validate_params(env_params, "env_params")
    agent.validate_params(agent_params, "agent_params")
    agent.check_env(env)  # no params: the grid may change those the bounds depend on
    grid = grid.with_seed()
    targets = grid.resolve(env, agent, env_params, agent_params)
    grid = grid.cast(env_params, agent_params, targets)

    # Devices ordered by process, so each process's shards form one contiguous block.
    devices = sorted(jax.devices(), key=lambda d: (d.process_index, d.id))
    n_devices = len(devices)
    n_processes = jax.process_count()
    if n_devices % n_processes:
        raise ValueError(f"every process needs the same number of devices; got {n_devices} over {n_processes}")
    n_points = grid.size
    if chunk_size is None:
        point_bytes = bytes_per_point(env, agent, env_params, agent_params)
        memory = _smallest_across_processes(device_memory_bytes(jax.local_devices()[0]))
        chunk_size = auto_chunk_size(n_points, n_devices, point_bytes, memory)
    else:
        chunk_size = validation.check_int("chunk_size", chunk_size, minimum=1)
        chunk_size = min(chunk_size, n_points)
        chunk_size = -(-chunk_size // n_devices) * n_devices
    n_chunks = -(-n_points // chunk_size)

    description = _describe(key, env, agent, env_params, agent_params, grid, n_steps)
    if store is not None:
        sweep_store = SweepStore(store)
        data, done = _prepare_store(sweep_store, description, resume, chunk_size)
    elif n_processes > 1:
        raise ValueError("a multi-process sweep needs a store (store=PATH on a shared file system)")
    else:
        sweep_store, done = None, []
        results = np.full((n_points, len(METRICS)), np.nan, np.float32)

    todo = [c for c in range(n_chunks) if not covered(done, c * chunk_size, min((c + 1) * chunk_size, n_points))]
    if sweep_store is not None:
        _refuse_shared_zarr_chunks(data, todo, chunk_size, n_processes, n_devices)
    stats = RunStats(n_chunks=n_chunks, chunk_size=chunk_size)
    _LAST = stats
    mesh = Mesh(np.asarray(devices), ("batch",))
    sharding = NamedSharding(mesh, PartitionSpec("batch"))
    replicated = NamedSharding(mesh, PartitionSpec())
    layout, key_impl, dynamic = chunk_inputs(key, env_params, agent_params, grid, targets)
    chunk_fn = chunk_function(env, agent, n_steps, unroll, grid.shape, layout, key_impl, sharding, replicated)
    dynamic = replicate(dynamic, replicated)
    traces_before = TRACE_COUNT[0]
    stats.n_skipped = n_chunks - len(todo)
    points = 0
    start_time = time.perf_counter()
    with _progress_bar(n_chunks, stats.n_skipped, progress) as bar:
        for c in todo:
            start = c * chunk_size
            stop = min(start + chunk_size, n_points)
            host_indices = np.minimum(np.arange(start, start + chunk_size), n_points - 1).astype(np.int32)
            indices = jax.make_array_from_callback((chunk_size,), sharding, lambda i: host_indices[i])
            out = chunk_fn(*dynamic, indices)
            stats.n_traces = TRACE_COUNT[0] - traces_before
            jax.block_until_ready(out)
            write_start = time.perf_counter()
            offset, local = _local_block(out)
            lo, hi = start + offset, min(start + offset + len(local["n_steps"]), stop)
            if hi > lo:
                values = metrics_from_stats({k: v[: hi - lo] for k, v in local.items()}, env.n_actions)
                rows = np.stack([values[name] for name in METRICS], axis=1)
                if sweep_store is not None:
                    sweep_store.write(data, lo, rows)
                else:
                    results[lo:hi] = rows
            done = merge_ranges([*done, [start, stop]])
            if sweep_store is not None:
                _barrier(f"kdgap-sweep-chunk-{c}")
                if jax.process_index() == 0:
                    sweep_store.mark_done(done)
            stats.write_seconds += time.perf_counter() - write_start
            stats.n_computed += 1
            points += stop - start
            elapsed = time.perf_counter() - start_time
            if stats.n_computed == 1:
                stats.first_chunk_seconds = elapsed
            bar.update(1, note=f"{points * n_steps / elapsed:.3g} agent-steps/s")
    stats.seconds = time.perf_counter() - start_time
    if sweep_store is not None:
        _barrier("kdgap-sweep-finished")
        return open_dataset(sweep_store.path).load()
    variables = {name: (grid.dim_names, results[:, i].reshape(grid.shape)) for i, name in enumerate(METRICS)}
    return xr.Dataset(variables, coords=dim_coords(grid.dims), attrs={"env": repr(env), "agent": repr(agent), "n_steps": n_steps})


def _prepare_store(sweep_store, description, resume, chunk_size):
    """Creates or checks the store (process 0), then returns ``(metrics array, done ranges)``."""
    n_processes = jax.process_count()
    block = chunk_size // n_processes  # points of a chunk that one process computes and writes
    if jax.process_index() == 0:
        path = sweep_store.path
        if path.exists() and (not path.is_dir() or any(path.iterdir())):
            if not resume:
                raise StoreError(
                    f"sweep store {str(path)!r} exists; pass resume=True (--resume) to continue it "
                    "or choose another path"
                )
            sweep_store.check_matches(description, METRICS)
        else:
            sweep_store.create(description, METRICS, block)
    _barrier("kdgap-sweep-store-ready")
    if jax.process_index() != 0:
        sweep_store.check_matches(description, METRICS)
    return sweep_store.data(), sweep_store.read_done()


def shared_zarr_chunk(
    chunks: Sequence[int], chunk_size: int, n_points: int, n_processes: int, zarr_chunk: int
) -> int | None:
    """The first point where two processes' writes of one sweep chunk meet inside a zarr chunk, or None.

    In sweep chunk ``c`` process ``p`` writes the points ``[(c P + p) b, (c P + p + 1) b)``
    clipped to ``n_points`` (``P`` processes, ``b = chunk_size / P``). The chunks
    are written one after another (a barrier between them), so only processes of
    the same chunk can collide: processes ``p - 1`` and ``p`` share a zarr chunk
    when their boundary ``(c P + p) b``, if below ``n_points``, is not a multiple
    of ``zarr_chunk``. Every boundary of the ``chunks`` given is checked.
    """
    block = chunk_size // n_processes
    if n_processes == 1 or block % zarr_chunk == 0:
        return None
    starts = np.asarray(chunks, np.int64).reshape(-1, 1) * chunk_size
    bounds = (starts + block * np.arange(1, n_processes, dtype=np.int64)).ravel()
    bad = bounds[(bounds < n_points) & (bounds % zarr_chunk != 0)]
    return int(bad.min()) if bad.size else None


def _refuse_shared_zarr_chunks(data, todo, chunk_size, n_processes, n_devices) -> None:
    """Raises ValueError if two processes would write one zarr chunk in the chunks ``todo``."""
    zarr_chunk, n_points = data.chunks[0], data.shape[0]
    shared = shared_zarr_chunk(todo, chunk_size, n_points, n_processes, zarr_chunk)
    if shared is None:
        return
    good = math.lcm(zarr_chunk * n_processes, n_devices)
    largest = -(-n_points // n_devices) * n_devices  # what any chunk_size >= n_points becomes
    if good <= n_points:
        fix = f"use a chunk size that is a multiple of {good}, at most {n_points}"
    elif shared_zarr_chunk([0], largest, n_points, n_processes, zarr_chunk) is None:
        fix = f"use chunk_size {n_points} (the whole grid in one chunk)"
    else:
        fix = f"no chunk size avoids that with {n_processes} processes; resume with fewer (one always works)"
    raise ValueError(
        f"chunk_size {chunk_size} gives {chunk_size // n_processes} points per process, not a multiple of "
        f"the store's zarr chunk length {zarr_chunk}, so two processes would write the same zarr chunk "
        f"(at point {shared}) and one could lose the other's results; {fix}"
    )


def _local_block(out: dict[str, jax.Array]) -> tuple[int, dict[str, np.ndarray]]:
    """This process's shards of a chunk result, joined: ``(offset in chunk, {name: values})``."""
    pieces = {
        name: sorted((((s.index[0].start or 0), s) for s in array.addressable_shards), key=lambda item: item[0])
        for name, array in out.items()
    }
    first = next(iter(pieces.values()))
    offset, expected = first[0][0], first[0][0]
    for start, shard in first:
        if start != expected:
            raise RuntimeError("the shards of one process are not contiguous; this is a bug in the sweep mesh")
        expected += shard.data.shape[0]
    joined = {name: np.concatenate([np.asarray(s.data) for _, s in shards]) for name, shards in pieces.items()}
    return offset, joined


@functools.wraps(open_dataset)
def open(store: str | os.PathLike) -> xr.Dataset:  # noqa: A001 - the public name is sweep.open
    return open_dataset(store)
