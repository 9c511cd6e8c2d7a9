r"""Error-injection experiments and the regression that recovers gamma.

Sinha et al. (2025), arXiv 2509.09677, inject errors into a model's own
history at controlled rates and measure its accuracy on a later turn. Here the
executor's context is prefilled with ``W`` turns of which exactly
``round(f * W)`` are wrong (random positions; the count is computed once, in
float64, by :func:`~kdgap_sim.horizon.injected_error_count`, for both the
injection and the reported fraction), for each ``f`` of a grid; its
step correctness on the next turn is then Bernoulli with success probability

.. math:: 1 - \varepsilon = 1 - \varepsilon_0 - \gamma f \quad (\text{no clipping}),

so the ordinary least-squares slope of the error indicator on the clamped
fraction estimates ``gamma``. Its standard error is heteroscedasticity-robust
(HC0 sandwich, White 1980), since the variance of a Bernoulli outcome changes
with ``f``; the confidence interval is normal. A thinking executor has slope 0.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from typing import Any, NamedTuple

import jax
import numpy as np

from kdgap_sim import validation
from kdgap_sim.envs.execution import ExecutionTask
from kdgap_sim.horizon.execution_rollout import injected_error_count, run_execution
from kdgap_sim.horizon.executor import ExecutorParams, SelfConditioningExecutor
from kdgap_sim.types import PRNGKey


class InjectionResult(NamedTuple):
    """Counts of an error-injection experiment, one entry per injected fraction.

    Attributes:
      fractions: the clamped context error fractions ``round(f * W) / W``: the
        injected count over W, exactly as injected.
      n_agents: agents measured at each fraction.
      n_correct: of them, how many were step-correct on the measured turn.
      measure_step: the free turn measured (1 = the turn right after the prefix).

    Example:
      >>> import numpy as np, kdgap_sim as kd
      >>> result = kd.horizon.InjectionResult(
      ...     fractions=np.array([0.0, 1.0]), n_agents=np.array([100, 100]),
      ...     n_correct=np.array([90, 40]), measure_step=1)
      >>> result.step_accuracy.tolist()
      [0.9, 0.4]
    """

    fractions: np.ndarray
    n_agents: np.ndarray
    n_correct: np.ndarray
    measure_step: int

    @property
    def step_accuracy(self) -> np.ndarray:
        """Step accuracy at each fraction."""
        return self.n_correct / self.n_agents


class GammaFit(NamedTuple):
    """Least-squares fit of ``error = eps_0 + gamma * f`` with robust standard errors.

    Attributes:
      gamma, gamma_se, gamma_low, gamma_high: slope, its HC0 standard error and
        the confidence interval.
      eps0, eps0_se: intercept and its standard error.
      confidence: the interval's coverage.

    Example:
      >>> import kdgap_sim as kd
      >>> fit = kd.horizon.GammaFit(gamma=0.5, gamma_se=0.1, gamma_low=0.3, gamma_high=0.7,
      ...                           eps0=0.1, eps0_se=0.02, confidence=0.95)
      >>> fit.contains(0.5), fit.contains(0.0)
      (True, False)
    """

    gamma: float
    gamma_se: float
    gamma_low: float
    gamma_high: float
    eps0: float
    eps0_se: float
    confidence: float

    def contains(self, value: float) -> bool:
        """Whether ``value`` lies in the confidence interval of gamma."""
        return self.gamma_low <= value <= self.gamma_high


def error_injection_experiment(
    key: PRNGKey,
    task: ExecutionTask,
    task_params: Any,
    executor: SelfConditioningExecutor,
    executor_params: ExecutorParams,
    fractions: Sequence[float],
    n_agents: int,
    *,
    measure_step: int = 1,
) -> InjectionResult:
    """Clamps the context error fraction at each ``f`` and measures a later step.

    For fraction ``j`` the key is ``fold_in(key, j)``; each of ``n_agents``
    agents gets a prefix of ``executor.window`` turns with exactly
    ``round(f * W)`` injected errors, then acts freely; step correctness on free
    turn ``measure_step`` is counted (turn 1 sees the clamped context exactly).

    Example:
      >>> import jax, numpy as np, kdgap_sim as kd
      >>> from kdgap_sim.horizon import injection
      >>> task = kd.envs.make("execution")
      >>> ex = kd.horizon.SelfConditioningExecutor(window=10)
      >>> params = kd.horizon.ExecutorParams(eps0=np.float32(0.0), gamma=np.float32(1.0))
      >>> res = injection.error_injection_experiment(
      ...     jax.random.key(0), task, task.default_params(), ex, params, [0.0, 1.0], n_agents=100)
      >>> res.step_accuracy.tolist()
      [1.0, 0.0]
    """
    validation.check_key(key)
    validation.check_int("n_agents", n_agents, minimum=1)
    validation.check_int("measure_step", measure_step, minimum=1)
    fractions = validation.as_numeric_array("fractions", fractions).astype(np.float64).ravel()
    if fractions.size < 1:
        raise ValueError("fractions must hold at least one value")
    validation.check_in_domain("fractions", fractions, "unit")
    window = executor.window
    counts = injected_error_count(fractions, window)  # what is injected and what is reported
    edges = (1, 2) if measure_step == 1 else (1, measure_step, measure_step + 1)
    n_correct = []
    for j, count in enumerate(counts):
        out = run_execution(
            jax.random.fold_in(key, j), task, task_params, executor, executor_params,
            measure_step, n_agents, bin_edges=edges, prefix_steps=window,
            injected_error_fraction=int(count) / window,
        )
        n_correct.append(int(np.asarray(out.bin_correct)[:, -1].sum()))
    return InjectionResult(
        fractions=counts / window,
        n_agents=np.full(fractions.shape, n_agents, np.int64),
        n_correct=np.asarray(n_correct, np.int64),
        measure_step=measure_step,
    )


def fit_gamma(result: InjectionResult, confidence: float = 0.95) -> GammaFit:
    r"""Regresses the error indicator on the injected fraction: slope = gamma.

    OLS on the individual 0/1 outcomes, computed from the grouped counts;
    covariance :math:`(X^\top X)^{-1} X^\top \operatorname{diag}(r^2) X (X^\top X)^{-1}` (HC0).

    Raises:
      ValueError: fewer than two distinct fractions, or ``confidence`` not in (0, 1).

    Example:
      >>> import numpy as np, kdgap_sim as kd
      >>> result = kd.horizon.InjectionResult(
      ...     fractions=np.array([0.0, 1.0]), n_agents=np.array([100, 100]),
      ...     n_correct=np.array([90, 40]), measure_step=1)
      >>> fit = kd.horizon.fit_gamma(result)  # error rate 0.1 at f = 0 and 0.6 at f = 1
      >>> round(fit.eps0, 6), round(fit.gamma, 6), fit.gamma_low < 0.5 < fit.gamma_high
      (0.1, 0.5, True)
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie in (0, 1), got {confidence!r}")
    x = np.asarray(result.fractions, np.float64)
    n = np.asarray(result.n_agents, np.float64)
    errors = n - np.asarray(result.n_correct, np.float64)
    if np.unique(x).size < 2:
        raise ValueError(f"fit_gamma needs at least two distinct fractions, got {x.tolist()}")
    design = np.stack([np.ones_like(x), x], axis=1)
    outer = design[:, :, None] * design[:, None, :]
    xtx = np.einsum("j,jab->ab", n, outer)
    xty = design.T @ errors
    beta = np.linalg.solve(xtx, xty)
    fitted = design @ beta
    # Sum of squared residuals in each group: errors have residual 1 - fitted, successes -fitted.
    ssr = errors * (1 - fitted) ** 2 + (n - errors) * fitted**2
    meat = np.einsum("j,jab->ab", ssr, outer)
    bread = np.linalg.inv(xtx)
    cov = bread @ meat @ bread
    se = np.sqrt(np.diag(cov))
    z = statistics.NormalDist().inv_cdf(0.5 + confidence / 2)
    return GammaFit(
        gamma=float(beta[1]), gamma_se=float(se[1]),
        gamma_low=float(beta[1] - z * se[1]), gamma_high=float(beta[1] + z * se[1]),
        eps0=float(beta[0]), eps0_se=float(se[0]), confidence=float(confidence),
    )


