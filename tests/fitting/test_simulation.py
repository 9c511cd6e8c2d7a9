"""Simulated logs: each model's simulation carries what its fit needs; values are validated."""

import jax
import jax.numpy as jnp
import pytest

from kdgap_sim.fitting import Population, make_model, population_at, sample_population, simulate_log


def test_simulated_logs_carry_what_each_model_needs():
    kd_log = simulate_log(jax.random.key(0), "knowing-doing", jnp.array([[0.3, 5.0, 0.6]]), 30)
    assert kd_log.has_rationale and not kd_log.has_full_feedback
    ff_log = simulate_log(jax.random.key(0), "full-feedback-rw",
                          jnp.array([[0.3, 0.2, 0.1, 0.4, 5.0]]), 30)
    assert ff_log.has_full_feedback
    four = simulate_log(jax.random.key(0), "bandit4arm_4par", jnp.array([[0.2, 0.3, 5.0, 4.0]]), 30)
    assert four.has_gain_loss and four.n_actions == 4 and (four.loss <= 0).all()
    with pytest.raises(ValueError, match=r"values\[:, 1\] \(alpha_neg\) must lie in \[0.0, 1.0\]"):
        simulate_log(jax.random.key(0), "asymmetric-rw", jnp.array([[0.3, 1.5, 5.0]]), 30)
    with pytest.raises(ValueError, match="values must have shape"):
        simulate_log(jax.random.key(0), "rw", jnp.array([0.3, 5.0]), 30)


def test_population_at_validates_and_sample_population_respects_bounds():
    model = make_model("asymmetric-rw")
    with pytest.raises(ValueError, match=r"group values missing for \['beta'\]"):
        population_at(jax.random.key(0), model, {"alpha_pos": 0.4, "alpha_neg": 0.2}, 0.3, 5)
    with pytest.raises(ValueError, match="must lie strictly inside"):
        population_at(jax.random.key(0), model, {"alpha_pos": 1.0, "alpha_neg": 0.2, "beta": 6.0},
                      0.3, 5)
    with pytest.raises(ValueError, match="needs a probit-link model"):
        population_at(jax.random.key(0), make_model("bandit2arm_delta"), {"A": 0.3, "tau": 2.0}, 0.1, 2)
    drawn = sample_population(jax.random.key(0), model, 50)
    assert isinstance(drawn, Population) and drawn.values.shape == (50, 3)
    low, high = jnp.array([0.0, 0.0, 0.0]), jnp.array([1.0, 1.0, 20.0])
    assert bool(((drawn.values >= low) & (drawn.values <= high)).all())
