"""Choice models: the log-likelihood of short logs equals a hand computation."""

import math

import jax.numpy as jnp
import numpy as np
import pytest

from kdgap_sim.fitting import ChoiceLog, make_model, subject_log_lik

CHOICE = [0, 1, 1, 0, 1]
REWARD = [1.0, 0.0, 1.0, 1.0, 0.0]
OUTCOMES = [[1.0, 1.0], [0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 0.0]]


def _softmax(x):
    e = np.exp(np.asarray(x, float) - np.max(x))
    return e / e.sum()


def _model_log_lik(name, values, log, **options):
    model = make_model(name, **options).for_log(log)
    ll = subject_log_lik(model, jnp.asarray([values], jnp.float32), log.arrays(),
                         log.n_contexts if model.per_context else 1)
    return float(ll[0]), model


def _log(**extra):
    return ChoiceLog.from_arrays([CHOICE], [REWARD], n_actions=2, **extra)


def test_rw_one_rate_by_hand():
    alpha, beta, q = 0.3, 2.0, np.array([0.5, 0.5])
    expected = 0.0
    for c, r in zip(CHOICE, REWARD):
        expected += math.log(_softmax(beta * q)[c])
        q[c] += alpha * (r - q[c])
    got, model = _model_log_lik("rw", [alpha, beta], _log())
    assert model.param_names == ("alpha_pos", "beta")
    assert got == pytest.approx(expected, rel=1e-5)


def test_asymmetric_rw_by_hand():
    a_pos, a_neg, beta, q = 0.6, 0.1, 3.0, np.array([0.5, 0.5])
    expected = 0.0
    for c, r in zip(CHOICE, REWARD):
        expected += math.log(_softmax(beta * q)[c])
        delta = r - q[c]
        q[c] += (a_pos if delta > 0 else a_neg) * delta
    got, _ = _model_log_lik("asymmetric-rw", [a_pos, a_neg, beta], _log())
    assert got == pytest.approx(expected, rel=1e-5)


def test_four_rate_full_feedback_by_hand():
    cp, cn, up, un, beta = 0.5, 0.2, 0.1, 0.4, 4.0
    q = np.array([0.5, 0.5])
    expected = 0.0
    for c, o in zip(CHOICE, OUTCOMES):
        expected += math.log(_softmax(beta * q)[c])
        for a in range(2):
            delta = o[a] - q[a]
            if a == c:
                rate = cp if delta > 0 else cn
            else:
                rate = up if delta > 0 else un
            q[a] += rate * delta
    log = _log(outcomes=[OUTCOMES])
    got, _ = _model_log_lik("full-feedback-rw", [cp, cn, up, un, beta], log)
    assert got == pytest.approx(expected, rel=1e-5)


def test_confirmation_model_by_hand():
    conf, disc, beta = 0.5, 0.1, 4.0
    q = np.array([0.5, 0.5])
    expected = 0.0
    for c, o in zip(CHOICE, OUTCOMES):
        expected += math.log(_softmax(beta * q)[c])
        for a in range(2):
            delta = o[a] - q[a]
            confirms = (delta > 0) == (a == c)
            q[a] += (conf if confirms else disc) * delta
    got, _ = _model_log_lik("confirmation-rw", [conf, disc, beta], _log(outcomes=[OUTCOMES]))
    assert got == pytest.approx(expected, rel=1e-5)


def test_perseveration_one_back_by_hand():
    alpha, beta, kappa = 0.3, 2.0, 1.5
    q, last, expected = np.array([0.5, 0.5]), None, 0.0
    for c, r in zip(CHOICE, REWARD):
        bonus = np.array([kappa * math.log(2.0) if a == last else 0.0 for a in range(2)])
        expected += math.log(_softmax(beta * q + bonus)[c])
        q[c] += alpha * (r - q[c])
        last = c
    got, _ = _model_log_lik("perseveration-rw", [alpha, beta, kappa], _log())
    assert got == pytest.approx(expected, rel=1e-5)


def test_knowing_doing_mixture_by_hand_with_missing_rationales():
    rationale = [1, 1, -1, 0, 0]
    alpha, beta, rho = 0.3, 2.0, 0.7
    q, expected = np.array([0.5, 0.5]), 0.0
    for c, r, rat in zip(CHOICE, REWARD, rationale):
        soft = _softmax(beta * q)[c]
        p = soft if rat < 0 else rho * (c == rat) + (1 - rho) * soft
        expected += math.log(p)
        q[c] += alpha * (r - q[c])
    got, model = _model_log_lik("knowing-doing", [alpha, beta, rho], _log(rationale=[rationale]))
    assert model.param_names == ("alpha_pos", "beta", "follow_prob")
    assert got == pytest.approx(expected, rel=1e-5)


def test_forced_trials_update_with_alpha_forced_and_score_nothing():
    forced = [False, True, False, True, False]
    alpha, beta, a_forced = 0.3, 2.0, 0.9
    q, expected = np.array([0.5, 0.5]), 0.0
    for c, r, f in zip(CHOICE, REWARD, forced):
        if not f:
            expected += math.log(_softmax(beta * q)[c])
        q[c] += (a_forced if f else alpha) * (r - q[c])
    got, model = _model_log_lik("rw", [alpha, beta, a_forced], _log(forced=[forced]))
    assert model.param_names == ("alpha_pos", "beta", "alpha_forced")
    assert got == pytest.approx(expected, rel=1e-5)


