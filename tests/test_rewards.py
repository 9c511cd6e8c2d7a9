"""Tests of kdgap_sim.rewards: binary, RLCR and log-score rewards and their expectations."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from kdgap_sim import rewards


def test_values_by_hand():
    assert float(rewards.binary_reward(True)) == 1.0
    assert float(rewards.binary_reward(0)) == 0.0
    np.testing.assert_allclose(rewards.rlcr_reward([1, 0], [0.8, 0.8]), [1 - 0.04, -0.64], rtol=1e-6)
    np.testing.assert_allclose(rewards.log_score_reward([1, 0], [0.8, 0.8]),
                               [1 + np.log(0.8), np.log(0.2)], rtol=1e-6)
    # q = 0 on a correct answer is clipped, not -inf.
    assert np.isfinite(float(rewards.log_score_reward(1, 0.0)))


def test_expected_reward_matches_average_of_sampled_reward():
    p, q, n = 0.3, 0.6, 200_000
    correct = jax.random.uniform(jax.random.key(0), (n,)) < p
    sampled = np.asarray(rewards.rlcr_reward(correct, jnp.full((n,), q)), np.float64)
    # R takes two values; 4 standard errors of its mean.
    assert abs(sampled.mean() - float(rewards.expected_rlcr_reward(p, q))) < 4 * sampled.std() / np.sqrt(n)


@pytest.mark.parametrize("p", [0.05, 0.3, 0.5, 0.77, 0.95])
def test_rlcr_optimum_is_p_with_value_p_squared(p):
    q = jnp.linspace(0, 1, 1001)  # step 1e-3: (q - p)^2 differences stay far above float32 rounding
    expected = np.asarray(rewards.expected_rlcr_reward(p, q))
    assert abs(float(q[np.argmax(expected)]) - p) <= 1e-3 + 1e-6
    assert abs(expected.max() - p * p) < 1e-6
    # Gradient in q is 2 (p - q): zero exactly at q = p.
    grad = jax.grad(lambda qq: rewards.expected_rlcr_reward(p, qq))
    assert abs(float(grad(jnp.float32(p)))) < 1e-5
    assert float(grad(jnp.float32(0.0))) == pytest.approx(2 * p, rel=1e-5)


def test_log_score_optimum_is_p_minus_entropy_and_not_monotone():
    for p in (0.01, 0.2, 0.6):
        entropy = -(p * np.log(p) + (1 - p) * np.log(1 - p))
        assert float(rewards.expected_log_score_reward(p, p)) == pytest.approx(p - entropy, abs=1e-5)
    assert float(rewards.expected_log_score_reward(0.01, 0.01)) == pytest.approx(-0.046, abs=5e-4)
    assert float(rewards.expected_log_score_reward(0.2, 0.2)) == pytest.approx(-0.300, abs=5e-4)


def test_binary_reward_gives_confidence_no_gradient():
    grad = jax.grad(lambda q: rewards.answer_reward("binary", 1, q))(0.3)
    assert float(grad) == 0.0
    assert float(jax.grad(lambda q: rewards.answer_reward("rlcr", 1, q))(0.3)) == pytest.approx(1.4)


def test_validation():
    with pytest.raises(ValueError, match="confidence"):
        rewards.rlcr_reward(1, 1.5)
    with pytest.raises(ValueError, match="correct"):
        rewards.rlcr_reward(2, 0.5)
    with pytest.raises(ValueError, match="kind"):
        rewards.answer_reward("brier", 1, 0.5)
    with pytest.raises(TypeError, match="confidence"):
        rewards.log_score_reward(1, "high")
