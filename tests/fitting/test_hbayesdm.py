"""hBayesDM parity: the joint density equals a NumPy transcription of hBayesDM's Stan model blocks.

The references below transcribe the ``model {}`` blocks of hBayesDM's
``bandit2arm_delta.stan`` and ``bandit4arm_4par.stan`` line by line (Stan's
``~`` drops additive constants, so differences of the log density between
two parameter points are compared). Same density => same posterior.
"""

import numpy as np
import pandas as pd
import pytest
from numpyro.infer.util import log_density

from kdgap_sim.fitting import ChoiceLog, make_model, numpyro_model


def phi_approx(x):
    return 1.0 / (1.0 + np.exp(-(0.07056 * x**3 + 1.5976 * x)))


def log_softmax(x):
    x = np.asarray(x, float)
    m = x.max()
    return x - m - np.log(np.exp(x - m).sum())


def stan_bandit2arm_delta(mu_pr, sigma, A_pr, tau_pr, choice, outcome, Tsubj):
    lp = -0.5 * np.sum(mu_pr**2) - 0.5 * np.sum((sigma / 0.2) ** 2)
    lp += -0.5 * np.sum(A_pr**2) - 0.5 * np.sum(tau_pr**2)
    A = phi_approx(mu_pr[0] + sigma[0] * A_pr)
    tau = phi_approx(mu_pr[1] + sigma[1] * tau_pr) * 5
    for i in range(len(Tsubj)):
        ev = np.zeros(2)
        for t in range(Tsubj[i]):
            c = choice[i, t] - 1
            lp += log_softmax(tau[i] * ev)[c]
            PE = outcome[i, t] - ev[c]
            ev[c] += A[i] * PE
    return lp


def stan_bandit4arm_4par(mu_pr, sigma, Arew_pr, Apun_pr, R_pr, P_pr, choice, rew, los, Tsubj):
    lp = -0.5 * np.sum(mu_pr**2) - 0.5 * np.sum((sigma / 0.2) ** 2)
    lp += -0.5 * sum(np.sum(x**2) for x in (Arew_pr, Apun_pr, R_pr, P_pr))
    Arew = phi_approx(mu_pr[0] + sigma[0] * Arew_pr)
    Apun = phi_approx(mu_pr[1] + sigma[1] * Apun_pr)
    R = phi_approx(mu_pr[2] + sigma[2] * R_pr) * 30
    P = phi_approx(mu_pr[3] + sigma[3] * P_pr) * 30
    for i in range(len(Tsubj)):
        Qr, Qp, Qsum = np.zeros(4), np.zeros(4), np.zeros(4)
        for t in range(Tsubj[i]):
            c = choice[i, t] - 1
            lp += log_softmax(Qsum)[c]
            PEr = R[i] * rew[i, t] - Qr[c]
            PEp = P[i] * los[i, t] - Qp[c]
            PEr_fic, PEp_fic = -Qr, -Qp
            Qr_chosen, Qp_chosen = Qr[c], Qp[c]
            Qr = Qr + Arew[i] * PEr_fic
            Qp = Qp + Apun[i] * PEp_fic
            Qr[c] = Qr_chosen + Arew[i] * PEr
            Qp[c] = Qp_chosen + Apun[i] * PEp
            Qsum = Qr + Qp
    return lp


def _numpyro_lp(model, log, mu_pr, sigma, z):
    lp, _ = log_density(numpyro_model, (log.arrays(),),
                        {"model": model.for_log(log), "hierarchical": True, "n_contexts": 1},
                        {"mu_pr": mu_pr, "sigma": sigma, "z": z})
    return float(lp)


def _points(rng, n_subjects, n_params):
    return [(rng.normal(size=n_params), np.abs(rng.normal(0.0, 0.3, size=n_params)),
             rng.normal(size=(n_subjects, n_params))) for _ in range(3)]