def test_forced_by_sign_rates_by_hand_partial_and_full_feedback():
    forced = [False, True, True, False, True]
    a_pos, a_neg, beta, f_pos, f_neg = 0.6, 0.1, 3.0, 0.8, 0.05
    q, expected = np.array([0.5, 0.5]), 0.0
    for c, r, f in zip(CHOICE, REWARD, forced):
        if not f:
            expected += math.log(_softmax(beta * q)[c])
        delta = r - q[c]
        q[c] += ((f_pos if delta > 0 else f_neg) if f else (a_pos if delta > 0 else a_neg)) * delta
    got, model = _model_log_lik("asymmetric-rw", [a_pos, a_neg, beta, f_pos, f_neg],
                                _log(forced=[forced]), forced_by_sign=True)
    assert model.param_names == ("alpha_pos", "alpha_neg", "beta", "alpha_forced_pos", "alpha_forced_neg")
    assert got == pytest.approx(expected, rel=1e-5)

    cp, cn, up, un = 0.5, 0.2, 0.1, 0.4
    q, expected = np.array([0.5, 0.5]), 0.0
    for c, o, f in zip(CHOICE, OUTCOMES, forced):
        if not f:
            expected += math.log(_softmax(beta * q)[c])
        for a in range(2):
            delta = o[a] - q[a]
            if f:  # forced: the same two rates for the chosen and the unchosen action
                rate = f_pos if delta > 0 else f_neg
            elif a == c:
                rate = cp if delta > 0 else cn
            else:
                rate = up if delta > 0 else un
            q[a] += rate * delta
    got, _ = _model_log_lik("full-feedback-rw", [cp, cn, up, un, beta, f_pos, f_neg],
                            _log(outcomes=[OUTCOMES], forced=[forced]), forced_by_sign=True)
    assert got == pytest.approx(expected, rel=1e-5)


def test_forced_by_sign_with_equal_rates_matches_alpha_forced():
    log = _log(forced=[[False, True, False, True, True]])
    one, _ = _model_log_lik("asymmetric-rw", [0.6, 0.1, 3.0, 0.35], log)
    two, _ = _model_log_lik("asymmetric-rw", [0.6, 0.1, 3.0, 0.35, 0.35], log, forced_by_sign=True)
    assert two == pytest.approx(one, rel=1e-6)
    plain, model = _model_log_lik("asymmetric-rw", [0.6, 0.1, 3.0], _log(), forced_by_sign=True)
    assert model.param_names == ("alpha_pos", "alpha_neg", "beta")  # no forced trials: no extra rates


def test_forced_by_sign_needs_an_asymmetric_learner():
    log = _log(forced=[[False, True, False, False, False]])
    for name in ("rw", "confirmation-rw"):
        with pytest.raises(ValueError, match="forced_by_sign needs RescorlaWagner"):
            make_model(name, forced_by_sign=True).for_log(
                _log(forced=[[False, True, False, False, False]], outcomes=[OUTCOMES]))
    assert make_model("asymmetric-rw", forced_by_sign=True).for_log(log).for_log(log).param_names[-1] == \
        "alpha_forced_neg"


def test_contexts_keep_separate_values():
    df = _log().to_dataframe()
    df["context"] = ["x", "y", "x", "y", "x"]
    log = ChoiceLog.from_dataframe(df)
    alpha, beta = 0.4, 3.0
    q = {"x": np.array([0.5, 0.5]), "y": np.array([0.5, 0.5])}
    expected = 0.0
    for c, r, ctx in zip(CHOICE, REWARD, df["context"]):
        expected += math.log(_softmax(beta * q[ctx])[c])
        q[ctx][c] += alpha * (r - q[ctx][c])
    got, _ = _model_log_lik("rw", [alpha, beta], log)
    assert got == pytest.approx(expected, rel=1e-5)


def test_padding_does_not_change_a_subjects_likelihood():
    short = ChoiceLog.from_arrays([CHOICE[:3]], [REWARD[:3]], n_actions=2)
    padded = ChoiceLog.from_arrays([CHOICE, CHOICE], [REWARD, REWARD], n_actions=2, n_trials=[3, 5])
    model = make_model("asymmetric-rw")
    values = jnp.asarray([[0.5, 0.2, 3.0], [0.5, 0.2, 3.0]])
    ll_short = subject_log_lik(model, values[:1], short.arrays())
    ll_padded = subject_log_lik(model, values, padded.arrays())
    assert float(ll_padded[0]) == pytest.approx(float(ll_short[0]), rel=1e-6)


def test_models_refuse_logs_they_cannot_fit():
    with pytest.raises(ValueError, match="needs full feedback"):
        make_model("full-feedback-rw").for_log(_log())
    with pytest.raises(ValueError, match="needs a 'rationale' column"):
        make_model("knowing-doing").for_log(_log())


def test_prior_and_param_spec_validate_their_fields():
    from kdgap_sim.fitting import ParamSpec, Prior

    with pytest.raises(ValueError, match="mu_scale must be a positive number, got -1"):
        Prior(mu_scale=-1.0)
    with pytest.raises(ValueError, match="sigma_scale contains NaN"):
        Prior(sigma_scale=float("nan"))
    with pytest.raises(ValueError, match=r"ParamSpec 'x' needs low < high, got \(1.0, 0.0\)"):
        ParamSpec("x", 1.0, 0.0, ())
    with pytest.raises(ValueError, match="ParamSpec 'x' high must be finite"):
        ParamSpec("x", 0.0, math.inf, ())
    with pytest.raises(TypeError, match="ParamSpec 'x' targets must be a tuple"):
        ParamSpec("x", 0.0, 1.0, "beta")
    assert ParamSpec("x", 0.0, 1.0, ("beta",)).high == 1.0