def gamma_recovery(
    key: PRNGKey,
    task: ExecutionTask,
    task_params: Any,
    executor: SelfConditioningExecutor,
    eps0: float,
    gammas: Sequence[float],
    fractions: Sequence[float],
    n_agents: int,
    *,
    confidence: float = 0.95,
) -> dict[str, np.ndarray]:
    """Runs the injection experiment for each true gamma and fits it back.

    Gamma ``j`` uses ``fold_in(key, j)``. Returns arrays ``true``, ``estimate``,
    ``low``, ``high`` and ``se``, one entry per gamma (for
    :func:`kdgap_sim.plotting.horizon.gamma_recovery_figure`).

    Example:
      >>> import jax, kdgap_sim as kd
      >>> task = kd.envs.make("execution")
      >>> ex = kd.horizon.SelfConditioningExecutor(window=10)
      >>> out = kd.horizon.gamma_recovery(jax.random.key(0), task, task.default_params(), ex,
      ...     eps0=0.0, gammas=[0.0, 1.0], fractions=[0.0, 1.0], n_agents=100)
      >>> out["true"].tolist(), out["estimate"].round(6).tolist()
      ([0.0, 1.0], [0.0, 1.0])
    """
    rows = []
    for j, gamma in enumerate(gammas):
        params = ExecutorParams(eps0=np.float32(eps0), gamma=np.float32(gamma))
        result = error_injection_experiment(
            jax.random.fold_in(key, j), task, task_params, executor, params, fractions, n_agents
        )
        fit = fit_gamma(result, confidence)
        rows.append((float(gamma), fit.gamma, fit.gamma_low, fit.gamma_high, fit.gamma_se))
    columns = np.asarray(rows, np.float64).reshape(-1, 5).T
    return dict(zip(("true", "estimate", "low", "high", "se"), columns))
