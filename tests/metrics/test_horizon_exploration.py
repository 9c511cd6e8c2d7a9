"""kd.metrics.horizon_exploration: the model-free analysis of Wilson et al. (2014)."""

import jax
import numpy as np
import pandas as pd
import pytest
from scipy import optimize, special

import kdgap_sim as kd
from kdgap_sim.envs import horizon_task as ht
from kdgap_sim.metrics import horizon_play
from kdgap_sim.metrics.horizon_exploration import logistic_fit

ENV = kd.envs.make("horizon-task")
AGENT = kd.agents.Agent(kd.agents.UCB(beliefs_from="index"), kd.agents.Softmax())
P = AGENT.default_params()
GREEDY = kd.agents.Agent(kd.agents.UCB(beliefs_from="index"), kd.agents.Greedy())


def _log(params, n_games, key=0, agent=AGENT):
    return ht.to_choice_log(horizon_play.play(jax.random.key(key), ENV, agent, params, n_games))


@pytest.fixture(scope="module")
def human_log():
    """Bonus and temperature both grow with the horizon (a human-like player)."""
    return _log({1: P.replace(exploration=2.0, beta=0.3), 6: P.replace(exploration=10.0, beta=0.12)}, 150)


def _reference_rows(log, difference):
    """The regression rows built another way: pandas over the log's own columns."""
    df = log.to_dataframe()
    rows = []
    for (_, _), game in df.groupby(["subject", "game"], sort=False):
        forced, free = game.iloc[:4], game.iloc[4:]
        counts = forced["choice"].value_counts().reindex([0, 1], fill_value=0).to_numpy()
        if difference == "observed":
            m = np.array([forced.loc[forced["choice"] == a, "reward"].mean() for a in (0, 1)])
        else:
            m = free.iloc[0][["mean_0", "mean_1"]].to_numpy(float)
        c = int(free.iloc[0]["choice"])
        h = 1.0 if len(free) == 6 else -1.0
        if counts[0] != counts[1]:
            rare = int(np.argmin(counts))
            rows.append((True, float(c == rare), m[rare] - m[1 - rare], h))
        else:
            rows.append((False, float(c == 1), m[1] - m[0], h))
    return pd.DataFrame(rows, columns=["unequal", "y", "dR", "h"])


def _scipy_fit(frame):
    X = np.column_stack([np.ones(len(frame)), frame.dR, frame.h, frame.dR * frame.h])
    y = frame.y.to_numpy()

    def nll(b):
        eta = X @ b
        return np.sum(np.logaddexp(0.0, eta) - y * eta)

    def grad(b):
        return X.T @ (special.expit(X @ b) - y)

    res = optimize.minimize(nll, np.zeros(4), jac=grad, method="BFGS", options={"gtol": 1e-11, "maxiter": 10000})
    p = special.expit(X @ res.x)
    # standard errors: the Fisher information written out entry by entry
    info = np.array([[np.sum(p * (1 - p) * X[:, i] * X[:, j]) for j in range(4)] for i in range(4)])
    return res.x, np.sqrt(np.diag(np.linalg.inv(info)))


@pytest.mark.parametrize("difference", ["observed", "generative"])
def test_fit_matches_scipy_reference(human_log, difference):
    result = kd.metrics.horizon_exploration(human_log, difference=difference)
    assert result.converged and result.message == ""
    ref = _reference_rows(human_log, difference)
    assert result.n_unequal == ref.unequal.sum() == 150 and result.n_equal == 150
    for fit, frame in ((result.unequal_fit, ref[ref.unequal]), (result.equal_fit, ref[~ref.unequal])):
        coef, se = _scipy_fit(frame)
        np.testing.assert_allclose(fit.coef, coef, atol=1e-6)
        np.testing.assert_allclose(fit.se, se, atol=1e-4)
    unequal_coef, unequal_se = _scipy_fit(ref[ref.unequal])
    equal_coef, equal_se = _scipy_fit(ref[~ref.unequal])
    assert abs(result.directed - unequal_coef[2]) < 1e-6 and abs(result.directed_se - unequal_se[2]) < 1e-4
    assert abs(result.random + equal_coef[3]) < 1e-6 and abs(result.random_se - equal_se[3]) < 1e-4
    reward = human_log.reward[human_log.mask]
    assert abs(result.reward_mean - reward.mean()) < 1e-9


def test_rollout_accepted_and_reward_se():
    out = horizon_play.play(jax.random.key(5), ENV, AGENT, P.replace(beta=0.2), 30)
    direct = kd.metrics.horizon_exploration(out)
    via_log = kd.metrics.horizon_exploration(ht.to_choice_log(out))
    assert np.array_equal([direct.directed, direct.random], [via_log.directed, via_log.random], equal_nan=True)
    # the clustered SE of the reward mean: one cluster per game
    log = ht.to_choice_log(out)
    r, g = log.reward[0], log.block[0]
    sums = np.array([np.sum(r[g == k] - r.mean()) for k in range(60)])
    assert abs(direct.reward_mean_se - np.sqrt(np.sum(sums**2) * 60 / 59) / r.size) < 1e-9


