"""Benchmark: hierarchical RW+- (asymmetric-rw) fitted with NUTS on simulated two-armed bandit logs.

For each number of subjects, simulates a population from the model's prior
(fixed key) on a two-armed Bernoulli bandit (p = 0.2, 0.8), fits it with
4 chains x (warm-up + draws) and reports wall time (compilation included),
process CPU time, max R-hat, min bulk ESS, min bulk ESS per second,
divergences and the mean number of leapfrog steps per iteration (and its
mean maximum over chains, what vectorized chains pay). ``--profile`` adds the
cost of one log-density gradient for all chains (per call, and per evaluation
inside a compiled loop as NUTS runs it), so that sampling time ~ iterations x
steps x gradient cost can be checked; ``--profile-only`` times only that.
``--derivatives`` compares how the gradient is computed (``kd.fitting.fit``'s
``derivatives``) and ``--fit-repeats R`` fits each data set with R NUTS keys.
Writes ``benchmarks/results/fit_speed.json`` (or ``--out``) and, with ``--table``, a Markdown
table of min bulk ESS per second of the group (``mu_pr``, ``sigma``) and subject parameters, with
the machine's load average before and after each fit. ``--parameterization`` chooses
``kd.fitting.fit``'s centred/non-centred subject level, ``--init`` its starting points
(``svi``: the SVI warm start; needed for the 1,000-subject size below).

The 1,000-subject size of the fitting goals (hierarchical RW+-, 4 chains x (1000 + 1000))::

    PYTHONPATH=$PWD python benchmarks/fit_speed.py --subjects 1000 --trials 100 \
        --warmup 1000 --draws 1000 --init svi --devices 2 --chain-method parallel \
        --out benchmarks/results/fit_speed_1000.json --table benchmarks/results/fit_speed_1000.md

Usage::

    PYTHONPATH=$PWD python benchmarks/fit_speed.py --subjects 20 --trials 100
    PYTHONPATH=$PWD python benchmarks/fit_speed.py --subjects 20 --trials 100 \
        --chain-method vectorized parallel --devices 2

``--chain-method`` takes several methods, run one after another in the same
process (same conditions); with ``--devices 2`` and 4 chains, ``parallel``
runs 2 vectorized chains on each of 2 CPU devices (``kd.fitting.spread_chains``).

``--devices N`` sets ``numpyro.set_host_device_count(N)`` (CPU), needed by
``--chain-method parallel``; it must run before JAX starts, hence a flag here
and never an import-time setting of the library.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import os
import pathlib
import platform
import resource
import sys
import time


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _gradient_cost(model, log, n_chains: int, derivatives: str, repeats: int = 300) -> dict:
    """Cost of one value-and-gradient of the log density for all chains at once (as NUTS
    evaluates it with vectorized chains), and of the value alone: CPU ms per call from Python
    (``*_cpu_ms``, includes dispatch), wall ms per evaluation inside one compiled loop
    (``*_loop_ms``, as inside NUTS: the difference of 1,100 and 100 iterations), and compile CPU s."""
    import functools

    import jax
    from numpyro.infer.util import initialize_model

    import kdgap_sim as kd

    fn = functools.partial(kd.fitting.numpyro_model, model=model.for_log(log), hierarchical=True,
                           derivatives=derivatives)
    info = initialize_model(jax.random.split(jax.random.key(0), n_chains), fn,
                            model_args=(log.arrays(),))
    out = {}
    for name, f in (("grad", jax.value_and_grad(info.potential_fn)), ("value", info.potential_fn)):
        batched = jax.jit(jax.vmap(f))
        cpu0 = _cpu_seconds()
        jax.block_until_ready(batched(info.param_info.z))
        out[f"{name}_compile_cpu_s"] = round(_cpu_seconds() - cpu0, 2)
        cpu0 = _cpu_seconds()
        for _ in range(repeats):
            result = batched(info.param_info.z)
        jax.block_until_ready(result)
        out[f"{name}_cpu_ms"] = round(1e3 * (_cpu_seconds() - cpu0) / repeats, 3)

        def step(_, carry, f=jax.vmap(f), with_grad=name == "grad"):
            z, total = carry  # each result feeds the next point: nothing can be hoisted or skipped
            if with_grad:
                value, grad = f(z)
                z = jax.tree_util.tree_map(lambda x, g: x - 1e-6 * g, z, grad)
            else:
                value = f(z)
                z = jax.tree_util.tree_map(lambda x: x * (1.0 + 1e-9 * value.sum()), z)
            return z, total + value.sum()

        loop = jax.jit(lambda z, n: jax.lax.fori_loop(0, n, step, (z, 0.0)))
        jax.block_until_ready(loop(info.param_info.z, 10))
        walls = []
        for n in (100, 1100):
            wall0 = time.perf_counter()
            jax.block_until_ready(loop(info.param_info.z, n))
            walls.append(time.perf_counter() - wall0)
        out[f"{name}_loop_ms"] = round((walls[1] - walls[0]) / 1000 * 1e3, 4)
    return out


def ess_table(rows: list[dict]) -> str:
    """Markdown table of the fits: wall time, min bulk ESS and ESS/s of group and subject parameters."""
    lines = ["| subjects | trials | chains x (warm-up + draws) | chain method | target accept | init | parameterization | wall s | load (1 min) "
             "| max R-hat | div | min ESS group | ESS/s group | min ESS subject | ESS/s subject |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(
            f"| {r['subjects']} | {r['trials']} | {r['chains']} x ({r['warmup']} + {r['draws']}) "
            f"| {r['chain_method']} ({r['devices']} device(s)) | {r['target_accept']} | {r.get('init', 'uniform')} "
            f"| {r['parameterization']} | {r['wall_s']} | {r['load_average_1min_before']}-"
            f"{r['load_average_1min_after']} | {r['max_rhat']} | {r['divergences']} "
            f"| {r['min_ess_bulk_group']} | {r['min_ess_bulk_group_per_s']} "
            f"| {r['min_ess_bulk_subject']} | {r['min_ess_bulk_subject_per_s']} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, nargs="+", default=[20])
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--chains", type=int, default=4)
    parser.add_argument("--warmup", type=int, default=1000)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--chain-method", choices=("vectorized", "parallel", "sequential"),
                        nargs="+", default=["vectorized"],
                        help="one or more; each is run on every --subjects in the same process")
    parser.add_argument("--devices", type=int, default=0,
                        help="numpyro.set_host_device_count (CPU); 0 leaves it alone")
    parser.add_argument("--model", default="asymmetric-rw")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--target-accept", type=float, default=0.8,
                        help="NUTS target acceptance (higher: smaller steps, fewer divergences)")
    parser.add_argument("--out", default="benchmarks/results/fit_speed.json")
    parser.add_argument("--append", action="store_true", help="add rows to an existing JSON file")
    parser.add_argument("--profile-only", action="store_true",
                        help="only time the gradient (no fit); with --unroll to compare scan unrolling")
    parser.add_argument("--unroll", type=int, default=1,
                        help="lax.scan unroll factor of the trial loop (AgentModel.unroll)")
    parser.add_argument("--fit-repeats", type=int, default=1,
                        help="fit each data set this many times with different NUTS keys (repeat 0 "
                             "uses the default key), to see how often a fit meets the target")
    parser.add_argument("--derivatives", choices=("auto", "forward", "reverse"), nargs="+", default=["auto"],
                        help="how the likelihood gradient is computed (kd.fitting.fit's derivatives); "
                             "several run one after another in the same process")
    parser.add_argument("--parameterization", default="noncentered",
                        help="kd.fitting.fit's parameterization: noncentered, centered, or a comma list "
                             "(NAME centres it, NAME=C centres it with weight C in [0, 1]) "
                             "of parameters to centre (e.g. beta)")
    parser.add_argument("--init", choices=("uniform", "svi"), default="uniform",
                        help="kd.fitting.fit's init: numpyro's init_to_uniform or the SVI warm start")
    parser.add_argument("--table", default=None,
                        help="also write a Markdown ESS/s table (group and subject parameters) to this path")
    parser.add_argument("--profile", action="store_true",
                        help="also time one log-density gradient (all chains) and its compilation")
    args = parser.parse_args(argv)

    import numpyro

    if args.devices:
        numpyro.set_host_device_count(args.devices)
    import jax
    import numpy as np

    import kdgap_sim as kd

    model = kd.fitting.make_model(args.model)
    if args.unroll != 1:
        model = dataclasses.replace(model, unroll=args.unroll)
    rows = []
    methods = args.chain_method[:1] if args.profile_only else args.chain_method
    runs = itertools.product(args.subjects, methods, args.derivatives,
                             range(1 if args.profile_only else args.fit_repeats))
    for n_subjects, chain_method, derivatives, repeat in runs:
        key = jax.random.fold_in(jax.random.key(args.seed), n_subjects)
        population = kd.fitting.sample_population(jax.random.fold_in(key, 0), model, n_subjects)
        log = kd.fitting.simulate_log(jax.random.fold_in(key, 1), model, population.values,
                                      args.trials)
        if args.profile_only:
            cost = _gradient_cost(model, log, args.chains, derivatives)
            rows.append({"model": model.name, "unroll": args.unroll, "derivatives": derivatives,
                         "subjects": n_subjects,
                         "trials": args.trials, "chains": args.chains, **cost})
            print(f"{n_subjects:>6} subj x {args.trials} trials  unroll {args.unroll}  {derivatives:<7}  "
                  f"grad {cost['grad_loop_ms']:.3f} ms in a loop ({cost['grad_cpu_ms']:.3f} ms CPU per call)  "
                  f"value {cost['value_loop_ms']:.3f} ms in a loop  "
                  f"(compile {cost['grad_compile_cpu_s']:.1f} s)", flush=True)
            continue
        parameterization = (args.parameterization if args.parameterization in ("centered", "noncentered")
                            else {p.split("=")[0]: float(p.split("=")[1]) if "=" in p else "centered"
                                  for p in args.parameterization.split(",")})
        load_before = os.getloadavg()[0]
        cpu0, wall0 = _cpu_seconds(), time.perf_counter()
        fit_key = jax.random.fold_in(key, 2)
        if repeat:
            fit_key = jax.random.fold_in(fit_key, repeat)
        idata = kd.fitting.fit(fit_key, log, model, hierarchical=True,
                               method="nuts", num_warmup=args.warmup, num_samples=args.draws,
                               num_chains=args.chains, chain_method=chain_method,
                               target_accept=args.target_accept, warn=False, derivatives=derivatives,
                               parameterization=parameterization, init=args.init)
        wall, cpu = time.perf_counter() - wall0, _cpu_seconds() - cpu0
        diag = kd.fitting.diagnostics(idata)
        steps = np.asarray(idata.sample_stats["n_steps"])  # [chains, draws] (draws only)
        import arviz as az

        ess = az.ess(idata, var_names=["mu_pr", "sigma", *model.param_names])
        group_ess = float(min(float(ess[v].min()) for v in ("mu_pr", "sigma")))
        subject_ess = float(min(float(ess[v].min()) for v in model.param_names))
        group = {name: float(idata.posterior[f"mu_{name}"].mean()) for name in model.param_names}
        truth = {name: float(v) for name, v in
                 zip(model.param_names, model.transform(population.mu_pr))}
        row = {
            "model": model.name, "unroll": args.unroll, "derivatives": derivatives, "seed": args.seed,
            "fit_repeat": repeat, "subjects": n_subjects, "trials": args.trials,
            "chains": args.chains, "warmup": args.warmup, "draws": args.draws,
            "target_accept": args.target_accept, "chain_method": chain_method, "devices": jax.device_count(),
            "backend": jax.default_backend(), "wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
            "max_rhat": round(diag["max_rhat"], 4), "min_ess_bulk": round(diag["min_ess_bulk"], 1),
            "min_ess_bulk_per_s": round(diag["min_ess_bulk"] / wall, 2),
            "divergences": int(diag["n_divergent"]),
            "parameterization": args.parameterization, "init": args.init,
            "min_ess_bulk_group": round(group_ess, 1), "min_ess_bulk_subject": round(subject_ess, 1),
            "min_ess_bulk_group_per_s": round(group_ess / wall, 3),
            "min_ess_bulk_subject_per_s": round(subject_ess / wall, 3),
            "load_average_1min_before": round(load_before, 2),
            "load_average_1min_after": round(os.getloadavg()[0], 2),
            "mean_leapfrog_steps": round(float(steps.mean()), 2),
            "mean_max_over_chains_steps": round(float(steps.max(axis=0).mean()), 2),
            **(_gradient_cost(model, log, args.chains, derivatives) if args.profile else {}),
            "group_posterior_mean": group, "group_truth": truth,
        }
        rows.append(row)
        print(f"{n_subjects:>6} subj x {args.trials} trials  {chain_method:<10} {derivatives:<7} fit {repeat}  wall {wall:8.1f} s  cpu {cpu:8.1f} s  "
              f"max R-hat {row['max_rhat']:.4f}  min ESS {row['min_ess_bulk']:7.0f}  "
              f"ESS/s {row['min_ess_bulk_per_s']:7.2f}  div {row['divergences']}  "
              f"steps {row['mean_leapfrog_steps']:.1f} (max of chains {row['mean_max_over_chains_steps']:.1f})"
              + (f"  grad {row['grad_cpu_ms']:.3f} ms, value {row['value_cpu_ms']:.3f} ms CPU"
                 if args.profile else ""), flush=True)
    out = pathlib.Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    previous = json.loads(out.read_text())["runs"] if args.append and out.exists() else []
    meta = {"python": sys.version.split()[0], "jax": jax.__version__, "numpyro": numpyro.__version__,
            "machine": platform.machine(), "cpu_count": os.cpu_count(),
            "load_average_at_end": os.getloadavg()}
    out.write_text(json.dumps({"meta": meta, "runs": previous + rows}, indent=2))
    print(f"wrote {out}")
    if args.table and not args.profile_only:
        table = pathlib.Path(args.table)
        table.write_text(ess_table(rows))
        print(f"wrote {table}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
