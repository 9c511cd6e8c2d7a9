"""Sweep throughput (agent-steps/s) vs device count, store-write overhead, parallel efficiency.

The issue's size is a 10^4-point grid (100 follow_prob x 100 exploration) x 64
seeds, T = 1,000 trials, knowing-doing UCB agent on a 5-armed Bernoulli bandit.
Each device count runs in its own subprocess (CPU devices are emulated with
XLA_FLAGS=--xla_force_host_platform_device_count=N); with --gpu, one more run
uses all local GPUs. Throughput excludes the first chunk (compilation).

    PYTHONPATH=$PWD python benchmarks/sweep_scaling.py                     # full size
    PYTHONPATH=$PWD python benchmarks/sweep_scaling.py --points 400 --seeds 8 --steps 200
    PYTHONPATH=$PWD python benchmarks/sweep_scaling.py --devices "" --gpu  # GPU only

Writes benchmarks/results/sweep_scaling.json (with the sizes actually run).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import pathlib
import platform
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[1]


def child(args: argparse.Namespace) -> None:
    """Runs one sweep in this process and prints its measurements as JSON."""
    import jax
    import numpy as np

    import kdgap_sim as kd

    side = max(1, int(round(math.sqrt(args.points))))
    env = kd.envs.make("bernoulli-bandit", n_arms=5)
    agent, params = kd.agents.profile("knowing-doing-ucb")
    grid = kd.sweep.Grid(
        follow_prob=np.linspace(0.0, 1.0, side), exploration=np.linspace(0.1, 2.0, args.points // side)
    ) * kd.sweep.Grid(seed=range(args.seeds))
    with tempfile.TemporaryDirectory(dir=args.store_dir) as tmp:
        kd.sweep.run(
            jax.random.key(0), env, agent, grid, args.steps, agent_params=params,
            store=os.path.join(tmp, "bench.zarr"), chunk_size=args.chunk_size,
        )
    stats = kd.sweep.last_run_stats()
    steady_points = grid.size - stats.chunk_size
    steady_seconds = stats.seconds - stats.first_chunk_seconds
    print(json.dumps({
        "platform": jax.devices()[0].platform,
        "device_kind": jax.devices()[0].device_kind,
        "devices": jax.device_count(),
        "grid_points": grid.size // args.seeds,
        "seeds": args.seeds,
        "n_steps": args.steps,
        "rollouts": grid.size,
        "chunk_size": stats.chunk_size,
        "n_chunks": stats.n_chunks,
        "seconds_total": stats.seconds,
        "seconds_first_chunk": stats.first_chunk_seconds,
        "seconds_writing": stats.write_seconds,
        "write_fraction": stats.write_seconds / stats.seconds,
        "agent_steps_per_s": steady_points * args.steps / steady_seconds if steady_points > 0 else
        grid.size * args.steps / stats.seconds,
        "steady_state": steady_points > 0,
    }), flush=True)


def run_child(args: argparse.Namespace, devices: int | None) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    if devices is None:
        env.pop("JAX_PLATFORMS", None)
    else:
        env["JAX_PLATFORMS"] = "cpu"
        env["XLA_FLAGS"] = f"{env.get('XLA_FLAGS', '')} --xla_force_host_platform_device_count={devices}".strip()
    command = [sys.executable, __file__, "--child", "--points", str(args.points), "--seeds", str(args.seeds),
               "--steps", str(args.steps)]
    if args.chunk_size:
        command += ["--chunk-size", str(args.chunk_size)]
    if args.store_dir:
        command += ["--store-dir", args.store_dir]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"benchmark child failed ({devices} devices):\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=10_000, help="grid points (a near-square grid)")
    parser.add_argument("--seeds", type=int, default=64)
    parser.add_argument("--steps", type=int, default=1_000)
    parser.add_argument("--devices", default="1,2,4,8", help="CPU device counts, comma-separated ('' for none)")
    parser.add_argument("--gpu", action="store_true", help="also run on all local GPUs")
    parser.add_argument("--chunk-size", type=int, default=None, help="points per chunk (default: automatic)")
    parser.add_argument("--store-dir", default=None, help="folder for the temporary zarr store")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "sweep_scaling.json"))
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    rows = [run_child(args, int(n)) for n in args.devices.split(",") if n.strip()]
    if args.gpu:
        rows.append(run_child(args, None))
    base = next((r for r in rows if r["platform"] == "cpu" and r["devices"] == 1), None)
    for row in rows:
        if base is not None and row["platform"] == "cpu":
            row["parallel_efficiency"] = row["agent_steps_per_s"] / (row["devices"] * base["agent_steps_per_s"])
    print(f"sweep scaling: {rows[0]['grid_points']} points x {args.seeds} seeds x T = {args.steps}"
          f" ({rows[0]['rollouts']} rollouts)")
    print(f"{'platform':>8} {'devices':>7} {'chunk':>7} {'chunks':>6} {'agent-steps/s':>14} "
          f"{'efficiency':>10} {'write %':>8} {'compile+1st s':>13} {'total s':>8}")
    for r in rows:
        eff = f"{r['parallel_efficiency']:.2f}" if "parallel_efficiency" in r else "-"
        print(f"{r['platform']:>8} {r['devices']:>7} {r['chunk_size']:>7} {r['n_chunks']:>6} "
              f"{r['agent_steps_per_s']:>14.3e} {eff:>10} {100 * r['write_fraction']:>7.2f}% "
              f"{r['seconds_first_chunk']:>13.1f} {r['seconds_total']:>8.1f}")
    result = {
        "benchmark": "sweep_scaling",
        "requested": {"points": args.points, "seeds": args.seeds, "steps": args.steps,
                      "chunk_size": args.chunk_size},
        "issue_size": {"points": 10_000, "seeds": 64, "steps": 1_000},
        "host": {"machine": platform.machine(), "cpu_count": os.cpu_count(), "python": platform.python_version(),
                 "load_average_1_5_15_min_at_end": list(os.getloadavg())},
        "rows": rows,
    }
    out = pathlib.Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
