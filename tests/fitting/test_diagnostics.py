"""diagnostics / warn_if_poor: the numbers and the warning's thresholds."""

import warnings

import arviz as az
import numpy as np

from kdgap_sim.fitting import FitWarning, diagnostics
from kdgap_sim.fitting.diagnostics import warn_if_poor


def _idata(draws, diverging=None):
    stats = None if diverging is None else {"diverging": diverging}
    return az.from_dict(posterior={"mu_beta": draws}, sample_stats=stats)


def test_well_mixed_chains_pass_and_stuck_chains_fail():
    rng = np.random.default_rng(0)
    good = diagnostics(_idata(rng.normal(size=(4, 1000)), np.zeros((4, 1000), bool)))
    assert good["max_rhat"] < 1.01 and good["min_ess_bulk"] > 1000 and good["n_divergent"] == 0
    # one chain of four centred 3 sd away: the pooled variance is 1 + 3**2 * 3/16 ~ 2.7 times the
    # within-chain one, so R-hat is ~sqrt(2.7) ~ 1.6 before rank normalisation (~1.45 after),
    # far above 1.01 whatever the draws
    shifted = rng.normal(size=(4, 1000)) + np.array([0.0, 0.0, 0.0, 3.0])[:, None]
    assert diagnostics(_idata(shifted))["max_rhat"] > 1.2


def test_single_chain_has_no_rhat_and_no_stats_no_divergences():
    diag = diagnostics(_idata(np.random.default_rng(1).normal(size=(1, 300))))
    assert np.isnan(diag["max_rhat"]) and np.isnan(diag["n_divergent"]) and diag["n_chains"] == 1.0


def test_warning_names_each_problem():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warn_if_poor({"max_rhat": 1.05, "min_ess_bulk": 150.0, "n_chains": 2.0, "n_divergent": 3.0})
    assert len(caught) == 1 and caught[0].category is FitWarning
    message = str(caught[0].message)
    assert "max R-hat 1.050 > 1.01" in message
    assert "min bulk ESS 150 < 100 per chain" in message
    assert "3 divergent transitions" in message


def test_no_warning_when_the_fit_is_good():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warn_if_poor({"max_rhat": 1.001, "min_ess_bulk": 900.0, "n_chains": 4.0, "n_divergent": 0.0})
    assert caught == []


def test_worst_mixing_ranks_the_stuck_subject_first():
    import pytest

    from kdgap_sim.fitting import worst_mixing

    rng = np.random.default_rng(2)
    z = rng.normal(size=(4, 1000, 5, 2))
    z[3, :, 4, 1] += 3.0  # subject s4's second parameter: one chain of four 3 sd away (R-hat ~1.45)
    idata = az.from_dict(posterior={"z": z, "mu_pr": rng.normal(size=(4, 1000, 2))},
                         coords={"subject": [f"s{i}" for i in range(5)], "param": ["alpha", "beta"]},
                         dims={"z": ["subject", "param"], "mu_pr": ["param"]})
    table = worst_mixing(idata, n=3)
    assert list(table.columns) == ["r_hat", "ess_bulk"] and len(table) == 3
    assert table.index[0] == "z[s4, beta]" and table["r_hat"].iloc[0] > 1.2
    assert table["r_hat"].iloc[1] < 1.02  # every other quantity mixes (4 x 1000 iid draws)
    one_chain = az.from_dict(posterior={"b": np.stack([rng.normal(size=500),
                                                       np.repeat(rng.normal(size=50), 10)], -1)[None]},
                             coords={"k": ["iid", "sticky"]}, dims={"b": ["k"]})
    single = worst_mixing(one_chain)  # no R-hat: ordered by bulk ESS (each value repeated 10x: ~50)
    assert single["r_hat"].isna().all() and single.index[0] == "b[sticky]"
    with pytest.raises(ValueError, match="n must be >= 1"):
        worst_mixing(idata, n=0)


def test_warning_names_the_worst_quantity_when_given():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warn_if_poor({"max_rhat": 1.05, "min_ess_bulk": 900.0, "n_chains": 4.0, "n_divergent": 0.0},
                     worst="z[s4, beta] (R-hat 1.050)")
    assert "worst: z[s4, beta] (R-hat 1.050)" in str(caught[0].message)


def test_diagnostics_refuse_what_is_not_inference_data():
    import pytest

    from kdgap_sim.fitting import worst_mixing

    with pytest.raises(TypeError, match="idata must be an arviz InferenceData"):
        diagnostics(None)
    with pytest.raises(TypeError, match="idata must be an arviz InferenceData"):
        worst_mixing({"beta": np.zeros((2, 10))})
    with pytest.raises(ValueError, match="idata has no posterior group"):
        diagnostics(az.from_dict(log_likelihood={"choices": np.zeros((1, 10, 2))}))
