"""Tests of the look-up-and-accumulate execution task."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import kdgap_sim as kd
from kdgap_sim.envs.execution import ExecutionParams, ExecutionTask


def test_registry_builds_the_task():
    task = kd.envs.make("execution", max_keys_per_turn=3, n_keys=20)
    assert isinstance(task, ExecutionTask)
    assert task.default_params().keys_per_turn == 3


def test_reset_draws_dictionary_in_range_and_masks_unused_key_slots():
    task = ExecutionTask(n_keys=50, max_keys_per_turn=4, max_value=99)

    def reset(k):
        return task.reset(jax.random.key(0), ExecutionParams(keys_per_turn=k))

    obs, state = jax.vmap(reset)(jnp.array([1, 2, 4]))
    d = np.asarray(state.dictionary)
    assert d.min() >= -99 and d.max() <= 99
    assert d.min() < 0 < d.max()  # 50 uniform draws from [-99, 99] span zero
    assert (np.asarray(obs.keys) >= 0).sum(axis=1).tolist() == [1, 2, 4]
    assert (np.asarray(obs.values)[np.asarray(obs.keys) < 0] == 0).all()
    np.testing.assert_array_equal(
        np.asarray(obs.values)[0, 0], d[0, np.asarray(obs.keys)[0, 0]]
    )


def test_step_judges_update_of_previous_output_and_task_failure_is_sticky():
    task = ExecutionTask(max_keys_per_turn=2)
    params = task.default_params()
    _, state = task.reset(jax.random.key(1), params)
    good = task.correct_update(state)
    _, state, fb = task.step(jax.random.key(2), state, good, params)
    assert bool(fb.step_correct) and bool(fb.task_correct)
    assert int(fb.true_sum) == int(good)
    # A wrong output fails the step and the task.
    wrong = task.correct_update(state) + 3
    _, state, fb = task.step(jax.random.key(3), state, wrong, params)
    assert not bool(fb.step_correct) and not bool(fb.task_correct)
    # A correct update of the wrong state is step-correct, but the task stays failed.
    update = task.correct_update(state)
    _, state, fb = task.step(jax.random.key(4), state, update, params)
    assert bool(fb.step_correct) and not bool(fb.task_correct)
    assert int(fb.target) == int(update) and int(fb.true_sum) == int(update) - 3
    assert int(state.t) == 3


def test_same_key_same_turns():
    task = ExecutionTask(max_keys_per_turn=3)
    a = task.reset(jax.random.key(5), task.default_params())
    b = task.reset(jax.random.key(5), task.default_params())
    jax.tree_util.tree_map(np.testing.assert_array_equal, a, b)


def test_validation_names_parameter():
    task = ExecutionTask(max_keys_per_turn=2)
    with pytest.raises(ValueError, match="keys_per_turn"):
        task.validate_params(ExecutionParams(keys_per_turn=3))
    with pytest.raises(ValueError, match="keys_per_turn"):
        task.validate_params(ExecutionParams(keys_per_turn=1.5))
    with pytest.raises(ValueError, match="keys_per_turn"):
        task.validate_params(ExecutionParams(keys_per_turn=0))
    with pytest.raises(TypeError, match="ExecutionParams"):
        task.validate_params(kd.envs.BernoulliBanditParams(probs=jnp.ones(2)))
    with pytest.raises(ValueError, match="n_keys"):
        ExecutionTask(n_keys=0)
    with pytest.raises(ValueError, match="unknown option"):
        kd.envs.make("execution", n_arms=3)
