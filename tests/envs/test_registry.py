import jax
import pytest

import kdgap_sim as kd


@pytest.mark.parametrize("env_id", kd.envs.registered())
def test_every_registered_env_runs(env_id):
    """Smoke test over every ID: bandit-like environments run under kd.rollout with a
    tabular UCB agent; the execution task (actions are running sums, not arms) runs
    under its own runner, kd.horizon.run_execution."""
    env = kd.envs.make(env_id)
    if isinstance(env, kd.envs.Environment):
        n_states = getattr(env, "n_states", None)
        predictor = kd.agents.UCB() if n_states is None else kd.agents.Tabular(kd.agents.UCB(), n_states)
        agent = kd.agents.Agent(predictor, kd.agents.Greedy())
        out = kd.rollout(jax.random.key(0), env, env.default_params(), agent, agent.default_params(), n_steps=5)
        assert int(out.n_steps) == 5
    else:
        assert isinstance(env, kd.envs.ExecutionTask)
        executor = kd.horizon.SelfConditioningExecutor(window=4)
        out = kd.horizon.run_execution(
            jax.random.key(0), env, env.default_params(), executor,
            executor.default_params(), n_steps=5, n_agents=3,
        )
        assert out is not None


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
