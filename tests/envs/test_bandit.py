import jax
import jax.numpy as jnp
import numpy as np
import pytest

import kdgap_sim as kd


def _outcome_means(env, params, n=20000):
    _, state = env.reset(jax.random.key(0), params)
    keys = jax.random.split(jax.random.key(1), n)
    step = jax.vmap(lambda k: env.step(k, state, jnp.int32(0), params)[2].outcomes)
    return np.asarray(step(keys))


def test_bernoulli_outcomes_have_the_right_means():
    env = kd.envs.BernoulliBandit(n_arms=3)
    params = env.default_params().replace(probs=jnp.array([0.1, 0.5, 0.9]))
    outcomes = _outcome_means(env, params)
    assert set(np.unique(outcomes)) <= {0.0, 1.0}
    # Binomial standard error sqrt(p(1-p)/n) <= 0.0036 for n = 20000; allow 4 s.e.
    se = np.sqrt(np.array([0.09, 0.25, 0.09]) / outcomes.shape[0])
    assert np.all(np.abs(outcomes.mean(0) - np.array([0.1, 0.5, 0.9])) < 4 * se)


def test_gaussian_outcomes_have_the_right_mean_and_noise():
    env = kd.envs.GaussianBandit(n_arms=2)
    params = env.default_params().replace(means=jnp.array([0.0, 3.0]), noise=2.0)
    outcomes = _outcome_means(env, params)
    n = outcomes.shape[0]
    # Mean: s.e. = sigma / sqrt(n); sd: s.e. ~ sigma / sqrt(2n); 4 s.e. each.
    assert np.all(np.abs(outcomes.mean(0) - np.array([0.0, 3.0])) < 4 * 2.0 / np.sqrt(n))
    assert np.all(np.abs(outcomes.std(0) - 2.0) < 4 * 2.0 / np.sqrt(2 * n))


def test_reward_is_the_chosen_outcome_and_state_is_stationary():
    env = kd.envs.BernoulliBandit(n_arms=4)
    params = env.default_params()
    _, state = env.reset(jax.random.key(0), params)
    _, new_state, fb = env.step(jax.random.key(3), state, jnp.int32(2), params)
    assert float(fb.reward) == float(fb.outcomes[2])
    assert jnp.array_equal(new_state.means, state.means)
    assert int(env.optimal_action(state, params)) == 3


def test_drift_moves_means_and_stays_in_unit_interval():
    env = kd.envs.BernoulliBandit(n_arms=3, drift=True)
    params = env.default_params().replace(drift_scale=0.5)
    _, state = env.reset(jax.random.key(0), params)
    for i in range(5):
        _, state, _ = env.step(jax.random.key(i), state, jnp.int32(0), params)
    assert not jnp.array_equal(state.means, params.probs)
    assert bool(jnp.all((state.means >= 0) & (state.means <= 1)))


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"probs": jnp.array([0.1, 1.2, 0.3])}, r"env_params\.probs.*probability"),
        ({"probs": jnp.array([0.1, 0.2])}, r"env_params\.probs must have shape \(3,\)"),
        ({"probs": jnp.array([0.1, jnp.nan, 0.3])}, "NaN"),
        ({"drift_scale": -1.0}, r"drift_scale"),
    ],
)
def test_bad_params_are_rejected(change, match):
    env = kd.envs.BernoulliBandit(n_arms=3)
    with pytest.raises(ValueError, match=match):
        env.validate_params(env.default_params().replace(**change))


def test_bad_n_arms():
    with pytest.raises(ValueError, match="n_arms"):
        kd.envs.BernoulliBandit(n_arms=0)
    with pytest.raises(TypeError, match="n_arms"):
        kd.envs.GaussianBandit(n_arms=2.5)
    # A string is not a switch: "no" would be truthy and turn drift on.
    with pytest.raises(TypeError, match="drift must be True or False, got 'no'"):
        kd.envs.BernoulliBandit(drift="no")
    with pytest.raises(TypeError, match="drift must be True or False"):
        kd.envs.make("gaussian-bandit", drift=1)


def test_wrong_params_type():
    env = kd.envs.BernoulliBandit(n_arms=3)
    with pytest.raises(TypeError, match="BernoulliBanditParams"):
        env.validate_params(kd.envs.GaussianBandit(n_arms=3).default_params())
