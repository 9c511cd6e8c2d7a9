"""NUTS as one stored program (kdgap_sim.fitting.sampler): same draws as numpyro's MCMC, read back
from disk in place of tracing, and safe when the stored file or its folder is unusable."""

import json
import os
import pathlib
import subprocess
import sys
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import numpyro
import numpyro.distributions as dist
import pytest
from numpyro.infer import MCMC, NUTS

import kdgap_sim as kd
from kdgap_sim.fitting import sampler
from kdgap_sim.fitting.inference import _bind, centering
from kdgap_sim.fitting.sampler import NutsSettings, fingerprint, run_nuts, sample_nuts

ROOT = pathlib.Path(__file__).resolve().parents[2]
SETTINGS = NutsSettings(num_warmup=3, num_samples=4, num_chains=3, target_accept=0.8, max_tree_depth=5)


def _hierarchical(name="bandit2arm_delta", subjects=3, trials=15, **options):
    model = kd.fitting.make_model(name, **options)
    middle = [[(p.low + p.high) / 2 for p in model.params]]
    values = np.tile(np.array(middle, np.float32), (subjects, 1))
    log = kd.fitting.simulate_log(jax.random.key(0), model, values, trials)
    model = model.for_log(log)
    return _bind(model, log, True, "auto", centering(model, "noncentered")), log.arrays()


def _normal(y):
    m = numpyro.sample("m", dist.Normal(0.0, 2.0))
    numpyro.sample("y", dist.Normal(m, 1.0), obs=y)


@pytest.fixture(autouse=True)
def _empty_memory(monkeypatch):
    monkeypatch.setattr(sampler, "_MEMORY", type(sampler._MEMORY)())


def _numpyro(fn, arrays, key, settings, init_params=None, inverse_mass=None):
    kernel = NUTS(fn, target_accept_prob=settings.target_accept, max_tree_depth=settings.max_tree_depth,
                  inverse_mass_matrix=inverse_mass)
    mcmc = MCMC(kernel, num_warmup=settings.num_warmup, num_samples=settings.num_samples,
                num_chains=settings.num_chains, chain_method="vectorized", progress_bar=False)
    mcmc.run(key, arrays, init_params=init_params, extra_fields=sampler.EXTRA_FIELDS)
    return mcmc.get_samples(group_by_chain=True), mcmc.get_extra_fields(group_by_chain=True)


def _assert_close(ours, theirs):
    assert sorted(ours) == sorted(theirs)
    for name in theirs:
        # Float rounding only: one fused XLA program vs numpyro's separately jitted steps
        # (1e-4 relative on float32 values of order 1-10; a different key or schedule differs by O(1)).
        np.testing.assert_allclose(np.asarray(ours[name], np.float64), np.asarray(theirs[name], np.float64),
                                   rtol=1e-4, atol=1e-4, err_msg=name)


def test_draws_equal_numpyros_mcmc_on_a_hierarchical_model():
    fn, arrays = _hierarchical()
    samples, extra, source = run_nuts(jax.random.key(5), arrays, fn, SETTINGS)
    ref_samples, ref_extra = _numpyro(fn, arrays, jax.random.key(5), SETTINGS)
    assert source == "traced"
    _assert_close(samples, ref_samples)
    _assert_close(extra, ref_extra)
    assert samples["z"].shape == (3, 4, 3, 2)


def test_draws_equal_numpyros_mcmc_from_a_given_start_and_metric():
    init = {"m": jnp.asarray([-1.0, 0.5, 2.0])}
    inverse_mass = jnp.asarray([0.3])
    y = jnp.asarray([0.2, 1.1, -0.4, 0.9])
    samples, extra, _ = run_nuts(jax.random.key(2), y, _normal, SETTINGS, init_params=init,
                                 inverse_mass=inverse_mass)
    ref_samples, ref_extra = _numpyro(_normal, y, jax.random.key(2), SETTINGS, init, inverse_mass)
    _assert_close(samples, ref_samples)
    _assert_close(extra, ref_extra)


def test_a_stored_program_is_read_back_and_gives_the_same_draws(tmp_path):
    y = jnp.asarray([0.2, 1.1, -0.4])
    first, _, source = run_nuts(jax.random.key(0), y, _normal, SETTINGS, store=tmp_path)
    assert source == "exported"
    assert len(list((tmp_path / sampler.PROGRAM_DIR).glob(f"*{sampler.SUFFIX}"))) == 1
    again, _, source = run_nuts(jax.random.key(0), y, _normal, SETTINGS, store=tmp_path)
    assert source == "memory"
    sampler._MEMORY.clear()
    read, _, source = run_nuts(jax.random.key(0), y, _normal, SETTINGS, store=tmp_path)
    assert source == "stored"
    for name in first:
        np.testing.assert_array_equal(np.asarray(first[name]), np.asarray(again[name]))
        np.testing.assert_array_equal(np.asarray(first[name]), np.asarray(read[name]))
    other, _, _ = run_nuts(jax.random.key(1), y, _normal, SETTINGS, store=tmp_path)
    assert not np.array_equal(np.asarray(other["m"]), np.asarray(first["m"]))  # the key is an input


