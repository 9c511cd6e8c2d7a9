import jax
import jax.numpy as jnp
import pytest

import kdgap_sim as kd


def test_flat_replace_reaches_nested_leaves():
    agent = kd.agents.Agent(
        kd.agents.RescorlaWagner(), kd.agents.RationaleFollowing(fallback=kd.agents.Softmax())
    )
    params = agent.default_params().replace(follow_prob=0.3, beta=2.0, alpha_pos=0.7)
    assert params.actor.follow_prob == 0.3
    assert params.actor.fallback.beta == 2.0
    assert params.predictor.alpha_pos == 0.7
    assert params.get("beta") == 2.0
    assert "follow_prob" in params.flat_names()


def test_replace_unknown_name_is_an_error():
    params = kd.agents.Agent(kd.agents.UCB(), kd.agents.Greedy()).default_params()
    with pytest.raises(ValueError, match="follow_probability"):
        params.replace(follow_probability=0.5)


def test_duplicate_flat_names_are_reported():
    agent = kd.agents.Agent(
        kd.agents.RescorlaWagner(), kd.agents.RationaleFollowing(fallback=kd.agents.Softmax())
    )
    params = agent.default_params()
    bad = kd.agents.AgentParams(predictor=kd.agents.SoftmaxParams(), actor=params.actor)
    with pytest.raises(ValueError, match="occurs twice"):
        bad.replace(beta=1.0)


def test_params_are_pytrees_that_vmap():
    params = kd.agents.SoftmaxParams(beta=jnp.array([1.0, 2.0, 3.0]))
    doubled = jax.vmap(lambda p: p.replace(beta=p.beta * 2))(params)
    assert isinstance(doubled, kd.agents.SoftmaxParams)
    assert jnp.allclose(doubled.beta, jnp.array([2.0, 4.0, 6.0]))


def test_validate_names_the_leaf_path():
    params = kd.agents.RationaleFollowingParams(follow_prob=1.5)
    with pytest.raises(ValueError, match=r"actor\.follow_prob"):
        params.validate("actor")
