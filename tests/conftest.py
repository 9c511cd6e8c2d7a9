"""Shared test fixtures: small environments and agents, fixed keys."""

import jax
import pytest

import kdgap_sim as kd


@pytest.fixture
def key():
    return jax.random.key(0)


@pytest.fixture
def bandit():
    env = kd.envs.make("bernoulli-bandit", n_arms=3)
    return env, env.default_params()


@pytest.fixture
def kdg_agent():
    return kd.agents.profile("knowing-doing-ucb")
