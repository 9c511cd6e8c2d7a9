"""Rollouts of executors on the execution task, and their metrics.

One ``lax.scan`` per agent, ``vmap``-ed over agents. In summary mode the carry
holds only the task state, the executor's ring buffer and accumulators of
:class:`ExecutionSummary` (counts per step bin, first-error step), so memory
does not grow with the number of steps; task accuracy at *every* step follows
exactly from the first-error steps.
"""

from __future__ import annotations

import functools
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from kdgap_sim import validation
from kdgap_sim.envs.execution import ExecutionTask
from kdgap_sim.horizon.closed_form import check_steps
from kdgap_sim.horizon.executor import ExecutorParams, SelfConditioningExecutor
from kdgap_sim.rollout import seed_keys
from kdgap_sim.types import Array, PRNGKey

RECORD_MODES = ("summary", "trajectory")


class ExecutionSummary(NamedTuple):
    """O(1)-in-T accumulators of one executor's run (steps counted after any prefix).

    Attributes:
      n_steps: steps run.
      n_correct: correct steps.
      first_error_step: step (1-based) of the first error, 0 if none.
      bin_edges: step bins ``[b_j, b_{j+1})``, ``[n_bins + 1]`` (constant).
      bin_correct: correct steps in each bin, ``[n_bins]``.
      final_error_fraction: ``f_T``, the error fraction of the final context.

    Example:
      >>> import jax, kdgap_sim as kd
      >>> task = kd.envs.make("execution")
      >>> ex = kd.horizon.SelfConditioningExecutor(window=10)
      >>> out = kd.horizon.run_execution(jax.random.key(0), task, task.default_params(), ex,
      ...                                kd.horizon.ExecutorParams(eps0=1.0), 50, n_agents=4)
      >>> out.n_correct.tolist(), out.first_error_step.tolist(), out.final_error_fraction.tolist()
      ([0, 0, 0, 0], [1, 1, 1, 1], [1.0, 1.0, 1.0, 1.0])
    """

    n_steps: Array
    n_correct: Array
    first_error_step: Array
    bin_edges: Array
    bin_correct: Array
    final_error_fraction: Array


class ExecutionTrajectory(NamedTuple):
    """Per-step record (``record="trajectory"``); leading axis is the step.

    Example:
      >>> import jax, kdgap_sim as kd
      >>> task = kd.envs.make("execution")
      >>> ex = kd.horizon.SelfConditioningExecutor(window=10)
      >>> out = kd.horizon.run_execution(jax.random.key(0), task, task.default_params(), ex,
      ...     kd.horizon.ExecutorParams(eps0=0.0), 5, n_agents=2, record="trajectory")
      >>> out.step_correct.shape, bool(out.task_correct.all()), bool((out.output == out.true_sum).all())
      ((2, 5), True, True)
    """

    step_correct: Array
    task_correct: Array
    error_probability: Array
    context_error_fraction: Array
    output: Array
    true_sum: Array
    summary: ExecutionSummary


def default_bin_edges(n_steps: int, n_bins: int = 32) -> tuple[int, ...]:
    """Geometrically spaced step-bin edges from 1 to ``n_steps + 1`` (at most ``n_bins`` bins).

    Example:
      >>> import kdgap_sim as kd
      >>> kd.horizon.default_bin_edges(100, n_bins=4)
      (1, 3, 10, 32, 101)
    """
    validation.check_int("n_steps", n_steps, minimum=1)
    validation.check_int("n_bins", n_bins, minimum=1)
    edges = np.unique(np.round(np.geomspace(1, n_steps + 1, n_bins + 1)).astype(np.int64))
    return tuple(int(e) for e in edges)


def injected_error_count(fraction: Any, prefix_steps: int) -> Any:
    """Errors injected into a prefix: ``round(fraction * prefix_steps)`` (halves to even).

    Computed in float64 on the host for concrete fractions, so that what is
    injected (:func:`run_execution`) and what is reported
    (:func:`~kdgap_sim.horizon.error_injection_experiment`) are the same
    integer; a traced fraction is rounded in float32 in the graph (it can
    differ by one from the float64 count when ``fraction * prefix_steps`` is
    within float32 rounding of a half-integer).

    Example:
      >>> import kdgap_sim as kd
      >>> int(kd.horizon.injected_error_count(0.59, 50)), int(kd.horizon.injected_error_count(0.3, 10))
      (30, 3)
    """
    if validation.is_tracer(fraction):
        return jnp.round(jnp.asarray(fraction, jnp.float32) * prefix_steps).astype(jnp.int32)
    array = validation.as_numeric_array("injected_error_fraction", fraction).astype(np.float64)
    return np.round(array * prefix_steps).astype(np.int64)