# Replicate counts. From a pilot (keys 0-2, 100 games per horizon and condition) the SEs are
# about 0.25 for directed exploration and 0.035 for random exploration and scale as 1/sqrt(n).
# The signatures below are b2 ~ 1 (a bonus difference of 0.7 c = 14 points times beta = 0.15,
# halved: h is +-1) and -b3 = (0.3 - 0.1) / 2 = 0.1; with 400 games per horizon and condition
# the SEs are ~0.13 and ~0.018, so each expected effect is >= 5 SE and a 95% interval excludes
# 0 with probability > 0.99. A null effect is checked with a 99% interval (z = 2.576): with
# fixed keys the test does not depend on the draw, and a null covers 0 with probability 0.99.
N_GAMES = 800  # per horizon: 400 equal and 400 unequal games


def test_directed_agent_signature():
    log = _log({1: P.replace(exploration=0.0, beta=0.15), 6: P.replace(exploration=20.0, beta=0.15)},
               N_GAMES, key=11)
    r = kd.metrics.horizon_exploration(log)
    assert r.converged
    assert r.interval("directed")[0] > 0.0
    low, high = r.interval("random", z=2.576)
    assert low < 0.0 < high


def test_random_agent_signature():
    log = _log({1: P.replace(exploration=0.0, beta=0.3), 6: P.replace(exploration=0.0, beta=0.1)},
               N_GAMES, key=12)
    r = kd.metrics.horizon_exploration(log)
    assert r.converged
    assert r.interval("random")[0] > 0.0
    low, high = r.interval("directed", z=2.576)
    assert low < 0.0 < high


def test_greedy_agent_signature_and_separation():
    log = _log(GREEDY.default_params().replace(exploration=0.0), N_GAMES, key=13, agent=GREEDY)
    # observed differences decide a greedy player's choice: both fits are separated
    observed = kd.metrics.horizon_exploration(log)
    assert not observed.converged
    assert np.isnan(observed.directed) and np.isnan(observed.random) and np.isnan(observed.directed_se)
    assert "unequal [1, 3] games" in observed.message and "equal [2, 2] games" in observed.message
    assert "separation" in observed.message
    assert np.isfinite(observed.reward_mean)
    # against the generative means the choice is noisy (sampling noise of the forced trials),
    # and that noise does not depend on the horizon: no directed, no random exploration
    generative = kd.metrics.horizon_exploration(log, difference="generative")
    assert generative.converged
    for name in ("directed", "random"):
        low, high = generative.interval(name, z=2.576)
        assert low < 0.0 < high, name


def test_logistic_fit_reports_failures():
    X = np.column_stack([np.ones(6), np.arange(6.0)])
    assert "every outcome" in logistic_fit(X, np.zeros(6)).message
    assert "singular" in logistic_fit(np.column_stack([np.ones(6), np.ones(6)]), np.array([0, 1] * 3)).message
    assert not logistic_fit(X, np.array([0, 0, 0, 1, 1, 1])).converged
    with pytest.raises(ValueError, match="y must be"):
        logistic_fit(X, np.full(6, 2))
    with pytest.raises(ValueError, match="X must be"):
        logistic_fit(np.ones(6), np.zeros(6))


def _game_frame(**changes):
    base = {"subject": ["a"] * 5, "game": [0] * 5, "trial": [1, 2, 3, 4, 5], "choice": [0, 1, 1, 1, 0],
            "reward": [50.0, 40.0, 44.0, 42.0, 47.0]}
    base.update(changes)
    return pd.DataFrame(base)


def test_bad_inputs_name_the_parameter():
    log = kd.fitting.ChoiceLog.from_dataframe(_game_frame())
    with pytest.raises(ValueError, match="difference"):
        kd.metrics.horizon_exploration(log, difference="sampled")
    with pytest.raises(ValueError, match="difference='generative' needs the log's generative means"):
        kd.metrics.horizon_exploration(log, difference="generative")
    no_blocks = kd.fitting.ChoiceLog.from_arrays([[0, 1, 1, 1, 0]], [[1.0, 0, 0, 0, 1]], n_actions=2)
    with pytest.raises(ValueError, match="log has no blocks"):
        kd.metrics.horizon_exploration(no_blocks)
    with pytest.raises(TypeError, match="log must be"):
        kd.metrics.horizon_exploration({"choice": [0]})
    with pytest.raises(ValueError, match="n_forced"):
        kd.metrics.horizon_exploration(log, n_forced=1)
    with pytest.raises(ValueError, match="block 0: a game must have n_forced=3"):
        kd.metrics.horizon_exploration(log, n_forced=3)
    bad_counts = kd.fitting.ChoiceLog.from_dataframe(_game_frame(choice=[1, 1, 1, 1, 0]))
    with pytest.raises(ValueError, match=r"subject 'a', block 0: forced choices .* counts \[0, 4\]"):
        kd.metrics.horizon_exploration(bad_counts)
    bad_flags = kd.fitting.ChoiceLog.from_dataframe(_game_frame(forced=[1, 1, 1, 0, 0]))
    with pytest.raises(ValueError, match="forced flags must mark exactly the first"):
        kd.metrics.horizon_exploration(bad_flags)
    three = kd.fitting.ChoiceLog.from_dataframe(_game_frame(choice=[0, 1, 2, 1, 0]), choice_base=0)
    with pytest.raises(ValueError, match="2 actions"):
        kd.metrics.horizon_exploration(three)
    with pytest.raises(ValueError, match="horizons"):
        kd.metrics.horizon_exploration(log, horizons=(6, 1))


def test_too_few_games_is_reported_not_silent():
    r = kd.metrics.horizon_exploration(kd.fitting.ChoiceLog.from_dataframe(_game_frame()))
    assert not r.converged and np.isnan(r.directed) and np.isnan(r.random)
    assert "observation(s)" in r.message and "no games" in r.message
