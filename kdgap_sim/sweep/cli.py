"""``kdgap sweep CONFIG.toml [--resume] [--chunk-size N]``: a sweep described by a TOML file.

Unknown keys anywhere are errors. A sweep config::

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

import argparse
import pathlib
from collections.abc import Mapping
from typing import Any

import numpy as np

from kdgap_sim import validation
from kdgap_sim.cli import add_quiet, positive_float, positive_int
from kdgap_sim.config import build_agent, build_env, check_output_path, check_path, check_seed, read_toml
from kdgap_sim.progress import say
from kdgap_sim.sweep import rendezvous
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


def _initialize_distributed(args: argparse.Namespace) -> None:
    import jax

    explicit = (args.coordinator, args.num_processes, args.process_id)
    if any(v is not None for v in explicit) and not all(v is not None for v in explicit):
        raise ValueError("--coordinator, --num-processes and --process-id go together (or use --distributed)")
    timeout = args.init_timeout
    if all(v is not None for v in explicit):
        if args.num_processes > 1:
            say(f"sweep: process {args.process_id} of {args.num_processes} waiting for the others at "
                f"coordinator {args.coordinator} (up to {timeout:g} s)", enabled=not args.quiet)
        rendezvous.roll_call(args.coordinator, args.num_processes, args.process_id, timeout)
        timer = rendezvous.watchdog(timeout + 30, f"jax.distributed.initialize() at coordinator {args.coordinator} "
                                    f"did not return within {timeout + 30:g} s although all processes had arrived")
        jax.distributed.initialize(
            coordinator_address=args.coordinator, num_processes=args.num_processes, process_id=args.process_id,
            initialization_timeout=int(timeout + 60),
        )
        timer.cancel()
    elif args.distributed:
        timer = rendezvous.watchdog(timeout, f"timed out after {timeout:g} s in jax.distributed.initialize() "
                                    "(cluster auto-detection): some process(es) of the job never started")
        jax.distributed.initialize(initialization_timeout=int(timeout + 60))  # SLURM, Open MPI, ...
        timer.cancel()


def _sweep(args: argparse.Namespace) -> int:
    import jax

    from kdgap_sim.sweep.runner import last_run_stats, run

    _initialize_distributed(args)  # before any JAX computation, as jax.distributed requires
    cfg = load_sweep(args.config)
    check_output_path("store", cfg["store"], folder=True)
    chunk_size = args.chunk_size if args.chunk_size is not None else cfg["chunk_size"]
    ds = run(
        jax.random.key(cfg["seed"]), cfg["env"], cfg["agent"], cfg["grid"], cfg["n_steps"],
        env_params=cfg["env_params"], agent_params=cfg["agent_params"], store=cfg["store"],
        chunk_size=chunk_size, resume=args.resume, progress=not args.quiet,
    )
    if jax.process_index() == 0:
        stats = last_run_stats()
        print(f"sweep {args.config}: {cfg['grid']!r}, {cfg['n_steps']} steps, store {cfg['store']}")
        print(
            f"{stats.n_chunks} chunk(s) of up to {stats.chunk_size} points; computed {stats.n_computed}, "
            f"skipped {stats.n_skipped}; {stats.seconds:.1f} s on {jax.device_count()} device(s), "
            f"{jax.process_count()} process(es)"
        )
        for name in ds.data_vars:
            values = ds[name].values
            print(f"  {name:22s} mean {np.nanmean(values):.4g}  min {np.nanmin(values):.4g}  max {np.nanmax(values):.4g}")
    return 0




def add_subcommand(subparsers: Any) -> None:
    """Adds ``kdgap sweep`` to the ``kdgap`` command."""
    parser = subparsers.add_parser("sweep", help="run an agent over a parameter grid x seeds (TOML config)")
    parser.add_argument("config", help="sweep config (TOML)")
    parser.add_argument("--resume", action="store_true", help="continue an existing store of this sweep")
    parser.add_argument("--chunk-size", type=positive_int, default=None, help="points per chunk")
    parser.add_argument(
        "--distributed", action="store_true",
        help="call jax.distributed.initialize() with cluster auto-detection (SLURM, Open MPI)",
    )
    parser.add_argument("--coordinator", default=None, help="explicit coordinator address HOST:PORT")
    parser.add_argument("--num-processes", type=positive_int, default=None)
    parser.add_argument("--process-id", type=int, default=None)
    parser.add_argument(
        "--init-timeout", type=positive_float, default=300.0, metavar="SECONDS",
        help="how long the processes wait for each other at start (default 300); then the error names "
             "the coordinator and the missing process ids",
    )
    add_quiet(parser)
    parser.set_defaults(handler=_sweep)
