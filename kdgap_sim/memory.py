"""How much memory a batch of rollouts needs, and how much a device has.

:func:`kdgap_sim.rollout_batch` calls :func:`check_batch_fits` before
compiling, so that ``n_seeds=10**9`` is refused with one line saying how many
seeds fit, instead of an XLA ``RESOURCE_EXHAUSTED`` traceback after minutes of
compilation. The estimate is computed from the shapes of one seed's result and
loop state (``jax.eval_shape``: nothing is compiled or allocated).
"""

from __future__ import annotations

import functools
import math
import os
from typing import Any

import jax
import numpy as np

# Share of a device's memory one rollout_batch may plan to use.
MEMORY_FRACTION = 0.75
# Copies of the per-seed result and of the loop state XLA may hold at once
# (a trajectory is written per trial, then laid out seed-major; the state is
# double-buffered by the loop and has temporaries of its size).
OUTPUT_COPIES = 2
STATE_COPIES = 8


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


def _tree_bytes(tree: Any) -> int:
    return sum(math.prod(x.shape) * x.dtype.itemsize for x in jax.tree_util.tree_leaves(tree))


def seed_bytes(env: Any, env_params: Any, agent: Any, agent_params: Any, n_steps: int,
               record: str = "summary", accumulator: Any = None) -> dict[str, int]:
    """Bytes of one seed's result and loop state, and the planned bytes per seed.

    Returns ``{"output": ..., "state": ..., "per_seed": ...}`` where ``per_seed =
    OUTPUT_COPIES * output + STATE_COPIES * state``.

    Example:
      >>> import kdgap_sim as kd
      >>> from kdgap_sim import memory
      >>> env = kd.envs.make("bernoulli-bandit", n_arms=3)
      >>> agent, params = kd.agents.profile("faithful-ucb")
      >>> b = memory.seed_bytes(env, env.default_params(), agent, params, 100, "trajectory")
      >>> b["output"] > 100 * 3 * 4  # at least the beliefs, [T, K] float32
      True
    """
    structs = jax.tree_util.tree_map(
        lambda x: jax.ShapeDtypeStruct(np.shape(x), jax.dtypes.result_type(x)), (env_params, agent_params))
    leaves, treedef = jax.tree_util.tree_flatten(structs)
    shapes = tuple((x.shape, str(x.dtype)) for x in leaves)
    out_bytes, state_bytes = _shape_bytes(env, agent, n_steps, record, treedef, shapes, accumulator)
    return {"output": out_bytes, "state": state_bytes,
            "per_seed": OUTPUT_COPIES * out_bytes + STATE_COPIES * state_bytes}


@functools.lru_cache(maxsize=256)
def _shape_bytes(env, agent, n_steps, record, treedef, shapes, accumulator=None) -> tuple[int, int]:
    """(result bytes, loop-state bytes) of one seed, from shapes only (cached: one trace per setting)."""
    from kdgap_sim.accumulators import SUMMARY
    from kdgap_sim.rollout import _rollout_impl  # rollout imports this module

    accumulator = SUMMARY if accumulator is None else accumulator
    env_params, agent_params = jax.tree_util.tree_unflatten(
        treedef, [jax.ShapeDtypeStruct(shape, dtype) for shape, dtype in shapes])

    def output(env_params, agent_params):
        return _rollout_impl(jax.random.key(0), env_params, agent_params, None, env=env, agent=agent,
                             n_steps=n_steps, record=record, unroll=1, accumulator=accumulator)

    def state(env_params, agent_params):
        obs, env_state = env.reset(jax.random.key(0), env_params)
        return obs, env_state, agent.init(env.n_actions, agent_params), accumulator.init(env.n_actions)

    out_bytes = _tree_bytes(jax.eval_shape(output, env_params, agent_params))
    state_bytes = _tree_bytes(jax.eval_shape(state, env_params, agent_params)) + 8  # and the seed's key
    return out_bytes, state_bytes


def format_bytes(n: float) -> str:
    """``1.5 GB``-style text (powers of 1000).

    Example:
      >>> format_bytes(2.5e12)
      '2.5 TB'
    """
    for unit in ("B", "kB", "MB", "GB", "TB", "PB"):
        if abs(n) < 1000 or unit == "PB":
            return f"{n:.3g} {unit}"
        n /= 1000
    raise AssertionError("unreachable")


def check_batch_fits(env: Any, env_params: Any, agent: Any, agent_params: Any, n_steps: int,
                     n_seeds: int, record: str, n_devices: int = 1,
                     memory_bytes: int | None = None, accumulator: Any = None) -> None:
    """Raises ValueError, before anything compiles, if ``n_seeds`` cannot fit in memory.

    ``memory_bytes`` is one device's memory (default: the first local device's);
    the seeds are split over ``n_devices`` devices.

    Example:
      >>> import kdgap_sim as kd
      >>> from kdgap_sim import memory
      >>> env = kd.envs.make("bernoulli-bandit", n_arms=3)
      >>> agent, params = kd.agents.profile("faithful-ucb")
      >>> memory.check_batch_fits(env, env.default_params(), agent, params, 100, 10**9,
      ...                         "trajectory", memory_bytes=16 * 10**9)
      Traceback (most recent call last):
      ...
      ValueError: n_seeds=1000000000 needs about 11.3 TB (11.3 kB per seed, record='trajectory', n_steps=100), more than 75% of the 16 GB of cpu memory: at most 1061383 seeds fit in one call (use fewer seeds per call, or record='summary')
    """
    if memory_bytes is None:
        memory_bytes = device_memory_bytes(jax.local_devices()[0])
    per_seed = seed_bytes(env, env_params, agent, agent_params, n_steps, record, accumulator)["per_seed"]
    budget = int(MEMORY_FRACTION * memory_bytes) * n_devices
    fit = budget // per_seed
    if n_seeds <= fit:
        return
    platform = jax.local_devices()[0].platform
    where = f"{format_bytes(memory_bytes)} of {platform} memory"
    if n_devices > 1:
        where = f"{format_bytes(memory_bytes)} of {platform} memory on each of {n_devices} devices"
    hint = "use fewer seeds per call" + (", or record='summary'" if record != "summary" else "")
    raise ValueError(
        f"n_seeds={n_seeds} needs about {format_bytes(per_seed * n_seeds)} ({format_bytes(per_seed)} per seed, "
        f"record={record!r}, n_steps={n_steps}), more than {MEMORY_FRACTION:.0%} of the {where}: "
        f"at most {fit} seeds fit in one call ({hint})"
    )
