"""Tests of the on/off-policy entropy ratio."""

import jax
import numpy as np
import pytest

import kdgap_sim as kd
from kdgap_sim.metrics.generation import GenerationSummary
from kdgap_sim.metrics.entropy import entropy_ratio, entropy_ratio_grid, on_off_policy_entropy

POLICY = kd.agents.SurpriseTemperaturePolicy(vocab_size=16)
BASE = POLICY.default_params(jax.random.key(0))


def test_ratio_is_one_when_other_policy_is_the_agents_own():
    params = BASE.replace(surprise_gain=0.3)
    r = on_off_policy_entropy(jax.random.key(1), POLICY, params, params, 300, 200, burn_in=50)
    assert abs(r.ratio - 1.0) <= 4 * r.ratio_se, r  # 4 delta-method standard errors
    assert r.ratio_se < 0.05


def test_surprise_gain_makes_on_policy_entropy_lower_than_off_policy():
    r = on_off_policy_entropy(jax.random.key(2), POLICY, BASE.replace(surprise_gain=0.5), BASE,
                              300, 200, burn_in=50)
    assert r.ratio - 4 * r.ratio_se > 1.5, r


def test_ratio_arithmetic_and_delta_method_error():
    def summary(means):
        means = np.asarray(means, float)
        return GenerationSummary(np.full(means.size, 10), means * 10, np.zeros(means.size), np.zeros(means.size))

    r = entropy_ratio(summary([1.0, 2.0, 3.0]), summary([4.0, 6.0]))
    assert r.on_policy == pytest.approx(2.0) and r.off_policy == pytest.approx(5.0)
    assert r.ratio == pytest.approx(2.5)
    se_on, se_off = 1 / np.sqrt(3), np.sqrt(2) / np.sqrt(2)
    assert r.ratio_se == pytest.approx(2.5 * np.sqrt((se_off / 5) ** 2 + (se_on / 2) ** 2))
    with pytest.raises(TypeError, match="GenerationSummary"):
        entropy_ratio({"x": 1}, summary([1.0]))


def test_grid_points_equal_single_runs_and_shapes():
    grid = entropy_ratio_grid(jax.random.key(3), POLICY, BASE, BASE,
                              {"surprise_gain": [0.0, 0.5], "temperature": [0.5, 1.0, 2.0]},
                              100, 20, burn_in=10)
    assert grid["ratio"].shape == (3, 2)
    single = on_off_policy_entropy(jax.random.key(3), POLICY, BASE.replace(surprise_gain=0.5, temperature=2.0),
                                   BASE, 100, 20, burn_in=10)
    assert grid["ratio"][2, 1] == pytest.approx(single.ratio, rel=1e-4)
    # beta = 0, T0 = 1 is the source policy itself.
    assert grid["ratio"][1, 0] == pytest.approx(1.0, abs=4 * grid["ratio_se"][1, 0])
    with pytest.raises(ValueError, match="scalar field"):
        entropy_ratio_grid(jax.random.key(3), POLICY, BASE, BASE, {"logits": [0.0], "temperature": [1.0]}, 10, 2)
    with pytest.raises(ValueError, match="exactly two"):
        entropy_ratio_grid(jax.random.key(3), POLICY, BASE, BASE, {"temperature": [1.0]}, 10, 2)
    with pytest.raises(ValueError, match="n_rollouts must be >= 2"):
        entropy_ratio_grid(jax.random.key(3), POLICY, BASE, BASE, {"surprise_gain": [0.0], "temperature": [1.0]}, 10, 1)
    with pytest.raises(ValueError, match="n_rollouts must be >= 2"):
        kd.metrics.on_off_policy_entropy(jax.random.key(3), POLICY, BASE, BASE, 10, 1)
    with pytest.raises(ValueError, match="temperature"):
        entropy_ratio_grid(jax.random.key(3), POLICY, BASE, BASE,
                           {"surprise_gain": [0.0], "temperature": [-1.0]}, 10, 2)
