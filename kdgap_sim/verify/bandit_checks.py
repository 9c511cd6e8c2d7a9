"""Verify checks of the bandit claims of theory/THEORY.md (sections 1 and 3, cross-cutting).

Every check simulates with :func:`kdgap_sim.rollout_batch` and compares with a
*claimed* function (the formula of theory/THEORY.md), passed as an argument so that
tests can inject a deliberately wrong formula and see the check fail.

- ``rw-steady-state``: asymmetric Rescorla-Wagner, ``V* = a+ p / (a+ p + a- (1 - p))``.
- ``optimism-separation``: ``V*(p2) - V*(p1)`` for ``k = a+/a-`` in poor and rich environments.
- ``ucb1-regret-bounds``: Lai-Robbins term <= UCB1 regret <= Auer et al. bound.
- ``ucb-log-regret`` / ``thompson-log-regret``: regret grows as ``a + c ln T``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np

import kdgap_sim as kd
from kdgap_sim.metrics.report import mean_and_se
from kdgap_sim.verify._stats import Z, key_cached, table_measurement
from kdgap_sim.verify.registry import Measurement, register

# --------------------------------------------------------------------------
# Claimed formulas (theory/THEORY.md)
# --------------------------------------------------------------------------


def steady_state_value(p: float, alpha_pos: float, alpha_neg: float) -> float:
    """theory/THEORY.md section 3: ``V* = a+ p / (a+ p + a- (1 - p))``."""
    return alpha_pos * p / (alpha_pos * p + alpha_neg * (1.0 - p))


def separation(p1: float, p2: float, k: float) -> float:
    """``V*(p2) - V*(p1)`` with ``V*(p) = k p / (k p + 1 - p)``, ``k = a+/a-``."""
    return steady_state_value(p2, k, 1.0) - steady_state_value(p1, k, 1.0)


def lai_robbins_term(means, horizon: int) -> float:
    """``sum_a D_a / KL(Bern(mu_a), Bern(mu*)) * ln T`` (Lai & Robbins 1985)."""
    best = max(means)
    total = 0.0
    for mu in means:
        if mu < best:
            kl = mu * math.log(mu / best) + (1 - mu) * math.log((1 - mu) / (1 - best))
            total += (best - mu) / kl
    return total * math.log(horizon)


def auer_bound(means, horizon: int) -> float:
    """``sum_a 8 ln T / D_a + (1 + pi^2/3) sum_a D_a`` (Auer et al. 2002, Thm 1)."""
    best = max(means)
    gaps = [best - mu for mu in means if mu < best]
    return sum(8 * math.log(horizon) / d for d in gaps) + (1 + math.pi**2 / 3) * sum(gaps)


# --------------------------------------------------------------------------
# Simulation helpers
# --------------------------------------------------------------------------


def _bandit(probs) -> tuple[kd.envs.BernoulliBandit, kd.envs.BernoulliBanditParams]:
    env = kd.envs.BernoulliBandit(n_arms=len(probs))
    params = kd.envs.BernoulliBanditParams(
        probs=jnp.asarray(probs, jnp.float32), drift_scale=jnp.float32(0.0)
    )
    return env, params


@key_cached
def simulate_rw_value(key, p: float, alpha_pos: float, alpha_neg: float, n_seeds: int,
                      n_steps: int, burn_in: int) -> tuple[float, float]:
    """Time-averaged value of a one-armed asymmetric RW learner: mean and s.e. over seeds.

    Each seed's value is averaged over trials ``burn_in .. n_steps``; seeds
    are independent, so the s.e. is the across-seed sd / sqrt(n_seeds). Starting
    at ``q0 = 0.5`` the mean approaches V* geometrically at rate
    ``1 - (p a+ + (1-p) a-)`` per trial, negligible after ``burn_in``.
    """
    env, env_params = _bandit([p])
    agent = kd.agents.Agent(kd.agents.RescorlaWagner(asymmetric=True), kd.agents.Greedy())
    params = agent.default_params().replace(alpha_pos=alpha_pos, alpha_neg=alpha_neg)
    traj = kd.rollout_batch(key, env, env_params, agent, params, n_steps, n_seeds, record="trajectory")
    values = np.asarray(traj.beliefs[:, burn_in:, 0]).mean(axis=1)
    return mean_and_se(values, min_size=2)


def _sizes(quick: bool) -> tuple[int, int, int]:
    return (100, 1500, 500) if quick else (400, 4000, 500)


# --------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------

V_STAR_TABLE = ((0.25, 0.3, 0.1), (0.75, 0.3, 0.1), (0.25, 0.1, 0.3), (0.5, 0.2, 0.2))


def measure_rw_steady_state(
    key, quick: bool, claimed: Callable[[float, float, float], float] = steady_state_value
) -> Measurement:
    """Simulated stationary mean of Q vs ``claimed(p, a+, a-)`` on the theory/THEORY.md table.

    Tolerance: 4 s.e. of the across-seed mean of time-averaged Q.
    """
    n_seeds, n_steps, burn_in = _sizes(quick)
    rows = []
    for i, (p, a_pos, a_neg) in enumerate(V_STAR_TABLE):
        k_i = jax.random.fold_in(key, i)
        mean, se = simulate_rw_value(k_i, p, a_pos, a_neg, n_seeds, n_steps, burn_in)
        rows.append((f"p={p},a+={a_pos},a-={a_neg}", mean, claimed(p, a_pos, a_neg), Z * se))
    note = f"{n_seeds} seeds x {n_steps} trials (burn-in {burn_in}); tol 4 s.e."
    return table_measurement(rows, note)


@register(
    "rw-steady-state",
    claim="The asymmetric RW value of an option paid with prob. p converges in mean to V*",
    formula="V* = a+ p / (a+ p + a- (1 - p))",
    source="theory/THEORY.md s3 (derived); Lefebvre et al. 2017; Schubert et al. 2024 arXiv 2402.03969",
)
def check_rw_steady_state(key, quick: bool) -> Measurement:
    return measure_rw_steady_state(key, quick)


SEPARATION_TABLE = (
    ("poor", (0.1, 0.2), ((1 / 3, 0.041), (1.0, 0.100), (3.0, 0.179))),
    ("rich", (0.8, 0.9), ((1 / 3, 0.179), (1.0, 0.100), (3.0, 0.041))),
)


def measure_optimism_separation(
    key, quick: bool, claimed: Callable[[float, float, float], float] = separation
) -> Measurement:
    """Simulated ``V*(p2) - V*(p1)`` (a- = 0.1, a+ = 0.1 k) vs ``claimed(p1, p2, k)``.

    Tolerance: 4 x sqrt(se1^2 + se2^2) (independent simulations of p1 and p2).
    Also requires the ordering claim: in the poor environment separation grows
    with k (optimism helps), in the rich one it shrinks (pessimism helps).
    """
    n_seeds, n_steps, burn_in = _sizes(quick)
    rows, measured = [], {}
    index = 0
    for label, (p1, p2), entries in SEPARATION_TABLE:
        for k, _ in entries:
            estimates = []
            for p in (p1, p2):
                k_i = jax.random.fold_in(key, index)
                estimates.append(simulate_rw_value(k_i, p, 0.1 * k, 0.1, n_seeds, n_steps, burn_in))
                index += 1
            (m1, s1), (m2, s2) = estimates
            sep, se = m2 - m1, math.hypot(s1, s2)
            measured[(label, k)] = (sep, se)
            rows.append((f"{label} k={k:.3g}", sep, claimed(p1, p2, k), Z * se))
    result = table_measurement(rows, f"{n_seeds} seeds x {n_steps} trials per p; tol 4 s.e.")

    def ordered(a, b):  # measured a < measured b, beyond 4 s.e. of the difference
        (ma, sa), (mb, sb) = measured[a], measured[b]
        return mb - ma > Z * math.hypot(sa, sb)

    order_ok = ordered(("poor", 1 / 3), ("poor", 1.0)) and ordered(("poor", 1.0), ("poor", 3.0))
    order_ok = (
        order_ok and ordered(("rich", 3.0), ("rich", 1.0)) and ordered(("rich", 1.0), ("rich", 1 / 3))
    )
    return result._replace(
        passed=result.passed and order_ok,
        details=result.details + f"; ordering (optimism helps poor, pessimism rich): {order_ok}",
    )


@register(
    "optimism-separation",
    claim="Optimism (k>1) separates rare rewards better, pessimism (k<1) common ones",
    formula="V*(p2) - V*(p1), V*(p) = k p / (k p + 1 - p); poor (.1,.2): .041/.100/.179",
    source="theory/THEORY.md s3 (derived); Caze & van der Meer 2013, Biol Cybern 107:711",
)
def check_optimism_separation(key, quick: bool) -> Measurement:
    return measure_optimism_separation(key, quick)


UCB_MEANS = (0.5, 0.6)
UCB_HORIZON = 10_000


@key_cached
def _ucb1_regrets(key, n_seeds: int) -> np.ndarray:
    env, env_params = _bandit(UCB_MEANS)
    agent, params = kd.agents.profile("faithful-ucb")
    summary = kd.rollout_batch(key, env, env_params, agent, params, UCB_HORIZON, n_seeds)
    return np.asarray(summary.regret_sum, np.float64)


def measure_ucb1_bounds(
    key, quick: bool,
    lower: Callable[[tuple, int], float] = lai_robbins_term,
    upper: Callable[[tuple, int], float] = auer_bound,
) -> Measurement:
    """Mean UCB1 pseudo-regret over 50 runs at T = 10^4, arms (0.5, 0.6), vs the two bounds.

    Passes when ``lower - 4 s.e. <= mean`` and ``mean - 4 s.e. <= upper``.
    Reported: measured mean, expected = the upper (Auer) bound, tolerance 4 s.e.
    """
    n_seeds = 50
    mean, se = mean_and_se(_ucb1_regrets(key, n_seeds), min_size=2)
    low, high = lower(UCB_MEANS, UCB_HORIZON), upper(UCB_MEANS, UCB_HORIZON)
    passed = (low <= mean + Z * se) and (mean - Z * se <= high)
    details = (
        f"{n_seeds} runs, T={UCB_HORIZON}: regret {mean:.1f} +- {se:.1f} (s.e.); "
        f"Lai-Robbins term {low:.1f}, Auer bound {high:.1f}; tol 4 s.e."
    )
    return Measurement(mean, high, Z * se, passed, details)


@register(
    "ucb1-regret-bounds",
    claim="UCB1 regret lies between the Lai-Robbins term and the Auer et al. bound",
    formula="sum D/KL ln T <= E[R_T] <= sum 8 ln T/D + (1+pi^2/3) sum D",
    source="theory/THEORY.md s1; Auer, Cesa-Bianchi, Fischer 2002; Lai & Robbins 1985",
)
def check_ucb1_bounds(key, quick: bool) -> Measurement:
    return measure_ucb1_bounds(key, quick)


GROWTH_MEANS = (0.3, 0.7)


def fit_growth(curves: np.ndarray, horizons: np.ndarray, growth: Callable[[np.ndarray], np.ndarray]):
    """Fits ``mean R_T = a + c g(T)`` by least squares; returns the max |residual| / s.d.

    ``curves`` is ``[n_seeds, n_horizons]`` (independent seeds, correlated
    horizons). The residual vector is ``M r_bar`` with ``M = I - X X^+``; its
    covariance ``M S M^T / n`` uses the across-seed covariance ``S``.
    """
    g = np.asarray(growth(horizons.astype(np.float64)), np.float64)
    design = np.stack([np.ones_like(g), g], axis=1)
    m = np.eye(len(g)) - design @ np.linalg.pinv(design)
    residual = m @ curves.mean(axis=0)
    cov = np.cov(curves.T) / curves.shape[0]
    sd = np.sqrt(np.maximum(np.diag(m @ cov @ m.T), 1e-300))
    return float(np.max(np.abs(residual) / sd)), residual


@key_cached
def _regret_curves(key, profile: str, n_seeds: int, low: int, top: int) -> np.ndarray:
    """Cumulative pseudo-regret at T = 2^low .. 2^top, ``[n_seeds, top - low + 1]``."""
    horizons = 2 ** np.arange(low, top + 1)
    env, env_params = _bandit(GROWTH_MEANS)
    agent, params = kd.agents.profile(profile)
    traj = kd.rollout_batch(
        key, env, env_params, agent, params, int(horizons[-1]), n_seeds, record="trajectory"
    )
    return np.cumsum(np.asarray(traj.regret, np.float64), axis=1)[:, horizons - 1]


def measure_log_regret(
    key, quick: bool, profile: str, growth: Callable[[np.ndarray], np.ndarray] = np.log
) -> Measurement:
    """Regret at T = 2^10 .. 2^14 (quick: 2^9 .. 2^12) fits ``a + c g(T)``, ``g = ln`` claimed.

    Arms (0.3, 0.7) so that the asymptotic regime is reached within the
    horizon. Passes when every residual of the fit is within 4 of its standard
    deviations (from the across-seed covariance) and the log-log slope of
    the mean regret over the range is below 0.5 by 4 s.e. (delta method), which
    rules out sqrt(T) growth.
    """
    n_seeds, low, top = (64, 9, 12) if quick else (200, 10, 14)
    horizons = 2 ** np.arange(low, top + 1)
    curves = _regret_curves(key, profile, n_seeds, low, top)
    z_max, _ = fit_growth(curves, horizons, growth)
    first, last = curves[:, 0], curves[:, -1]
    m1, m2 = first.mean(), last.mean()
    span = math.log(horizons[-1] / horizons[0])
    slope = math.log(m2 / m1) / span
    gradient = np.array([-1.0 / m1, 1.0 / m2])  # of ln(m2) - ln(m1) in (m1, m2)
    cov = np.cov(np.stack([first, last])) / n_seeds
    slope_se = float(np.sqrt(gradient @ cov @ gradient)) / span
    passed = z_max <= Z and slope + Z * slope_se < 0.5
    details = (
        f"{profile}, arms {GROWTH_MEANS}, {n_seeds} seeds, T={horizons.tolist()}: mean regret "
        f"{np.round(curves.mean(axis=0), 2).tolist()}; fit a + c g(T): max |residual|/sd = {z_max:.2f} "
        f"(tol 4); log-log slope {slope:.3f} +- {slope_se:.3f} (must be < 0.5 by 4 s.e.)"
    )
    return Measurement(z_max, 0.0, Z, passed, details)


@register(
    "ucb-log-regret",
    claim="UCB1 regret on a stationary Bernoulli bandit grows as O(log T)",
    formula="E[R_T] = a + c ln T over the tested range (max standardised residual <= 4)",
    source="theory/THEORY.md cross-cutting; Auer et al. 2002",
)
def check_ucb_log_regret(key, quick: bool) -> Measurement:
    return measure_log_regret(key, quick, "faithful-ucb")


@register(
    "thompson-log-regret",
    claim="Thompson sampling regret on a stationary Bernoulli bandit grows as O(log T)",
    formula="E[R_T] = a + c ln T over the tested range (max standardised residual <= 4)",
    source="theory/THEORY.md cross-cutting; Agrawal & Goyal 2012, arXiv 1111.1797",
)
def check_thompson_log_regret(key, quick: bool) -> Measurement:
    return measure_log_regret(key, quick, "thompson")