def _run_one(
    key, task_params, executor_params, n_injected, *,
    task: ExecutionTask, executor: SelfConditioningExecutor, n_steps: int,
    prefix_steps: int, bin_edges: tuple[int, ...], record: str,
):
    k_reset, k_prefix, k_mask, k_steps = jax.random.split(key, 4)
    _, env_state = task.reset(k_reset, task_params)
    agent_state = executor.init()

    def turn(carry, step_key, forced_error):
        env_state, agent_state = carry
        k_env, k_agent = jax.random.fold_in(step_key, 0), jax.random.fold_in(step_key, 1)
        eps = executor.error_probability(agent_state, executor_params)
        f = executor.context_error_fraction(agent_state)
        output, erroneous = executor.act(k_agent, agent_state, env_state.obs, env_state.output,
                                         executor_params)
        if forced_error is not None:
            target = task.correct_update(env_state)
            output = jnp.where(forced_error, executor.wrong_output(k_agent, target), target)
            erroneous = forced_error
        _, env_state, fb = task.step(k_env, env_state, output, task_params)
        agent_state = executor.observe(agent_state, erroneous)
        return (env_state, agent_state), (fb, eps, f, output)

    if prefix_steps > 0:
        # Exactly n_injected errors (injected_error_count) at random positions.
        mask = jax.random.permutation(k_mask, prefix_steps) < n_injected

        def prefix_turn(carry, xs):
            t, forced = xs
            carry, _ = turn(carry, jax.random.fold_in(k_prefix, t), forced)
            return carry, None

        (env_state, agent_state), _ = jax.lax.scan(
            prefix_turn, (env_state, agent_state), (jnp.arange(prefix_steps), mask)
        )
        # Task correctness is judged on the free steps only.
        env_state = env_state._replace(failed=jnp.bool_(False), true_sum=env_state.output)

    edges = jnp.asarray(bin_edges, jnp.int32)
    n_bins = len(bin_edges) - 1

    def free_turn(carry, _):
        # The step index lives in the carry: scanning over arange(n_steps) would
        # materialise an O(n_steps) array.
        t, inner, n_correct, first_error, bin_correct = carry
        inner, (fb, eps, f, output) = turn(inner, jax.random.fold_in(k_steps, t), None)
        i = t + 1
        ok = fb.step_correct
        b = jnp.clip(jnp.searchsorted(edges, i, side="right") - 1, 0, n_bins - 1)
        carry = (
            t + 1,
            inner,
            n_correct + ok.astype(jnp.int32),
            jnp.where((first_error == 0) & ~ok, i, first_error),
            bin_correct.at[b].add(ok.astype(jnp.int32)),
        )
        out = (ok, fb.task_correct, eps, f, output, fb.true_sum) if record == "trajectory" else None
        return carry, out

    init = (jnp.int32(0), (env_state, agent_state), jnp.int32(0), jnp.int32(0),
            jnp.zeros((n_bins,), jnp.int32))
    (_, (_, agent_state), n_correct, first_error, bin_correct), steps = jax.lax.scan(
        free_turn, init, None, length=n_steps
    )
    summary = ExecutionSummary(
        n_steps=jnp.int32(n_steps), n_correct=n_correct, first_error_step=first_error,
        bin_edges=edges, bin_correct=bin_correct,
        final_error_fraction=executor.context_error_fraction(agent_state),
    )
    if record == "summary":
        return summary
    return ExecutionTrajectory(*steps, summary=summary)


_STATIC = ("task", "executor", "n_steps", "prefix_steps", "bin_edges", "record")