def test_bandit2arm_delta_matches_stan_transcription():
    rng = np.random.default_rng(0)
    Tsubj = np.array([12, 7, 10])
    rows = [(s + 1, t + 1, rng.integers(1, 3), rng.choice([-1.0, 1.0]))
            for s in range(3) for t in range(Tsubj[s])]
    df = pd.DataFrame(rows, columns=["subjID", "trial", "choice", "outcome"])
    log = ChoiceLog.from_dataframe(df)
    choice = np.where(log.mask, log.choice + 1, 0)
    model = make_model("bandit2arm_delta")
    points = _points(rng, 3, 2)
    stan = [stan_bandit2arm_delta(m, s, z[:, 0], z[:, 1], choice, log.reward, Tsubj)
            for m, s, z in points]
    ours = [_numpyro_lp(model, log, m, s, z) for m, s, z in points]
    for k in (1, 2):
        assert ours[k] - ours[0] == pytest.approx(stan[k] - stan[0], rel=1e-4, abs=1e-3)


def test_bandit4arm_4par_matches_stan_transcription():
    rng = np.random.default_rng(1)
    Tsubj = np.array([15, 9])
    rows = [(s + 1, rng.integers(1, 5), rng.choice([0.0, 1.0]), rng.choice([0.0, -1.0, 1.0]))
            for s in range(2) for _ in range(Tsubj[s])]
    df = pd.DataFrame(rows, columns=["subjID", "choice", "gain", "loss"])
    log = ChoiceLog.from_dataframe(df, n_actions=4)
    choice = np.where(log.mask, log.choice + 1, 0)
    rew, los = log.gain, log.loss
    assert (los <= 0).all()
    model = make_model("bandit4arm_4par")
    points = _points(rng, 2, 4)
    stan = [stan_bandit4arm_4par(m, s, *z.T, choice, rew, los, Tsubj) for m, s, z in points]
    ours = [_numpyro_lp(model, log, m, s, z) for m, s, z in points]
    for k in (1, 2):
        assert ours[k] - ours[0] == pytest.approx(stan[k] - stan[0], rel=1e-4, abs=1e-3)


def test_hbayesdm_models_check_the_log():
    two = ChoiceLog.from_arrays([[0, 1]], [[1.0, 0.0]], n_actions=2)
    with pytest.raises(ValueError, match="defined for 4 actions"):
        make_model("bandit4arm_4par").for_log(two)
    four = ChoiceLog.from_arrays([[0, 3]], [[1.0, 0.0]], n_actions=4)
    with pytest.raises(ValueError, match="needs 'gain' and 'loss' columns"):
        make_model("bandit4arm_4par").for_log(four)
    with pytest.raises(ValueError, match="defined for 2 actions"):
        make_model("bandit2arm_delta").for_log(four)
    forced = ChoiceLog.from_arrays([[0, 1]], [[1.0, 0.0]], n_actions=2, forced=[[True, False]])
    with pytest.raises(ValueError, match="cannot fit logs with forced trials"):
        make_model("bandit2arm_delta").for_log(forced)


@pytest.mark.parametrize(
    "p_gain, p_loss, match",
    [
        ([0.6, 0.45, 0.35, 1.5], [0.3] * 4, r"task\.p_gain must be a probability"),
        ([0.6, 0.45, 0.35, 0.5], [0.3, 0.3, float("nan"), 0.3], r"task\.p_loss contains NaN"),
        ([0.6, 0.45, 0.35], [0.3] * 3, r"task\.p_gain must have shape \(4,\)"),
        ([0.6, 0.45, 0.35, 0.5], [-0.1, 0.3, 0.3, 0.3], r"task\.p_loss must be a probability"),
    ],
)
def test_gain_loss_task_probabilities_are_checked(p_gain, p_loss, match):
    # Before the check, p_gain = 1.5 simulated a certain gain and NaN a certain non-loss, silently.
    import jax

    from kdgap_sim.fitting import GainLossTask, bandit4arm_4par, simulate_arrays

    model = bandit4arm_4par()
    task = GainLossTask(p_gain=np.array(p_gain), p_loss=np.array(p_loss))
    values = np.array([[0.3, 0.3, 5.0, 5.0]], np.float32)
    with pytest.raises(ValueError, match=match):
        simulate_arrays(jax.random.key(0), model, values, task, n_trials=5)
    with pytest.raises(ValueError, match=match):
        model.simulate(jax.random.key(0), values[0], task, n_trials=5)
