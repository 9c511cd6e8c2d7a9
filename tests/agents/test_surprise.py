"""Tests of the surprise-temperature token policy, as a Predictor and stepped by hand, and its generations."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import kdgap_sim as kd
from kdgap_sim.agents.surprise import entropy_of
from kdgap_sim.metrics.generation import GenerationAccumulator

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
    state = POLICY.start(params, 3)
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
    out = kd.metrics.generate_tokens(jax.random.key(1), POLICY, BASE, 300, 200, burn_in=50)
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
    on = kd.metrics.generate_tokens(jax.random.key(2), POLICY, params, 300, 200, burn_in=50)
    off = kd.metrics.generate_tokens(jax.random.key(2), POLICY, params, 300, 200, burn_in=50,
                                    source_params=BASE)
    t_on = np.asarray(on.temperature_sum / on.n_steps)
    t_off = np.asarray(off.temperature_sum / off.n_steps)
    assert t_on.mean() + 4 * t_on.std() / np.sqrt(200) < t_off.mean() - 4 * t_off.std() / np.sqrt(200)


def test_summary_equals_trajectory_and_burn_in_is_excluded():
    params = BASE.replace(surprise_gain=0.5)
    args = (jax.random.key(3), POLICY, params, 20, 3)
    summary = kd.metrics.generate_tokens(*args, burn_in=5)
    traj = kd.metrics.generate_tokens(*args, burn_in=5, record="trajectory")
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
        kd.metrics.generate_tokens(jax.random.key(0), POLICY, BASE, 10, 2, source_params={"a": 1})


def test_rollout_of_the_predictor_equals_the_policy_stepped_by_hand():
    # The one trial loop (kd.rollout on a TokenStream) and start/observe by hand, fed the
    # tokens the rollout wrote, must give the same entropies, surprises and temperatures.
    params = BASE.replace(surprise_gain=0.7, surprise_rate=0.5, temperature=1.3)
    agent, agent_params = POLICY.agent(params)
    env = kd.envs.TokenStream(vocab_size=V)
    traj = kd.rollout(jax.random.key(7), env, env.default_params(), agent, agent_params, n_steps=40,
                      record="trajectory", accumulator=GenerationAccumulator())
    first, _ = env.reset(jax.random.split(jax.random.key(7))[0], env.default_params())
    state = POLICY.start(params, first)
    for t, token in enumerate(np.asarray(traj.token)):
        assert float(traj.entropy[t]) == pytest.approx(float(entropy_of(state.log_probs)), rel=1e-4, abs=1e-5)
        assert float(traj.temperature[t]) == pytest.approx(float(state.temperature), rel=1e-5)
        state, surprise = POLICY.observe(state, int(token), params)
        assert float(traj.surprise[t]) == pytest.approx(float(surprise), rel=1e-4, abs=1e-5)


def test_off_policy_generation_reads_the_source_text_and_starts_from_its_first_token():
    source = BASE.replace(temperature=2.0)
    tokens = kd.metrics.source_tokens(jax.random.key(4), POLICY, source, 30, 3)
    off = kd.metrics.generate_tokens(jax.random.key(4), POLICY, BASE, 30, 3, source_params=source,
                                     record="trajectory")
    np.testing.assert_array_equal(off.token, tokens)  # the agent wrote nothing of its own
    on = kd.metrics.generate_tokens(jax.random.key(4), POLICY, source, 30, 3, record="trajectory")
    np.testing.assert_array_equal(on.token, tokens)  # the source's text is its own on-policy generation


def test_predictor_contract_and_deprecated_names():
    assert isinstance(POLICY, kd.agents.Predictor)
    with pytest.raises(ValueError, match="vocab_size"):
        kd.agents.Agent(POLICY, kd.agents.Softmax()).check_n_actions(V + 1)
    with pytest.warns(DeprecationWarning, match="start"):
        old = POLICY.init(BASE, 3)
    assert int(old.token) == 3
    fresh = POLICY.init(V, BASE)
    assert int(fresh.token) == -1 and float(fresh.temperature) == pytest.approx(1.0)
    with pytest.warns(DeprecationWarning, match="kdgap_sim.metrics.generation.generate_tokens"):
        assert kd.agents.generate_tokens is kd.metrics.generate_tokens
    with pytest.warns(DeprecationWarning, match="GenerationSummary"):
        from kdgap_sim.agents.surprise import GenerationSummary
    assert GenerationSummary is kd.metrics.GenerationSummary
    np.testing.assert_array_equal(POLICY.default_params().logits, np.zeros((V, V)))  # no key: uniform bigram
