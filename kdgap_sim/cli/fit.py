"""``kdgap fit LOG --model NAME``: fit a model to a choice log from the command line.

Prints the posterior summary of the group-level (or subject-level)
parameters with R-hat, bulk ESS and divergences, writes the InferenceData as
netCDF and a figure: one-step-ahead posterior predictive choice rates against
the observed ones, and each subject's posterior interval per parameter.
"""

from __future__ import annotations

import argparse
import pathlib

from kdgap_sim.cli.arguments import add_quiet, positive_int, seed_int

NAME = "fit"
HELP = "fit a model to a choice log (CSV, TSV, JSONL)"


def add_subcommand(subparsers) -> None:
    """Registers ``fit`` on the ``kdgap`` parser (imports the model registry, hence JAX)."""
    from kdgap_sim.fitting.model_registry import MODELS

    p = subparsers.add_parser(
        NAME, help=HELP,
        description="Fit a choice model to a log with numpyro; print a posterior summary, write "
                    "the InferenceData (netCDF) and a posterior-predictive figure.")
    p.add_argument("log", help="choice log: .csv, .tsv/.txt (hBayesDM) or .jsonl")
    p.add_argument("--model", required=True, help=f"one of: {', '.join(sorted(MODELS))}")
    p.add_argument("--hierarchical", action=argparse.BooleanOptionalAction, default=True,
                   help="hierarchical (non-centred) prior (default) or --no-hierarchical")
    p.add_argument("--method", choices=("nuts", "svi"), default="nuts")
    p.add_argument("--chains", type=positive_int, default=4)
    p.add_argument("--warmup", type=positive_int, default=1000)
    p.add_argument("--draws", type=positive_int, default=1000)
    p.add_argument("--target-accept", type=float, default=0.8)
    p.add_argument("--svi-steps", type=positive_int, default=3000)
    p.add_argument("--init", choices=("uniform", "svi"), default="uniform",
                   help="where NUTS starts: numpyro's init_to_uniform, or points and metric from a "
                        "quick SVI fit (far shorter warm-up trees for large cohorts)")
    p.add_argument("--choice-base", choices=("auto", "0", "1"), default="auto",
                   help="coding of choices in the log (default: 0-based if any choice is 0; "
                        "mixed evidence is an error asking for this option)")
    p.add_argument("--n-actions", type=positive_int, default=None,
                   help="number of actions (default: inferred from the labels used)")
    p.add_argument("--ppc-draws", type=positive_int, default=100,
                   help="posterior draws used for the posterior predictive figure")
    p.add_argument("--seed", type=seed_int, default=0, help="root random seed, in [0, 2**32)")
    p.add_argument("--out", default=None,
                   help="output folder (default: beside the log); writes <log>_<model>.nc and .png")
    add_quiet(p)
    p.set_defaults(handler=run)


def summary_table(idata, model, hierarchical: bool):
    """``arviz.summary`` of the group-level parameters (subject-level when not hierarchical)."""
    import arviz as az

    names = [f"mu_{n}" for n in model.param_names] if hierarchical else list(model.param_names)
    if hierarchical:
        names.append("sigma")
    kind = "stats" if idata.posterior.sizes["chain"] < 2 else "all"
    return az.summary(idata, var_names=names, hdi_prob=0.9, round_to=4, kind=kind)


def run(args: argparse.Namespace) -> int:
    """Handler of ``kdgap fit``."""
    import jax

    from kdgap_sim.config import check_output_path
    from kdgap_sim.logs.choice_log import ChoiceLog
    from kdgap_sim.fitting.inference import fit
    from kdgap_sim.fitting.predictive import posterior_predictive
    from kdgap_sim.fitting.model_registry import make_model
    from kdgap_sim.plotting import posterior_check_figure, save
    from kdgap_sim.progress import library_bars, say

    base = args.choice_base if args.choice_base == "auto" else int(args.choice_base)
    log = ChoiceLog.load(args.log, choice_base=base, n_actions=args.n_actions)
    model = make_model(args.model).for_log(log)
    out = args.out if args.out is not None else str(pathlib.Path(args.log).resolve().parent)
    out = check_output_path("--out", out, folder=True)  # before the fit, not after it
    print(log)
    print(f"coding: {log.coding_note}")
    key = jax.random.key(args.seed)
    if args.method == "nuts":
        say(f"fit: NUTS, {args.chains} chain(s) x ({args.warmup} warm-up + {args.draws} draws); "
            "compiling the model first", enabled=not args.quiet)
    else:
        say(f"fit: SVI, {args.svi_steps} steps in one compiled loop", enabled=not args.quiet)
    with library_bars(not args.quiet and args.method == "nuts") as bar:
        idata = fit(key, log, model, hierarchical=args.hierarchical, method=args.method,
                    num_warmup=args.warmup, num_samples=args.draws, num_chains=args.chains,
                    target_accept=args.target_accept, svi_steps=args.svi_steps, progress_bar=bar,
                    init=args.init)
    attrs = idata.posterior.attrs
    print(f"model {model.name} ({'hierarchical' if args.hierarchical else 'individual'}), "
          f"{args.method}, {attrs['fit_seconds']:.1f} s")
    print(summary_table(idata, model, args.hierarchical).to_string())
    if args.method == "nuts":
        print(f"max R-hat {attrs['max_rhat']:.4f}, min bulk ESS {attrs['min_ess_bulk']:.0f}, "
              f"divergences {attrs['n_divergent']:.0f}")
    else:
        print("SVI: independent draws from the Gaussian guide; R-hat and divergences do not apply "
              f"(final ELBO loss {attrs['svi_final_loss']:.2f}); {attrs['intervals']}")
    say(f"fit: {args.ppc_draws} posterior predictive draws", enabled=not args.quiet)
    ppc = posterior_predictive(jax.random.fold_in(key, 1), idata, log, model, args.ppc_draws)
    out.mkdir(parents=True, exist_ok=True)
    stem = f"{pathlib.Path(args.log).stem}_{model.name}"
    idata.to_netcdf(str(out / f"{stem}.nc"))
    print(f"wrote {out / f'{stem}.nc'}")
    save(posterior_check_figure(idata, log, model, ppc), str(out / f"{stem}.png"))
    print(f"wrote {out / f'{stem}.png'}")
    return 0
