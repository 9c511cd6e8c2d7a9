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
        (('name = "bernoulli-bandit"\nn_arms = 3', 'name = "execution"'), ValueError, r"env\.name 'execution'"),
        (("n_seeds = 10", "n_seeds = 1"), ValueError, "n_seeds must be >= 2"),
        (("seed = 3", "seed = 4294967296"), ValueError, r"seed must be < 2\*\*32"),
        (("seed = 3", "seed = 3\noutput = 5"), TypeError, "output must be a path"),
        (("seed = 3", 'seed = 3\nfigure = ""'), TypeError, "figure must be a path"),
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
    with pytest.raises(ValueError, match="is not a file"):
        config.load_simulation(tmp_path)


def test_non_utf8_config_names_the_file(tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes(b"\xff\xfe seed = 3\n")
    with pytest.raises(ValueError, match=r"config file '.*latin1\.toml' is not UTF-8"):
        config.load_simulation(path)


def test_check_output_path_names_the_key(tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("")
    assert config.check_output_path("output", str(tmp_path / "new" / "x.json")).name == "x.json"
    assert (tmp_path / "new").is_dir()
    with pytest.raises(ValueError, match="output .* cannot create or write folder"):
        config.check_output_path("output", str(afile / "x.json"))
    with pytest.raises(ValueError, match="output .* is an existing folder"):
        config.check_output_path("output", str(tmp_path))
    with pytest.raises(ValueError, match="--out .* is an existing file; expected a folder"):
        config.check_output_path("--out", str(afile), folder=True)
    with pytest.raises(TypeError, match="store must be a path"):
        config.check_output_path("store", 5, folder=True)


def test_a_broken_registered_factory_does_not_hide_the_env_error(tmp_path, monkeypatch):
    # The "not a bandit environment" message lists the bandit IDs by building every registered
    # factory; one that fails on its own (here a NameError, as a doctest's lambda does once its
    # globals are gone) used to replace the error being reported.
    def broken():
        raise NameError("name 'kd' is not defined")

    monkeypatch.setitem(kd.envs.registry._REGISTRY, "broken-bandit", broken)
    text = GOOD.replace('name = "bernoulli-bandit"\nn_arms = 3', 'name = "execution"', 1)
    with pytest.raises(ValueError, match=r"env\.name 'execution'.*bernoulli-bandit"):
        config.load_simulation(_write(tmp_path, text))
