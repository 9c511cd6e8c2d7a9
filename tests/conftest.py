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


@pytest.fixture(autouse=True, scope="module")
def _bounded_compilation_cache():
    """Drops JAX's in-memory compiled programs after each test module.

    Without it a worker keeps every program of every module it ran (over 2 GB by the end of the
    suite); a module's tests still share their programs.
    """
    yield
    jax.clear_caches()
