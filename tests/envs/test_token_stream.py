"""Tests of the token-stream environment (a text as a decision problem)."""

import jax
import numpy as np
import pytest

import kdgap_sim as kd


def test_first_token_is_uniform_and_the_action_becomes_the_observation():
    env = kd.envs.TokenStream(vocab_size=5)
    keys = jax.random.split(jax.random.key(0), 5000)
    firsts = np.asarray(jax.vmap(lambda k: env.reset(k, env.default_params())[0])(keys))
    counts = np.bincount(firsts, minlength=5)
    # chi-square with 4 degrees of freedom; 18.5 is its 0.999 quantile
    chi2 = ((counts - 1000) ** 2 / 1000).sum()
    assert chi2 < 18.5, counts
    obs, state, feedback = env.step(jax.random.key(1), firsts[0], 4, env.default_params())
    assert int(obs) == 4 and int(state) == 4
    assert float(feedback.reward) == 0.0 and feedback.outcomes.shape == (5,)
    assert env.n_states == env.n_actions == 5 and env.reward_bounds() == (0.0, 0.0)


def test_registered_and_checked():
    assert kd.envs.make("token-stream", vocab_size=3).n_actions == 3
    with pytest.raises(ValueError, match="vocab_size"):
        kd.envs.TokenStream(vocab_size=1)
