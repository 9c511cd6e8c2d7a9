"""Start-up times of ``import kdgap_sim`` and the ``kdgap`` command, with and without the cache.

Each measurement runs a fresh interpreter (median of ``--repeats``): ``import kdgap_sim``,
``kdgap --help``, then a small ``kdgap demo`` three times against one new compilation-cache
folder (first = compiles and fills the cache, repeated = reads it) and once with the cache off.

    PYTHONPATH=$PWD python benchmarks/startup.py
    PYTHONPATH=$PWD python benchmarks/startup.py --repeats 5 --seeds 100 --steps 100

Writes benchmarks/results/startup.json (the table's numbers, the machine, the sizes run).
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import platform
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _time(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs per measurement (median)")
    parser.add_argument("--seeds", type=int, default=10, help="demo --seeds")
    parser.add_argument("--steps", type=int, default=10, help="demo --steps")
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    py = sys.executable
    kdgap = [py, "-m", "kdgap_sim.cli"]
    rows = {}
    rows["import kdgap_sim"] = statistics.median(
        _time([py, "-c", "import kdgap_sim"], env) for _ in range(args.repeats))
    rows["python -c pass (interpreter)"] = statistics.median(
        _time([py, "-c", "pass"], env) for _ in range(args.repeats))
    rows["kdgap --help"] = statistics.median(
        _time([*kdgap, "--help"], env) for _ in range(args.repeats))
    with tempfile.TemporaryDirectory() as tmp:
        demo = [*kdgap, "demo", "--seeds", str(args.seeds), "--steps", str(args.steps), "--out", tmp]
        cached = {**env, "KDGAP_COMPILE_CACHE": str(pathlib.Path(tmp) / "cache")}
        rows["kdgap demo, first (empty cache)"] = _time(demo, cached)
        rows["kdgap demo, repeated (cache)"] = statistics.median(
            _time(demo, cached) for _ in range(args.repeats))
        rows["kdgap demo, cache off"] = _time(demo, {**env, "KDGAP_COMPILE_CACHE": "0"})
    print(f"{'command':<34} {'seconds':>8}")
    for name, seconds in rows.items():
        print(f"{name:<34} {seconds:>8.2f}")
    out = ROOT / "benchmarks" / "results" / "startup.json"
    out.write_text(json.dumps({
        "seconds": rows, "repeats": args.repeats, "demo_seeds": args.seeds,
        "demo_steps": args.steps, "machine": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(), "python": platform.python_version(),
    }, indent=2) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
