"""Tests of executor rollouts: summaries, task accuracy, step accuracy, injection prefix."""

from fractions import Fraction

import jax
import numpy as np
import pytest

import kdgap_sim as kd
from kdgap_sim.horizon import (
    ExecutionSummary,
    ExecutorParams,
    SelfConditioningExecutor,
    default_bin_edges,
    empirical_horizon,
    run_execution,
    step_accuracy_by_bin,
    task_accuracy,
    task_accuracy_curve,
)

TASK = kd.envs.make("execution", max_keys_per_turn=2)
N_STEPS = 200
N_AGENTS = 4000
EPS0 = 0.01
CHECK_STEPS = np.array([1, 10, 50, 100, 200])


@pytest.fixture(scope="module")
def clean_runs():
    """gamma = 0, gamma = 0.5 and thinking, from a clean start (one compile per executor)."""
    runs = {}
    for label, thinking, gamma in (("gamma0", False, 0.0), ("sc", False, 0.5), ("thinking", True, 0.5)):
        executor = SelfConditioningExecutor(window=20, thinking=thinking)
        params = ExecutorParams(eps0=np.float32(EPS0), gamma=np.float32(gamma))
        runs[label] = run_execution(jax.random.key(7), TASK, TASK.default_params(), executor,
                                    params, N_STEPS, N_AGENTS)
    return runs


@pytest.mark.parametrize("label", ["gamma0", "sc", "thinking"])
def test_task_accuracy_matches_power_law_within_sampling_error(clean_runs, label):
    # gamma = 0: p**i with p = 1 - eps0. With gamma > 0 too: before the first error the
    # context holds no errors, so eps_t = eps0 up to the first error.
    measured = task_accuracy_curve(clean_runs[label], CHECK_STEPS)
    expected = np.asarray(task_accuracy(1 - EPS0, CHECK_STEPS))
    tol = 4 * np.sqrt(expected * (1 - expected) / N_AGENTS)  # 4 binomial standard errors
    assert np.all(np.abs(measured - expected) <= tol), (measured, expected, tol)


def test_self_conditioning_lowers_late_step_accuracy_to_its_fixed_point(clean_runs):
    # Stationary: E[eps] = eps0 + gamma E[f] and E[f] = E[eps] give E[eps] = eps0 / (1 - gamma).
    summary = clean_runs["sc"]
    edges = np.asarray(summary.bin_edges[0])
    late = edges[:-1] >= 100
    per_agent = np.asarray(summary.bin_correct)[:, late].sum(1) / np.diff(edges)[late].sum()
    err = 1 - per_agent.mean()
    se = per_agent.std(ddof=1) / np.sqrt(N_AGENTS)  # agents are independent
    assert abs(err - EPS0 / (1 - 0.5)) <= 4 * se
    thinking = 1 - np.asarray(clean_runs["thinking"].n_correct).mean() / N_STEPS
    assert abs(thinking - EPS0) <= 4 * np.sqrt(EPS0 * (1 - EPS0) / (N_AGENTS * N_STEPS))


def test_summary_equals_trajectory_accumulation():
    executor = SelfConditioningExecutor(window=5)
    params = ExecutorParams(eps0=np.float32(0.1), gamma=np.float32(0.5))
    args = (jax.random.key(3), TASK, TASK.default_params(), executor, params, 30, 6)
    summary = run_execution(*args, bin_edges=(1, 5, 31))
    traj = run_execution(*args, bin_edges=(1, 5, 31), record="trajectory")
    jax.tree_util.tree_map(np.testing.assert_array_equal, summary, traj.summary)
    ok = np.asarray(traj.step_correct)
    np.testing.assert_array_equal(summary.n_correct, ok.sum(1))
    np.testing.assert_array_equal(summary.bin_correct, np.stack([ok[:, :4].sum(1), ok[:, 4:].sum(1)], 1))
    first = np.where(ok.all(1), 0, np.argmin(ok, axis=1) + 1)
    np.testing.assert_array_equal(summary.first_error_step, first)
    np.testing.assert_array_equal(np.asarray(traj.task_correct), np.cumprod(ok, axis=1).astype(bool))
    # Error probability follows the context error fraction step by step.
    np.testing.assert_allclose(traj.error_probability, 0.1 + 0.5 * np.asarray(traj.context_error_fraction), rtol=1e-6)
    # Outputs of correct steps update the running sum: the true sum is hit until the first error.
    assert (np.asarray(traj.output) == np.asarray(traj.true_sum))[np.asarray(traj.task_correct)].all()


def test_injected_prefix_clamps_context_error_fraction():
    executor = SelfConditioningExecutor(window=10)
    params = ExecutorParams(eps0=np.float32(0.0), gamma=np.float32(0.5))
    traj = run_execution(jax.random.key(4), TASK, TASK.default_params(), executor, params, 3, 5,
                         bin_edges=(1, 4), record="trajectory", prefix_steps=10,
                         injected_error_fraction=0.3)
    np.testing.assert_allclose(np.asarray(traj.context_error_fraction)[:, 0], 0.3)
    np.testing.assert_allclose(np.asarray(traj.error_probability)[:, 0], 0.15)
    assert np.asarray(traj.task_correct)[:, 0].tolist() == np.asarray(traj.step_correct)[:, 0].tolist()


