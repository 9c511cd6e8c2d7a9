"""Agreement with Stan: kdgap_sim's hBayesDM models against hBayesDM's own .stan files, same data.

Simulates a hierarchical data set with kdgap_sim (default 20 subjects x 100
trials), fits it with ``kd.fitting.fit`` (numpyro NUTS) and with hBayesDM's
Stan program run by PyStan 3 (Stan's NUTS), both with 4 chains x (1000
warm-up + 1000 draws), target acceptance 0.8 and maximum tree depth 10. Then,
for every group value (``mu_pr``, ``sigma``, ``mu_<name>``) and every
subject's parameter, prints the posterior mean and sd from both fits and the
difference of the means in units of its Monte-Carlo standard error,
``(mean_1 - mean_2) / sqrt(mcse_1^2 + mcse_2^2)`` (likewise for the sd), and
writes ``benchmarks/results/stan_agreement.json``. It also evaluates both log
densities at the same unconstrained points: their difference must be one
constant (Stan drops normalising constants), which checks the
parameterisation exactly rather than statistically.

Criterion, fixed before running: if both samplers target the same posterior,
each standardised difference is approximately N(0, 1), so |z| > 4 should not
occur among ~100 quantities (probability ~0.006 even if independent), and
about 5% should exceed 2.

hBayesDM's code is not part of kdgap_sim: pass the path of its Stan file
(``commons/stan_files/bandit2arm_delta.stan`` in an hBayesDM checkout, or
``hbayesdm/common/stan_files/`` in an installed Python package). Those files
use Stan's pre-2.33 array syntax (``real x[N, T];``) and a license
``#include``; PyStan 3.10 ships Stan 2.35, which removed that syntax, so the
script rewrites array declarations to ``array[N, T] real x;`` and drops the
``#include /pre/license.stan`` line -- nothing else (the rewritten program is
saved in the work directory for inspection).

PyStan and JAX need not share an interpreter: the script runs in phases
(``simulate``, ``kdgap``, ``stan``, ``compare``) that exchange ``.npz``
files in ``--workdir``; the JAX phases run with ``--kdgap-python`` and the
Stan phase with ``--stan-python`` (each defaults to this interpreter).

Usage (from the repository root)::

    PYTHONPATH=$PWD /work/venv/bin/python benchmarks/stan_agreement.py \\
        --model bandit2arm_delta --stan-file hBayesDM/commons/stan_files/bandit2arm_delta.stan \\
        --stan-python /work/stanvenv/bin/python
    /work/stanvenv/bin/python benchmarks/stan_agreement.py --model bandit4arm_4par \\
        --stan-file .../bandit4arm_4par.stan --kdgap-python /work/venv/bin/python
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import platform
import re
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
PHASES = ("simulate", "kdgap", "stan", "compare")
MODELS = {
    # kdgap_sim model name -> parameter names, in the order of the Stan parameters block
    "bandit2arm_delta": ("A", "tau"),
    "bandit4arm_4par": ("Arew", "Apun", "R", "P"),
}
N_CHECK_POINTS = 8


def _cpu_seconds(who=resource.RUSAGE_SELF) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


# ---------------------------------------------------------------------------
# Stan program: hBayesDM's file, with the removed array syntax rewritten
# ---------------------------------------------------------------------------

_OLD_ARRAY = re.compile(
    r"^(?P<indent>\s*)"
    r"(?P<type>(?:int|real|vector|row_vector|matrix|simplex|ordered|positive_ordered|"
    r"cholesky_factor_corr|cholesky_factor_cov|corr_matrix|cov_matrix)"
    r"(?:\s*<[^;>]*>)?(?:\s*\[[^\]]*\])?)"
    r"\s+(?P<name>[A-Za-z_]\w*)\s*\[(?P<dims>[^\]]+)\]\s*(?P<rest>(?:=[^;]*)?;)",
    re.MULTILINE,
)


def modernise_stan(code: str) -> str:
    """Rewrites ``TYPE name[dims];`` as ``array[dims] TYPE name;`` and drops ``#include`` lines.

    Only declarations are touched; statements (``ev[c] += ...``) never start
    with a type keyword followed by a name.
    """
    code = re.sub(r"^\s*#include\s+\S*license\S*\s*$", "", code, flags=re.MULTILINE)
    return _OLD_ARRAY.sub(lambda m: f"{m['indent']}array[{m['dims']}] {m['type']} {m['name']}{m['rest']}"
                          if not m["rest"].startswith("=") else
                          f"{m['indent']}array[{m['dims']}] {m['type']} {m['name']} {m['rest']}", code)


def stan_data(model_name: str, data: dict[str, np.ndarray]) -> dict:
    """hBayesDM's data block for the model, from the saved (0-based) arrays."""
    n_trials = data["n_trials"].astype(int)
    n, t = data["choice"].shape
    mask = np.arange(t)[None, :] < n_trials[:, None]
    choice = np.where(mask, data["choice"] + 1, -1).astype(int)  # hBayesDM pads with -1
    out = {"N": int(n), "T": int(t), "Tsubj": n_trials.tolist(), "choice": choice.tolist()}
    if model_name == "bandit2arm_delta":
        out["outcome"] = np.where(mask, data["reward"], 0.0).tolist()
    else:
        out["rew"] = np.where(mask, data["gain"], 0.0).tolist()
        out["los"] = np.where(mask, -np.abs(data["loss"]), 0.0).tolist()
    return out


