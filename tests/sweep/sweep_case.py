"""The small sweep shared by the sweep tests and their subprocess worker."""

import jax

import kdgap_sim as kd

CASE_N_STEPS = 25


def case():
    """``(key, env, agent, agent_params, grid)``: 3 x 2 x 4 = 24 points, a vector axis included."""
    env = kd.envs.make("bernoulli-bandit", n_arms=3)
    agent, params = kd.agents.profile("knowing-doing-ucb")
    grid = kd.sweep.Grid(follow_prob=[0.0, 0.5, 1.0]) * kd.sweep.Grid(
        probs=[[0.2, 0.5, 0.8], [0.6, 0.4, 0.2]], seed=range(4)
    )
    return jax.random.key(7), env, agent, params, grid