def test_a_corrupted_program_file_is_traced_again_with_a_warning(tmp_path):
    y = jnp.asarray([0.2, 1.1, -0.4])
    good, _, _ = run_nuts(jax.random.key(0), y, _normal, SETTINGS, store=tmp_path)
    (path,) = (tmp_path / sampler.PROGRAM_DIR).glob(f"*{sampler.SUFFIX}")
    path.write_bytes(path.read_bytes()[:100])
    sampler._MEMORY.clear()
    with pytest.warns(RuntimeWarning, match="cannot be read"):
        redone, _, source = run_nuts(jax.random.key(0), y, _normal, SETTINGS, store=tmp_path)
    assert source == "exported"
    np.testing.assert_array_equal(np.asarray(good["m"]), np.asarray(redone["m"]))
    sampler._MEMORY.clear()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # rewritten: read back without a warning
        assert run_nuts(jax.random.key(0), y, _normal, SETTINGS, store=tmp_path)[2] == "stored"


def test_an_unwritable_store_warns_and_still_samples(tmp_path):
    (tmp_path / sampler.PROGRAM_DIR).write_text("a file where the folder should be")
    y = jnp.asarray([0.2, 1.1, -0.4])
    with pytest.warns(RuntimeWarning, match="cannot store the NUTS program"):
        samples, _, source = run_nuts(jax.random.key(0), y, _normal, SETTINGS, store=tmp_path)
    assert source == "exported" and samples["m"].shape == (3, 4)


def test_the_fingerprint_follows_model_settings_shapes_and_start():
    fn, arrays = _hierarchical("rw")
    leaves, treedef = jax.tree_util.tree_flatten(arrays)
    base = fingerprint(fn, leaves, treedef, SETTINGS)
    assert base == fingerprint(fn, leaves, treedef, SETTINGS)
    bounded, _ = _hierarchical("rw", bounds={"beta": (0.0, 15.0)})  # only a constant of the model changes
    other_size, other_arrays = _hierarchical("rw", subjects=4)
    other_leaves, other_treedef = jax.tree_util.tree_flatten(other_arrays)
    variants = {
        "bounds": fingerprint(bounded, leaves, treedef, SETTINGS),
        "settings": fingerprint(fn, leaves, treedef, SETTINGS._replace(num_samples=5)),
        "target": fingerprint(fn, leaves, treedef, SETTINGS._replace(target_accept=0.9)),
        "shapes": fingerprint(other_size, other_leaves, other_treedef, SETTINGS),
        "metric": fingerprint(fn, leaves, treedef, SETTINGS, inverse_mass=jnp.ones(10)),
        "model": fingerprint(_hierarchical("asymmetric-rw")[0], leaves, treedef, SETTINGS),
    }
    assert base not in variants.values() and len(set(variants.values())) == len(variants)


FINGERPRINT = """
import jax, numpy as np, kdgap_sim as kd
from kdgap_sim.fitting.inference import _bind, centering
from kdgap_sim.fitting.sampler import NutsSettings, fingerprint
model = kd.fitting.make_model("asymmetric-rw")
log = kd.fitting.simulate_log(jax.random.key(0), "asymmetric-rw", np.full((3, 3), 0.5, np.float32), 10)
fn = _bind(model.for_log(log), log, True, "auto", centering(model, "noncentered"))
leaves, treedef = jax.tree_util.tree_flatten(log.arrays())
print(fingerprint(fn, leaves, treedef, NutsSettings(3, 4, 2, 0.8, 5)))
"""


def test_the_fingerprint_is_the_same_in_another_process():
    env = {**os.environ, "PYTHONPATH": str(ROOT), "JAX_PLATFORMS": "cpu"}
    prints = [subprocess.run([sys.executable, "-c", FINGERPRINT], capture_output=True, text=True, env=env,
                             timeout=300, check=True).stdout.split()[-1] for _ in range(2)]
    assert prints[0] == prints[1] and len(prints[0]) == 64


def test_progress_bars_and_device_spread_chains_use_numpyros_mcmc():
    y = jnp.asarray([0.2, 1.1, -0.4])
    _, _, source = sample_nuts(jax.random.key(0), y, _normal, SETTINGS, chain_method="sequential")
    assert source == "numpyro"
    _, _, source = sample_nuts(jax.random.key(0), y, _normal, SETTINGS._replace(num_chains=1),
                               chain_method="sequential")
    assert source == "traced"  # one chain: the same run either way


def test_fit_records_where_its_sampler_came_from(tmp_path):
    log = kd.fitting.simulate_log(jax.random.key(0), "bandit2arm_delta",
                                  np.tile(np.array([[0.3, 2.0]], np.float32), (3, 1)), 10)
    idata = kd.fitting.fit(jax.random.key(1), log, "bandit2arm_delta", num_warmup=3, num_samples=3,
                           num_chains=2, warn=False, compile_cache=False)
    assert idata.posterior.attrs["sampler_program"] == "traced"
    again = kd.fitting.fit(jax.random.key(1), log, "bandit2arm_delta", num_warmup=3, num_samples=3,
                           num_chains=2, warn=False, compile_cache=False)
    assert again.posterior.attrs["sampler_program"] == "memory"
    np.testing.assert_array_equal(idata.posterior["A"].values, again.posterior["A"].values)
    assert json.dumps(idata.posterior.attrs["sampler_program"])
