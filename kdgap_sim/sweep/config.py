"""The sweep config: a TOML file read into the arguments of :func:`kdgap_sim.sweep.run`.

Read by ``kdgap sweep CONFIG.toml`` (:mod:`kdgap_sim.cli.sweep`). Unknown keys
anywhere are errors. A sweep config::

    seed = 0                         # root key: jax.random.key(seed)
    n_steps = 1000
    store = "runs/gap.zarr"          # zarr sweep store (required)
    chunk_size = 4096                # optional; default from device memory
    n_seeds = 64                     # adds seed = 0 .. 63 (or give [grid].seed)
    zip = [["alpha_pos", "alpha_neg"]]   # optional: axes that vary together

    [env]                            # as for `kdgap simulate`
    name = "bernoulli-bandit"
    n_arms = 5

    [agent]                          # one agent, as one [agents.<label>] table of `simulate`
    profile = "knowing-doing-ucb"

    [grid]                           # axis -> list of values, or {start, stop, num} (linspace)
    follow_prob = { start = 0.0, stop = 1.0, num = 21 }
    probs = [[0.2, 0.8], [0.4, 0.6]] # a vector-valued parameter: one vector per value
"""

from __future__ import annotations

import pathlib
from collections.abc import Mapping
from typing import Any

import numpy as np

from kdgap_sim import validation
from kdgap_sim.config import build_agent, build_env, check_path, check_seed, read_toml
from kdgap_sim.sweep.grid import SEED, Grid

SWEEP_KEYS = ("seed", "n_steps", "store", "chunk_size", "n_seeds", "zip", "env", "agent", "grid")
LINSPACE_KEYS = ("start", "stop", "num")


def _axis_values(name: str, spec: Any) -> Any:
    if isinstance(spec, Mapping):
        validation.check_unknown_keys(f"grid.{name}", spec, LINSPACE_KEYS)
        missing = [k for k in LINSPACE_KEYS if k not in spec]
        if missing:
            raise ValueError(f"grid.{name} needs {missing} (a linspace is {{start, stop, num}})")
        num = validation.check_int(f"grid.{name}.num", spec["num"], minimum=1)
        start = validation.as_numeric_array(f"grid.{name}.start", spec["start"])
        stop = validation.as_numeric_array(f"grid.{name}.stop", spec["stop"])
        return np.linspace(start, stop, num)
    if not isinstance(spec, list):
        raise TypeError(f"grid.{name} must be a list of values or {{start, stop, num}}, got {spec!r}")
    return spec


def build_grid(table: Mapping[str, Any], zipped: Any = (), n_seeds: int | None = None) -> Grid:
    """A :class:`Grid` from a ``[grid]`` table, ``zip`` groups and an optional ``n_seeds``."""
    if not isinstance(table, Mapping):
        raise TypeError(f"grid must be a table, got {table!r}")
    values = {name: _axis_values(name, spec) for name, spec in table.items()}
    if n_seeds is not None:
        if SEED in values:
            raise ValueError("give either n_seeds or grid.seed, not both")
        values[SEED] = range(n_seeds)
    if not isinstance(zipped, (list, tuple)) or not all(
        isinstance(group, list) and group and all(isinstance(n, str) for n in group) for group in zipped
    ):
        raise TypeError(f"zip must be a list of lists of axis names, e.g. [['a', 'b']], got {zipped!r}")
    group_of = {}
    for group in zipped:
        for name in group:
            if name not in values:
                raise ValueError(f"zip names {name!r}, which is not a [grid] axis")
            if name in group_of:
                raise ValueError(f"axis {name!r} appears in two zip groups")
            group_of[name] = tuple(group)
    grid, placed = None, set()
    for name in values:
        if name in placed:
            continue
        group = group_of.get(name, (name,))
        part = Grid.zip(**{n: values[n] for n in group}) if len(group) > 1 else Grid(**{name: values[name]})
        placed.update(group)
        grid = part if grid is None else grid * part
    if grid is None:
        raise ValueError("the [grid] table needs at least one axis")
    return grid


def load_sweep(path: str | pathlib.Path) -> dict[str, Any]:
    """Parses and validates a sweep config; returns the objects :func:`kdgap_sim.sweep.run` takes."""
    raw = read_toml(path)
    validation.check_unknown_keys("config", raw, SWEEP_KEYS)
    for required in ("env", "agent", "grid", "store"):
        if required not in raw:
            raise ValueError(f"sweep config needs {'a [' + required + '] table' if required != 'store' else 'store = PATH'}")
    env, env_params = build_env(raw["env"])
    agent, agent_params = build_agent(raw["agent"], "agent")
    agent.check_env(env)  # no params: the grid may change those the bounds depend on
    n_seeds = raw.get("n_seeds")
    if n_seeds is not None:
        n_seeds = validation.check_int("n_seeds", n_seeds, minimum=1)
    chunk_size = raw.get("chunk_size")
    if chunk_size is not None:
        chunk_size = validation.check_int("chunk_size", chunk_size, minimum=1)
    return {
        "seed": check_seed("seed", raw.get("seed", 0)),
        "n_steps": validation.check_int("n_steps", raw.get("n_steps", 100), minimum=1),
        "store": check_path("store", raw["store"]),
        "chunk_size": chunk_size,
        "env": env,
        "env_params": env_params,
        "agent": agent,
        "agent_params": agent_params,
        "grid": build_grid(raw["grid"], raw.get("zip", []), n_seeds),
    }
