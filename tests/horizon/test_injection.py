"""Tests of error injection and the gamma regression."""

import jax
import numpy as np
import pytest

import kdgap_sim as kd
from kdgap_sim.horizon import (
    ExecutorParams,
    InjectionResult,
    SelfConditioningExecutor,
    error_injection_experiment,
    fit_gamma,
    injected_error_count,
    run_execution,
)

TASK = kd.envs.make("execution", max_keys_per_turn=2)
FRACTIONS = np.linspace(0.0, 1.0, 11)
N_AGENTS = 2000


def _experiment(thinking, key=0):
    executor = SelfConditioningExecutor(window=20, thinking=thinking)
    params = ExecutorParams(eps0=np.float32(0.05), gamma=np.float32(0.4))
    return error_injection_experiment(jax.random.key(key), TASK, TASK.default_params(), executor,
                                      params, FRACTIONS, N_AGENTS)


def test_gamma_is_recovered_within_its_interval():
    fit = fit_gamma(_experiment(thinking=False), confidence=0.9999)
    # A 99.99% interval (about 3.9 standard errors): a false failure has probability 1e-4.
    assert fit.contains(0.4), fit
    assert fit.gamma_se < 0.02  # 22000 outcomes: se about sqrt(0.2 / 22000) / sd(f) = 0.01
    assert abs(fit.eps0 - 0.05) <= 4 * fit.eps0_se


def test_thinking_step_accuracy_does_not_depend_on_injected_fraction():
    fit = fit_gamma(_experiment(thinking=True))
    assert abs(fit.gamma) <= 4 * fit.gamma_se, fit  # slope test at 4 standard errors
    assert abs(fit.eps0 - 0.05) <= 4 * fit.eps0_se


def test_clamped_fractions_are_multiples_of_one_over_window():
    result = error_injection_experiment(
        jax.random.key(1), TASK, TASK.default_params(), SelfConditioningExecutor(window=20),
        ExecutorParams(eps0=np.float32(0.0), gamma=np.float32(1.0)), [0.0, 0.33, 1.0], N_AGENTS)
    np.testing.assert_allclose(result.fractions, [0.0, 0.35, 1.0])
    # eps0 = 0, gamma = 1: accuracy is exactly 1 at f = 0 and 0 at f = 1.
    assert result.n_correct[0] == N_AGENTS and result.n_correct[-1] == 0


def test_fit_matches_direct_least_squares_with_hc0_errors():
    x = np.array([0.0, 0.25, 0.5, 1.0])
    n = np.array([40, 60, 50, 30])
    correct = np.array([38, 50, 35, 15])
    fit = fit_gamma(InjectionResult(x, n, correct, 1))
    # The same regression on the individual 0/1 outcomes.
    xs = np.repeat(x, n)
    ys = np.concatenate([np.r_[np.zeros(c), np.ones(m - c)] for m, c in zip(n, correct)])
    design = np.stack([np.ones_like(xs), xs], 1)
    beta, *_ = np.linalg.lstsq(design, ys, rcond=None)
    resid = ys - design @ beta
    bread = np.linalg.inv(design.T @ design)
    cov = bread @ (design.T * resid**2) @ design @ bread
    np.testing.assert_allclose([fit.eps0, fit.gamma], beta, rtol=1e-10)
    np.testing.assert_allclose([fit.eps0_se, fit.gamma_se], np.sqrt(np.diag(cov)), rtol=1e-10)
    assert fit.gamma_low < fit.gamma < fit.gamma_high


def test_fit_rejects_degenerate_input():
    with pytest.raises(ValueError, match="two distinct fractions"):
        fit_gamma(InjectionResult(np.array([0.5, 0.5]), np.array([10, 10]), np.array([5, 6]), 1))
    with pytest.raises(ValueError, match="confidence"):
        fit_gamma(InjectionResult(np.array([0.0, 1.0]), np.array([10, 10]), np.array([5, 6]), 1), 1.5)
    with pytest.raises(ValueError, match="fractions"):
        error_injection_experiment(jax.random.key(0), TASK, TASK.default_params(),
                                   SelfConditioningExecutor(), ExecutorParams(), [0.5, 2.0], 10)


@pytest.mark.slow
def test_confidence_interval_coverage():
    # 40 independent experiments: the 95% interval should cover gamma in about 38; with
    # Binomial(40, 0.95), P(coverage <= 33) < 0.01.
    executor = SelfConditioningExecutor(window=20)
    params = ExecutorParams(eps0=np.float32(0.05), gamma=np.float32(0.4))
    covered = 0
    for rep in range(40):
        result = error_injection_experiment(jax.random.key(100 + rep), TASK, TASK.default_params(),
                                            executor, params, FRACTIONS, 500)
        covered += fit_gamma(result).contains(0.4)
    assert covered >= 34, covered


@pytest.mark.parametrize("window, f", [(50, 0.59), (45, 0.7), (75, 0.14)])
def test_reported_fraction_is_the_injected_fraction(window, f):
    # float64 round(f W) for the report and float32 round(f W) for the injection disagreed
    # here (W = 50, f = 0.59: 30/50 reported, 29/50 injected); now both use one count.
    executor = SelfConditioningExecutor(window=window)
    params = ExecutorParams(eps0=np.float32(0.0), gamma=np.float32(1.0))
    key = jax.random.key(5)
    result = error_injection_experiment(key, TASK, TASK.default_params(), executor, params, [f], 8)
    assert result.fractions[0] == round(f * window) / window  # float64, halves to even
    traj = run_execution(jax.random.fold_in(key, 0), TASK, TASK.default_params(), executor, params,
                         1, 8, bin_edges=(1, 2), record="trajectory", prefix_steps=window,
                         injected_error_fraction=f)
    injected = np.round(np.asarray(traj.context_error_fraction)[:, 0] * window)
    assert (injected == result.fractions[0] * window).all(), (injected, result.fractions)


def test_injected_error_count_rounds_in_float64_and_traces():
    assert int(injected_error_count(0.59, 50)) == 30  # float32(0.59) * 50 = 29.4999987
    np.testing.assert_array_equal(injected_error_count(np.array([0.0, 0.25, 0.5, 1.0]), 10), [0, 2, 5, 10])
    assert int(jax.jit(injected_error_count, static_argnums=1)(0.3, 10)) == 3