@functools.partial(jax.jit, static_argnames=_STATIC)
def _run_batch(keys, task_params, executor_params, n_injected, **static):
    run = functools.partial(_run_one, **static)
    return jax.vmap(run, in_axes=(0, None, None, None))(
        keys, task_params, executor_params, n_injected
    )


def _check_bin_edges(bin_edges: Any, n_steps: int) -> tuple[int, ...]:
    edges = tuple(int(e) for e in bin_edges)
    if len(edges) < 2 or edges[0] != 1 or edges[-1] != n_steps + 1 or any(
        b <= a for a, b in zip(edges, edges[1:])
    ):
        raise ValueError(
            f"bin_edges must increase strictly from 1 to n_steps + 1 = {n_steps + 1}, got {edges}"
        )
    return edges


def run_execution(
    key: PRNGKey,
    task: ExecutionTask,
    task_params: Any,
    executor: SelfConditioningExecutor,
    executor_params: ExecutorParams,
    n_steps: int,
    n_agents: int,
    *,
    record: str = "summary",
    bin_edges: Any = None,
    prefix_steps: int = 0,
    injected_error_fraction: Any = 0.0,
) -> ExecutionSummary | ExecutionTrajectory:
    """Runs ``n_agents`` independent executors for ``n_steps`` turns each.

    Agent ``a`` uses the key ``fold_in(key, a)``. In summary mode one
    ``lax.scan`` carries only the accumulators of :class:`ExecutionSummary`
    and the executor's ring buffer: memory is independent of ``n_steps``.

    Args:
      key: a ``jax.random`` key.
      task, task_params: the execution task and its params (K).
      executor, executor_params: the agent and its error model.
      n_steps: free turns per agent (static).
      n_agents: number of agents (static).
      record: ``"summary"`` or ``"trajectory"`` (every step; memory O(T)).
      bin_edges: step-bin edges for step accuracy (default
        :func:`default_bin_edges`); strictly increasing from 1 to ``n_steps + 1``.
      prefix_steps: turns prefilled before the free turns, with exactly
        :func:`injected_error_count` ``(injected_error_fraction, prefix_steps)``
        erroneous outputs (``round(f * prefix_steps)``, halves to even, in
        float64) at random positions; they enter the executor's context as its own outputs.
        With ``prefix_steps = executor.window`` the context error fraction at
        the first free step is clamped at that value. Steps, step bins and task
        correctness count free turns only.
      injected_error_fraction: error fraction of the prefix, in [0, 1].

    Returns:
      :class:`ExecutionSummary` or :class:`ExecutionTrajectory` with a leading
      agent axis.

    Example:
      >>> import jax, kdgap_sim as kd
      >>> task = kd.envs.make("execution")
      >>> ex = kd.horizon.SelfConditioningExecutor(window=10)
      >>> out = kd.horizon.run_execution(jax.random.key(0), task, task.default_params(), ex,
      ...                                kd.horizon.ExecutorParams(eps0=0.0), 50, n_agents=4)
      >>> out.n_correct.tolist()
      [50, 50, 50, 50]
    """
    validation.check_key(key)
    if not isinstance(task, ExecutionTask):
        raise TypeError(f"task must be an ExecutionTask, got {task!r}")
    if not isinstance(executor, SelfConditioningExecutor):
        raise TypeError(f"executor must be a SelfConditioningExecutor, got {executor!r}")
    validation.check_int("n_steps", n_steps, minimum=1)
    validation.check_int("n_agents", n_agents, minimum=1)
    validation.check_int("prefix_steps", prefix_steps, minimum=0)
    validation.check_choice("record", record, RECORD_MODES)
    validation.check_in_domain("injected_error_fraction", injected_error_fraction, "unit")
    task.validate_params(task_params)
    executor.validate_params(executor_params)
    edges = default_bin_edges(n_steps) if bin_edges is None else _check_bin_edges(bin_edges, n_steps)
    return _run_batch(
        seed_keys(key, n_agents), task_params, executor_params,
        jnp.asarray(injected_error_count(injected_error_fraction, prefix_steps), jnp.int32),
        task=task, executor=executor, n_steps=n_steps, prefix_steps=prefix_steps,
        bin_edges=edges, record=record,
    )