# ---------------------------------------------------------------------------
# Phases
# ---------------------------------------------------------------------------


def phase_simulate(args, work: pathlib.Path) -> None:
    import jax

    import kdgap_sim as kd

    model = kd.fitting.make_model(args.model)
    key = jax.random.key(args.seed)
    population = kd.fitting.sample_population(jax.random.fold_in(key, 0), model, args.subjects)
    log = kd.fitting.simulate_log(jax.random.fold_in(key, 1), model, population.values, args.trials)
    a = log.arrays()
    np.savez(work / "data.npz", choice=np.asarray(a.choice), reward=np.asarray(a.reward),
             gain=np.asarray(a.gain), loss=np.asarray(a.loss),
             n_trials=np.asarray(log.mask).sum(axis=1), true_values=np.asarray(population.values),
             true_mu_pr=np.asarray(population.mu_pr), true_sigma=np.asarray(population.sigma))
    print(f"simulated {log}", flush=True)


def _load_log(work: pathlib.Path, kd):
    d = dict(np.load(work / "data.npz"))
    gain_loss = bool(np.abs(d["gain"]).sum() + np.abs(d["loss"]).sum() > 0)
    return kd.fitting.ChoiceLog.from_arrays(
        d["choice"], d["reward"], n_actions=4 if gain_loss else 2, n_trials=d["n_trials"].tolist(),
        gain=d["gain"] if gain_loss else None, loss=d["loss"] if gain_loss else None)


