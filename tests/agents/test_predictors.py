import jax
import jax.numpy as jnp
import numpy as np
import pytest

import kdgap_sim as kd
from kdgap_sim.types import Feedback

FB = Feedback(reward=jnp.float32(1.0), outcomes=jnp.array([1.0, 0.0, 1.0]))


def _rw_update(predictor, params, q, action, forced=False, outcomes=FB.outcomes):
    state = kd.agents.ValueState(q=jnp.asarray(q, jnp.float32))
    fb = Feedback(reward=outcomes[action], outcomes=outcomes)
    return predictor.update(state, 0, jnp.int32(action), fb, jnp.bool_(forced), params).q


def test_rw_partial_feedback_updates_only_the_chosen_action():
    rw = kd.agents.RescorlaWagner(asymmetric=True, feedback="partial")
    p = rw.default_params().replace(alpha_pos=0.5, alpha_neg=0.1)
    q = _rw_update(rw, p, [0.2, 0.4, 0.6], action=0)
    np.testing.assert_allclose(q, [0.2 + 0.5 * 0.8, 0.4, 0.6], rtol=1e-6)
    q = _rw_update(rw, p, [0.2, 0.4, 0.6], action=1)  # outcome 0: negative error
    np.testing.assert_allclose(q, [0.2, 0.4 - 0.1 * 0.4, 0.6], rtol=1e-6)


def test_rw_full_feedback_uses_unchosen_rates_by_sign():
    rw = kd.agents.RescorlaWagner(asymmetric=True, feedback="full")
    p = rw.default_params().replace(
        alpha_pos=0.5, alpha_neg=0.1, alpha_unchosen_pos=0.2, alpha_unchosen_neg=0.7
    )
    q = _rw_update(rw, p, [0.2, 0.4, 0.6], action=0)
    # chosen 0: +0.8 * 0.5; unchosen 1: error -0.4 * 0.7; unchosen 2: error +0.4 * 0.2
    np.testing.assert_allclose(q, [0.6, 0.4 - 0.28, 0.6 + 0.08], rtol=1e-6)


def test_rw_confirmation_model_ties_rates():
    rw = kd.agents.RescorlaWagner(feedback="full", confirmation=True)
    p = rw.default_params().replace(alpha_pos=0.5, alpha_neg=0.1)
    q = _rw_update(rw, p, [0.2, 0.4, 0.6], action=0)
    # chosen +: alpha_pos; unchosen -: alpha_pos; unchosen +: alpha_neg
    np.testing.assert_allclose(q, [0.6, 0.4 - 0.5 * 0.4, 0.6 + 0.1 * 0.4], rtol=1e-6)
    assert set(rw.used_params) == {"alpha_pos", "alpha_neg", "alpha_forced", "q0"}


def test_rw_symmetric_ignores_negative_rates():
    rw = kd.agents.RescorlaWagner(asymmetric=False)
    p = rw.default_params().replace(alpha_pos=0.5, alpha_neg=0.0)
    q = _rw_update(rw, p, [0.2, 0.4, 0.6], action=1)
    np.testing.assert_allclose(q, [0.2, 0.2, 0.6], rtol=1e-6)
    assert "alpha_neg" not in rw.used_params


def test_rw_forced_trials_use_the_symmetric_forced_rate():
    rw = kd.agents.RescorlaWagner(asymmetric=True, feedback="full")
    p = rw.default_params().replace(alpha_pos=0.9, alpha_neg=0.0, alpha_forced=0.25)
    q = _rw_update(rw, p, [0.2, 0.4, 0.6], action=0, forced=True)
    np.testing.assert_allclose(q, [0.4, 0.3, 0.7], rtol=1e-6)


def test_rw_long_run_mean_matches_v_star():
    """theory/THEORY.md section 3: stationary mean of Q is V* = a+ p / (a+ p + a- (1 - p)).

    4000 independent agents on a one-armed Bernoulli bandit; Q is read after 300
    trials (the transient decays like (1 - 0.1)^300 < 1e-13). Tolerance: 4
    standard errors of the mean over agents.
    """
    env = kd.envs.BernoulliBandit(n_arms=1)
    agent = kd.agents.Agent(kd.agents.RescorlaWagner(asymmetric=True), kd.agents.Greedy())
    for p, a_pos, a_neg in [(0.25, 0.3, 0.1), (0.75, 0.3, 0.1), (0.25, 0.1, 0.3), (0.5, 0.2, 0.2)]:
        params = agent.default_params().replace(alpha_pos=a_pos, alpha_neg=a_neg)
        env_params = env.default_params().replace(probs=jnp.array([p]))
        out = kd.rollout_batch(
            jax.random.key(7), env, env_params, agent, params, 300, 4000, record="trajectory"
        )
        q = np.asarray(out.beliefs[:, -1, 0], np.float64)
        v_star = a_pos * p / (a_pos * p + a_neg * (1 - p))
        se = q.std(ddof=1) / np.sqrt(q.size)
        assert abs(q.mean() - v_star) < 4 * se, (p, a_pos, a_neg, q.mean(), v_star, se)


def test_ucb_index_by_hand():
    ucb = kd.agents.UCB()
    p = ucb.default_params()
    state = kd.agents.CountState(
        counts=jnp.array([2.0, 1.0, 0.0]), sums=jnp.array([1.0, 1.0, 0.0]), t=jnp.float32(3.0)
    )
    index = ucb.index(state, p)
    np.testing.assert_allclose(index[:2], [0.5 + np.sqrt(2 * np.log(3) / 2), 1 + np.sqrt(2 * np.log(3))], rtol=1e-6)
    assert np.isinf(index[2])
    rationale = ucb.recommend(jax.random.key(0), state, 0, p)
    assert int(rationale.action) == 2  # untried first
    assert float(rationale.confidence) == 0.5  # q0 of the untried action


