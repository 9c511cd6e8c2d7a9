"""Tests of kdgap_sim.verify.rewards_checks: registered, and they pass."""

import jax

import kdgap_sim.verify as verify


def test_checks_are_registered_and_pass():
    assert {"rewards.rlcr_optimum", "rewards.log_score_non_monotone"} <= set(verify.names())
    results = verify.run(["rewards.rlcr_optimum", "rewards.log_score_non_monotone"], quick=True,
                         key=jax.random.key(0))
    assert all(r.passed for r in results), verify.format_table(results)
