import textwrap

import numpy as np
import pytest

import kdgap_sim as kd
from kdgap_sim import config

GOOD = """
seed = 3
n_steps = 20
n_seeds = 10

[env]
name = "bernoulli-bandit"
n_arms = 3
[env.params]
probs = [0.2, 0.5, 0.8]

[agents.kdg]
predictor = "noisy-rationale"
predictor_options = { base = "ucb" }
actor = "rationale-following"
actor_options = { fallback = "softmax" }
params = { follow_prob = 0.5, beta = 3.0, rationale_error = 0.2 }

[agents.greedy]
profile = "greedy"
"""


def _write(tmp_path, text):
    path = tmp_path / "config.toml"
    path.write_text(textwrap.dedent(text))
    return path


def test_load_simulation_builds_everything(tmp_path):
    cfg = config.load_simulation(_write(tmp_path, GOOD))
    np.testing.assert_allclose(cfg["env_params"].probs, [0.2, 0.5, 0.8])
    agent, params = cfg["agents"]["kdg"]
    assert isinstance(agent.actor.fallback, kd.agents.Softmax)
    assert float(params.actor.follow_prob) == 0.5 and float(params.predictor.rationale_error) == 0.2
    assert cfg["seed"] == 3 and cfg["n_steps"] == 20 and cfg["n_seeds"] == 10


@pytest.mark.parametrize(
    ("edit", "error", "match"),
    [
        (("seed = 3", "seed = 3\nsead = 4"), ValueError, "sead"),
        (("n_arms = 3", "n_arms = 3\ncolour = 1"), ValueError, "colour"),
        (("probs = [0.2, 0.5, 0.8]", "probs = [0.2, 1.5, 0.8]"), ValueError, r"env\.params\.probs"),
        (("probs = [0.2, 0.5, 0.8]", "probs = [0.2, 0.5]"), ValueError, r"shape"),
        (("follow_prob = 0.5", "follow_prob = -1"), ValueError, "follow_prob"),
        (("follow_prob = 0.5", "follow_prb = 0.5"), ValueError, "follow_prb"),
        (('profile = "greedy"', 'profile = "nope"'), ValueError, "unknown profile"),
        (('name = "bernoulli-bandit"', 'name = "slot-machine"'), ValueError, "slot-machine"),
        (("n_steps = 20", "n_steps = 0"), ValueError, "n_steps"),
        (("n_steps = 20", 'n_steps = "many"'), TypeError, "n_steps"),
        (("beta = 3.0", 'beta = "hot"'), TypeError, "beta"),
    ],
)
def test_bad_configs_are_rejected_with_the_key_named(tmp_path, edit, error, match):
    old, new = edit
    assert old in GOOD
    with pytest.raises(error, match=match):
        config.load_simulation(_write(tmp_path, GOOD.replace(old, new, 1)))


def test_missing_file_and_bad_toml(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        config.load_simulation(tmp_path / "none.toml")
    with pytest.raises(ValueError, match="not valid TOML"):
        config.load_simulation(_write(tmp_path, "seed = = 3"))
