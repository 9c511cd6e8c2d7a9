r"""Convergence diagnostics of a fit: max R-hat, min bulk ESS, divergences, and the warning.

:func:`diagnostics` summarises an arviz ``InferenceData`` in a few numbers;
:func:`worst_mixing` names the quantities (e.g. one subject's rate) that mix worst;
:func:`warn_if_poor` turns the numbers into a :class:`FitWarning` when R-hat exceeds
1.01, bulk ESS is below 100 per chain or a transition diverged (the
thresholds of Vehtari et al. 2021).

Source: Vehtari, Gelman, Simpson, Carpenter & Bürkner (2021), Bayesian
Analysis 16:667 (rank-normalised R-hat, bulk ESS); Betancourt (2017),
arXiv 1701.02434 (divergent transitions).
"""

from __future__ import annotations

import warnings

from kdgap_sim import validation
from kdgap_sim.fitting._checks import check_idata

RHAT_MAX = 1.01
ESS_PER_CHAIN_MIN = 100


class FitWarning(UserWarning):
    """Poor convergence: R-hat above 1.01, low bulk ESS or divergent transitions.

    Emitted by :func:`fit` (NUTS, ``warn=True``); filter or raise it with the
    :mod:`warnings` machinery.

    Example:
      >>> import warnings, kdgap_sim as kd
      >>> issubclass(kd.fitting.FitWarning, UserWarning)
      True
      >>> with warnings.catch_warnings(record=True) as caught:
      ...     warnings.simplefilter("always")
      ...     warnings.warn("poor convergence", kd.fitting.FitWarning)
      >>> caught[0].category.__name__
      'FitWarning'
    """


def diagnostics(idata) -> dict[str, float]:
    """Max R-hat and min bulk ESS over all posterior variables (``log_lik`` aside), divergences.

    R-hat needs two or more chains (NaN otherwise); ``n_divergent`` is NaN
    without NUTS ``sample_stats``. Rank-normalised R-hat and bulk ESS: Vehtari
    et al. (2021), Bayesian Analysis 16:667 (arXiv 1903.08008).

    Example:
      >>> import numpy as np, arviz as az, kdgap_sim as kd
      >>> draws = np.random.default_rng(0).normal(size=(2, 500))  # 2 well-mixed chains
      >>> diag = kd.fitting.diagnostics(az.from_dict(posterior={"mu_beta": draws}))
      >>> diag["n_chains"], diag["n_draws"], diag["max_rhat"] < 1.01, diag["min_ess_bulk"] > 500
      (2.0, 500.0, True, True)
    """
    import arviz as az

    check_idata("idata", idata)
    names = [v for v in idata.posterior.data_vars if v not in ("log_lik",)]
    n_chains = idata.posterior.sizes["chain"]
    out: dict[str, float] = {"n_chains": float(n_chains), "n_draws": float(idata.posterior.sizes["draw"])}
    if n_chains > 1:
        rhat = az.rhat(idata, var_names=names)
        out["max_rhat"] = float(max(float(rhat[v].max()) for v in rhat.data_vars))
    else:
        out["max_rhat"] = float("nan")
    ess = az.ess(idata, var_names=names, method="bulk")
    out["min_ess_bulk"] = float(min(float(ess[v].min()) for v in ess.data_vars))
    stats = getattr(idata, "sample_stats", None)
    if stats is not None and "diverging" in stats:
        out["n_divergent"] = float(stats["diverging"].sum())
    else:
        out["n_divergent"] = float("nan")
    return out


def worst_mixing(idata, n: int = 5):
    """The ``n`` posterior quantities that mix worst: highest R-hat first, then lowest bulk ESS.

    One row per scalar quantity, labelled as arviz labels it (``z[<subject>,
    <param>]``, ``alpha_pos[<subject>]``, ``sigma[<param>]``), with columns
    ``r_hat`` and ``ess_bulk`` (unrounded; R-hat NaN with one chain, then
    sorted by ESS alone). Where a hierarchical fit mixes poorly, this says
    whether the group level or a few subjects are to blame.

    Example:
      >>> import numpy as np, arviz as az, kdgap_sim as kd
      >>> draws = np.random.default_rng(0).normal(size=(2, 500, 3))
      >>> draws[1, :, 2] += 3.0  # subject "c": the chains disagree
      >>> idata = az.from_dict(posterior={"beta": draws}, coords={"subject": ["a", "b", "c"]},
      ...                      dims={"beta": ["subject"]})
      >>> table = kd.fitting.worst_mixing(idata, n=2)
      >>> len(table), table.index[0], bool(table["r_hat"].iloc[0] > 1.5)
      (2, 'beta[c]', True)
    """
    import arviz as az

    check_idata("idata", idata)
    validation.check_int("n", n, minimum=1)
    names = [v for v in idata.posterior.data_vars if v not in ("log_lik",)]
    table = az.summary(idata, var_names=names, kind="diagnostics", round_to="none")
    table = table[["r_hat", "ess_bulk"]].astype(float)
    order = table.assign(_r=table["r_hat"].fillna(-1.0)).sort_values(["_r", "ess_bulk"],
                                                                     ascending=[False, True])
    return order.drop(columns="_r").head(n)


def warn_if_poor(diag: dict[str, float], worst: str | None = None) -> None:
    """Emits one :class:`FitWarning` naming each problem of ``diag`` (from :func:`diagnostics`).

    ``worst``: optional label of the worst-mixing quantity (see :func:`worst_mixing`),
    appended to the message.
    """
    problems = []
    if diag["max_rhat"] > RHAT_MAX:
        problems.append(f"max R-hat {diag['max_rhat']:.3f} > {RHAT_MAX}")
    if diag["min_ess_bulk"] < ESS_PER_CHAIN_MIN * diag["n_chains"]:
        problems.append(f"min bulk ESS {diag['min_ess_bulk']:.0f} < 100 per chain")
    if diag["n_divergent"] > 0:
        problems.append(f"{int(diag['n_divergent'])} divergent transitions")
    if problems:
        where = f"; worst: {worst}" if worst else ""
        warnings.warn("poor convergence: " + "; ".join(problems) + where +
                      " (run longer, raise target_accept, or reparameterise;"
                      " kd.fitting.worst_mixing(idata) lists the worst quantities)", FitWarning,
                      stacklevel=3)
