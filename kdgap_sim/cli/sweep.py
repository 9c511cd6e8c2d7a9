"""``kdgap sweep CONFIG.toml [--resume] [--chunk-size N]``: a sweep described by a TOML file.

The config is read by :func:`kdgap_sim.sweep.config.load_sweep` (its format is
documented there and in docs/sweeps.md). Several processes join with
``--coordinator/--num-processes/--process-id`` or ``--distributed``.
"""

from __future__ import annotations

import argparse
from typing import Any

from kdgap_sim.cli.arguments import add_quiet, positive_float, positive_int

NAME = "sweep"
HELP = "run an agent over a parameter grid x seeds (TOML config)"


def _initialize_distributed(args: argparse.Namespace) -> None:
    import jax

    from kdgap_sim.progress import say
    from kdgap_sim.sweep import rendezvous

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
    import numpy as np

    from kdgap_sim.config import check_output_path
    from kdgap_sim.sweep.config import load_sweep
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
    parser = subparsers.add_parser(NAME, help=HELP)
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
