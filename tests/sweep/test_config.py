"""Tests of kdgap_sim.sweep.config and kdgap_sim.cli.sweep: the sweep config (unknown keys are errors) and `kdgap sweep`."""

import re

import numpy as np
import pytest

import kdgap_sim as kd
from kdgap_sim import cli
from kdgap_sim.sweep.config import build_grid, load_sweep

CONFIG = """
seed = 3
n_steps = 20
store = "{store}"
n_seeds = 3
zip = [["alpha_pos", "alpha_neg"]]
[env]
name = "bernoulli-bandit"
n_arms = 3
[agent]
profile = "optimistic-rw"
[grid]
alpha_pos = {{ start = 0.1, stop = 0.5, num = 3 }}
alpha_neg = [0.5, 0.3, 0.1]
beta = [1.0, 5.0]
"""


def _write(tmp_path, text):
    path = tmp_path / "sweep.toml"
    path.write_text(text)
    return path


def test_load_sweep_builds_grid_with_zip_linspace_and_seeds(tmp_path):
    cfg = load_sweep(_write(tmp_path, CONFIG.format(store=tmp_path / "s.zarr")))
    grid = cfg["grid"]
    assert grid.dim_names == ("alpha_pos+alpha_neg", "beta", "seed")
    np.testing.assert_allclose(grid.dims[0].axes["alpha_pos"], [0.1, 0.3, 0.5])
    assert (cfg["seed"], cfg["n_steps"], cfg["chunk_size"]) == (3, 20, None)


@pytest.mark.parametrize("edit, match", [
    (lambda t: "bogus = 1\n" + t, r"unknown config key\(s\) \['bogus'\]"),
    (lambda t: t.replace("num = 3", "num = 3, step = 1"), r"unknown grid.alpha_pos key\(s\) \['step'\]"),
    (lambda t: t.replace('profile = "optimistic-rw"', 'profile = "optimistic-rw"\ncolour = 1'), "unknown agent key"),
    (lambda t: t.replace('zip = [["alpha_pos", "alpha_neg"]]', 'zip = [["alpha_pos", "gamma"]]'), "not a \\[grid\\] axis"),
    (lambda t: t.replace("beta = [1.0, 5.0]", "beta = [1.0, -5.0]"), r"grid axis 'beta' index 1"),
    (lambda t: t.replace("beta = [1.0, 5.0]", "beta = 2.0"), "list of values"),
    (lambda t: t.replace("beta = [1.0, 5.0]", "seed = [0, 1]"), "either n_seeds or grid.seed"),
    (lambda t: t.replace('store = "', 'stor = "'), "unknown config key"),
    (lambda t: t.replace('name = "bernoulli-bandit"\nn_arms = 3', 'name = "execution"'), r"env\.name 'execution'"),
    (lambda t: t.replace("seed = 3", "seed = 4294967296"), r"seed must be < 2\*\*32"),
    (lambda t: re.sub(r'store = ".*"', "store = 5", t), "store must be a path"),
])
def test_bad_configs_are_errors(tmp_path, edit, match):
    path = _write(tmp_path, edit(CONFIG.format(store=tmp_path / "s.zarr")))
    with pytest.raises((ValueError, TypeError), match=match):
        cfg = load_sweep(path)
        cfg["grid"].resolve(cfg["env"], cfg["agent"], cfg["env_params"], cfg["agent_params"])


def test_bad_store_fails_before_the_run(tmp_path, capsys):
    afile = tmp_path / "afile"
    afile.write_text("")
    for store in (afile, afile / "s.zarr"):
        path = _write(tmp_path, CONFIG.format(store=store))
        assert cli.main(["sweep", str(path)]) == 2
        captured = capsys.readouterr()
        assert captured.err.startswith(f"kdgap sweep: error: store '{store}'") and "chunks" not in captured.out


def test_build_grid_requires_an_axis():
    with pytest.raises(ValueError, match="at least one axis"):
        build_grid({})


def test_kdgap_sweep_runs_resumes_and_refuses_without_resume(tmp_path, capsys):
    store = tmp_path / "s.zarr"
    path = _write(tmp_path, CONFIG.format(store=store))
    assert cli.main(["sweep", str(path), "--chunk-size", "6"]) == 0
    assert "computed 3, skipped 0" in capsys.readouterr().out
    assert cli.main(["sweep", str(path)]) == 2
    assert "--resume" in capsys.readouterr().err
    assert cli.main(["sweep", str(path), "--resume", "--chunk-size", "4"]) == 0
    assert "computed 0, skipped 5" in capsys.readouterr().out
    ds = kd.sweep.open(store)
    assert ds["regret"].shape == (3, 2, 3) and ds.attrs["complete"] == 1
