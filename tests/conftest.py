"""Shared test fixtures: small environments and agents, fixed keys."""

import os

import jax
import pytest

# Commands run in-process by the tests leave the user's compilation cache alone (the cache's own
# tests point KDGAP_COMPILE_CACHE at temporary folders).
os.environ.setdefault("KDGAP_COMPILE_CACHE", "0")

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
