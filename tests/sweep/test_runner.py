"""Tests of kdgap_sim.sweep.runner: identical results whatever the layout, resume, refusal."""

import json
import os
import signal
import socket
import subprocess
import sys
import time

import jax
import numpy as np
import pytest

import kdgap_sim as kd
from kdgap_sim.sweep import METRICS, StoreError
from tests.sweep.sweep_case import CASE_N_STEPS, case

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WORKER = os.path.join(ROOT, "tests", "sweep", "sweep_worker.py")


def _run(store=None, chunk_size=None, n_steps=CASE_N_STEPS, **kwargs):
    key, env, agent, params, grid = case()
    return kd.sweep.run(key, env, agent, grid, n_steps, agent_params=params, store=store,
                        chunk_size=chunk_size, **kwargs)


def _flat(ds):
    return {name: ds[name].values.ravel() for name in METRICS}


def _assert_identical(a, b):
    for name in METRICS:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)  # bit for bit, NaN nowhere
        assert not np.isnan(a[name]).any()


@pytest.fixture(scope="module")
def reference():
    return _flat(_run(chunk_size=None))


def test_dataset_dims_coords_and_point_values(reference):
    ds = _run(chunk_size=24)
    assert ds["regret"].dims == ("follow_prob", "probs", "seed")
    assert ds["regret"].shape == (3, 2, 4)
    np.testing.assert_allclose(ds["probs_value"].values[1], [0.6, 0.4, 0.2])
    # Point i is a plain rollout with key fold_in(root, i) and the point's params.
    key, env, agent, params, grid = case()
    i = 13
    point = grid.point(i)
    out = kd.rollout(
        jax.random.fold_in(key, i), env, env.default_params().replace(probs=np.float32(point["probs"])),
        agent, params.replace(follow_prob=np.float32(point["follow_prob"])), CASE_N_STEPS,
    )
    described = kd.metrics.describe(out)
    for name in METRICS:
        expected = float(out.reward_sum) / CASE_N_STEPS if name == "reward" else described[name]
        np.testing.assert_allclose(reference[name][i], expected, rtol=1e-6, err_msg=name)


