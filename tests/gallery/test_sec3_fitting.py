import jax
import numpy as np
import pytest

from kdgap_sim.gallery import sec3_fitting


def test_subjects_are_drawn_around_the_group_medians():
    group = {"alpha_pos": 0.45, "beta": 8.0}
    truth = sec3_fitting.draw_subjects(jax.random.key(0), group, 2000)
    assert truth["beta"].min() > 0 and truth["beta"].max() < 20
    # the median of 2000 normal draws has s.e. 1.25 sd / sqrt(2000) = 0.0084 on the probit scale
    # (sd 0.3); times dtheta/dx = (u - l) phi(x_median): 0.0033 for alpha (0.40), 0.065 for beta
    # (20 * 0.39). The tolerances, 0.02 and 0.4, are over 4 s.e.
    assert np.median(truth["alpha_pos"]) == pytest.approx(0.45, abs=0.02)
    assert np.median(truth["beta"]) == pytest.approx(8.0, abs=0.02 * 20)


def test_no_agency_log_follows_the_chambon_design():
    condition = sec3_fitting.CONDITIONS["no_agency"]
    truth = sec3_fitting.draw_subjects(jax.random.key(1), condition.group, 3)
    log = sec3_fitting.simulate_log(jax.random.key(2), condition, truth)
    n_trials = len(sec3_fitting.CONTEXTS) * condition.trials_per_context
    assert log.n_subjects == 3 and log.max_trials == n_trials and log.n_contexts == 4
    forced = log.forced.reshape(3, 4, -1)
    assert forced[..., 0::2].all() and not forced[..., 1::2].any()  # forced and free trials alternate
    imposed = log.choice.reshape(3, 4, -1)[..., 0::2]
    assert (imposed.sum(-1) == condition.trials_per_context // 4).all()  # each arm on half the forced trials
    assert set(np.unique(log.reward)) <= {0.0, sec3_fitting.PAYOFF}
    assert not log.has_full_feedback


def test_full_feedback_log_logs_both_payoffs():
    condition = sec3_fitting.CONDITIONS["full"]
    truth = sec3_fitting.draw_subjects(jax.random.key(1), condition.group, 2)
    log = sec3_fitting.simulate_log(jax.random.key(2), condition, truth)
    assert log.has_full_feedback and not log.has_forced and log.max_trials == 96
    chosen = np.take_along_axis(log.outcomes, log.choice[..., None], axis=-1)[..., 0]
    np.testing.assert_array_equal(chosen, log.reward)
    assert set(np.unique(log.outcomes)) == {0.0, sec3_fitting.PAYOFF}


@pytest.mark.slow
def test_quick_mode_recovers_the_signs_with_its_fixed_key(tmp_path):
    n = sec3_fitting.main(quick=True, out_dir=str(tmp_path))
    # With its fixed key the quick run (8 subjects, 100 + 100 NUTS draws) puts the 90% intervals of
    # the papers' asymmetries above 0 and the one on forced trials around 0; all five at once.
    for name in ("partial_chosen", "full_chosen", "full_unchosen", "no_agency_free"):
        assert n[f"{name}_asymmetry_low"] > 0, name
        assert n[f"{name}_asymmetry_true"] == pytest.approx(0.3)
    assert n["no_agency_forced_asymmetry_low"] < 0 < n["no_agency_forced_asymmetry_high"]
    assert n["all_signs_as_paper"] == 1.0
    assert (tmp_path / "sec3_fitting.png").stat().st_size > 10000
