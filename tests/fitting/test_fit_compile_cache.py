"""kd.fitting.fit turns on the persistent compilation cache: a second process neither traces its
sampler (the stored program is read back) nor compiles it again, and draws the same."""

import json
import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]

# A small hierarchical fit in a fresh process; prints JAX's compilation-cache event counts.
PROGRAM = """
import collections, json
import jax, jax.monitoring, numpy as np
counts = collections.Counter()
jax.monitoring.register_event_listener(lambda name, **kw: counts.update([name.rsplit('/', 1)[-1]]))
import kdgap_sim as kd
values = np.tile(np.array([[0.3, 2.0]], np.float32), (4, 1))
log = kd.fitting.simulate_log(jax.random.key(0), "bandit2arm_delta", values, 20)
idata = kd.fitting.fit(jax.random.key(1), log, "bandit2arm_delta", num_warmup=5, num_samples=5,
                       num_chains=2, warn=False)
counts["program"] = idata.posterior.attrs["sampler_program"]
counts["A"] = idata.posterior["A"].values.ravel().tolist()
print(json.dumps(counts))
"""


def _fit_in_new_process(setting: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "KDGAP_COMPILE_CACHE": setting, "JAX_PLATFORMS": "cpu"}
    out = subprocess.run([sys.executable, "-c", PROGRAM], capture_output=True, text=True, env=env,
                         timeout=900, check=False)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_second_fit_in_a_new_process_reads_the_cache(tmp_path):
    first = _fit_in_new_process(str(tmp_path))
    assert first.get("cache_misses", 0) > 0, first  # (a program compiled twice in it is a hit)
    second = _fit_in_new_process(str(tmp_path))
    assert second.get("cache_hits", 0) >= first["cache_misses"] - 1, second  # everything read back
    assert second.get("cache_misses", 0) <= 1, second
    assert (first["program"], second["program"]) == ("exported", "stored")
    assert first["A"] == second["A"]  # the program read back is the one written


@pytest.mark.slow
def test_cache_off_means_no_cache_events(tmp_path):
    counts = _fit_in_new_process("0")
    assert counts.get("cache_hits", 0) == 0 and counts.get("cache_misses", 0) == 0, counts
    assert counts["program"] == "traced"  # nothing written to disk either


def test_a_folder_set_in_jax_is_kept(monkeypatch, tmp_path):
    import jax

    from kdgap_sim import compile_cache

    monkeypatch.setattr(compile_cache, "_ENSURED", [])
    before = jax.config.jax_compilation_cache_dir
    try:
        jax.config.update("jax_compilation_cache_dir", str(tmp_path / "mine"))
        monkeypatch.setenv("KDGAP_COMPILE_CACHE", str(tmp_path / "ours"))
        assert compile_cache.ensure_compile_cache() == tmp_path / "mine"
        assert jax.config.jax_compilation_cache_dir == str(tmp_path / "mine")
    finally:
        jax.config.update("jax_compilation_cache_dir", before)


def test_compile_cache_argument_is_checked():
    import jax

    import kdgap_sim as kd

    log = kd.fitting.ChoiceLog.from_arrays([[0, 1]], [[1.0, 0.0]], n_actions=2)
    with pytest.raises(TypeError, match="compile_cache"):
        kd.fitting.fit(jax.random.key(0), log, "rw", compile_cache="yes")
