"""Benchmark: leapfrog steps of NUTS warm-up against those of the draws, per setting.

Fits hBayesDM's ``bandit2arm_delta`` (default; ``--model``) to a simulated
20 x 100 population (the data set of ``fit_speed.py --model bandit2arm_delta``)
with 4 vectorized chains at hBayesDM's ``target_accept`` 0.95, once per setting
``INIT:MASS`` (``INIT``: ``uniform`` = numpyro's default ``init_to_uniform(2)``,
``uniform0.5`` = radius 0.5, ``median`` = ``init_to_median``, ``svi`` = ``kd.fitting.fit``'s
``init="svi"``: starting points and starting metric from a mean-field SVI fit,
:func:`kdgap_sim.fitting.svi.warm_start`; ``MASS``: ``diag``
or ``dense``), and reports the mean leapfrog steps per warm-up iteration over
the mean per draw (the issue's target: <= 1.5), the same for the maximum over
chains (what vectorized chains pay), the first tenth of warm-up (and the
maximum over chains per tenth), divergences,
max R-hat and min bulk ESS of ``mu_pr``, ``sigma``, ``z``, and wall times
(load-dependent; the step counts are not). Writes ``benchmarks/results/fit_warmup.json``.

Usage::

    PYTHONPATH=$PWD python benchmarks/fit_warmup.py --warmup 1000 --draws 1000 \\
        uniform:diag median:diag uniform0.5:diag uniform:dense
    PYTHONPATH=$PWD python benchmarks/fit_warmup.py --model asymmetric-rw --subjects 1000 \
        --warmup 300 --draws 100 --target-accept 0.8 svi:diag uniform:diag \
        --out benchmarks/results/fit_warmup_1000.json
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import sys
import time


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("settings", nargs="+", help="INIT:MASS, e.g. uniform:diag median:dense")
    parser.add_argument("--model", default="bandit2arm_delta")
    parser.add_argument("--subjects", type=int, default=20)
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=1000)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--target-accept", type=float, default=0.95)
    parser.add_argument("--out", default="benchmarks/results/fit_warmup.json")
    args = parser.parse_args(argv)

    import arviz as az
    import jax
    import numpy as np
    from numpyro.infer import MCMC, NUTS, init_to_median, init_to_uniform

    import kdgap_sim as kd
    from kdgap_sim.fitting.inference import _svi_start, _bind

    inits = {"uniform": init_to_uniform(), "uniform0.5": init_to_uniform(radius=0.5),
             "median": init_to_median(num_samples=15)}
    model = kd.fitting.make_model(args.model)
    key = jax.random.fold_in(jax.random.key(0), args.subjects)
    population = kd.fitting.sample_population(jax.random.fold_in(key, 0), model, args.subjects)
    log = kd.fitting.simulate_log(jax.random.fold_in(key, 1), model, population.values, args.trials)
    model = model.for_log(log)
    fn = _bind(model, log, True)
    rows = []
    for setting in args.settings:
        init, mass = setting.split(":")
        init_params, inverse_mass = None, None
        if init == "svi":  # as kd.fitting.fit(init="svi") does; its time counts as warm-up
            svi0 = time.perf_counter()
            init_params, inverse_mass = _svi_start(jax.random.key(3), log.arrays(), fn, log, model, True, 4)
            svi_s = time.perf_counter() - svi0
            if mass == "dense":
                inverse_mass = None
        kernel = NUTS(fn, target_accept_prob=args.target_accept,
                      init_strategy=inits.get(init, init_to_uniform()),
                      dense_mass=mass == "dense", inverse_mass_matrix=inverse_mass)
        mcmc = MCMC(kernel, num_warmup=args.warmup, num_samples=args.draws, num_chains=4,
                    chain_method="vectorized", progress_bar=False)
        load = os.getloadavg()[0]
        wall0 = time.perf_counter() - (svi_s if init == "svi" else 0.0)
        mcmc.warmup(jax.random.key(1), log.arrays(), extra_fields=("num_steps",), collect_warmup=True,
                    init_params=init_params)
        warm = np.asarray(mcmc.get_extra_fields(group_by_chain=True)["num_steps"])
        warm_s = time.perf_counter() - wall0
        mcmc.run(mcmc.post_warmup_state.rng_key, log.arrays(), extra_fields=("num_steps", "diverging"))
        extra = mcmc.get_extra_fields(group_by_chain=True)
        draws = np.asarray(extra["num_steps"])
        samples = az.convert_to_dataset({k: np.asarray(v) for k, v in
                                         mcmc.get_samples(group_by_chain=True).items()
                                         if k in ("mu_pr", "sigma", "z")})
        row = {
            "setting": setting, "model": model.name, "subjects": args.subjects, "trials": args.trials,
            "warmup": args.warmup, "draws": args.draws, "target_accept": args.target_accept,
            "warmup_steps_per_iter": round(float(warm.mean()), 2),
            "draw_steps_per_iter": round(float(draws.mean()), 2),
            "ratio": round(float(warm.mean() / draws.mean()), 3),
            "ratio_max_over_chains": round(float(warm.max(0).mean() / draws.max(0).mean()), 3),
            "first_tenth_warmup_steps_per_iter": round(float(warm[:, : args.warmup // 10].mean()), 2),
            "warmup_max_over_chains_steps_by_tenth": [
                round(float(part.max(0).mean()), 1) for part in np.array_split(warm, 10, axis=1)],
            "divergences": int(np.asarray(extra["diverging"]).sum()),
            "max_rhat": round(max(float(v.max()) for v in az.rhat(samples).data_vars.values()), 4),
            "min_ess_bulk": round(min(float(v.min()) for v in az.ess(samples).data_vars.values()), 1),
            "warmup_wall_s": round(warm_s, 1), "total_wall_s": round(time.perf_counter() - wall0, 1),
            "load_average_1min_before": round(load, 2),
        }
        rows.append(row)
        print(json.dumps(row), flush=True)
    out = pathlib.Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    meta = {"jax": jax.__version__, "cpu_count": os.cpu_count(), "load_average_at_end": os.getloadavg()}
    out.write_text(json.dumps({"meta": meta, "runs": rows}, indent=2))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
