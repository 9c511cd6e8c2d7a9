"""Long-horizon execution benchmark: agents x steps in summary mode, peak memory vs horizon.

Runs self-conditioning executors (``kd.horizon.run_execution``, summary mode)
for each horizon in ``--steps`` with ``--agents`` agents, each horizon in a fresh
subprocess so that its peak resident memory (``VmHWM`` of ``/proc/self/status``,
which includes XLA's buffers) belongs to that horizon alone. Compilation is
timed separately (ahead-of-time ``lower().compile()``); steps/s counts
agent-steps of the compiled run only.

Usage (from the repository root):

    PYTHONPATH=$PWD python benchmarks/long_horizon.py --agents 10000 --steps 1000,10000,100000
    PYTHONPATH=$PWD python benchmarks/long_horizon.py --agents 10000 --steps 1000000   # full size

Writes ``benchmarks/results/long_horizon.json`` (``--output`` to change).
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import platform
import subprocess
import sys
import time


def _vm_kib(field: str) -> int:
    for line in pathlib.Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return -1


def run_one(n_agents: int, n_steps: int, keys_per_turn: int, window: int, eps0: float,
            gamma: float, prng: str) -> dict:
    """One horizon in this process; returns timings and memory."""
    import jax
    import jax.numpy as jnp
    import numpy as np

    import kdgap_sim as kd
    from kdgap_sim.horizon import execution_rollout as er

    task = kd.envs.make("execution", max_keys_per_turn=keys_per_turn)
    task_params = task.default_params()
    executor = kd.horizon.SelfConditioningExecutor(window=window)
    params = kd.horizon.ExecutorParams(eps0=np.float32(eps0), gamma=np.float32(gamma))
    edges = kd.horizon.default_bin_edges(n_steps)
    keys = kd.seed_keys(jax.random.key(0, impl=prng), n_agents)
    static = dict(task=task, executor=executor, n_steps=n_steps, prefix_steps=0,
                  bin_edges=edges, record="summary")
    rss_start = _vm_kib("VmRSS")
    start = time.perf_counter()
    compiled = er._run_batch.lower(keys, task_params, params, jnp.float32(0.0), **static).compile()
    compile_s = time.perf_counter() - start
    memory = compiled.memory_analysis()
    temp_bytes = getattr(memory, "temp_size_in_bytes", None) if memory is not None else None
    rss_compiled = _vm_kib("VmHWM")
    start = time.perf_counter()
    out = compiled(keys, task_params, params, jnp.float32(0.0))
    jax.block_until_ready(out)
    run_s = time.perf_counter() - start
    step_acc = np.asarray(out.n_correct).sum() / (n_agents * n_steps)
    return {
        "n_agents": n_agents,
        "n_steps": n_steps,
        "keys_per_turn": keys_per_turn,
        "window": window,
        "eps0": eps0,
        "gamma": gamma,
        "prng": prng,
        "compile_s": round(compile_s, 3),
        "run_s": round(run_s, 3),
        "agent_steps_per_s": n_agents * n_steps / run_s,
        "peak_rss_mib": round(_vm_kib("VmHWM") / 1024, 1),
        "peak_rss_after_compile_mib": round(rss_compiled / 1024, 1),
        "rss_at_start_mib": round(rss_start / 1024, 1),
        "xla_temp_bytes": temp_bytes,
        "mean_step_accuracy": float(step_acc),
        "task_accuracy_at_end": float(np.mean(np.asarray(out.first_error_step) == 0)),
        "device": str(jax.devices()[0]),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=10_000)
    parser.add_argument("--steps", default="1000,10000,100000",
                        help="comma-separated horizons, each run in its own process")
    parser.add_argument("--keys-per-turn", type=int, default=1)
    parser.add_argument("--window", type=int, default=100)
    parser.add_argument("--eps0", type=float, default=1e-4)
    parser.add_argument("--gamma", type=float, default=0.5)
    parser.add_argument("--prng", default="threefry2x32",
                        choices=["threefry2x32", "rbg", "unsafe_rbg"],
                        help="jax.random key implementation (the library works with any)")
    parser.add_argument("--output", default="benchmarks/results/long_horizon.json")
    parser.add_argument("--append", action="store_true", help="keep the runs already in --output")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    steps = [int(s) for s in args.steps.split(",")]
    path = pathlib.Path(args.output)
    previous = json.loads(path.read_text())["runs"] if path.exists() and args.append else []
    if args.child:
        result = run_one(args.agents, steps[0], args.keys_per_turn, args.window, args.eps0, args.gamma,
                         args.prng)
        print(json.dumps(result))
        return 0
    rows = list(previous)
    for n_steps in steps:
        cmd = [sys.executable, __file__, "--child", "--agents", str(args.agents),
               "--steps", str(n_steps), "--keys-per-turn", str(args.keys_per_turn),
               "--window", str(args.window), "--eps0", str(args.eps0), "--gamma", str(args.gamma), "--prng", args.prng]
        proc = subprocess.run(cmd, capture_output=True, text=True, env=os.environ.copy())
        if proc.returncode != 0:
            print(proc.stderr, file=sys.stderr)
            return proc.returncode
        rows.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        r = rows[-1]
        print(f"{r['prng']:>12}  agents {r['n_agents']:>7}  steps {r['n_steps']:>9}  run {r['run_s']:>9.2f} s  "
              f"compile {r['compile_s']:>6.2f} s  {r['agent_steps_per_s']:.3e} agent-steps/s  "
              f"peak RSS {r['peak_rss_mib']:>7.1f} MiB  XLA temp {r['xla_temp_bytes']} B", flush=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = {"python": platform.python_version(), "machine": platform.machine(),
            "cpu_count": os.cpu_count(), "command": " ".join(sys.argv)}
    path.write_text(json.dumps({"meta": meta, "runs": rows}, indent=2) + "\n")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
