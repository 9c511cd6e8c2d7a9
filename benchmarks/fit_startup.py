"""Start-up of a fit in a new process: compile (cache off / empty) vs reading the compilation cache.

Each measurement is a fresh interpreter fitting hBayesDM's ``bandit2arm_delta`` (20 subjects x
100 trials, 4 chains, hierarchical) with ``num_warmup = num_samples = 1``, so its time is the
start-up of a fit (tracing the NUTS program or reading it back, compiling it or reading the
compiled code, one step, building the InferenceData). "sampler" is the part of it from the
model's data to the first draws (``posterior.attrs["fit_seconds"]``); "program" says where the
sampler came from (``posterior.attrs["sampler_program"]``, :mod:`kdgap_sim.fitting.sampler`).
Rows: the cache off (``KDGAP_COMPILE_CACHE=0``), an empty cache folder (traces, compiles and
writes), and the same folder again (median of ``--repeats``).

    PYTHONPATH=$PWD python benchmarks/fit_startup.py
    PYTHONPATH=$PWD python benchmarks/fit_startup.py --repeats 5 --subjects 100

Writes benchmarks/results/fit_startup.json (the table, the machine and its load).
"""

from __future__ import annotations

import argparse
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from _results import write_result  # noqa: E402

PROGRAM = """
import sys, time
start = time.perf_counter()
import jax, numpy as np
import kdgap_sim as kd
subjects = int(sys.argv[1])
values = np.tile(np.array([[0.3, 2.0]], np.float32), (subjects, 1))
log = kd.fitting.simulate_log(jax.random.key(0), "bandit2arm_delta", values, 100)
ready = time.perf_counter()
idata = kd.fitting.fit(jax.random.key(1), log, "bandit2arm_delta", num_warmup=1, num_samples=1,
                       num_chains=4, warn=False)
done = time.perf_counter()
print(ready - start, done - ready, idata.posterior.attrs["fit_seconds"], idata.posterior.attrs["sampler_program"])
"""


def _measure(setting: str, subjects: int) -> tuple[float, float, float, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "KDGAP_COMPILE_CACHE": setting}
    out = subprocess.run([sys.executable, "-c", PROGRAM, str(subjects)], capture_output=True, text=True,
                         env=env, check=True)
    before, fit, sampler, program = out.stdout.split()[-4:]
    return float(before), float(fit), float(sampler), program


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="warm-cache runs (median)")
    parser.add_argument("--subjects", type=int, default=20)
    args = parser.parse_args()
    rows = {}
    rows["cache off"] = _measure("0", args.subjects)
    with tempfile.TemporaryDirectory() as folder:
        rows["empty cache (compiles, writes)"] = _measure(folder, args.subjects)
        warm = [_measure(folder, args.subjects) for _ in range(args.repeats)]
        rows["cache (second process)"] = (*(statistics.median(w[i] for w in warm) for i in range(3)),
                                          "/".join(sorted({w[3] for w in warm})))
    load = os.getloadavg()
    print(f"bandit2arm_delta, {args.subjects} subjects x 100 trials, 4 chains; load average "
          f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores")
    print(f"{'run':<32} {'import + data (s)':>18} {'fit start-up (s)':>17} {'sampler (s)':>12} program")
    for name, (before, fit, sampler, program) in rows.items():
        print(f"{name:<32} {before:>18.2f} {fit:>17.2f} {sampler:>12.2f} {program}")
    write_result("fit_startup", {
        "rows": {name: {"import_and_data_s": b, "fit_startup_s": f, "sampler_s": s, "program": p}
                 for name, (b, f, s, p) in rows.items()},
        "subjects": args.subjects, "load_average": list(load),
    })
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
