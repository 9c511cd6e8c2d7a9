"""Tests of kdgap_sim.training.setting: the RLFT config, the bandits drawn, one episode's checks.
(Episodes themselves, their shaping and log-probs, are tested with the losses in test_rlft.py.)"""

import jax
import numpy as np
import pytest

import kdgap_sim as kd
from kdgap_sim import training

REFERENCE = kd.agents.RationaleFollowing(fallback=kd.agents.FrequencyBiased(context_window=20))
REFERENCE_PARAMS = REFERENCE.default_params().replace(follow_prob=0.1, beta=20.0, kappa=3.0)
SMALL = training.RLFTConfig(n_arms=4, n_steps=12, n_envs=8, n_updates=4)


def test_config_validation():
    with pytest.raises(ValueError, match="algorithm"):
        training.RLFTConfig(algorithm="sac")
    with pytest.raises(ValueError, match="n_envs"):
        training.RLFTConfig(n_envs=1)
    with pytest.raises(ValueError, match="prob_low"):
        training.RLFTConfig(prob_low=0.9, prob_high=0.1)
    with pytest.raises(ValueError, match="kl_coef"):
        training.RLFTConfig(kl_coef=-1.0)




def test_config_bool_fields_must_be_bools():
    with pytest.raises(TypeError, match="normalize_advantages must be a bool"):
        training.RLFTConfig(normalize_advantages="no")
    with pytest.raises(TypeError, match="normalize_advantages"):
        training.RLFTConfig(normalize_advantages=0)
    assert training.RLFTConfig(normalize_advantages=False).normalize_advantages is False


@pytest.mark.parametrize("args, error, name", [
    ((2, 3, 0.9, 0.1), ValueError, "low must be <= high"),
    ((2, 3, -0.5, 0.5), ValueError, "low must be a probability"),
    ((2, 3, np.nan, 0.5), ValueError, "low contains NaN"),
    ((2, 3, 0.1, 1.5), ValueError, "high must be a probability"),
    ((-1, 3, 0.1, 0.9), ValueError, "n_envs must be >= 1"),
    ((2, 2.0, 0.1, 0.9), TypeError, "n_arms must be an integer"),
])
def test_sample_bandit_probs_validates_arguments(args, error, name):
    with pytest.raises(error, match=name):
        training.sample_bandit_probs(jax.random.key(0), *args)


def test_run_episode_validates_probs_and_arguments():
    actor, params = training.from_reference(REFERENCE, REFERENCE_PARAMS)
    key = jax.random.key(0)
    with pytest.raises(ValueError, match=r"probs must have shape \(4,\), got \(3,\)"):
        training.run_episode(key, np.array([0.1, 0.5, 0.9]), params, actor, SMALL)
    with pytest.raises(ValueError, match="probs contains NaN"):
        training.run_episode(key, np.array([0.1, 0.5, np.nan, 0.2]), params, actor, SMALL)
    with pytest.raises(ValueError, match="probs must be a probability"):
        training.run_episode(key, np.array([0.1, 0.5, 1.5, 0.2]), params, actor, SMALL)
    with pytest.raises(TypeError, match="config must be an RLFTConfig"):
        training.run_episode(key, np.full(4, 0.5), params, actor, {"n_arms": 4})
    with pytest.raises(TypeError, match="actor must be a LearnedActor"):
        training.run_episode(key, np.full(4, 0.5), params, REFERENCE, SMALL)