@pytest.mark.parametrize("chunk_size", [1, 7, 24])
def test_results_do_not_depend_on_chunk_size(reference, chunk_size):
    ds = _run(chunk_size=chunk_size)
    stats = kd.sweep.last_run_stats()
    assert stats.n_chunks == -(-24 // chunk_size)
    assert stats.n_traces <= 1  # at most one compilation (cached across runs of the same shape)
    _assert_identical(_flat(ds), reference)


def test_one_compilation_serves_every_chunk():
    _run(chunk_size=5, n_steps=CASE_N_STEPS + 2)  # 5 chunks, the last one padded
    stats = kd.sweep.last_run_stats()
    assert (stats.n_chunks, stats.n_computed, stats.n_traces) == (5, 5, 1)
    _run(chunk_size=5, n_steps=CASE_N_STEPS + 2, env_params=case()[1].default_params().replace(
        probs=np.array([0.3, 0.3, 0.3], np.float32)))
    assert kd.sweep.last_run_stats().n_traces == 0  # new values, same shapes: no new compilation


def _worker(args, devices, extra_env=None):
    env = dict(os.environ, PYTHONPATH=ROOT, XLA_FLAGS=f"--xla_force_host_platform_device_count={devices}",
               JAX_PLATFORMS="cpu")
    env.update(extra_env or {})
    return subprocess.Popen([sys.executable, WORKER, *map(str, args)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _result(proc, timeout=120):
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:  # a hung collective: leave no process behind
        proc.kill()
        proc.communicate()
        raise
    assert proc.returncode == 0, err[-3000:]
    return json.loads(out.strip().splitlines()[-1])


@pytest.mark.parametrize("devices, chunk_size", [
    pytest.param(4, 8, marks=pytest.mark.slow), (8, 7),
])
def test_results_do_not_depend_on_device_count(reference, devices, chunk_size):
    result = _result(_worker(["-", chunk_size], devices))
    assert result["devices"] == devices
    assert result["chunk_size"] % devices == 0
    _assert_identical({k: np.asarray(v, np.float32) for k, v in result["metrics"].items()}, reference)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_two_processes_give_the_single_process_dataset(reference, tmp_path):
    address = f"127.0.0.1:{_free_port()}"
    store = tmp_path / "mp.zarr"
    procs = [_worker([store, 8, address, 2, pid], devices=2) for pid in range(2)]
    results = [_result(p) for p in procs]
    assert [r["processes"] for r in results] == [2, 2] and results[0]["devices"] == 4
    _assert_identical({k: np.asarray(v, np.float32) for k, v in results[0]["metrics"].items()}, reference)
    _assert_identical(_flat(kd.sweep.open(store)), reference)
    # Resuming the finished store with 2 points per process writes nothing: allowed.
    address = f"127.0.0.1:{_free_port()}"
    procs = [_worker([store, 4, address, 2, pid], devices=2) for pid in range(2)]
    assert [(r["computed"], r["skipped"]) for r in map(_result, procs)] == [(0, 6), (0, 6)]
    # With points left to compute, 2 points per process, not a multiple of the store's zarr chunk
    # of 4, would let two processes write one zarr chunk: refused, naming a chunk size that works.
    (store / "kdgap_progress.json").write_text('{"done": [[0, 8]]}')
    address = f"127.0.0.1:{_free_port()}"
    procs = [_worker([store, 4, address, 2, pid], devices=2) for pid in range(2)]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert procs[0].returncode != 0 and procs[1].returncode != 0
    assert "multiple of 8, at most 24" in outputs[0][1]


def _split_collides(chunks, chunk_size, n_points, n_processes, zarr_chunk):
    """Brute force: does any zarr chunk get points from two processes within one sweep chunk?"""
    block = chunk_size // n_processes
    for c in chunks:
        owner = {}
        for p in range(n_processes):
            lo, hi = c * chunk_size + p * block, min(c * chunk_size + (p + 1) * block, n_points)
            for z in {i // zarr_chunk for i in range(lo, hi)}:
                if owner.setdefault(z, p) != p:
                    return True
    return False


def test_shared_zarr_chunk_checks_every_process_boundary_of_the_split():
    from kdgap_sim.sweep.runner import shared_zarr_chunk

    cases = 0
    for n_points in (5, 12, 24, 30):
        for n_processes in (1, 2, 3):
            for n_devices in (n_processes, 2 * n_processes):
                for zarr_chunk in (1, 2, 3, 4, 5, 8, 12, 24):
                    for chunk_size in range(n_devices, 2 * n_points + n_devices, n_devices):
                        n_chunks = -(-n_points // chunk_size)
                        for chunks in (range(n_chunks), range(n_chunks - 1, n_chunks), range(0)):
                            found = shared_zarr_chunk(chunks, chunk_size, n_points, n_processes, zarr_chunk)
                            assert (found is not None) == _split_collides(
                                chunks, chunk_size, n_points, n_processes, zarr_chunk
                            ), (n_points, n_processes, zarr_chunk, chunk_size, list(chunks))
                            cases += 1
    assert cases > 1000
    # The audited case: a 2-process run resuming a one-chunk store whose zarr chunk is the whole grid.
    assert shared_zarr_chunk([0], 24, 24, 2, 24) == 12


def test_two_processes_refuse_to_share_the_zarr_chunk_of_a_one_chunk_resume(reference, tmp_path):
    # A store made by one process with chunk_size 24 (one zarr chunk of 24 points), interrupted
    # before any chunk was recorded. Two processes resuming it with one chunk would each write
    # half of that zarr chunk (read-modify-write), and one half could be lost: refused.
    store = tmp_path / "one.zarr"
    _run(store=store, chunk_size=24)
    (store / "kdgap_progress.json").write_text('{"done": []}')
    address = f"127.0.0.1:{_free_port()}"
    procs = [_worker([store, 24, address, 2, pid], devices=1) for pid in range(2)]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert procs[0].returncode != 0 and procs[1].returncode != 0, outputs[0][0]
    message = outputs[0][1]
    assert "chunk_size 24 gives 12 points per process" in message
    assert "zarr chunk length 24" in message and "resume with fewer" in message
    assert json.loads((store / "kdgap_progress.json").read_text()) == {"done": []}
    _assert_identical(_flat(_run(store=store, chunk_size=24)), reference)  # one process: fine


def test_store_roundtrip_resume_and_lazy_open(reference, tmp_path):
    store = tmp_path / "s.zarr"
    first = _run(store=store, chunk_size=7)
    _assert_identical(_flat(first), reference)
    again = _run(store=store, chunk_size=7)
    stats = kd.sweep.last_run_stats()
    assert (stats.n_computed, stats.n_skipped, stats.n_traces) == (0, 4, 0)
    _assert_identical(_flat(again), reference)
    lazy = kd.sweep.open(store)
    assert lazy.attrs["complete"] == 1
    np.testing.assert_array_equal(lazy["gap"].isel(seed=2).values, first["gap"].isel(seed=2).values)


@pytest.mark.slow
def test_sigkill_mid_run_then_resume_recomputes_no_finished_chunk(tmp_path):
    n_steps = 10_000  # long enough that the 24 one-point chunks take seconds, not milliseconds
    store = tmp_path / "k.zarr"
    progress = store / "kdgap_progress.json"
    proc = _worker([store, 1], devices=1, extra_env={"SWEEP_CASE_N_STEPS": str(n_steps)})
    deadline = time.time() + 120
    while time.time() < deadline:
        if progress.exists():
            done = json.loads(progress.read_text())["done"]
            if done and done[0][1] >= 3:
                break
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    done = json.loads(progress.read_text())["done"]
    n_done = sum(b - a for a, b in done)
    assert 3 <= n_done < 24, "the sweep must be killed mid-run"
    resumed = _flat(_run(store=store, chunk_size=1, n_steps=n_steps))
    stats = kd.sweep.last_run_stats()
    assert stats.n_skipped == n_done and stats.n_computed == 24 - n_done
    uninterrupted = _flat(_run(chunk_size=24, n_steps=n_steps))
    _assert_identical(resumed, uninterrupted)


@pytest.mark.parametrize("name", ["alpha_pos", "alpha_neg"])
def test_zip_dimension_named_after_its_axis_is_indexed_by_its_values(tmp_path, name):
    env = kd.envs.make("bernoulli-bandit", n_arms=3)
    agent, params = kd.agents.profile("optimistic-rw")
    alpha_pos, alpha_neg = np.float32([0.1, 0.3, 0.5]), np.float32([0.5, 0.3, 0.2])
    grid = kd.sweep.Grid.zip(dim=name, alpha_pos=alpha_pos, alpha_neg=alpha_neg) * kd.sweep.Grid(seed=range(2))
    store = tmp_path / "z.zarr"
    ran = kd.sweep.run(jax.random.key(0), env, agent, grid, 10, agent_params=params, store=store)
    memory = kd.sweep.run(jax.random.key(0), env, agent, grid, 10, agent_params=params)
    for ds in (ran, memory, kd.sweep.open(store)):
        assert ds["regret"].dims == (name, "seed")
        assert list(ds.indexes) == [name, "seed"]
        np.testing.assert_array_equal(ds["alpha_pos"].values, alpha_pos)  # was 0, 1, 2 for dim="alpha_pos"
        np.testing.assert_array_equal(ds["alpha_neg"].values, alpha_neg)
        picked = ds["regret"].sel({name: (alpha_pos if name == "alpha_pos" else alpha_neg)[2]})
        np.testing.assert_array_equal(picked.values, ds["regret"].values[2])
        assert float(picked["alpha_neg"]) == alpha_neg[2] and float(picked["alpha_pos"]) == alpha_pos[2]


def test_zip_dimension_named_seed_keeps_the_seed_labels():
    key, env, agent, params, _ = case()
    grid = kd.sweep.Grid.zip(dim="seed", seed=[10, 20], follow_prob=[0.2, 0.8])
    ds = kd.sweep.run(key, env, agent, grid, 10, agent_params=params)
    np.testing.assert_array_equal(ds["seed"].values, [10, 20])
    np.testing.assert_array_equal(ds["follow_prob"].values, np.float32([0.2, 0.8]))


def test_store_creation_killed_midway_leaves_a_path_that_resumes(reference, tmp_path):
    # A hard kill (no cleanup) while the store is being created, after the zarr array and the
    # progress manifest exist but before kdgap_sweep.json: the store path must stay unused,
    # so the same call afterwards creates the store and finishes the sweep.
    store = tmp_path / "k.zarr"
    script = (
        "import os, sys\n"
        "from kdgap_sim.sweep import store as st\n"
        "write = st.atomic_write_json\n"
        "def dying(path, payload):\n"
        "    write(path, payload)\n"
        "    if path.name == st.PROGRESS_FILE:\n"
        "        os._exit(9)\n"
        "st.atomic_write_json = dying\n"
        "import kdgap_sim as kd\n"
        "from tests.sweep.sweep_case import case\n"
        "key, env, agent, params, grid = case()\n"
        "kd.sweep.run(key, env, agent, grid, 25, agent_params=params, store=sys.argv[1], chunk_size=24)\n"
    )
    env = dict(os.environ, PYTHONPATH=ROOT, JAX_PLATFORMS="cpu")
    killed = subprocess.run([sys.executable, "-c", script, str(store)], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=120, check=False)
    assert killed.returncode == 9, killed.stderr[-2000:]
    assert not store.exists()
    assert [p.name.split("-")[0] for p in tmp_path.iterdir()] == [".k.zarr.creating"]  # what the kill left
    _assert_identical(_flat(_run(store=store, chunk_size=24)), reference)
    assert kd.sweep.open(store).attrs["complete"] == 1


def test_store_creation_that_fails_leaves_nothing_and_resumes(reference, tmp_path, monkeypatch):
    from kdgap_sim.sweep import store as st

    write = st.atomic_write_json

    def failing(path, payload):
        if path.name == st.SWEEP_FILE:
            raise KeyboardInterrupt  # interrupted before the description is written
        write(path, payload)

    store = tmp_path / "f.zarr"
    store.mkdir()  # an empty folder may be given as the store path
    monkeypatch.setattr(st, "atomic_write_json", failing)
    with pytest.raises(KeyboardInterrupt):
        _run(store=store, chunk_size=7)
    assert [p.name for p in tmp_path.iterdir()] == ["f.zarr"] and not any(store.iterdir())
    monkeypatch.setattr(st, "atomic_write_json", write)
    _assert_identical(_flat(_run(store=store, chunk_size=7)), reference)


def _tree_bytes(path):
    return {p: p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


def test_foreign_store_is_refused_and_left_untouched(tmp_path):
    store = tmp_path / "s.zarr"
    _run(store=store, chunk_size=24)
    before = _tree_bytes(store)
    with pytest.raises(StoreError, match="different sweep.*n_steps"):
        _run(store=store, chunk_size=24, n_steps=CASE_N_STEPS + 1)
    with pytest.raises(StoreError, match="exists; pass resume=True"):
        _run(store=store, chunk_size=24, resume=False)
    assert _tree_bytes(store) == before
    other = tmp_path / "other"
    other.mkdir()
    (other / "data.csv").write_text("a,b\n1,2\n")
    with pytest.raises(StoreError, match="not a kdgap sweep store"):
        _run(store=other)
    assert (other / "data.csv").read_text() == "a,b\n1,2\n"


@pytest.mark.parametrize("damage, match", [
    (lambda s: (s / "kdgap_sweep.json").write_text((s / "kdgap_sweep.json").read_text().replace("25", "26")),
     "damaged|different"),
    (lambda s: (s / "kdgap_sweep.json").write_text("{not json"), "cannot read"),
    (lambda s: (s / "kdgap_progress.json").write_text('{"done": "all"}'), "progress.json is damaged"),
    (lambda s: (s / "metrics" / "zarr.json").unlink(), "damaged"),
])
def test_damaged_store_is_refused(tmp_path, damage, match):
    store = tmp_path / "s.zarr"
    _run(store=store, chunk_size=24)
    damage(store)
    with pytest.raises(StoreError, match=match):
        _run(store=store, chunk_size=24)


def test_bad_arguments_fail_before_work():
    key, env, agent, params, grid = case()
    with pytest.raises(TypeError, match="grid must be"):
        kd.sweep.run(key, env, agent, {"seed": [0]}, 10)
    with pytest.raises(ValueError, match="n_steps"):
        kd.sweep.run(key, env, agent, grid, 0)
    with pytest.raises(ValueError, match="chunk_size"):
        kd.sweep.run(key, env, agent, grid, 10, chunk_size=0)
    with pytest.raises(ValueError, match=r"grid axis 'follow_prob' index 1"):
        kd.sweep.run(key, env, agent, kd.sweep.Grid(follow_prob=[0.5, 2.0]), 10)


def test_processes_with_different_memory_agree_on_the_default_chunk_size(reference, tmp_path):
    # Process 0's devices hold 6 points each, process 1's 2: left to itself each would cut the
    # 24-point grid into chunks of 24 and of 8 (4 devices), and the two would run different
    # collectives. They agree on the smallest memory: chunks of 8 in both.
    address = f"127.0.0.1:{_free_port()}"
    procs = [
        _worker([tmp_path / "mixed.zarr", "auto", address, 2, pid], devices=2,
                extra_env={"SWEEP_CASE_MEMORY_POINTS": str(points)})
        for pid, points in enumerate((6, 2))
    ]
    results = [_result(p) for p in procs]
    assert [r["chunk_size"] for r in results] == [8, 8]
    _assert_identical({k: np.asarray(v, np.float32) for k, v in results[0]["metrics"].items()}, reference)
