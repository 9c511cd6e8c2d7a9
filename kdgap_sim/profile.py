r"""The knowing-doing profile: six scores in [0, 1] per agent on a standard battery.

In the spirit of bsuite's radar plots (Osband et al. 2020, arXiv 1908.03568),
one agent is summarised by six numbers, each in [0, 1] with a documented
definition, measured on the same battery: by default a 5-armed Bernoulli bandit
with probabilities 0.25, 0.375, 0.5, 0.625, 0.75 (best arm last).

=====================  ==================================================================
axis                   definition (mean over seeds unless stated)
=====================  ==================================================================
exploration            final action coverage :math:`C_T` (share of arms ever tried);
                       Schmied et al. (2025), arXiv 2504.16078
greediness             share of trials whose action maximised the agent's own beliefs
                       (``kd.metrics.greedy_fraction``); same source
frequency_bias         ``kd.metrics.frequency_bias`` divided by its maximum
                       :math:`1 - 1/K`, clipped to [0, 1]; exact, no sampling error;
                       same source, section 4.2
follow_rate            :math:`P(a_t = a^{rat}_t \mid \text{rationale correct})`
                       (``follow_given_correct``); same source: 64% (approx.)
calibration            :math:`1 - \text{Brier}` of the stated confidence against the
                       realised outcome of the recommended action
                       (``Summary.brier_sum / n_steps``; rewards in {0, 1});
                       Damani et al. (2025), arXiv 2507.16806
long_horizon_drift     :math:`\mathrm{clip}(\bar d, 0, 1)` with, per seed,
                       :math:`d = f_1 - f_2`, the follow rate given a correct rationale
                       in the first half of a long run minus that in the second half
                       (``record="trajectory"``, ``n_steps_long`` trials; default
                       ``4 * n_steps``); Sinha et al. (2025), arXiv 2509.09677
=====================  ==================================================================

Standard errors are ``sd / sqrt(n_seeds)`` of the per-seed values; for the
drift, of the per-seed differences ``d`` (the clip applies to the mean only,
so noise alone does not make the drift positive).
"""

from __future__ import annotations

from typing import Any

import jax
import numpy as np

from kdgap_sim import validation
from kdgap_sim.agents.agent import Agent, AgentParams
from kdgap_sim.envs.base import Environment
from kdgap_sim.envs.registry import make
from kdgap_sim.metrics.exploration import action_coverage, greedy_fraction
from kdgap_sim.metrics.gap import knowing_doing_gap
from kdgap_sim.metrics.habits import frequency_bias
from kdgap_sim.metrics.report import mean_and_se
from kdgap_sim.rollout import rollout_batch
from kdgap_sim.types import PRNGKey

PROFILE_AXES = (
    "exploration",
    "greediness",
    "frequency_bias",
    "follow_rate",
    "calibration",
    "long_horizon_drift",
)

PROFILE_DEFINITIONS = {
    "exploration": "final action coverage C_T (share of arms ever tried), mean over seeds",
    "greediness": "share of trials whose action maximised the agent's own beliefs",
    "frequency_bias": "kd.metrics.frequency_bias / (1 - 1/K), clipped to [0, 1] (exact)",
    "follow_rate": "P(action = rationale | rationale correct), follow_given_correct",
    "calibration": "1 - Brier score of the stated confidence vs the recommended action's outcome",
    "long_horizon_drift": "clip(mean over seeds of follow|correct in 1st half - in 2nd half "
                          "of a long run, 0, 1)",
}


def _halves_follow_given_correct(out: Any) -> tuple[np.ndarray, np.ndarray]:
    follows = np.asarray(out.action) == np.asarray(out.rationale.action)
    correct = np.asarray(out.rationale.correct)
    half = follows.shape[-1] // 2
    rates = []
    for part in (slice(0, half), slice(half, None)):
        n_correct = correct[..., part].sum(-1)
        hits = (follows & correct)[..., part].sum(-1)
        rates.append(np.where(n_correct > 0, hits / np.maximum(n_correct, 1), 0.0))
    return rates[0], rates[1]


