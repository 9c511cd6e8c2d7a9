"""The wilson-horizon model: likelihood by hand, structure checks, simulation, parameter recovery."""

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
import pytest

import kdgap_sim as kd
from kdgap_sim.envs import horizon_task as ht
from kdgap_sim.metrics import horizon_play
from kdgap_sim.fitting.horizon_model import game_features

MODEL = kd.fitting.make_model("wilson-horizon")


def _sim_log(key, values, n_cycles):
    return kd.fitting.simulate_log(jax.random.key(key), MODEL, jnp.asarray(values, jnp.float32),
                                   n_trials=MODEL.cycle_trials() * n_cycles)


def test_registered_and_named():
    assert "wilson-horizon" in kd.fitting.MODELS
    assert MODEL.param_names == ("A_h1", "A_h6", "sigma_h1", "sigma_h6", "b_h1", "b_h6")
    assert kd.fitting.make_model("wilson-horizon", horizons=(2, 5)).param_names[-1] == "b_h5"
    with pytest.raises(ValueError, match="horizons"):
        kd.fitting.make_model("wilson-horizon", horizons=(6, 1))


def test_log_probs_match_the_formula_by_hand():
    """Every first free choice: sigmoid((dQ + A dI + b) / sigma) from the game's forced trials."""
    values = np.array([3.0, 9.0, 4.0, 7.0, -1.0, 2.0])
    log = _sim_log(0, values[None], 3)
    one = jax.tree_util.tree_map(lambda x: x[0], log.arrays())
    logp = np.asarray(MODEL.log_probs(jnp.asarray(values, jnp.float32), one))
    choice, reward, forced = log.choice[0], log.reward[0], log.forced[0]
    t, n_first = 0, 0
    while t < log.n_trials[0]:
        end = t + 4
        while end < log.n_trials[0] and not forced[end]:
            end += 1
        c, r = choice[t:t + 4], reward[t:t + 4]
        m = [r[c == a].mean() for a in (0, 1)]
        n = [np.sum(c == a) for a in (0, 1)]
        long = end - t - 4 == 6
        A, sigma, b = values[[1, 3, 5]] if long else values[[0, 2, 4]]
        p1 = 1.0 / (1.0 + np.exp(-((m[1] - m[0]) + A * np.sign(n[0] - n[1]) + b) / sigma))
        np.testing.assert_allclose(np.exp(logp[t + 4]), [1 - p1, p1], rtol=1e-5)
        assert np.all(logp[t + 5:end] == 0.0) and np.all(logp[t:t + 4] == 0.0)
        t, n_first = end, n_first + 1
    assert n_first == 12


def test_game_features_padding_and_equal_games():
    forced = jnp.array([True, True, True, True, False, False, False])
    scored = jnp.array([False, False, False, False, True, False, False])  # 2 padded trials at the end
    first, dQ, dI, long = game_features(jnp.array([0, 1, 0, 1, 1, 0, 0]),
                                        jnp.array([10.0, 20.0, 30.0, 40.0, 0.0, 0.0, 0.0]), forced, scored, 1)
    assert first.tolist() == [False] * 4 + [True, False, False]
    assert float(dQ[4]) == 10.0 and float(dI[4]) == 0.0 and not bool(long[4])


def test_for_log_checks_structure():
    log = _sim_log(1, [[0.0, 5.0, 5.0, 5.0, 0.0, 0.0]], 1)
    assert MODEL.for_log(log) is MODEL
    no_forced = kd.fitting.ChoiceLog.from_arrays(log.choice, log.reward, n_actions=2)
    with pytest.raises(ValueError, match="with_forced_trials"):
        MODEL.for_log(no_forced)
    cut = kd.fitting.ChoiceLog.from_arrays(log.choice[:, :8], log.reward[:, :8], n_actions=2,
                                           forced=log.forced[:, :8])
    with pytest.raises(ValueError, match=r"game 1 \(trials 6-8\).*got 3 forced and 0 free"):
        MODEL.for_log(cut)
    df = pd.DataFrame({"game": [0] * 5, "trial": range(1, 6), "choice": [1, 1, 1, 1, 0],
                       "reward": [1.0] * 5, "forced": [1, 1, 1, 1, 0]})
    with pytest.raises(ValueError, match=r"counts \[0, 4\]"):
        MODEL.for_log(kd.fitting.ChoiceLog.from_dataframe(df, default_subject="p"))
    with pytest.raises(ValueError, match="n_trials must be a multiple of 30"):
        kd.fitting.simulate_log(jax.random.key(0), MODEL, jnp.ones((1, 6)), 45)
    with pytest.raises(TypeError, match="HorizonTask"):
        kd.fitting.simulate_log(jax.random.key(0), MODEL, jnp.ones((1, 6)), 30,
                                task=kd.fitting.default_task(kd.fitting.make_model("rw")))