def phase_kdgap(args, work: pathlib.Path) -> None:
    import functools

    import jax
    import jax.numpy as jnp
    from numpyro.infer.util import potential_energy

    import kdgap_sim as kd

    names = MODELS[args.model]
    model = kd.fitting.make_model(args.model)
    log = _load_log(work, kd)
    cpu0, wall0 = _cpu_seconds(), time.perf_counter()
    idata = kd.fitting.fit(jax.random.key(args.seed + 1), log, model, hierarchical=True, method="nuts",
                           num_warmup=args.warmup, num_samples=args.draws, num_chains=args.chains,
                           target_accept=args.target_accept, max_tree_depth=10, warn=False,
                           init=args.init)
    wall, cpu = time.perf_counter() - wall0, _cpu_seconds() - cpu0
    post = idata.posterior
    draws = {"mu_pr": np.asarray(post["mu_pr"]), "sigma": np.asarray(post["sigma"])}
    for i, name in enumerate(names):
        draws[f"mu_{name}"] = np.asarray(post[f"mu_{name}"])
        draws[name] = np.asarray(post[name])
        draws[f"{name}_pr"] = np.asarray(post["z"])[..., i]
    # Log density (numpyro: minus the potential energy, Jacobian included) at
    # check points, in Stan's unconstrained order: mu_pr, log(sigma), <name>_pr blocks.
    fn = functools.partial(kd.fitting.numpyro_model, model=model.for_log(log), hierarchical=True)
    flat = {k: v.reshape(-1, *v.shape[2:]) for k, v in draws.items()}
    picks = np.linspace(0, flat["mu_pr"].shape[0] - 1, N_CHECK_POINTS).astype(int)
    points, logp = [], []
    for j in picks:
        params = {"mu_pr": jnp.asarray(flat["mu_pr"][j]), "sigma": jnp.log(jnp.asarray(flat["sigma"][j])),
                  "z": jnp.stack([jnp.asarray(flat[f"{n}_pr"][j]) for n in names], axis=-1)}
        logp.append(-float(potential_energy(fn, (log.arrays(),), {}, params)))
        points.append(np.concatenate([flat["mu_pr"][j], np.log(flat["sigma"][j]),
                                      *[flat[f"{n}_pr"][j] for n in names]]))
    diverging = int(np.asarray(idata.sample_stats["diverging"]).sum())
    steps = float(np.asarray(idata.sample_stats["n_steps"]).mean())
    np.savez(work / "kdgap.npz", **draws, check_points=np.asarray(points, np.float64),
             check_logp=np.asarray(logp), wall_s=wall, cpu_s=cpu, divergences=diverging,
             mean_steps=steps)
    print(f"kdgap_sim (numpyro NUTS): {wall:.1f} s wall, {cpu:.1f} s CPU (compilation included), "
          f"{diverging} divergences", flush=True)


def phase_stan(args, work: pathlib.Path) -> None:
    import stan

    names = MODELS[args.model]
    program = modernise_stan(pathlib.Path(args.stan_file).read_text())
    (work / "program.stan").write_text(program)
    data = stan_data(args.model, dict(np.load(work / "data.npz")))
    wall0 = time.perf_counter()
    posterior = stan.build(program, data=data, random_seed=args.seed + 1)
    build_s = time.perf_counter() - wall0
    cpu0 = _cpu_seconds() + _cpu_seconds(resource.RUSAGE_CHILDREN)
    wall0 = time.perf_counter()
    fit = posterior.sample(num_chains=args.chains, num_warmup=args.warmup, num_samples=args.draws,
                           delta=args.target_accept, max_depth=10)
    wall = time.perf_counter() - wall0
    try:  # reap httpstan's sampling workers so their CPU time is counted
        import httpstan.services_stub

        httpstan.services_stub.executor.shutdown(wait=True)
        cpu_note = "self + sampling workers"
    except (ImportError, AttributeError):
        cpu_note = "self only (workers not reaped)"
    cpu = _cpu_seconds() + _cpu_seconds(resource.RUSAGE_CHILDREN) - cpu0

    def by_chain(name):
        # fit[name] is [*dims, draws * chains] with column index draw * chains + chain
        dims = fit.dims[fit.param_names.index(name)]
        x = np.asarray(fit[name]).reshape(*dims, args.draws, args.chains)
        return np.moveaxis(x, (-1, -2), (0, 1))  # [chains, draws, *dims]

    draws = {"mu_pr": by_chain("mu_pr"), "sigma": by_chain("sigma")}
    for name in names:
        draws[f"mu_{name}"] = by_chain(f"mu_{name}")
        draws[name] = by_chain(name)
        draws[f"{name}_pr"] = by_chain(f"{name}_pr")
    kd_draws = np.load(work / "kdgap.npz")
    check_logp = np.asarray([posterior.log_prob(list(map(float, u)), adjust_transform=True)
                             for u in kd_draws["check_points"]])
    diverging = int(np.asarray(fit["divergent__"]).sum())
    steps = float(np.asarray(fit["n_leapfrog__"]).mean())
    np.savez(work / "stan.npz", **draws, check_logp=check_logp, wall_s=wall, cpu_s=cpu, mean_steps=steps,
             build_s=build_s, divergences=diverging, cpu_note=cpu_note,
             stan_version=f"pystan {stan.__version__}")
    print(f"Stan (PyStan {stan.__version__}): build {build_s:.1f} s, sampling {wall:.1f} s wall, "
          f"{cpu:.1f} s CPU ({cpu_note}), {diverging} divergences", flush=True)