def test_step_accuracy_by_bin_and_empirical_horizon():
    summary = ExecutionSummary(
        n_steps=np.full(4, 10), n_correct=np.array([10, 9, 8, 10]),
        first_error_step=np.array([0, 3, 7, 0]), bin_edges=np.tile([1, 6, 11], (4, 1)),
        bin_correct=np.array([[5, 5], [4, 5], [5, 3], [5, 5]]), final_error_fraction=np.zeros(4),
    )
    starts, acc = step_accuracy_by_bin(summary)
    assert starts.tolist() == [1, 6]
    np.testing.assert_allclose(acc, [19 / 20, 18 / 20])
    np.testing.assert_allclose(task_accuracy_curve(summary, [2, 3, 7, 10]), [1.0, 0.75, 0.5, 0.5])
    assert empirical_horizon(summary, 0.8) == 3.0
    assert empirical_horizon(summary, 0.6) == 7.0  # accuracy 0.75 at steps 3-6, 0.5 from 7
    assert empirical_horizon(summary, 0.5) == float("inf")  # never below 0.5


def _first_errors_summary(first, n_steps):
    first = np.asarray(first, np.int32)
    return ExecutionSummary(
        n_steps=np.full(first.size, n_steps), n_correct=None, first_error_step=first,
        bin_edges=np.tile([1, n_steps + 1], (first.size, 1)), bin_correct=None,
        final_error_fraction=None,
    )


@pytest.mark.parametrize("n, s", [(10, 0.9), (100, 0.9), (100, 0.8), (10, 0.8), (100, 0.7), (20, 0.95)])
def test_empirical_horizon_when_accuracy_lands_exactly_on_s(n, s):
    # k = n (1 - s) failures bring task accuracy to exactly s, which is not below s; the
    # horizon is the step of failure k + 1. floor(n (1 - s)) + 1 gave 1 for n = 10,
    # s = 0.9 (1 - 0.9 = 0.0999... in floating point) and 20 for n = 100, s = 0.8.
    k = round(n * (1 - s))
    summary = _first_errors_summary(np.r_[np.arange(1, k + 2), np.zeros(n - k - 1)], 50)
    exact = next(i for i in range(51)
                 if 1 - Fraction(min(i, k + 1), n) < Fraction(str(s)))  # failures by step i
    assert exact == k + 1
    assert empirical_horizon(summary, s) == exact
    curve = task_accuracy_curve(summary, np.arange(51))
    assert np.flatnonzero(curve < s)[0] == exact


def test_empirical_horizon_is_the_first_step_of_the_curve_below_s():
    rng = np.random.default_rng(0)
    for n in (7, 10, 100, 1000):
        summary = _first_errors_summary(rng.integers(0, 41, size=n), 40)
        curve = task_accuracy_curve(summary, np.arange(41))
        for s in (0.05, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99):
            below = np.flatnonzero(curve < s)
            assert empirical_horizon(summary, s) == (below[0] if below.size else float("inf")), (n, s)


def test_default_bin_edges_cover_all_steps():
    edges = default_bin_edges(10**6)
    assert edges[0] == 1 and edges[-1] == 10**6 + 1 and len(edges) <= 33
    assert all(b > a for a, b in zip(edges, edges[1:]))


def test_bad_arguments_raise():
    executor = SelfConditioningExecutor(window=5)
    params = executor.default_params()
    args = (jax.random.key(0), TASK, TASK.default_params(), executor, params)
    with pytest.raises(ValueError, match="bin_edges"):
        run_execution(*args, 10, 2, bin_edges=(0, 11))
    with pytest.raises(ValueError, match="record"):
        run_execution(*args, 10, 2, record="all")
    with pytest.raises(ValueError, match="injected_error_fraction"):
        run_execution(*args, 10, 2, injected_error_fraction=1.5)
    with pytest.raises(ValueError, match="n_agents"):
        run_execution(*args, 10, 0)
    with pytest.raises(TypeError, match="ExecutionTask"):
        run_execution(jax.random.key(0), kd.envs.make("bernoulli-bandit"), TASK.default_params(),
                      executor, params, 10, 2)


def test_compiled_memory_does_not_grow_with_horizon():
    # Summary mode: XLA's temporary buffers are the same for 1000 and 10**6 steps.
    import jax.numpy as jnp

    from kdgap_sim.horizon import execution_rollout as er

    executor = SelfConditioningExecutor(window=8)
    params = ExecutorParams(eps0=np.float32(0.01), gamma=np.float32(0.5))
    keys = kd.seed_keys(jax.random.key(0), 16)
    sizes = []
    for n_steps in (1000, 10**6):
        compiled = er._run_batch.lower(
            keys, TASK.default_params(), params, jnp.int32(0), task=TASK, executor=executor,
            n_steps=n_steps, prefix_steps=0, bin_edges=(1, n_steps + 1), record="summary",
        ).compile()
        analysis = compiled.memory_analysis()
        if analysis is None:
            pytest.skip("this backend reports no memory analysis")
        sizes.append((analysis.temp_size_in_bytes, analysis.output_size_in_bytes))
    assert sizes[0] == sizes[1]


@pytest.mark.parametrize("n_steps, n_bins, name", [(10, 0, "n_bins"), (0, 4, "n_steps"), (10, 2.5, "n_bins")])
def test_default_bin_edges_rejects_bad_counts(n_steps, n_bins, name):
    with pytest.raises((ValueError, TypeError), match=name):
        default_bin_edges(n_steps, n_bins)


@pytest.mark.parametrize("steps", [[-1], [100], [2.5], [1, np.nan], "a"])
def test_task_accuracy_curve_rejects_steps_outside_the_run(steps):
    out = run_execution(jax.random.key(0), TASK, TASK.default_params(), SelfConditioningExecutor(window=5),
                        ExecutorParams(eps0=0.5), 10, n_agents=2)
    with pytest.raises((ValueError, TypeError), match="steps"):
        task_accuracy_curve(out, steps)
    assert task_accuracy_curve(out, [0, 10]).shape == (2,)
