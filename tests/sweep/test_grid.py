"""Tests of kdgap_sim.sweep.grid: axes, product, zip, validation naming axis and index."""

import numpy as np
import pytest

import kdgap_sim as kd
from kdgap_sim.sweep import Grid


@pytest.fixture(scope="module")
def setup():
    env = kd.envs.make("bernoulli-bandit", n_arms=3)
    agent, params = kd.agents.profile("knowing-doing-ucb")
    return env, agent, env.default_params(), params


def test_product_shape_order_and_points():
    grid = Grid(follow_prob=[0.1, 0.2, 0.3], seed=range(4))
    assert grid.shape == (3, 4) and grid.size == 12
    assert grid.dim_names == ("follow_prob", "seed")
    # C order: the last dimension varies fastest.
    assert grid.point(0) == {"follow_prob": pytest.approx(0.1), "seed": 0}
    assert grid.point(5) == {"follow_prob": pytest.approx(0.2), "seed": 1}
    assert grid.point(11)["seed"] == 3


def test_zip_and_multiplication():
    grid = Grid.zip(alpha_pos=[0.1, 0.3], alpha_neg=[0.3, 0.1]) * Grid(beta=[1.0, 2.0, 3.0])
    assert grid.dim_names == ("alpha_pos+alpha_neg", "beta")
    assert grid.axis_names == ("alpha_pos", "alpha_neg", "beta")
    assert grid.shape == (2, 3)
    assert grid.point(4)["alpha_neg"] == pytest.approx(0.1)
    named = Grid.zip(dim="condition", alpha_pos=[0.1], alpha_neg=[0.2])
    assert named.dim_names == ("condition",)


def test_with_seed_adds_one_seed_only_when_missing():
    assert Grid(beta=[1.0]).with_seed().dim_names == ("beta", "seed")
    grid = Grid(seed=[3, 1])
    assert grid.with_seed() is grid


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: Grid(beta=0.5), "sequence"),
        (lambda: Grid(beta=[]), "at least one value"),
        (lambda: Grid(beta=["a", "b"]), "numeric"),
        (lambda: Grid.zip(alpha_pos=[0.1, 0.2], alpha_neg=[0.1]), "equal lengths"),
        (lambda: Grid(beta=[1.0]) * Grid(beta=[2.0]), "unique"),
        (lambda: Grid.zip(dim="beta", a=[1], b=[2]) * Grid(beta=[1.0]), "appears twice"),
    ],
)
def test_construction_errors(make, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make()


def test_resolve_targets_and_prefixes(setup):
    env, agent, env_params, params = setup
    grid = Grid(follow_prob=[0.5], **{"env.probs": [[0.1, 0.2, 0.3]]}, seed=[0])
    targets = grid.resolve(env, agent, env_params, params)
    assert targets == {
        "follow_prob": ("agent", "follow_prob"), "env.probs": ("env", "probs"), "seed": ("seed", "seed")
    }


@pytest.mark.parametrize(
    "axes, match",
    [
        ({"nope": [1.0]}, "unknown grid axis 'nope'"),
        ({"agent.probs": [[0.1, 0.2, 0.3]]}, "unknown grid axis 'agent.probs'"),
        ({"alpha_pos": [0.1]}, "unknown grid axis"),
        ({"follow_prob": [0.5, 0.7, 1.5]}, r"grid axis 'follow_prob' index 2 \(value 1.5\)"),
        ({"follow_prob": [0.5, float("nan")]}, r"grid axis 'follow_prob' index 1 .*NaN"),
        ({"probs": [[0.1, 0.2, 0.3], [0.1, -0.2, 0.3]]}, r"grid axis 'probs' index 1"),
        ({"probs": [[0.1, 0.2]]}, r"grid axis 'probs'.*shape .*\(3,\)"),
        ({"follow_prob": [[0.1, 0.2]]}, r"grid axis 'follow_prob'.*shape"),
        ({"seed": [0, -1]}, r"grid axis 'seed' index 1"),
        ({"seed": [0, 1, 1]}, "repeated value 1"),
        ({"seed": [0.5]}, "integers"),
    ],
)
def test_resolve_errors_name_axis_and_index(setup, axes, match):
    env, agent, env_params, params = setup
    with pytest.raises((ValueError, TypeError), match=match):
        Grid(**axes).resolve(env, agent, env_params, params)


@pytest.mark.parametrize(
    "grid, match",
    [
        (lambda: Grid(follow_prob=[0.0, 1.0]) * Grid(**{"agent.follow_prob": [0.5]}, seed=range(2)),
         "grid axes 'follow_prob' and 'agent.follow_prob' both name the agent parameter 'follow_prob'"),
        (lambda: Grid.zip(**{"env.probs": [[0.1, 0.2, 0.3]], "probs": [[0.3, 0.2, 0.1]]}),
         "grid axes 'env.probs' and 'probs' both name the env parameter 'probs'"),
    ],
)
def test_two_axes_over_one_parameter_are_an_error(setup, grid, match):
    # Before, the later axis silently overwrote the earlier one's values in every point.
    env, agent, env_params, params = setup
    with pytest.raises(ValueError, match=match):
        grid().resolve(env, agent, env_params, params)


def test_axis_over_an_ignored_parameter_is_an_error():
    env = kd.envs.make("bernoulli-bandit", n_arms=3)
    agent, params = kd.agents.profile("optimistic-rw")  # asymmetric RW: the unchosen rates are unused
    assert "alpha_unchosen_pos" in params.flat_names()
    with pytest.raises(ValueError, match="ignores"):
        Grid(alpha_unchosen_pos=[0.1]).resolve(env, agent, env.default_params(), params)
    # The same for the environment: drift_scale does nothing unless the bandit drifts.
    with pytest.raises(ValueError, match="'drift_scale' names a parameter that .* ignores"):
        Grid(drift_scale=[0.1]).resolve(env, agent, env.default_params(), params)
    drifting = kd.envs.make("bernoulli-bandit", n_arms=3, drift=True)
    Grid(drift_scale=[0.1]).resolve(drifting, agent, drifting.default_params(), params)


def test_cast_uses_parameter_dtypes(setup):
    env, agent, env_params, params = setup
    grid = Grid(follow_prob=[0.1, 0.2], seed=[0, 1])
    cast = grid.cast(env_params, params, grid.resolve(env, agent, env_params, params))
    assert cast.dims[0].axes["follow_prob"].dtype == np.float32
    assert cast.dims[1].axes["seed"].dtype == np.int64