def _summaries(x: np.ndarray) -> dict[str, np.ndarray]:
    """Mean, sd and their MCSEs per scalar of ``x`` ``[chains, draws, ...]`` (arviz, rank-normalised ESS)."""
    import arviz as az

    ds = az.convert_to_dataset({"x": x})
    return {"mean": x.mean(axis=(0, 1)), "sd": x.std(axis=(0, 1), ddof=1),
            "mcse_mean": np.asarray(az.mcse(ds, method="mean")["x"]),
            "mcse_sd": np.asarray(az.mcse(ds, method="sd")["x"]),
            "rhat": np.asarray(az.rhat(ds)["x"]), "ess_bulk": np.asarray(az.ess(ds, method="bulk")["x"])}


def _dropped_constant(n_params: int, n_subjects: int) -> float:
    """Normalising constants Stan's ``~`` statements drop and numpyro keeps.

    ``P * (N + 2)`` standard-normal-type terms (``mu_pr``, the ``N`` raw
    subject values, ``sigma``), each ``-log(2 pi) / 2``, and for the
    half-normal ``sigma ~ normal(0, 0.2)``, ``log 2 - log 0.2`` per parameter.
    """
    return float(-n_params * (n_subjects + 2) * 0.5 * np.log(2 * np.pi) + n_params * np.log(2 / 0.2))


