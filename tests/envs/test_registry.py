import jax
import pytest

import kdgap_sim as kd


@pytest.mark.parametrize("env_id", kd.envs.registered())
def test_every_registered_env_runs(env_id):
    env = kd.envs.make(env_id)
    agent, params = kd.agents.Agent(kd.agents.UCB(), kd.agents.Greedy()), None
    params = agent.default_params()
    out = kd.rollout(jax.random.key(0), env, env.default_params(), agent, params, n_steps=5)
    assert int(out.n_steps) == 5


def test_unknown_env_and_option():
    with pytest.raises(ValueError, match="unknown environment 'nope'"):
        kd.envs.make("nope")
    with pytest.raises(ValueError, match="n_armz"):
        kd.envs.make("bernoulli-bandit", n_armz=3)


def test_register_and_duplicate():
    kd.envs.register("test-bandit-7", lambda: kd.envs.BernoulliBandit(n_arms=7), overwrite=True)
    assert kd.envs.make("test-bandit-7").n_actions == 7
    with pytest.raises(ValueError, match="already registered"):
        kd.envs.register("test-bandit-7", kd.envs.BernoulliBandit)
    with pytest.raises(TypeError):
        kd.envs.register(3, kd.envs.BernoulliBandit)
