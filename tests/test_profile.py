from types import SimpleNamespace

import jax
import numpy as np
import pytest

import kdgap_sim as kd
from kdgap_sim.profile import PROFILE_AXES, PROFILE_DEFINITIONS, _halves_follow_given_correct


def _profiles(*names):
    key = jax.random.key(0)
    return {name: kd.knowing_doing_profile(key, *kd.agents.profile(name), n_seeds=50, n_steps=40)
            for name in names}


def test_faithful_agent_scores_exactly():
    scores = _profiles("faithful-ucb")["faithful-ucb"]
    assert set(PROFILE_DEFINITIONS) == set(PROFILE_AXES) and tuple(scores) == PROFILE_AXES
    for mean, se in scores.values():
        assert 0.0 <= mean <= 1.0 and se >= 0.0
    assert scores["follow_rate"] == (1.0, 0.0) and scores["exploration"][0] == 1.0
    assert scores["frequency_bias"] == (0.0, 0.0) and scores["long_horizon_drift"] == (0.0, 0.0)
    # Brier of a UCB1 confidence is at most 1 and here clearly below 0.5 (rewards p = 0.25..0.75).
    assert 0.5 < scores["calibration"][0] < 1.0


@pytest.mark.slow
def test_scores_separate_the_presets():
    profiles = _profiles("llm-2b-like", "llm-27b-like", "greedy")
    small, large, greedy = (profiles[n] for n in ("llm-2b-like", "llm-27b-like", "greedy"))
    for scores in profiles.values():
        assert all(0.0 <= mean <= 1.0 and se >= 0.0 for mean, se in scores.values())
    assert greedy["greediness"][0] == 1.0  # a greedy actor always maximises its beliefs
    assert small["frequency_bias"][0] > large["frequency_bias"][0] + 0.3
    # follow rates: 2B-like follows with prob 0.4 (+ chance agreement), 27B-like with 0.64; the
    # difference is far beyond 4 standard errors of either.
    gap = large["follow_rate"][0] - small["follow_rate"][0]
    assert gap > 4 * (large["follow_rate"][1] + small["follow_rate"][1])


def test_drift_halves_use_follow_given_correct():
    action = np.array([[1, 1, 0, 0, 2, 2]])
    rationale = SimpleNamespace(action=np.array([[1, 1, 0, 1, 0, 0]]),
                                correct=np.array([[True, True, False, True, True, True]]))
    first, second = _halves_follow_given_correct(SimpleNamespace(action=action, rationale=rationale))
    assert first.tolist() == [1.0] and second.tolist() == [0.0]


def test_bad_arguments():
    agent, params = kd.agents.profile("faithful-ucb")
    with pytest.raises(ValueError, match="n_seeds"):
        kd.knowing_doing_profile(jax.random.key(0), agent, params, n_seeds=1)
    with pytest.raises(TypeError, match="agent"):
        kd.knowing_doing_profile(jax.random.key(0), "ucb", params)
    with pytest.raises(TypeError, match="env"):
        kd.knowing_doing_profile(jax.random.key(0), agent, params, env="bandit")
