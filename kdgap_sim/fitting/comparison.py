"""Model comparison of fits by PSIS-LOO, one subject left out at a time (arviz).

Source: Vehtari, Gelman & Gabry (2017), Stat. Comput. 27:1413 (arXiv 1507.04544).
"""

from __future__ import annotations

from typing import Any

from kdgap_sim.fitting._checks import check_idata


def loo(idata):
    """PSIS-LOO with one subject left out at a time (``arviz.loo``, pointwise).

    Pareto-smoothed importance sampling LOO: Vehtari, Gelman & Gabry (2017),
    Stat. Comput. 27:1413 (arXiv 1507.04544).

    Example:
      >>> import numpy as np, arviz as az, kdgap_sim as kd
      >>> log_lik = -2.0 + 0.01 * np.random.default_rng(0).normal(size=(1, 200, 3))
      >>> idata = az.from_dict(posterior={"beta": np.zeros((1, 200))},
      ...                      log_likelihood={"choices": log_lik})
      >>> res = kd.fitting.loo(idata)
      >>> res.loo_i.shape, round(float(res.elpd_loo), 1)  # 3 subjects at log-lik -2
      ((3,), -6.0)
    """
    import arviz as az

    check_idata("idata", idata, ("log_likelihood",))
    return az.loo(idata, pointwise=True)


def compare(fits: dict[str, Any]):
    """Ranks fits of the same log by PSIS-LOO (``arviz.compare``); a pandas DataFrame.

    Example:
      >>> import numpy as np, arviz as az, kdgap_sim as kd
      >>> rng = np.random.default_rng(0)
      >>> def fake_fit(mean):  # what fit() stores: per-subject log-likelihood draws
      ...     return az.from_dict(
      ...         posterior={"beta": np.zeros((1, 200))},
      ...         log_likelihood={"choices": mean + 0.01 * rng.normal(size=(1, 200, 3))},
      ...         coords={"subject": ["a", "b", "c"]}, dims={"choices": ["subject"]})
      >>> table = kd.fitting.compare({"worse": fake_fit(-3.0), "better": fake_fit(-1.0)})
      >>> list(table.index), int(table.loc["better", "rank"])
      (['better', 'worse'], 0)
    """
    import arviz as az

    if not isinstance(fits, dict) or len(fits) < 2:
        raise ValueError("compare needs a dict of at least two named InferenceData fits")
    for name, idata in fits.items():
        check_idata(f"fits[{name!r}]", idata, ("log_likelihood",))
        if "choices" not in idata.log_likelihood:
            raise ValueError(f"fits[{name!r}] has no log_likelihood 'choices' (a kd.fitting.fit result has)")
    subjects = {name: tuple(idata.log_likelihood["choices"].coords["subject"].values.tolist())
                for name, idata in fits.items()}
    if len(set(subjects.values())) != 1:
        raise ValueError("compare needs fits of the same log (the subjects differ)")
    return az.compare(fits, ic="loo")
