"""The persistent compilation cache: reused by a second process, off on request, never fatal."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
import warnings

import pytest

from kdgap_sim import compile_cache
from kdgap_sim.cli import build_parser

ROOT = pathlib.Path(__file__).resolve().parent.parent

# A small rollout batch in a fresh process, reporting JAX's compilation-cache events.
PROGRAM = """
import collections, json, sys
import jax, jax.monitoring
counts = collections.Counter()
jax.monitoring.register_event_listener(lambda name, **kw: counts.update([name.rsplit('/', 1)[-1]]))
from kdgap_sim.compile_cache import enable_compile_cache
import kdgap_sim as kd
print(enable_compile_cache(sys.argv[1]), file=sys.stderr)
env = kd.envs.make("bernoulli-bandit", n_arms=3)
agent, params = kd.agents.profile("greedy")
out = kd.rollout_batch(jax.random.key(0), env, env.default_params(), agent, params,
                       n_steps=5, n_seeds=3)
jax.block_until_ready(out)
print(json.dumps(counts))
"""


def _run_program(folder: pathlib.Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", PROGRAM, str(folder)], capture_output=True,
                         text=True, env=env, timeout=600, check=False)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_second_process_reuses_the_cache(tmp_path):
    first = _run_program(tmp_path)
    assert first.get("cache_misses", 0) > 0 and first.get("cache_hits", 0) == 0, first
    assert any(tmp_path.iterdir())
    second = _run_program(tmp_path)
    assert second.get("cache_misses", 0) == 0, second  # nothing compiled again
    assert second["cache_hits"] == first["cache_misses"], (first, second)


def test_corrupted_entries_are_recompiled_not_fatal(tmp_path):
    _run_program(tmp_path)
    for entry in tmp_path.iterdir():
        if entry.is_file():
            entry.write_bytes(b"not a compiled program")
    again = _run_program(tmp_path)  # asserts a clean exit
    assert again.get("cache_hits", 0) == 0


def test_unwritable_folder_warns_and_continues(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.warns(RuntimeWarning, match="compilation cache off: cannot write to"):
        assert compile_cache.enable_compile_cache(blocker / "cache") is None
    with pytest.warns(RuntimeWarning, match="not a folder"):
        assert compile_cache.enable_compile_cache(blocker) is None


def test_environment_variable_turns_it_off_or_moves_it(monkeypatch, tmp_path):
    for off in ("0", "off", "False"):
        monkeypatch.setenv("KDGAP_COMPILE_CACHE", off)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert compile_cache.enable_compile_cache() is None
    monkeypatch.setenv("KDGAP_COMPILE_CACHE", str(tmp_path / "here"))
    assert compile_cache.enable_compile_cache() == tmp_path / "here"


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="the XDG convention is Linux's")
def test_default_folder_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert compile_cache.default_cache_dir() == tmp_path / "kdgap_sim" / "jax"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert compile_cache.default_cache_dir() == pathlib.Path.home() / ".cache" / "kdgap_sim" / "jax"


def test_cli_flag_turns_it_off():
    assert build_parser(["--no-compile-cache", "demo"]).parse_args(
        ["--no-compile-cache", "demo"]).no_compile_cache
    assert not build_parser(["demo"]).parse_args(["demo"]).no_compile_cache
