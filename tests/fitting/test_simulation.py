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


def test_population_functions_validate_eagerly():
    key, model = jax.random.key(0), make_model("rw")
    with pytest.raises(ValueError, match="n_subjects must be >= 1, got -1"):
        sample_population(key, model, -1)  # was: MLIRError
    with pytest.raises(ValueError, match="n_subjects must be >= 1, got 0"):
        sample_population(key, model, 0)  # was: an empty population
    with pytest.raises(TypeError, match=r"model must be a ChoiceModel \(e.g. kd.fitting.make_model\('rw'\)"):
        sample_population(key, "rw", 2)
    group = {"alpha_pos": 0.3, "beta": 5.0}
    with pytest.raises(ValueError, match="sigma contains NaN"):
        population_at(key, model, group, float("nan"), 2)
    with pytest.raises(ValueError, match="sigma must be a non-negative number, got -1"):
        population_at(key, model, group, -1.0, 2)
    with pytest.raises(ValueError, match=r"unknown group key\(s\) \['alpha_neg'\]"):
        population_at(key, model, {**group, "alpha_neg": 0.9}, 0.1, 2)  # a typo, was ignored
    with pytest.raises(ValueError, match=r"group\['beta'\] contains NaN"):
        population_at(key, model, {**group, "beta": float("nan")}, 0.1, 2)


def test_simulation_checks_values_and_task():
    from kdgap_sim.fitting import default_task, simulate_arrays

    key, model = jax.random.key(0), make_model("rw")
    task = default_task(model)
    with pytest.raises(ValueError, match=r"values must have shape \[n_subjects, 2\] \(alpha_pos, beta\)"):
        simulate_arrays(key, model, jnp.ones((2, 3)), task, 5)
    with pytest.raises(ValueError, match=r"values\[:, 0\] \(alpha_pos\) must lie in \[0.0, 1.0\], got nan"):
        simulate_arrays(key, model, jnp.array([[jnp.nan, 5.0]]), task, 5)
    with pytest.raises(ValueError, match="n_trials must be >= 1"):
        simulate_arrays(key, model, jnp.array([[0.3, 5.0]]), task, 0)
    with pytest.raises(TypeError, match=r"task for model 'bandit4arm_4par' must be a GainLossTask"):
        simulate_log(key, "bandit4arm_4par", [[0.3, 0.3, 1.0, 1.0]], 5, task=task)
    with pytest.raises(TypeError, match=r"task for model 'rw' must be a tuple \(env, env_params\)"):
        simulate_log(key, "rw", [[0.3, 5.0]], 5, task=default_task(make_model("bandit4arm_4par")))
    three_arms = default_task(make_model("rw"), n_actions=3)
    with pytest.raises(ValueError, match="task has 3 actions, model 'bandit2arm_delta' is defined for 2"):
        simulate_log(key, "bandit2arm_delta", [[0.3, 1.0]], 5, task=three_arms)
    # Under vmap (as in parameter_recovery) traced values are not inspected.
    batch = jax.vmap(lambda k, v: simulate_arrays(k, model, v, task, 4))(
        jax.random.split(key, 2), jnp.full((2, 3, 2), 0.5))
    assert batch.choice.shape == (2, 3, 4)
