import jax.numpy as jnp
import pytest

import kdgap_sim as kd
from kdgap_sim.types import Feedback


def test_act_returns_rationale_beliefs_and_probs(key):
    agent = kd.agents.Agent(kd.agents.UCB(), kd.agents.RationaleFollowing())
    params = agent.default_params()
    state = agent.init(3, params)
    d = agent.act(key, state, 0, params)
    assert d.probs.shape == (3,) and abs(float(d.probs.sum()) - 1) < 1e-6
    assert int(d.rationale.action) == 0  # UCB tries untried arms in index order
    assert d.beliefs.shape == (3,)


def test_learn_updates_predictor_and_actor_context():
    agent = kd.agents.Agent(kd.agents.UCB(), kd.agents.FrequencyBiased(context_window=3))
    params = agent.default_params()
    state = agent.init(2, params)
    fb = Feedback(reward=jnp.float32(1.0), outcomes=jnp.array([0.0, 1.0]))
    state = agent.learn(state, 0, jnp.int32(1), fb, jnp.bool_(False), params)
    assert float(state.predictor.counts[1]) == 1.0
    assert float(state.actor.counts[1]) == 1.0


def test_validate_params_and_types():
    agent = kd.agents.Agent(kd.agents.RescorlaWagner(), kd.agents.Softmax())
    with pytest.raises(ValueError, match=r"agent_params\.predictor\.alpha_neg"):
        agent.validate_params(agent.default_params().replace(alpha_neg=-0.1))
    with pytest.raises(TypeError, match="AgentParams"):
        agent.validate_params({"beta": 1.0})
    with pytest.raises(TypeError, match="predictor"):
        kd.agents.Agent("ucb", kd.agents.Greedy())
    assert "beta" in agent.used_params


def test_profiles_build_valid_agents(key):
    env = kd.envs.make("bernoulli-bandit", n_arms=3)
    for name in kd.agents.profile_names():
        agent, params = kd.agents.profile(name)
        agent.validate_params(params)
        assert kd.agents.describe_profile(name)
        out = kd.rollout(key, env, env.default_params(), agent, params, n_steps=10)
        assert int(out.n_steps) == 10
    with pytest.raises(ValueError, match="unknown profile"):
        kd.agents.profile("gpt")


def test_registry_builds_by_name():
    agent = kd.agents.make_agent(
        "noisy-rationale", "rationale-following",
        predictor_options={"base": "ucb"},
        actor_options={"fallback": "frequency-biased", "fallback_options": {"context_window": 5}},
    )
    assert isinstance(agent.predictor.base, kd.agents.UCB)
    assert agent.actor.window == 5
    with pytest.raises(ValueError, match="unknown predictor 'ucb2'"):
        kd.agents.make_predictor("ucb2")
    with pytest.raises(ValueError, match="temperature"):
        kd.agents.make_actor("softmax", temperature=1.0)
