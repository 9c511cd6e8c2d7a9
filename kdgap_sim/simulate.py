"""A comparison study: several agents on one environment, many seeds, one table.

This is what ``kdgap demo`` and ``kdgap simulate CONFIG.toml`` run.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Mapping
from typing import Any

import jax
import numpy as np

from kdgap_sim import validation
from kdgap_sim.agents.agent import Agent, AgentParams
from kdgap_sim.envs.base import Environment
from kdgap_sim.metrics.exploration import coverage_curve
from kdgap_sim.metrics.habits import frequency_bias
from kdgap_sim.metrics.report import describe, mean_and_se
from kdgap_sim.memory import check_batch_fits
from kdgap_sim.progress import Progress, say
from kdgap_sim.rollout import rollout_batch, validate_rollout_inputs
from kdgap_sim.types import PRNGKey

TABLE_COLUMNS = ("regret", "coverage", "rationale_correct", "follow", "frequency_bias")


def check_n_seeds(value: Any, name: str = "n_seeds") -> int:
    """Returns ``value`` as an int, raising unless it is an integer >= 2 (a standard error needs two seeds)."""
    value = validation.check_int(name, value)
    if value < 2:
        raise ValueError(f"{name} must be >= 2 (a standard error needs two seeds), got {value}")
    return value


def run_study(
    key: PRNGKey,
    env: Environment,
    env_params: Any,
    agents: Mapping[str, tuple[Agent, AgentParams]],
    n_steps: int,
    n_seeds: int,
    progress: bool = False,
) -> dict[str, dict[str, Any]]:
    """Runs every agent for ``n_seeds`` (>= 2) seeds; all agents share the seed keys.

    ``progress=True`` reports each agent as it finishes on stderr
    (:class:`kdgap_sim.progress.Progress`).

    Returns:
      ``{label: {"metrics": {name: (mean, se)}, "coverage_curve": [n_steps]}}``;
      ``frequency_bias`` is exact (no sampling error, se = 0).
    """
    validation.check_key(key)
    if not isinstance(env, Environment):
        raise TypeError(f"env must be a bandit environment (kd.envs.Environment), got {type(env).__name__}")
    validation.check_int("n_steps", n_steps, minimum=1)
    check_n_seeds(n_seeds)
    if not agents:
        raise ValueError("agents must name at least one agent")
    for agent, params in agents.values():  # every agent checked, and its batch must fit, before any runs
        validate_rollout_inputs(key, env, env_params, agent, params, n_steps)
        check_batch_fits(env, env_params, agent, params, n_steps, n_seeds, "summary",
                         n_devices=jax.local_device_count())
    say(f"running {len(agents)} agent(s), {n_seeds} seeds x {n_steps} steps", enabled=progress)
    results = {}
    start = time.perf_counter()
    with Progress(len(agents), "study", "agents", enabled=progress) as bar:
        for label, (agent, params) in agents.items():
            out = rollout_batch(key, env, env_params, agent, params, n_steps, n_seeds)
            metrics = {name: mean_and_se(values) for name, values in describe(out).items()}
            bias = float(frequency_bias(jax.random.fold_in(key, 1), agent, params, env.n_actions))
            metrics["frequency_bias"] = (bias, 0.0)
            curve = np.asarray(coverage_curve(out, n_steps)).mean(axis=0)
            results[label] = {"metrics": metrics, "coverage_curve": curve}
            bar.update(1, note=f"{label} done, {time.perf_counter() - start:.1f} s")
    return results


def format_study_table(results: Mapping[str, Mapping[str, Any]], columns=TABLE_COLUMNS) -> str:
    """Plain-text table of ``mean ± se`` per agent and metric."""
    header = ["agent", *columns]
    rows = [header]
    for label, result in results.items():
        row = [label]
        for column in columns:
            mean, se = result["metrics"][column]
            row.append(f"{mean:.3f}" if not se else f"{mean:.3f} ± {se:.3f}")
        rows.append(row)
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _finite_or_none(value: Any) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def study_to_json(results: Mapping[str, Mapping[str, Any]]) -> str:
    """The study results as strict JSON (means, standard errors, coverage curves).

    A NaN or infinite number (e.g. a metric no seed defines) is written as ``null``.
    """
    payload = {
        label: {
            "metrics": {
                k: {"mean": _finite_or_none(m), "se": _finite_or_none(s)}
                for k, (m, s) in r["metrics"].items()
            },
            "coverage_curve": [_finite_or_none(x) for x in r["coverage_curve"]],
        }
        for label, r in results.items()
    }
    return json.dumps(payload, indent=2, allow_nan=False)
