"""Verify checks of the scoring-rule claims of theory/THEORY.md (section 6, cross-cutting).

- ``brier-proper``: ``argmin_q E[(q - Y)^2] = P(Y = 1)``, by sampling.
- ``rlcr-expected-reward``: for ``R = 1[c] - (q - 1[c])^2`` (RLCR, arXiv 2507.16806)
  the expected reward is maximised at ``q = p`` with value ``p^2``, by sampling.
- ``log-score-non-monotone``: with ``R = 1[c] + ln(q or 1 - q)`` the optimum
  ``p - H(p)`` is non-monotone, with its minimum at ``p = 1/(1 + e)``.

The reward formulas are written here, privately, so that the checks do not
depend on the library's reward module: a check must not share code with what
it checks.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np

from kdgap_sim.metrics.report import mean_and_se
from kdgap_sim.verify._stats import Z, table_measurement
from kdgap_sim.verify.registry import Measurement, register

P_GRID = (0.05, 0.2, 0.5, 0.8, 0.95)
Q_STEP = 1e-3
_Q_GRID = np.arange(0.0, 1.0 + Q_STEP / 2, Q_STEP)


def _brier(q, outcome):
    return (q - outcome) ** 2


def _rlcr_reward(q, correct):
    """``1[correct] - (q - 1[correct])^2``: Damani et al. (2025), arXiv 2507.16806."""
    return correct - (q - correct) ** 2


def _log_reward(q, correct):
    """``1[correct] + ln q`` if correct, ``ln(1 - q)`` otherwise."""
    return correct + jnp.where(correct > 0, jnp.log(q), jnp.log1p(-q))


def _draws(key, p: float, n: int) -> np.ndarray:
    return np.asarray(jax.random.bernoulli(key, p, (n,)), np.float64)


def _grid_optimum(outcomes: np.ndarray, score, maximise: bool) -> float:
    """The q on the grid optimising the empirical mean score (exact, via the sample mean)."""
    mean = outcomes.mean()
    # The empirical mean of a score that is affine in the outcome is
    # mean * score(q, 1) + (1 - mean) * score(q, 0): evaluate it on the grid.
    q = jnp.asarray(_Q_GRID)
    values = np.asarray(mean * score(q, 1.0) + (1 - mean) * score(q, 0.0))
    return float(_Q_GRID[np.argmax(values) if maximise else np.argmin(values)])


def _sizes(quick: bool) -> int:
    return 20_000 if quick else 200_000


def measure_brier_proper(
    key, quick: bool, claimed: Callable[[float], float] = lambda p: p
) -> Measurement:
    """Minimiser of the sampled mean Brier score vs ``claimed(p)`` for p in {.05, .2, .5, .8, .95}.

    Tolerance: 4 binomial s.e. ``sqrt(p (1-p) / n)`` of the sample mean (the
    empirical minimiser) plus half the q-grid step.
    """
    n = _sizes(quick)
    rows = []
    for i, p in enumerate(P_GRID):
        outcomes = _draws(jax.random.fold_in(key, i), p, n)
        q_star = _grid_optimum(outcomes, _brier, maximise=False)
        rows.append((f"p={p}", q_star, claimed(p), Z * math.sqrt(p * (1 - p) / n) + Q_STEP / 2))
    note = f"{n} Bernoulli draws per p; q grid step {Q_STEP}; tol 4 s.e. + step/2"
    return table_measurement(rows, note)


@register(
    "brier-proper",
    claim="The Brier score is proper: the expected score is minimised by the true probability",
    formula="argmin_q E[(q - Y)^2] = P(Y = 1)",
    source="theory/THEORY.md cross-cutting; Brier 1950",
)
def check_brier_proper(key, quick: bool) -> Measurement:
    return measure_brier_proper(key, quick)


def measure_rlcr_reward(
    key, quick: bool, claimed: Callable[[float], float] = lambda p: p**2
) -> Measurement:
    """Sampled mean RLCR reward at ``q = p`` vs ``claimed(p)``, and its argmax vs ``p``.

    Rows ``E[R] p=..``: tolerance 4 s.e. of the mean reward over ``n`` draws.
    Rows ``argmax p=..``: tolerance 4 binomial s.e. plus half the grid step.
    """
    n = _sizes(quick)
    rows = []
    for i, p in enumerate(P_GRID):
        correct = _draws(jax.random.fold_in(key, i), p, n)
        rewards = np.asarray(_rlcr_reward(p, correct))
        mean, se = mean_and_se(rewards, min_size=2)
        rows.append((f"E[R] p={p}", mean, claimed(p), Z * se))
        q_star = _grid_optimum(correct, _rlcr_reward, maximise=True)
        rows.append((f"argmax p={p}", q_star, p, Z * math.sqrt(p * (1 - p) / n) + Q_STEP / 2))
    return table_measurement(rows, f"{n} draws per p; tol 4 s.e.")


@register(
    "rlcr-expected-reward",
    claim="Under the RLCR reward, stating q = p is optimal and earns p^2 (increasing in p)",
    formula="E[R] = p - [p (1-q)^2 + (1-p) q^2], max at q = p: p^2",
    source="theory/THEORY.md s6 (derived); Damani et al. 2025, arXiv 2507.16806",
)
def check_rlcr_reward(key, quick: bool) -> Measurement:
    return measure_rlcr_reward(key, quick)


def log_score_optimum(p: float) -> float:
    """Claimed optimum of ``E[1[c] + log score]``: ``p - H(p)`` with ``H`` in nats."""
    return p + p * math.log(p) + (1 - p) * math.log(1 - p)


def measure_log_score(
    key, quick: bool,
    claimed_minimiser: float = 1.0 / (1.0 + math.e),
    claimed_optimum: Callable[[float], float] = log_score_optimum,
) -> Measurement:
    """Numerical optimum of ``E[R](q)`` over q, for p on a grid, vs the claims.

    ``V(p) = max_q p (1 + ln q) + (1 - p) ln(1 - q)`` is maximised over a
    q grid of step 1e-5; ``V`` is evaluated on a p grid of step 1e-3.
    Rows: the argmin of ``V`` vs ``claimed_minimiser`` (tolerance one p step);
    ``V(0.01)`` and ``V(0.2)`` vs ``claimed_optimum`` (tolerance 1e-6, which
    bounds the q-grid error ``max|V''| step^2 / 2``); the check also requires
    ``V(0.01) > V(0.2)`` (non-monotone). Pure numerics: ``key`` is unused.
    """
    del key
    p_step, q_step = 1e-3, 1e-5
    q = np.arange(q_step, 1.0, q_step)
    ln_q, ln_1q = np.log(q), np.log1p(-q)

    def optimum(p):
        return float(np.max(p * (1.0 + ln_q) + (1.0 - p) * ln_1q))

    p_grid = np.arange(0.1, 0.5 + p_step / 2, p_step if not quick else 2 * p_step)
    values = np.array([optimum(p) for p in p_grid])
    minimiser = float(p_grid[np.argmin(values)])
    step = p_grid[1] - p_grid[0]
    v_small, v_mid = optimum(0.01), optimum(0.2)
    rows = [
        ("argmin_p V(p)", minimiser, claimed_minimiser, float(step)),
        ("V(0.01)", v_small, claimed_optimum(0.01), 1e-6),
        ("V(0.2)", v_mid, claimed_optimum(0.2), 1e-6),
    ]
    result = table_measurement(rows, f"q grid step {q_step}, p grid step {step:.0e}")
    non_monotone = v_small > v_mid
    return result._replace(
        passed=result.passed and non_monotone,
        details=result.details + f"; V(0.01) > V(0.2): {non_monotone}",
    )


@register(
    "log-score-non-monotone",
    claim="With a log-score term the optimal expected reward is non-monotone in p",
    formula="max_q E[R] = p - H(p), minimal at p = 1/(1+e) ~ 0.269; V(.01) = -.046 > V(.2) = -.300",
    source="theory/THEORY.md s6 (derived); Damani et al. 2025, arXiv 2507.16806",
)
def check_log_score(key, quick: bool) -> Measurement:
    return measure_log_score(key, quick)