def phase_compare(args, work: pathlib.Path) -> None:
    names = MODELS[args.model]
    kd_draws, st_draws = dict(np.load(work / "kdgap.npz")), dict(np.load(work / "stan.npz"))
    data = dict(np.load(work / "data.npz"))
    quantities = [("mu_pr", [f"mu_pr[{n}]" for n in names]), ("sigma", [f"sigma[{n}]" for n in names]),
                  *[(f"mu_{n}", [f"mu_{n}"]) for n in names],
                  *[(n, [f"{n}[{i}]" for i in range(data["choice"].shape[0])]) for n in names]]
    rows = []
    for key, labels in quantities:
        a, b = _summaries(kd_draws[key]), _summaries(st_draws[key])
        for i, label in enumerate(labels):
            pick = (lambda s, k: float(np.ravel(s[k])[i]))
            row = {"quantity": label, "group": key.startswith(("mu_", "sigma"))}
            for tag, s in (("kdgap", a), ("stan", b)):
                row.update({f"{tag}_{k}": pick(s, k) for k in s})
            row["z_mean"] = (row["kdgap_mean"] - row["stan_mean"]) / np.hypot(row["kdgap_mcse_mean"],
                                                                               row["stan_mcse_mean"])
            row["z_sd"] = (row["kdgap_sd"] - row["stan_sd"]) / np.hypot(row["kdgap_mcse_sd"],
                                                                        row["stan_mcse_sd"])
            rows.append(row)
    header = (f"{'quantity':<14}{'kdgap mean':>11}{'sd':>8}{'Stan mean':>11}{'sd':>8}"
              f"{'z(mean)':>9}{'z(sd)':>8}{'R-hat k/S':>13}")
    print(header)
    for row in rows:
        print(f"{row['quantity']:<14}{row['kdgap_mean']:>11.4f}{row['kdgap_sd']:>8.4f}"
              f"{row['stan_mean']:>11.4f}{row['stan_sd']:>8.4f}{row['z_mean']:>9.2f}{row['z_sd']:>8.2f}"
              f"{row['kdgap_rhat']:>7.3f}/{row['stan_rhat']:.3f}")
    z = np.array([[r["z_mean"], r["z_sd"]] for r in rows])
    offsets = kd_draws["check_logp"] - st_draws["check_logp"]
    summary = {
        "n_quantities": len(rows),
        "max_abs_z_mean": float(np.abs(z[:, 0]).max()), "max_abs_z_sd": float(np.abs(z[:, 1]).max()),
        "frac_abs_z_mean_gt_2": float((np.abs(z[:, 0]) > 2).mean()),
        "frac_abs_z_sd_gt_2": float((np.abs(z[:, 1]) > 2).mean()),
        "n_abs_z_gt_4": int((np.abs(z) > 4).sum()),
        "mean_z_mean": float(z[:, 0].mean()),
        "agree": bool((np.abs(z) <= 4).all()),
        "log_density_offset": float(np.median(offsets)),
        "log_density_offset_expected": _dropped_constant(len(names), data["choice"].shape[0]),
        "log_density_offset_spread": float(offsets.max() - offsets.min()),
        "kdgap": {"wall_s": float(kd_draws["wall_s"]), "cpu_s": float(kd_draws["cpu_s"]),
                  "mean_leapfrog_steps": float(kd_draws.get("mean_steps", np.nan)),
                  "divergences": int(kd_draws["divergences"]),
                  "max_rhat": float(max(r["kdgap_rhat"] for r in rows))},
        "stan": {"wall_s": float(st_draws["wall_s"]), "cpu_s": float(st_draws["cpu_s"]),
                 "mean_leapfrog_steps": float(st_draws.get("mean_steps", np.nan)),
                 "cpu_note": str(st_draws["cpu_note"]), "build_s": float(st_draws["build_s"]),
                 "divergences": int(st_draws["divergences"]), "version": str(st_draws["stan_version"]),
                 "max_rhat": float(max(r["stan_rhat"] for r in rows))},
    }
    for tag, timed in (("kdgap", "wall_s"), ("stan", "wall_s")):
        for level, is_group in (("group", True), ("subject", False)):
            ess = min(r[f"{tag}_ess_bulk"] for r in rows if r["group"] == is_group)
            summary[tag][f"min_ess_bulk_{level}"] = float(ess)
            summary[tag][f"min_ess_bulk_{level}_per_s"] = float(ess / summary[tag][timed])
    summary["ess_per_s_ratio"] = {  # kdgap / Stan; kdgap's compilation counted, Stan's build not
        level: summary["kdgap"][f"min_ess_bulk_{level}_per_s"] / summary["stan"][f"min_ess_bulk_{level}_per_s"]
        for level in ("group", "subject")}
    summary["load_average_1min_at_compare"] = os.getloadavg()[0]
    print(f"min bulk ESS per second (kdgap_sim wall with compilation / Stan sampling wall): "
          f"group {summary['kdgap']['min_ess_bulk_group_per_s']:.2f} / {summary['stan']['min_ess_bulk_group_per_s']:.2f}"
          f" = {summary['ess_per_s_ratio']['group']:.2f}x, subject "
          f"{summary['kdgap']['min_ess_bulk_subject_per_s']:.2f} / {summary['stan']['min_ess_bulk_subject_per_s']:.2f}"
          f" = {summary['ess_per_s_ratio']['subject']:.2f}x; load average {os.getloadavg()}")
    print(f"\n{len(rows)} quantities; max |z| mean {summary['max_abs_z_mean']:.2f}, "
          f"sd {summary['max_abs_z_sd']:.2f}; |z| > 2: {100 * summary['frac_abs_z_mean_gt_2']:.1f}% "
          f"(means), {100 * summary['frac_abs_z_sd_gt_2']:.1f}% (sds), expected ~5%; "
          f"|z| > 4: {summary['n_abs_z_gt_4']}; average z(mean) {summary['mean_z_mean']:+.2f}")
    print(f"log density, kdgap - Stan at {len(offsets)} points: {summary['log_density_offset']:.4f} "
          f"(constant to within {summary['log_density_offset_spread']:.2e}; the constants Stan's "
          f"'~' drops sum to {summary['log_density_offset_expected']:.4f})")
    print(f"time: kdgap_sim {summary['kdgap']['wall_s']:.1f} s wall / {summary['kdgap']['cpu_s']:.1f} s CPU "
          f"(JIT compilation included); Stan sampling {summary['stan']['wall_s']:.1f} s wall / "
          f"{summary['stan']['cpu_s']:.1f} s CPU, build {summary['stan']['build_s']:.1f} s; "
          f"leapfrog steps per iteration {summary['kdgap']['mean_leapfrog_steps']:.1f} (kdgap_sim), "
          f"{summary['stan']['mean_leapfrog_steps']:.1f} (Stan)")
    print("AGREE" if summary["agree"] else "DISAGREE: some |z| > 4")
    timing_file = work / "timing.json"
    if timing_file.exists():
        summary.update(json.loads(timing_file.read_text()))
    out = pathlib.Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    results = json.loads(out.read_text()) if out.exists() else {}
    results[args.tag or args.model] = {
        "setup": {"subjects": args.subjects, "trials": args.trials, "chains": args.chains,
                  "warmup": args.warmup, "draws": args.draws, "seed": args.seed,
                  "target_accept": args.target_accept, "max_tree_depth": 10, "kdgap_init": args.init,
                  "stan_file": pathlib.Path(args.stan_file).name,
                  "machine": platform.machine(), "cpu_count": os.cpu_count(),
                  "load_average_at_end": os.getloadavg()},
        "summary": summary, "rows": rows,
    }
    out.write_text(json.dumps(results, indent=1))
    print(f"wrote {out}")


