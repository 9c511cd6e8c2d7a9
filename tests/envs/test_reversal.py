import jax
import jax.numpy as jnp
import numpy as np
import pytest

import kdgap_sim as kd


def _params(every):
    env = kd.envs.make("reversal-bandit", n_arms=2)
    return env, env.default_params().replace(probs=jnp.array([0.2, 0.9]), reversal_every=every)


def test_probabilities_reverse_every_period():
    env, params = _params(2.0)
    _, state = env.reset(jax.random.key(0), params)
    seen = []
    for t in range(5):
        seen.append(env.expected_rewards(state, params).tolist())
        _, state, _ = env.step(jax.random.key(t), state, jnp.int32(0), params)
    low, high = pytest.approx([0.2, 0.9]), pytest.approx([0.9, 0.2])
    assert seen == [low, low, high, high, low]


def test_outcomes_follow_the_reversed_probabilities():
    env, params = _params(1.0)
    _, state = env.reset(jax.random.key(0), params)
    _, state, _ = env.step(jax.random.key(0), state, jnp.int32(0), params)  # now reversed
    keys = jax.random.split(jax.random.key(1), 20000)
    outcomes = np.asarray(jax.vmap(lambda k: env.step(k, state, jnp.int32(1), params)[2].outcomes)(keys))
    # Binomial s.e. sqrt(p(1-p)/n) with p = 0.9, 0.2 and n = 20000; allow 4 s.e.
    se = np.sqrt(np.array([0.09, 0.16]) / 20000)
    assert np.all(np.abs(outcomes.mean(0) - np.array([0.9, 0.2])) < 4 * se)


def test_rollout_sees_the_optimal_arm_switch():
    env, params = _params(10.0)
    agent, agent_params = kd.agents.profile("faithful-ucb")
    out = kd.rollout(jax.random.key(0), env, params, agent, agent_params, 30, record="trajectory")
    assert np.asarray(out.optimal_action).tolist() == [1] * 10 + [0] * 10 + [1] * 10


@pytest.mark.parametrize(("every", "match"), [(2.5, "whole number"), (0.0, "positive")])
def test_bad_period(every, match):
    env, params = _params(every)
    with pytest.raises(ValueError, match=match):
        env.validate_params(params)
