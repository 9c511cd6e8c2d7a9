"""Tests of kdgap_sim.agents.contextual: per-state predictors."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import kdgap_sim as kd
from kdgap_sim.agents.contextual import FixedTable, FixedTableParams, Tabular
from kdgap_sim.types import Feedback


def test_tabular_updates_only_the_observed_state():
    pred = Tabular(kd.agents.RescorlaWagner(asymmetric=False), n_states=3)
    params = pred.default_params().replace(alpha_pos=0.5, q0=0.0)
    state = pred.init(2, params)
    state = pred.update(state, jnp.int32(1), jnp.int32(0), Feedback(jnp.float32(1.0), jnp.array([1.0, 0.0])),
                        jnp.bool_(False), params)
    assert np.allclose(state.q, [[0, 0], [0.5, 0], [0, 0]])
    assert np.allclose(pred.beliefs(state, jnp.int32(1), params), [0.5, 0.0])
    assert int(pred.recommend(jax.random.key(0), state, jnp.int32(1), params).action) == 0


def test_tabular_rw_learns_state_values():
    env = kd.envs.make("contextual-bandit", n_states=3, n_arms=2)
    params = env.default_params()
    pred = Tabular(kd.agents.RescorlaWagner(asymmetric=False, feedback="full"), n_states=3)
    pp = pred.default_params().replace(alpha_pos=0.05, alpha_unchosen_pos=0.05)
    _, env_state = env.reset(jax.random.key(0), params)

    def body(carry, key):
        belief, env_state = carry
        obs = env_state.context
        _, next_state, feedback = env.step(key, env_state, jnp.int32(0), params)
        belief = pred.update(belief, obs, jnp.int32(0), feedback, jnp.bool_(False), pp)
        return (belief, next_state), belief.q

    _, qs = jax.lax.scan(body, (pred.init(2, pp), env_state), jax.random.split(jax.random.key(1), 6000))
    mean_q = np.asarray(qs[2000:]).mean(axis=0)
    # Each state is updated ~1300 times after burn-in; the time average of a delta
    # rule (stationary sd <= 0.08, correlation time ~20 updates) has s.e. < 0.015;
    # 0.06 is 4 s.e.
    assert np.allclose(mean_q, np.asarray(params.reward_probs), atol=0.06)


def test_fixed_table():
    pred = FixedTable(n_states=2, n_actions=3)
    params = FixedTableParams(values=jnp.array([[0.1, 0.9, 0.2], [0.7, 0.1, 0.2]]))
    state = pred.init(3, params)
    assert int(pred.recommend(None, state, jnp.int32(0), params).action) == 1
    assert int(pred.recommend(None, state, jnp.int32(1), params).action) == 0
    assert pred.update(state, 0, 0, None, False, params) is state
    with pytest.raises(ValueError, match="n_actions=3"):
        pred.check_n_actions(2)
    with pytest.raises(ValueError, match="values must have shape"):
        pred.validate_params(FixedTableParams(values=jnp.zeros((3, 3))))
    with pytest.raises(TypeError, match="base must be a Predictor"):
        Tabular(base="ucb")


def test_tables_must_have_a_row_for_every_state_of_the_environment():
    """Inside a trace, a state past the last row would read the last row and drop its updates;
    so a table smaller than the environment's state count is refused before compiling."""
    env = kd.envs.make("contextual-bandit", n_states=10, n_arms=2)
    small = kd.agents.Agent(Tabular(kd.agents.UCB(), n_states=2), kd.agents.Greedy())
    with pytest.raises(ValueError, match="Tabular has n_states=2 rows, but ContextualBandit has 10 states"):
        kd.rollout(jax.random.key(0), env, env.default_params(), small, small.default_params(), 3)
    fixed = kd.agents.Agent(FixedTable(n_states=3, n_actions=2), kd.agents.Greedy())
    with pytest.raises(ValueError, match="FixedTable has n_states=3 rows"):
        fixed.check_env(env)
    kd.agents.Agent(Tabular(kd.agents.UCB(), n_states=10), kd.agents.Greedy()).check_env(env)
    kd.agents.Agent(Tabular(kd.agents.UCB(), n_states=12), kd.agents.Greedy()).check_env(env)  # spare rows
    bandit = kd.envs.make("bernoulli-bandit", n_arms=2)  # one state: any table serves it
    assert bandit.n_states == 1 and kd.envs.make("linear-contextual-bandit").n_states is None
    small.check_env(bandit)
