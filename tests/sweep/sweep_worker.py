"""Subprocess entry point for the sweep tests: one sweep under a given device/process layout.

Usage: python tests/sweep/sweep_worker.py STORE|- CHUNK_SIZE [COORDINATOR N_PROCESSES PROCESS_ID]
SWEEP_CASE_N_STEPS overrides the number of trials; SWEEP_CASE_MEMORY_POINTS sets the points a
device holds (for the default chunk size). Needs XLA_FLAGS=--xla_force_host_platform_device_count=N in the environment for N
CPU devices. Prints one JSON line: {"computed": .., "skipped": .., "traces": ..,
"metrics": {name: flat list}} (process 0 only prints metrics).
"""

import json
import os
import sys

import jax

if len(sys.argv) > 3:
    jax.distributed.initialize(
        coordinator_address=sys.argv[3], num_processes=int(sys.argv[4]), process_id=int(sys.argv[5])
    )

from tests.sweep.sweep_case import CASE_N_STEPS, case  # noqa: E402

n_steps = int(os.environ.get("SWEEP_CASE_N_STEPS", CASE_N_STEPS))

import kdgap_sim as kd  # noqa: E402

if "SWEEP_CASE_MEMORY_POINTS" in os.environ:  # pretend this host's devices hold that many points
    from kdgap_sim.sweep import chunk, runner

    _, env_, agent_, params_, _ = case()
    point_bytes = chunk.bytes_per_point(env_, agent_, env_.default_params(), params_)
    memory = -(-int(os.environ["SWEEP_CASE_MEMORY_POINTS"]) * point_bytes * 4 // 1024) * 1024  # whole KiB
    assert chunk.MEMORY_FRACTION == 0.25 and point_bytes > 256  # so that rounding up adds no point
    runner.device_memory_bytes = lambda device: memory

store = None if sys.argv[1] == "-" else sys.argv[1]
chunk_size = None if sys.argv[2] == "auto" else int(sys.argv[2])
key, env, agent, params, grid = case()
ds = kd.sweep.run(key, env, agent, grid, n_steps, agent_params=params, store=store, chunk_size=chunk_size)
stats = kd.sweep.last_run_stats()
out = {
    "devices": jax.device_count(),
    "processes": jax.process_count(),
    "computed": stats.n_computed,
    "skipped": stats.n_skipped,
    "traces": stats.n_traces,
    "chunk_size": stats.chunk_size,
}
if jax.process_index() == 0:
    out["metrics"] = {name: ds[name].values.ravel().tolist() for name in kd.sweep.METRICS}
print(json.dumps(out), flush=True)
