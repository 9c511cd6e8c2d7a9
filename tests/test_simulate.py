import json
import math

import jax
import numpy as np
import pytest

import kdgap_sim as kd
from kdgap_sim.simulate import format_study_table, run_study, study_to_json


def test_run_study_shares_seeds_and_reports_mean_se():
    env = kd.envs.make("bernoulli-bandit", n_arms=3)
    agents = {name: kd.agents.profile(name) for name in ("faithful-ucb", "greedy")}
    results = run_study(jax.random.key(0), env, env.default_params(), agents, 30, 12)
    assert results["faithful-ucb"]["metrics"]["follow"] == (1.0, 0.0)
    mean, se = results["greedy"]["metrics"]["regret"]
    assert mean > 0 and se > 0
    assert results["greedy"]["coverage_curve"].shape == (30,)
    table = format_study_table(results)
    assert "faithful-ucb" in table and "±" in table
    with pytest.raises(ValueError, match="agents"):
        run_study(jax.random.key(0), env, env.default_params(), {}, 10, 2)


def test_run_study_needs_two_seeds_and_a_bandit_environment():
    env = kd.envs.make("bernoulli-bandit", n_arms=3)
    agents = {"greedy": kd.agents.profile("greedy")}
    with pytest.raises(ValueError, match="n_seeds must be >= 2"):
        run_study(jax.random.key(0), env, env.default_params(), agents, 10, 1)
    task = kd.envs.make("execution")
    with pytest.raises(TypeError, match="env must be a bandit environment"):
        run_study(jax.random.key(0), task, task.default_params(), agents, 10, 2)


def test_study_to_json_is_strict_json_with_null_for_nan():
    results = {"a": {"metrics": {"regret": (0.5, math.nan)}, "coverage_curve": np.array([1.0, np.inf])}}
    data = json.loads(study_to_json(results), parse_constant=lambda c: pytest.fail(f"non-strict {c}"))
    assert data["a"]["metrics"]["regret"] == {"mean": 0.5, "se": None}
    assert data["a"]["coverage_curve"] == [1.0, None]
