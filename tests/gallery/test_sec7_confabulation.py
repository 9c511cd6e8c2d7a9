import pytest

from kdgap_sim.gallery import sec7_confabulation


def test_simulated_log_has_60_trials_per_variation_and_right_answer_m_plus_1():
    import jax

    log = sec7_confabulation.simulate_log(jax.random.key(0), 60)
    assert log.groupby("variation").size().tolist() == [60] * 4
    m = log["variation"].str.extract(r"M=(\d+)")[0].astype(int)
    assert ((log["answer"] == m + 1) == (log["correct"] == 1)).all()


@pytest.mark.slow
def test_quick_mode_shows_confident_confabulation(tmp_path, capsys):
    n = sec7_confabulation.main(quick=True, out_dir=str(tmp_path))
    assert "SIMULATED" in capsys.readouterr().out
    assert n["intervals_disjoint"] == 1.0  # fluctuation beyond the binomial noise
    assert n["mean_confidence_when_wrong"] > 0.9 and n["overconfidence"] > 0.4
    assert n["agreement_confabulating"] < 0.7 and n["determination_confabulating"] < 0.8
    assert n["agreement_faithful"] == 1.0 and n["determination_faithful"] == 1.0
    assert (tmp_path / "sec7_confabulation.png").exists()


def test_wrong_shortcuts_are_wrong_so_accuracy_is_the_set_success_rate():
    # N + M = M + 1 when N = 1: that shortcut used to score as correct, so variation (1, 4) had
    # accuracy 0.40 + 0.60 / 3 = 0.60 instead of 0.40. With 20000 trials per variation the s.e. of
    # an accuracy is at most sqrt(0.25 / 20000) = 0.0035; 4 s.e. = 0.014 tolerates chance, not 0.2.
    import jax

    log = sec7_confabulation.simulate_log(jax.random.key(3), 20000)
    accuracy = log.groupby("variation", sort=False)["correct"].mean().to_numpy()
    assert abs(accuracy - sec7_confabulation.SUCCESS).max() < 0.014
    faithful = sec7_confabulation.simulate_log(jax.random.key(3), 20000, faithful=True)
    overconfidence = faithful["confidence"].mean() - faithful["correct"].mean()
    assert abs(overconfidence) < 0.014  # the reference agent states its true success rate
