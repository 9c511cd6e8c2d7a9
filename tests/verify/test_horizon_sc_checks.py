"""Tests of the self-conditioning and entropy verify checks."""

import jax
import numpy as np
import pytest

from kdgap_sim import verify
from kdgap_sim.envs.execution import ExecutionTask
from kdgap_sim.horizon import (
    ExecutorParams,
    SelfConditioningExecutor,
    error_injection_experiment,
)

NAMES = ("horizon-gamma-recovery", "horizon-thinking-slope", "entropy-same-policy-ratio")


def test_checks_are_registered_with_claims_and_sources():
    for name in NAMES:
        check = verify.get(name)
        assert check.claim and check.formula and "arXiv" in check.source


@pytest.mark.slow
def test_checks_pass_in_quick_mode():
    results = verify.run(NAMES, quick=True, key=jax.random.key(11))
    assert all(r.passed for r in results), verify.format_table(results)


def test_injection_at_a_window_where_float32_rounding_differs():
    # The checks use W = 20 and f on a 0.1 grid, where f W is a whole number; at W = 50,
    # f = 0.59 (f W = 29.5 in float64, 29.4999987 in float32) the reported fraction was
    # 30/50 while 29/50 were injected. With eps0 = 0 and gamma = 1 the error rate on the
    # first free turn is the injected fraction, Binomial(n, f_inj) / n: within 4 standard
    # errors sqrt(f (1 - f) / n) = 0.0035 (tol 0.014) of the reported fraction, while an
    # off-by-one count is 1 / 50 = 0.02 away.
    task = ExecutionTask(max_keys_per_turn=2)
    n = 20_000
    result = error_injection_experiment(
        jax.random.key(0), task, task.default_params(), SelfConditioningExecutor(window=50),
        ExecutorParams(eps0=np.float32(0.0), gamma=np.float32(1.0)), [0.59], n)
    f = result.fractions[0]
    error_rate = 1 - result.step_accuracy[0]
    assert abs(error_rate - f) <= 4 * np.sqrt(f * (1 - f) / n), (error_rate, f)