def _run_phase(phase: str, python: str, argv: list[str]) -> float:
    """Runs one phase in a subprocess; returns its CPU time (with its children)."""
    cpu0 = _cpu_seconds(resource.RUSAGE_CHILDREN)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    subprocess.run([python, __file__, *argv, "--phase", phase], check=True, env=env)
    return _cpu_seconds(resource.RUSAGE_CHILDREN) - cpu0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=sorted(MODELS), default="bandit2arm_delta")
    parser.add_argument("--stan-file", required=True, help="hBayesDM's .stan file for --model")
    parser.add_argument("--subjects", type=int, default=20)
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--chains", type=int, default=4)
    parser.add_argument("--warmup", type=int, default=1000)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--target-accept", type=float, default=0.8,
                        help="both samplers' target acceptance (hBayesDM's default: 0.95)")
    parser.add_argument("--init", choices=("uniform", "svi"), default="uniform", help="kd.fitting.fit's init")
    parser.add_argument("--tag", default=None, help="key of this run in --out (default: the model name)")
    parser.add_argument("--stan-python", default=sys.executable, help="interpreter with pystan")
    parser.add_argument("--kdgap-python", default=sys.executable, help="interpreter with jax, numpyro, arviz")
    parser.add_argument("--workdir", default=None, help="where phases exchange files (default: a temp dir)")
    parser.add_argument("--phase", choices=PHASES, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--out", default=str(ROOT / "benchmarks/results/stan_agreement.json"))
    args = parser.parse_args(argv)
    if not pathlib.Path(args.stan_file).is_file():
        parser.error(f"--stan-file {args.stan_file!r} is not a file")
    forward = list(argv if argv is not None else sys.argv[1:])
    if args.workdir is None:
        args.workdir = tempfile.mkdtemp(prefix="stan_agreement_")
        forward += ["--workdir", args.workdir]
    work = pathlib.Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    if args.phase:
        {"simulate": phase_simulate, "kdgap": phase_kdgap, "stan": phase_stan,
         "compare": phase_compare}[args.phase](args, work)
        return 0

    wall0 = time.perf_counter()
    _run_phase("simulate", args.kdgap_python, forward)
    timing = {"kdgap_phase_cpu_s": _run_phase("kdgap", args.kdgap_python, forward),
              "stan_phase_cpu_s": _run_phase("stan", args.stan_python, forward)}
    timing["total_wall_s"] = time.perf_counter() - wall0
    (work / "timing.json").write_text(json.dumps(timing))
    _run_phase("compare", args.kdgap_python, forward)
    return 0


if __name__ == "__main__":
    sys.exit(main())
