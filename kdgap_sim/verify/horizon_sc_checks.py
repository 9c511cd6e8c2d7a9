"""Verify checks for self-conditioning (theory/THEORY.md 4) and outputs as actions (theory/THEORY.md 5).

The generic closed forms (``H_s = ln s / ln p``, task accuracy ``p**i``) are
checked elsewhere; these checks test what the simulations here add:

- ``horizon-gamma-recovery``: the error-injection regression recovers gamma;
- ``horizon-thinking-slope``: a thinking executor's step accuracy does not
  depend on the injected error fraction (slope 0);
- ``entropy-same-policy-ratio``: the off/on-policy entropy ratio is 1 when the
  other policy is the agent's own.

Tolerances are 4 standard errors of the estimate (a false failure has
probability about 6e-5 under the normal approximation).
"""

from __future__ import annotations

import jax
import numpy as np

from kdgap_sim.agents.surprise import SurpriseTemperaturePolicy
from kdgap_sim.envs.execution import ExecutionTask
from kdgap_sim.horizon.executor import ExecutorParams, SelfConditioningExecutor
from kdgap_sim.horizon.injection import error_injection_experiment, fit_gamma
from kdgap_sim.metrics.entropy import on_off_policy_entropy
from kdgap_sim.verify.registry import Measurement, register

_SOURCE = "Sinha et al. 2025, arXiv 2509.09677"
_N_SE = 4.0
_FRACTIONS = np.linspace(0.0, 1.0, 11)


def _injection_fit(key, thinking: bool, gamma: float, quick: bool):
    task = ExecutionTask(max_keys_per_turn=2)
    executor = SelfConditioningExecutor(window=20, thinking=thinking)
    params = ExecutorParams(eps0=np.float32(0.05), gamma=np.float32(gamma))
    n_agents = 500 if quick else 4000
    result = error_injection_experiment(
        key, task, task.default_params(), executor, params, _FRACTIONS, n_agents
    )
    return fit_gamma(result), n_agents


@register(
    "horizon-gamma-recovery",
    claim="Error injection at clamped context error fractions recovers the self-conditioning "
    "strength gamma by regression",
    formula="1 - acc(f) = eps0 + gamma * f; gamma_hat = OLS slope",
    source=_SOURCE,
)
def gamma_recovery(key, quick: bool) -> Measurement:
    """True gamma 0.4, eps0 0.05, W 20, 11 fractions; tolerance 4 HC0 standard errors."""
    true = 0.4
    fit, n_agents = _injection_fit(key, thinking=False, gamma=true, quick=quick)
    tol = _N_SE * fit.gamma_se
    return Measurement(
        fit.gamma, true, tol, abs(fit.gamma - true) <= tol,
        f"{n_agents} agents x 11 fractions; 95% CI [{fit.gamma_low:.3f}, {fit.gamma_high:.3f}]",
    )


@register(
    "horizon-thinking-slope",
    claim="Thinking (keeping erroneous context out of the decision) removes self-conditioning: "
    "step accuracy does not depend on the injected error fraction",
    formula="slope of error on f = 0 for the thinking executor (its gamma = 0.4 is ignored)",
    source=_SOURCE,
)
def thinking_slope(key, quick: bool) -> Measurement:
    """Thinking executor with gamma 0.4 set; slope within 4 HC0 standard errors of 0."""
    fit, n_agents = _injection_fit(key, thinking=True, gamma=0.4, quick=quick)
    tol = _N_SE * fit.gamma_se
    return Measurement(
        fit.gamma, 0.0, tol, abs(fit.gamma) <= tol, f"{n_agents} agents x 11 fractions"
    )


@register(
    "entropy-same-policy-ratio",
    claim="The off/on-policy entropy ratio is 1 when the other policy is the agent's own",
    formula="R = H_off / H_on = 1 if source params == agent params",
    source="Asvin G. & Lindsey 2026, arXiv 2605.25459",
)
def same_policy_ratio(key, quick: bool) -> Measurement:
    """Surprise gain 0.3, V 32, 500 steps; tolerance 4 delta-method standard errors of the ratio."""
    policy = SurpriseTemperaturePolicy(vocab_size=32)
    params = policy.default_params(jax.random.fold_in(key, 0)).replace(surprise_gain=0.3)
    n_rollouts = 100 if quick else 200
    r = on_off_policy_entropy(
        jax.random.fold_in(key, 1), policy, params, params, 500, n_rollouts, burn_in=100
    )
    tol = _N_SE * r.ratio_se
    return Measurement(
        r.ratio, 1.0, tol, abs(r.ratio - 1.0) <= tol,
        f"{n_rollouts} rollouts x 500 steps per setting; H_on {r.on_policy:.3f} nats",
    )
