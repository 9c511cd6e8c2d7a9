import jax
import pytest

import kdgap_sim as kd
from kdgap_sim.simulate import format_study_table, run_study


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
