r"""Error accumulation and self-conditioning in long-horizon execution.

An executor runs the :class:`~kdgap_sim.envs.ExecutionTask`: each turn it
computes the updated running sum and, with probability ``eps_t``, outputs a
wrong one (off by a random non-zero amount). Its error probability depends on
its own past outputs in its context (Sinha et al. 2025, arXiv 2509.09677):

.. math:: \varepsilon_t = \operatorname{clip}(\varepsilon_0 + \gamma f_t, 0, 1),

with ``f_t`` the fraction of erroneous outputs among its last ``W`` outputs (a
ring buffer: O(W) memory, whatever the horizon). A *thinking* executor keeps
its own past outputs out of the decision: ``eps_t = eps_0`` (gamma has no
effect).

Modules: :mod:`~kdgap_sim.horizon.closed_form` (gamma = 0 formulas),
:mod:`~kdgap_sim.horizon.executor` (the agents),
:mod:`~kdgap_sim.horizon.execution_rollout` (runs and metrics),
:mod:`~kdgap_sim.horizon.injection` (error injection and the gamma fit).

With constant step accuracy ``p`` and no self-correction, task accuracy at step
``i`` is ``p**i`` and the horizon at success level ``s`` is
``H_s = ln s / ln p``. Self-conditioning lowers *step* accuracy after errors;
before the first error the context holds none, so under this model task
accuracy from a clean start is ``(1 - eps_0)**i`` for every gamma. Gamma shows in
task accuracy once the context holds errors (an injected prefix: see
:func:`run_execution` ``prefix_steps`` and :mod:`kdgap_sim.horizon.injection`).
"""

from kdgap_sim.horizon.closed_form import horizon, task_accuracy
from kdgap_sim.horizon.execution_rollout import (
    ExecutionSummary,
    ExecutionTrajectory,
    default_bin_edges,
    empirical_horizon,
    injected_error_count,
    run_execution,
    step_accuracy_by_bin,
    task_accuracy_curve,
)
from kdgap_sim.horizon.executor import ExecutorParams, ExecutorState, SelfConditioningExecutor
from kdgap_sim.horizon.injection import (
    GammaFit,
    InjectionResult,
    error_injection_experiment,
    fit_gamma,
    gamma_recovery,
)

__all__ = [
    "ExecutionSummary",
    "ExecutionTrajectory",
    "ExecutorParams",
    "ExecutorState",
    "GammaFit",
    "InjectionResult",
    "SelfConditioningExecutor",
    "default_bin_edges",
    "empirical_horizon",
    "error_injection_experiment",
    "fit_gamma",
    "gamma_recovery",
    "horizon",
    "injected_error_count",
    "run_execution",
    "step_accuracy_by_bin",
    "task_accuracy",
    "task_accuracy_curve",
]