def test_beta_bernoulli_posterior_mean():
    bb = kd.agents.BetaBernoulli()
    state = kd.agents.CountState(
        counts=jnp.array([4.0, 2.0]), sums=jnp.array([3.0, 0.0]), t=jnp.float32(6.0)
    )
    np.testing.assert_allclose(bb.beliefs(state, 0, bb.default_params()), [4 / 6, 1 / 4], rtol=1e-6)
    assert int(bb.recommend(jax.random.key(0), state, 0, bb.default_params()).action) == 0


def test_thompson_recommends_by_posterior_probability_of_being_best():
    """With Beta(1,1) priors and no data, each of 2 arms is recommended w.p. 1/2."""
    th = kd.agents.Thompson()
    state = th.init(2, th.default_params())
    keys = jax.random.split(jax.random.key(0), 4000)
    actions = jax.vmap(lambda k: th.recommend(k, state, 0, th.default_params()).action)(keys)
    # Binomial s.e. = sqrt(.25 / 4000) = 0.0079; 4 s.e.
    assert abs(float(jnp.mean(actions)) - 0.5) < 4 * 0.0079


def test_noisy_rationale_error_rate_and_correct_flag():
    nr = kd.agents.NoisyRationale(kd.agents.FixedPredictor(n_actions=4))
    params = nr.default_params().replace(values=jnp.array([0.0, 1.0, 0.0, 0.0]), rationale_error=0.3)
    state = nr.init(4, params)
    keys = jax.random.split(jax.random.key(2), 5000)
    rats = jax.vmap(lambda k: nr.recommend(k, state, 0, params))(keys)
    wrong = np.asarray(rats.action != 1)
    assert np.array_equal(wrong, ~np.asarray(rats.correct))
    se = np.sqrt(0.3 * 0.7 / wrong.size)
    assert abs(wrong.mean() - 0.3) < 4 * se


def test_fixed_predictor_checks_n_actions():
    fp = kd.agents.FixedPredictor(n_actions=3)
    with pytest.raises(ValueError, match="n_actions=3"):
        fp.check_n_actions(5)


def test_bad_predictor_options():
    with pytest.raises(ValueError, match="feedback"):
        kd.agents.RescorlaWagner(feedback="some")
    with pytest.raises(ValueError, match="feedback"):
        kd.agents.UCB(feedback="none")
    with pytest.raises(TypeError, match="asymmetric must be True or False, got 'false'"):
        kd.agents.RescorlaWagner(asymmetric="false")
    with pytest.raises(TypeError, match="confirmation must be True or False"):
        kd.agents.RescorlaWagner(confirmation=0)
    with pytest.raises(TypeError, match="base must be a Predictor"):
        kd.agents.NoisyRationale(base=5)


def test_beta_predictors_refuse_rewards_outside_the_unit_interval():
    """Gaussian rewards or costs would drive the Beta counts negative and the draws NaN; the
    rollout refuses them before compiling. Rescorla-Wagner and UCB take any rewards."""
    gaussian = kd.envs.make("gaussian-bandit", n_arms=3)
    costs = kd.envs.make("protect-or-not")
    for predictor in (kd.agents.Thompson(), kd.agents.BetaBernoulli(),
                      kd.agents.NoisyRationale(base=kd.agents.Thompson())):
        agent = kd.agents.Agent(predictor, kd.agents.Greedy())
        with pytest.raises(ValueError, match=r"needs rewards in \[0, 1\].*GaussianBandit.*\[-inf, inf\]"):
            kd.rollout(jax.random.key(0), gaussian, gaussian.default_params(), agent, agent.default_params(), 3)
        with pytest.raises(ValueError, match=r"EventDecision's rewards lie in \[-100, 0\]"):
            agent.check_env(costs, costs.default_params())
    bernoulli = kd.envs.make("bernoulli-bandit", n_arms=3)
    thompson = kd.agents.Agent(kd.agents.Thompson(), kd.agents.Greedy())
    thompson.check_env(bernoulli, bernoulli.default_params())
    thompson.check_env(kd.envs.make("reversal-bandit"))
    for predictor in (kd.agents.UCB(), kd.agents.RescorlaWagner()):
        kd.agents.Agent(predictor, kd.agents.Greedy()).check_env(gaussian, gaussian.default_params())


def test_ucb_beliefs_from_index():
    """beliefs_from="index": beliefs are mean + bonus (finite for untried arms), for the horizon task."""
    ucb = kd.agents.UCB(beliefs_from="index")
    params = ucb.default_params().replace(exploration=2.0, q0=0.0)
    state = kd.agents.CountState(counts=jnp.array([1.0, 3.0, 0.0]), sums=jnp.array([5.0, 3.0, 0.0]),
                                 t=jnp.float32(4.0))
    beliefs = ucb.beliefs(state, 0, params)
    index = ucb.index(state, params)
    assert jnp.allclose(beliefs[:2], index[:2])
    assert jnp.isfinite(beliefs[2]) and jnp.isinf(index[2])
    assert jnp.allclose(kd.agents.UCB().beliefs(state, 0, params), jnp.array([5.0, 1.0, 0.0]))
    with pytest.raises(ValueError, match="beliefs_from"):
        kd.agents.UCB(beliefs_from="bonus")
