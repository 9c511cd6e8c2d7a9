"""Decisions per second through kd.llm.run: the harness's own cost (render, parse, cache, HTTP).

The policy is a synthetic agent (kd.llm.SimulatedText), so the model costs ~nothing and what is
measured is the harness: prompt rendering, the openai client, HTTP on 127.0.0.1, parsing, the
on-disk cache (one atomic, fsynced file per answer) and the environment steps.  Rows:

- ``in-process``: SimulatedText called directly (no HTTP): the harness without transport.
- ``http c=N``: OpenAIChat(concurrency=N) against an OpenAI-compatible server in its own process
  (``python -m kdgap_sim.llm.local_server``) answering as the same agent, with and without the cache.
- ``cached rerun``: the same run again, every answer read from the cache (no request).

    PYTHONPATH=$PWD python benchmarks/llm_throughput.py
    PYTHONPATH=$PWD python benchmarks/llm_throughput.py --episodes 64 --steps 20

Writes benchmarks/results/llm_throughput.json (the table, the machine, the sizes run).
"""

from __future__ import annotations

import argparse
import os
import pathlib
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from _results import write_result  # noqa: E402


def _timed_run(policy, episodes: int, steps: int, cache) -> tuple[float, dict]:
    import jax

    import kdgap_sim as kd

    env = kd.envs.make("bernoulli-bandit", n_arms=5)
    start = time.perf_counter()
    log = kd.llm.run(jax.random.key(0), env, env.default_params(), policy, n_episodes=episodes, n_steps=steps,
                     history="full", cache=cache)
    seconds = time.perf_counter() - start
    assert not log.invalid.any(), "the simulated agent's answers must all parse"
    return episodes * steps / seconds, dict(log.requests)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=64, help="episodes per run (>= the concurrency)")
    parser.add_argument("--steps", type=int, default=20, help="trials per episode")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 64])
    args = parser.parse_args()
    import kdgap_sim as kd

    agent, params = kd.agents.profile("knowing-doing-ucb")
    rows = []
    warm = kd.llm.SimulatedText(agent, params, n_actions=5)
    _timed_run(warm, args.episodes, 2, None)  # compile the agent's and the env's functions once
    rate, _ = _timed_run(kd.llm.SimulatedText(agent, params, n_actions=5), args.episodes, args.steps, None)
    rows.append(("in-process (no HTTP), no cache", rate))
    server = subprocess.Popen([sys.executable, "-m", "kdgap_sim.llm.local_server", "--n-arms", "5"],
                              stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        base_url = server.stdout.readline().strip()
        for concurrency in args.concurrency:
            policy = kd.llm.OpenAIChat("knowing-doing-ucb", base_url=base_url, concurrency=concurrency)
            _timed_run(policy, min(4, args.episodes), 2, None)  # connections and the server's compiles
            rate, _ = _timed_run(policy, args.episodes, args.steps, None)
            rows.append((f"http c={concurrency}, no cache", rate))
            with tempfile.TemporaryDirectory() as tmp:
                rate, counts = _timed_run(policy, args.episodes, args.steps, tmp)
                rows.append((f"http c={concurrency}, cache", rate))
                rate, counts = _timed_run(policy, args.episodes, args.steps, tmp)
                assert counts["requests"] == 0
                rows.append((f"http c={concurrency}, cached rerun", rate))
    finally:
        server.terminate()
        server.wait()
    load = os.getloadavg()
    print(f"load average during the runs (1, 5, 15 min): {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
          f"on {os.cpu_count()} cores")
    print(f"{'run':<34} {'decisions/s':>12}")
    for name, rate in rows:
        print(f"{name:<34} {rate:>12.0f}")
    write_result("llm_throughput", {
        "rows": {name: rate for name, rate in rows},
        "episodes": args.episodes, "steps": args.steps, "load_average": list(load),
    })
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
