"""Property tests for the entry points of the modules built on the core.

Random malformed inputs (probabilities outside [0, 1], NaN, wrong shapes,
non-numeric values, negative counts) must raise ValueError/TypeError naming the
parameter, never an error from inside a trace.
"""

import math

import jax
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kdgap_sim as kd
from kdgap_sim import decisions, rewards
from kdgap_sim.metrics import calibration

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
bad_probability = st.one_of(
    st.floats(min_value=1.0001, max_value=1e6),
    st.floats(max_value=-1e-4, min_value=-1e6),
    st.just(math.nan),
)
ENV = kd.envs.BernoulliBandit(n_arms=3)
AGENT, PARAMS = kd.agents.profile("knowing-doing-ucb")


@SETTINGS
@given(value=bad_probability, index=st.integers(0, 2))
def test_sweep_grid_rejects_bad_axis_values_naming_axis_and_index(value, index):
    values = [0.2, 0.5, 0.8]
    values[index] = value
    grid = None
    with pytest.raises(ValueError, match="follow_prob"):
        grid = kd.sweep.Grid(follow_prob=values)
        kd.sweep.run(jax.random.key(0), ENV, AGENT, grid, 5)


@SETTINGS
@given(name=st.from_regex(r"[a-z]{3,10}", fullmatch=True).filter(
    lambda n: n not in PARAMS.flat_names() + ENV.default_params().flat_names() + ("seed",)))
def test_sweep_rejects_unknown_axes(name):
    with pytest.raises(ValueError, match=name):
        kd.sweep.run(jax.random.key(0), ENV, AGENT, kd.sweep.Grid(**{name: [0.1, 0.2]}), 5)


@SETTINGS
@given(confidence=bad_probability)
def test_rewards_reject_confidence_outside_unit_interval(confidence):
    with pytest.raises(ValueError, match="confidence"):
        rewards.rlcr_reward(np.array([1.0, 0.0]), np.array([0.5, confidence]))
    with pytest.raises(ValueError, match="confidence"):
        rewards.log_score_reward(np.array([1.0]), np.array([confidence]))


@SETTINGS
@given(confidence=bad_probability, n_bins=st.integers(max_value=0))
def test_calibration_metrics_reject_bad_inputs(confidence, n_bins):
    with pytest.raises(ValueError, match="confidence"):
        calibration.expected_calibration_error(np.array([0.2, confidence]), np.array([1, 0]))
    with pytest.raises(ValueError, match="n_bins"):
        calibration.expected_calibration_error(np.array([0.2, 0.9]), np.array([1, 0]), n_bins=n_bins)
    with pytest.raises(ValueError, match="confidence|correct|shape"):
        calibration.brier_score(np.array([0.2, 0.4, 0.5]), np.array([1, 0]))


@SETTINGS
@given(value=bad_probability)
def test_decisions_reject_bad_predictions(value):
    problem = decisions.protect_or_not_problem()
    with pytest.raises(ValueError, match="predicted"):
        decisions.evaluate(problem, [0.001, value])


@SETTINGS
@given(eps0=bad_probability)
def test_run_execution_rejects_bad_error_rates(eps0):
    task = kd.envs.ExecutionTask()
    executor = kd.horizon.SelfConditioningExecutor(window=4)
    with pytest.raises(ValueError, match="eps0"):
        kd.horizon.run_execution(jax.random.key(0), task, task.default_params(), executor,
                                 executor.default_params().replace(eps0=eps0), 5, 2)


@SETTINGS
@given(successes=st.integers(1, 50), extra=st.integers(1, 10))
def test_binomial_interval_rejects_more_successes_than_trials(successes, extra):
    with pytest.raises(ValueError, match="successes|trials"):
        kd.metrics.binomial_interval(successes + extra, successes)