def test_with_forced_trials_makes_a_released_log_fittable():
    env = kd.envs.make("horizon-task")
    agent = kd.agents.Agent(kd.agents.UCB(beliefs_from="index"), kd.agents.Softmax())
    log = ht.to_choice_log(horizon_play.play(jax.random.key(0), env, agent, agent.default_params().replace(beta=0.2), 4))
    df = log.to_dataframe().drop(columns=["forced"])
    released = kd.fitting.ChoiceLog.from_dataframe(df)
    assert not released.has_forced
    marked = kd.fitting.with_forced_trials(released)
    assert np.array_equal(marked.forced, log.forced)
    assert MODEL.for_log(marked) is MODEL
    with pytest.raises(ValueError, match="log has no blocks"):
        kd.fitting.with_forced_trials(kd.fitting.ChoiceLog.from_arrays([[0, 1]], [[0.0, 1.0]], n_actions=2))


def _recovery(key, n_subjects, n_cycles, warmup, samples):
    """Individual fits of subjects whose raw parameters are drawn from the fit's own N(0, 1) prior,
    so exact inference covers each truth with probability 0.9 (simulation-based calibration)."""
    raw = jax.random.normal(jax.random.fold_in(key, 0), (n_subjects, len(MODEL.params)))
    values = np.asarray(MODEL.transform(raw))
    log = _sim_log(int(jax.random.randint(jax.random.fold_in(key, 1), (), 0, 2**30)), values, n_cycles)
    idata = kd.fitting.fit(jax.random.fold_in(key, 2), log, MODEL, hierarchical=False,
                           num_warmup=warmup, num_samples=samples, num_chains=1)
    covered, corr = [], {}
    for i, name in enumerate(MODEL.param_names):
        draws = idata.posterior[name].values.reshape(-1, n_subjects)
        low, high = np.quantile(draws, [0.05, 0.95], axis=0)
        covered.append((low <= values[:, i]) & (values[:, i] <= high))
        corr[name] = np.corrcoef(draws.mean(0), values[:, i])[0, 1]
    return np.mean(covered), corr, n_subjects * len(MODEL.params)


def _tolerance(n):
    return 3.0 * np.sqrt(0.9 * 0.1 / n)  # 3 binomial SEs of the coverage of n intervals


def test_recovers_bonus_and_noise_per_horizon():
    """12 subjects x 80 games (20 per horizon and condition), 72 intervals; about 35 s on one core."""
    coverage, corr, n = _recovery(jax.random.key(21), 12, 20, 250, 300)
    assert abs(coverage - 0.9) < _tolerance(n), coverage
    for name in ("A_h1", "A_h6", "sigma_h1", "sigma_h6"):
        assert corr[name] > 0.6, (name, corr[name])


@pytest.mark.slow
def test_recovery_coverage_near_nominal_large():
    """30 subjects x 120 games; 180 intervals (SE of the coverage 0.022). Minutes on one core."""
    coverage, corr, n = _recovery(jax.random.key(22), 30, 30, 500, 500)
    assert abs(coverage - 0.9) < _tolerance(n), coverage
    for name in MODEL.param_names:
        assert corr[name] > 0.8, (name, corr[name])


@pytest.mark.slow
def test_hierarchical_parameter_recovery():
    res = kd.fitting.parameter_recovery(jax.random.key(23), "wilson-horizon", n_replicates=4,
                                        n_subjects=12, n_trials=MODEL.cycle_trials() * 20,
                                        num_warmup=300, num_samples=300, num_chains=1)
    n = res.covered.size
    assert abs(res.covered.mean() - 0.9) < 3.0 * np.sqrt(0.09 / n) + 1.0 / n
