"""Verify checks of theory/THEORY.md section 6 that use :mod:`kdgap_sim.rewards`.

- ``rewards.rlcr_optimum``: the expected RLCR reward is maximised at ``q = p``
  with value ``p**2``, checked by Monte Carlo on the sampled reward
  :func:`~kdgap_sim.rewards.rlcr_reward` and by a grid search on the exact
  expectation :func:`~kdgap_sim.rewards.expected_rlcr_reward`.
- ``rewards.log_score_non_monotone``: the log-score optimum ``p - H(p)`` is
  higher at ``p = 0.01`` (-0.046) than at ``p = 0.2`` (-0.300).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from kdgap_sim import rewards
from kdgap_sim.verify.registry import Measurement, register

_P_GRID = (0.1, 0.3, 0.5, 0.7, 0.9)


@register(
    "rewards.rlcr_optimum",
    claim="Expected RLCR reward 1[correct] - (q - 1[correct])^2 is maximised at q = p, value p^2",
    formula="E[R] = p - [p(1-q)^2 + (1-p) q^2]; argmax_q = p; max = p^2",
    source="Damani et al. (2025), arXiv 2507.16806; theory/THEORY.md section 6",
)
def rlcr_optimum(key, quick: bool) -> Measurement:
    """Monte Carlo: for each p, mean sampled reward at q = p minus p^2, in units of its s.e.

    For each ``p`` in (0.1, 0.3, 0.5, 0.7, 0.9), ``n`` outcomes ``c ~
    Bernoulli(p)`` give the mean of ``rlcr_reward(c, p)``; its standard error
    is ``sd(R)/sqrt(n)`` with the exact ``sd = 2p sqrt(p(1-p))`` of the
    two-point reward (values ``2p - p^2`` and ``-p^2``). The
    measured value is the largest ``|mean - p^2| / se`` over the grid; the
    check passes if it is below 4 (each of 5 comparisons has a two-sided
    4-s.e. false-alarm rate of 6e-5) **and** the exact expectation on a
    q-grid of step 1e-3 peaks within 1e-3 of ``p`` at the value ``p^2``
    (to 1e-5).
    """
    n = 20_000 if quick else 400_000
    worst_z, worst_argmax, worst_value = 0.0, 0.0, 0.0
    q_grid = jnp.linspace(0.0, 1.0, 1001)
    for i, p in enumerate(_P_GRID):
        correct = jax.random.uniform(jax.random.fold_in(key, i), (n,)) < p
        reward = np.asarray(rewards.rlcr_reward(correct, jnp.full((n,), p)), np.float64)
        # R = 2p - p^2 w.p. p and -p^2 w.p. 1-p: two values 2p apart, so sd = 2p sqrt(p(1-p)).
        se = 2 * p * np.sqrt(p * (1 - p) / n)
        worst_z = max(worst_z, abs(reward.mean() - p * p) / se)
        expected = np.asarray(rewards.expected_rlcr_reward(p, q_grid), np.float64)
        best = int(np.argmax(expected))
        worst_argmax = max(worst_argmax, abs(float(q_grid[best]) - p))
        worst_value = max(worst_value, abs(expected[best] - p * p))
    passed = worst_z < 4.0 and worst_argmax <= 1e-3 + 1e-6 and worst_value <= 1e-5
    return Measurement(
        measured=worst_z, expected=0.0, tolerance=4.0, passed=bool(passed),
        details=(
            f"max |MC mean - p^2|/se over p in {_P_GRID} with n={n}: {worst_z:.2f} (tol 4 s.e.); "
            f"exact argmax_q within {worst_argmax:.1e} of p; |max - p^2| = {worst_value:.1e}"
        ),
    )


@register(
    "rewards.log_score_non_monotone",
    claim="The optimal expected log-score reward p - H(p) is not monotone: p = 0.01 beats p = 0.2",
    formula="max_q E[c + c log q + (1-c) log(1-q)] = p - H(p); 0.01 -> -0.046, 0.2 -> -0.300",
    source="theory/THEORY.md section 6 (derived)",
)
def log_score_non_monotone(key, quick: bool) -> Measurement:
    """Exact expectation via :func:`~kdgap_sim.rewards.expected_log_score_reward` on a q-grid.

    Measured: optimum at p = 0.01 minus optimum at p = 0.2 (claimed 0.254);
    tolerance 2e-3 covers the q-grid step (1e-4) and float32 rounding.
    """
    del key, quick
    q_grid = jnp.linspace(1e-4, 1 - 1e-4, 9999)
    best = {p: float(jnp.max(rewards.expected_log_score_reward(p, q_grid))) for p in (0.01, 0.2)}
    claimed = -0.046 - (-0.300)
    measured = best[0.01] - best[0.2]
    return Measurement(
        measured=measured, expected=claimed, tolerance=2e-3,
        passed=bool(abs(measured - claimed) <= 2e-3 and measured > 0),
        details=f"optimum at p=0.01: {best[0.01]:.4f}; at p=0.2: {best[0.2]:.4f}",
    )