# -- metrics of a batch of runs ---------------------------------------------------------
def _summary(out: Any) -> ExecutionSummary:
    if isinstance(out, ExecutionTrajectory):
        return out.summary
    if isinstance(out, ExecutionSummary):
        return out
    raise TypeError(f"expected an ExecutionSummary or ExecutionTrajectory, got {type(out).__name__}")


def step_accuracy_by_bin(out: Any) -> tuple[np.ndarray, np.ndarray]:
    """Step accuracy in each step bin, pooled over agents: ``(bin_starts, accuracy)``.

    Example:
      >>> import jax, kdgap_sim as kd
      >>> task = kd.envs.make("execution")
      >>> ex = kd.horizon.SelfConditioningExecutor(window=10)
      >>> out = kd.horizon.run_execution(jax.random.key(0), task, task.default_params(), ex,
      ...                                kd.horizon.ExecutorParams(eps0=0.0), 50, n_agents=4)
      >>> starts, accuracy = kd.horizon.step_accuracy_by_bin(out)
      >>> int(starts[0]), bool((accuracy == 1.0).all())
      (1, True)
    """
    summary = _summary(out)
    edges = np.asarray(summary.bin_edges)
    edges = edges.reshape(-1, edges.shape[-1])[0]
    correct = np.asarray(summary.bin_correct).reshape(-1, edges.size - 1)
    n_agents, correct = correct.shape[0], correct.sum(axis=0)
    return edges[:-1], correct / (n_agents * np.diff(edges))


def task_accuracy_curve(out: Any, steps: Any) -> np.ndarray:
    """Fraction of agents with no error up to step ``i``, for each ``i`` in ``steps``.

    Exact at every step from the first-error steps alone (memory O(n_agents)).
    ``steps`` must hold integer steps in ``[0, n_steps]`` (step 0: accuracy 1).

    Example:
      >>> import jax, kdgap_sim as kd
      >>> task = kd.envs.make("execution")
      >>> ex = kd.horizon.SelfConditioningExecutor(window=10)
      >>> out = kd.horizon.run_execution(jax.random.key(0), task, task.default_params(), ex,
      ...                                kd.horizon.ExecutorParams(eps0=1.0), 50, n_agents=4)
      >>> kd.horizon.task_accuracy_curve(out, [1, 10]).tolist()  # every agent fails at step 1
      [0.0, 0.0]
    """
    summary = _summary(out)
    check_steps("steps", steps, maximum=int(np.max(np.asarray(summary.n_steps))))
    steps = np.asarray(steps)
    return np.asarray(_survival(np.asarray(summary.first_error_step), steps)).reshape(steps.shape)


def _survival(first_error_step: np.ndarray, steps: np.ndarray) -> np.ndarray:
    """Fraction of agents with no error up to each step (first error 0 = none).

    The single definition of task accuracy used by :func:`task_accuracy_curve`
    and :func:`empirical_horizon`: survivors counted exactly, then divided once.
    """
    first = first_error_step.ravel()
    failures = np.sort(first[first > 0])
    survivors = first.size - np.searchsorted(failures, steps, side="right")
    return survivors / first.size


def empirical_horizon(out: Any, s: float) -> float:
    """First step whose task accuracy is below ``s``; ``inf`` if none within the run.

    The first ``i`` with ``task_accuracy_curve(out, [i])[0] < s`` (the same
    comparison, at the steps where task accuracy drops).

    Example:
      >>> import jax, kdgap_sim as kd
      >>> task = kd.envs.make("execution")
      >>> ex = kd.horizon.SelfConditioningExecutor(window=10)
      >>> out = kd.horizon.run_execution(jax.random.key(0), task, task.default_params(), ex,
      ...                                kd.horizon.ExecutorParams(eps0=0.0), 50, n_agents=4)
      >>> kd.horizon.empirical_horizon(out, 0.5)  # an error-free executor never drops below s
      inf
    """
    if not 0 < s < 1:
        raise ValueError(f"s must lie in (0, 1), got {s!r}")
    first = np.asarray(_summary(out).first_error_step)
    drops = np.unique(first[first > 0])  # task accuracy is constant between these steps
    below = np.flatnonzero(_survival(first, drops) < s)
    return float(drops[below[0]]) if below.size else float("inf")
