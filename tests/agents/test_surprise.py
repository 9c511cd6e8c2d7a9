"""Tests of the surprise-temperature token policy and its generations."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import kdgap_sim as kd
from kdgap_sim.agents.surprise import entropy_of

V = 16  # same policy and run sizes as tests/metrics/test_entropy.py: compiled once
POLICY = kd.agents.SurpriseTemperaturePolicy(vocab_size=V)
BASE = POLICY.default_params(jax.random.key(0))


def test_temperature_follows_surprise_and_is_clipped():
    params = BASE.replace(temperature=0.8, surprise_gain=0.5, surprise_ref=2.0)
    assert float(POLICY.temperature(jnp.float32(2.0), params)) == pytest.approx(0.8)
    assert float(POLICY.temperature(jnp.float32(3.0), params)) == pytest.approx(0.8 * np.exp(0.5), rel=1e-5)
    assert float(POLICY.temperature(jnp.float32(-100.0), params)) == pytest.approx(POLICY.min_temperature)
    assert float(POLICY.temperature(jnp.float32(100.0), params)) == pytest.approx(POLICY.max_temperature)
    assert float(POLICY.temperature(jnp.float32(9.0), BASE)) == pytest.approx(1.0)  # beta = 0


def test_observe_computes_surprise_under_own_prediction_and_smooths_it():
    params = BASE.replace(surprise_gain=1.0, surprise_rate=0.25)
    state = POLICY.init(params, 3)
    np.testing.assert_allclose(state.log_probs, jax.nn.log_softmax(BASE.logits[3]), rtol=1e-5)
    new, surprise = POLICY.observe(state, 5, params)
    assert float(surprise) == pytest.approx(-float(state.log_probs[5]), rel=1e-6)
    expected_bar = 0.75 * float(params.surprise_ref) + 0.25 * float(surprise)
    assert float(new.surprise) == pytest.approx(expected_bar, rel=1e-5)
    t = float(new.temperature)
    assert t == pytest.approx(np.exp(expected_bar - float(params.surprise_ref)), rel=1e-5)
    np.testing.assert_allclose(new.log_probs, jax.nn.log_softmax(BASE.logits[5] / t), rtol=1e-4, atol=1e-5)


def test_fixed_temperature_entropy_equals_stationary_chain_entropy():
    # beta = 0, T = 1: tokens are a Markov chain with transition P = softmax(logits);
    # the mean next-token entropy is sum_x pi(x) H(P[x]) with pi stationary.
    out = kd.agents.generate_tokens(jax.random.key(1), POLICY, BASE, 300, 200, burn_in=50)
    per_rollout = np.asarray(out.entropy_sum) / np.asarray(out.n_steps)
    P = np.asarray(jax.nn.softmax(BASE.logits, axis=-1), np.float64)
    vals, vecs = np.linalg.eig(P.T)
    pi = np.real(vecs[:, np.argmin(np.abs(vals - 1))])
    pi /= pi.sum()
    expected = float(pi @ np.asarray(entropy_of(jnp.log(jnp.asarray(P)))))
    se = per_rollout.std(ddof=1) / np.sqrt(per_rollout.size)  # rollouts are independent
    assert abs(per_rollout.mean() - expected) <= 4 * se, (per_rollout.mean(), expected, se)


def test_on_policy_cooling_lowers_temperature_below_off_policy():
    params = BASE.replace(surprise_gain=0.8)
    on = kd.agents.generate_tokens(jax.random.key(2), POLICY, params, 300, 200, burn_in=50)
    off = kd.agents.generate_tokens(jax.random.key(2), POLICY, params, 300, 200, burn_in=50,
                                    source_params=BASE)
    t_on = np.asarray(on.temperature_sum / on.n_steps)
    t_off = np.asarray(off.temperature_sum / off.n_steps)
    assert t_on.mean() + 4 * t_on.std() / np.sqrt(200) < t_off.mean() - 4 * t_off.std() / np.sqrt(200)


def test_summary_equals_trajectory_and_burn_in_is_excluded():
    params = BASE.replace(surprise_gain=0.5)
    args = (jax.random.key(3), POLICY, params, 20, 3)
    summary = kd.agents.generate_tokens(*args, burn_in=5)
    traj = kd.agents.generate_tokens(*args, burn_in=5, record="trajectory")
    assert traj.entropy.shape == (3, 25)
    np.testing.assert_allclose(summary.entropy_sum, np.asarray(traj.entropy)[:, 5:].sum(1), rtol=1e-5)
    np.testing.assert_allclose(summary.surprise_sum, np.asarray(traj.surprise)[:, 5:].sum(1), rtol=1e-5)
    assert summary.n_steps.tolist() == [20, 20, 20]


def test_validation():
    with pytest.raises(ValueError, match="logits"):
        POLICY.validate_params(BASE.replace(logits=jnp.zeros((3, 3))))
    with pytest.raises(ValueError, match="temperature"):
        POLICY.validate_params(BASE.replace(temperature=0.0))
    with pytest.raises(ValueError, match="min_temperature"):
        kd.agents.SurpriseTemperaturePolicy(vocab_size=4, min_temperature=2.0, max_temperature=1.0)
    with pytest.raises(TypeError, match="source_params"):
        kd.agents.generate_tokens(jax.random.key(0), POLICY, BASE, 10, 2, source_params={"a": 1})
