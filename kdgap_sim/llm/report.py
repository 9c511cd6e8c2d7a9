"""The knowing-doing report of a logged run, with the rollout metrics' names.

:func:`summary_from_log` rebuilds, from a :class:`~kdgap_sim.fitting.ChoiceLog`,
the :class:`~kdgap_sim.types.Summary` accumulators a rollout keeps (one per
subject/episode), so :func:`kdgap_sim.metrics.describe` gives the same metrics
with the same names and definitions for a language model's log as for a
simulated agent.  What a log cannot say by itself is fixed by documented rules:

- beliefs on trial ``t`` are the sample means of the rewards observed before
  ``t`` (partial feedback), ``prior_mean`` for an untried arm; in a contextual
  log (``log.n_contexts > 1``) they are kept per context, from the earlier
  trials of the same context, and UCB1's ``t`` counts that context's trials;
- the rationale is *correct by rule* when its arm maximises the rule's index
  (ties: any maximiser is correct): ``rule="greedy"``, the sample means
  (untried arms excluded while any arm is tried); ``rule="ucb"``, the UCB1 index
  :math:`\\hat\\mu_a + c\\sqrt{2\\ln t / n_a}` with untried arms first (Auer et al.
  2002, the rule of ``kd.agents.UCB``);
- *optimal* means maximal generative mean (the log's ``mean_<a>`` columns;
  regret and the optimal-arm metrics are NaN without them);
- a trial without a stated rationale counts as neither correct nor followed.

Sources: follow rate and rationale correctness as in Schmied et al. (2025),
arXiv 2504.16078; suffix failure and MinFrac as in Krishnamurthy et al. (2024),
arXiv 2403.15371.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from kdgap_sim import validation
from kdgap_sim.types import Summary

RULES = ("greedy", "ucb")


def _rule_index(counts: np.ndarray, sums: np.ndarray, t: int, rule: str, exploration: float) -> np.ndarray:
    means = np.where(counts > 0, sums / np.maximum(counts, 1), -np.inf)
    if rule == "greedy":
        return means if (counts > 0).any() else np.zeros_like(means)
    bonus = exploration * np.sqrt(2.0 * np.log(max(t, 1)) / np.maximum(counts, 1))
    return np.where(counts > 0, means + bonus, np.inf)


def summary_from_log(log: Any, rule: str = "greedy", exploration: float = 1.0,
                     prior_mean: float = 0.5) -> Summary:
    """One :class:`~kdgap_sim.types.Summary` per subject (leading axis), from ``log``."""
    from kdgap_sim.logs.choice_log import ChoiceLog

    if not isinstance(log, ChoiceLog):
        raise TypeError(f"log must be a kd.fitting.ChoiceLog, got {type(log).__name__}")
    validation.check_choice("rule", rule, RULES)
    S, K = log.n_subjects, log.n_actions
    has_means = log.means is not None
    fields = {name: np.zeros((S,), np.float64) for name in Summary._fields}
    fields["invalid_params"] = np.zeros((S,), bool)
    fields["counts"] = np.zeros((S, K), np.int64)
    fields["first_step"] = np.full((S, K), -1, np.int64)
    fields["last_optimal_step"] = np.full((S,), -1, np.int64)
    X = log.n_contexts
    for s in range(S):
        counts_x = np.zeros((X, K))  # per context; a multi-armed bandit's log has one
        sums_x = np.zeros((X, K))
        for t in range(int(log.n_trials[s])):
            a = int(log.choice[s, t])
            r = float(log.reward[s, t])
            x = int(log.context[s, t]) if X > 1 else 0
            counts, sums = counts_x[x], sums_x[x]
            beliefs = np.where(counts > 0, sums / np.maximum(counts, 1), prior_mean)
            index = _rule_index(counts, sums, int(counts.sum()), rule, exploration)
            rec = -1 if log.rationale is None else int(log.rationale[s, t])
            stated = rec >= 0
            correct = stated and index[rec] >= index.max() - 1e-9
            follows = stated and a == rec
            fields["n_steps"][s] += 1
            fields["reward_sum"][s] += r
            fields["counts"][s, a] += 1
            if fields["first_step"][s, a] < 0:
                fields["first_step"][s, a] = t
            fields["greedy_count"][s] += beliefs[a] >= beliefs.max() - 1e-9
            fields["follow_count"][s] += follows
            fields["rationale_correct_count"][s] += correct
            fields["correct_and_follow_count"][s] += correct and follows
            if has_means:
                mu = log.means[s, t]
                best = mu.max()
                fields["regret_sum"][s] += best - mu[a]
                optimal = mu[a] >= best
                fields["optimal_count"][s] += optimal
                if optimal:
                    fields["last_optimal_step"][s] = t
                fields["rationale_optimal_count"][s] += stated and mu[rec] >= best
            if log.confidence is not None and stated and not np.isnan(log.confidence[s, t]):
                c = float(log.confidence[s, t])
                fields["confidence_sum"][s] += c
                outcome = float(log.outcomes[s, t, rec]) if log.outcomes is not None else np.nan
                fields["brier_sum"][s] += (c - outcome) ** 2
            counts_x[x, a] += 1
            sums_x[x, a] += r
    if not has_means:
        for name in ("regret_sum", "optimal_count", "rationale_optimal_count"):
            fields[name][:] = np.nan
        fields["last_optimal_step"] = np.full((S,), np.nan)
    return Summary(**fields)


def report(log: Any, rule: str = "greedy", exploration: float = 1.0):
    """The metrics of ``log``: mean over episodes, its standard error, and n.

    Rows: every metric of :func:`kdgap_sim.metrics.describe` (``follow``,
    ``rationale_correct``, ``rationale_optimal``, ``gap``, ``greedy``,
    ``coverage``, ``suffix_failure``, ``min_frac``, ``regret``, ...) plus
    ``invalid`` (share of asked trials whose answer had no parsable action) and
    ``stated`` (share of trials with a parsable recommendation).  Standard
    errors are over episodes (``sd / sqrt(n)``, episodes independent).

    Returns:
      A ``pandas.DataFrame`` indexed by metric with columns ``mean``, ``se``, ``n``.

    Example:
      >>> import jax, kdgap_sim as kd
      >>> env = kd.envs.make("bernoulli-bandit", n_arms=3)
      >>> agent, params = kd.agents.profile("faithful-ucb")
      >>> log = kd.llm.run(jax.random.key(0), env, env.default_params(),
      ...                  kd.llm.SimulatedText(agent, params, n_actions=3), n_episodes=4, n_steps=10)
      >>> float(kd.llm.report(log, rule="ucb").loc["follow", "mean"])
      1.0
    """
    import pandas as pd

    from kdgap_sim.metrics.report import describe, mean_and_se

    summary = summary_from_log(log, rule=rule, exploration=exploration)
    values = {}
    with np.errstate(invalid="ignore", divide="ignore"):
        values.update({k: np.asarray(v, np.float64) for k, v in describe(summary).items()})
    if log.means is None:
        for name in ("regret", "optimal_action", "suffix_failure", "rationale_optimal"):
            values[name] = np.full((log.n_subjects,), np.nan)
    asked = log.mask & ~log.forced
    if log.invalid is not None:
        values["invalid"] = _share(log.invalid & asked, asked)
    stated = np.zeros_like(log.mask) if log.rationale is None else (log.rationale >= 0)
    values["stated"] = _share(stated & asked, asked)
    rows = []
    for name, per_episode in values.items():
        finite = per_episode[np.isfinite(per_episode)]
        if finite.size == 0:
            rows.append((name, np.nan, np.nan, 0))
            continue
        mean, se = mean_and_se(finite)
        rows.append((name, mean, se, int(finite.size)))
    return pd.DataFrame(rows, columns=["metric", "mean", "se", "n"]).set_index("metric")


def _share(hits: np.ndarray, of: np.ndarray) -> np.ndarray:
    total = of.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, hits.sum(axis=1) / np.maximum(total, 1), np.nan)