def knowing_doing_profile(
    key: PRNGKey,
    agent: Agent,
    params: AgentParams,
    env: Environment | None = None,
    env_params: Any = None,
    n_seeds: int = 200,
    n_steps: int = 100,
    n_steps_long: int | None = None,
) -> dict[str, tuple[float, float]]:
    """The six profile scores of one agent, each as ``(mean, standard error)``.

    Args:
      key: a ``jax.random`` key; the battery uses ``fold_in(key, 0)``, the long
        run ``fold_in(key, 1)`` and the frequency-bias curve ``fold_in(key, 2)``.
      agent, params: the agent and its params.
      env: the battery environment (default: 5-armed Bernoulli bandit); the
        calibration score assumes rewards in {0, 1}.
      env_params: its params (default: ``env.default_params()``).
      n_seeds: seeds per run (>= 2, for standard errors).
      n_steps: trials of the battery run.
      n_steps_long: trials of the long run for the drift (default ``4 * n_steps``).

    Returns:
      ``{axis: (score, se)}`` for every axis of :data:`PROFILE_AXES`; see the
      module docstring for the definitions.

    Example:
      >>> import jax, kdgap_sim as kd
      >>> agent, params = kd.agents.profile("faithful-ucb")
      >>> scores = kd.knowing_doing_profile(jax.random.key(0), agent, params,
      ...                                   n_seeds=4, n_steps=20)
      >>> scores["exploration"], scores["follow_rate"], scores["frequency_bias"]
      ((1.0, 0.0), (1.0, 0.0), (0.0, 0.0))
    """
    validation.check_key(key)
    if not isinstance(agent, Agent):
        raise TypeError(f"agent must be a kd.agents.Agent, got {agent!r}")
    validation.check_int("n_seeds", n_seeds, minimum=2)
    validation.check_int("n_steps", n_steps, minimum=2)
    if n_steps_long is None:
        n_steps_long = 4 * n_steps
    validation.check_int("n_steps_long", n_steps_long, minimum=2)
    if env is None:
        env = make("bernoulli-bandit", n_arms=5)
    if not isinstance(env, Environment):
        raise TypeError(f"env must be an Environment (e.g. kd.envs.make(...)), got {env!r}")
    if env_params is None:
        env_params = env.default_params()
    n_actions = env.n_actions

    out = rollout_batch(jax.random.fold_in(key, 0), env, env_params, agent, params, n_steps, n_seeds)
    gap = knowing_doing_gap(out)
    brier = np.asarray(out.brier_sum) / np.asarray(out.n_steps)
    long = rollout_batch(jax.random.fold_in(key, 1), env, env_params, agent, params,
                         n_steps_long, n_seeds, record="trajectory")
    first, second = _halves_follow_given_correct(long)
    drift_mean, drift_se = mean_and_se(first - second)
    bias = float(frequency_bias(jax.random.fold_in(key, 2), agent, params, n_actions))
    max_bias = 1.0 - 1.0 / n_actions if n_actions > 1 else 1.0
    return {
        "exploration": mean_and_se(action_coverage(out)),
        "greediness": mean_and_se(greedy_fraction(out)),
        "frequency_bias": (float(np.clip(bias / max_bias, 0.0, 1.0)), 0.0),
        "follow_rate": mean_and_se(gap["follow_given_correct"]),
        "calibration": mean_and_se(np.clip(1.0 - brier, 0.0, 1.0)),
        "long_horizon_drift": (float(np.clip(drift_mean, 0.0, 1.0)), drift_se),
    }


def format_profile_table(profiles: dict[str, dict[str, tuple[float, float]]]) -> str:
    """Plain-text table of profiles: one row per agent, ``mean ± se`` per axis.

    Example:
      >>> from kdgap_sim.profile import format_profile_table
      >>> print(format_profile_table({"a": {"exploration": (1.0, 0.0), "greediness": (0.5, 0.01)}}))
      agent  exploration  greediness
      -----  -----------  -------------
      a      1.000        0.500 ± 0.010
    """
    axes = list(next(iter(profiles.values())))
    rows = [["agent", *axes]]
    for agent, scores in profiles.items():
        rows.append([agent] + [f"{m:.3f}" if not s else f"{m:.3f} ± {s:.3f}" for m, s in
                               (scores[a] for a in axes)])
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
