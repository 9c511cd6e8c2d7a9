"""A multi-process sweep whose peer never starts fails in time, naming the coordinator and who is missing."""

import os
import socket
import subprocess
import sys
import threading
import time

import pytest

from kdgap_sim.sweep import rendezvous

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONFIG = """
n_steps = 5
store = "{store}"
n_seeds = 2
[env]
name = "bernoulli-bandit"
[agent]
profile = "greedy"
[grid]
q0 = [0.0, 1.0]
"""


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _sweep_process(tmp_path, address, n_processes, process_id, timeout):
    config = tmp_path / "sweep.toml"
    config.write_text(CONFIG.format(store=tmp_path / "s.zarr"))
    env = {**os.environ, "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.Popen(
        [sys.executable, "-m", "kdgap_sim.cli", "sweep", str(config), "--coordinator", address,
         "--num-processes", str(n_processes), "--process-id", str(process_id), "--init-timeout", str(timeout)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path,
    )


@pytest.mark.parametrize("process_id, missing", [(0, "[1, 2]"), (1, "[0]")])
def test_sweep_whose_peers_never_start_fails_naming_coordinator_and_missing_ids(tmp_path, process_id, missing):
    address = f"127.0.0.1:{_free_port()}"
    start = time.monotonic()
    proc = _sweep_process(tmp_path, address, 3, process_id, 3)
    try:
        _, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode != 0
    assert address in err and f"process id(s) {missing} never started" in err, err
    assert "Traceback" not in err and "DEADLINE_EXCEEDED" not in err
    assert time.monotonic() - start < 100  # not JAX's 300 s default


def test_roll_call_names_the_one_missing_process_to_those_who_came():
    address = f"127.0.0.1:{_free_port()}"
    errors = {}

    def process(pid):
        try:
            rendezvous.roll_call(address, 3, pid, timeout=2)
        except rendezvous.RendezvousError as err:
            errors[pid] = str(err)

    threads = [threading.Thread(target=process, args=(pid,)) for pid in (0, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert set(errors) == {0, 2}
    assert all("process id(s) [1] never started" in e and address in e for e in errors.values())


def test_roll_call_returns_when_everyone_arrives():
    address = f"127.0.0.1:{_free_port()}"
    errors = []

    def process(pid):
        try:
            rendezvous.roll_call(address, 3, pid, timeout=20)
        except Exception as err:  # noqa: BLE001
            errors.append(err)

    threads = [threading.Thread(target=process, args=(pid,)) for pid in (2, 1, 0)]
    for t in threads:
        t.start()
        time.sleep(0.3)
    for t in threads:
        t.join(30)
    assert errors == []


def test_bad_coordinator_and_ids_are_refused():
    with pytest.raises(ValueError, match="--coordinator"):
        rendezvous.roll_call("nohostport", 2, 0, 1)
    with pytest.raises(ValueError, match="--process-id"):
        rendezvous.roll_call("127.0.0.1:1234", 2, 2, 1)


def test_two_process_cli_sweep_starts_after_the_roll_call(tmp_path):
    """The roll call hands the coordinator's port over to jax.distributed."""
    address = f"127.0.0.1:{_free_port()}"
    procs = [_sweep_process(tmp_path, address, 2, pid, 60) for pid in (1, 0)]
    try:
        outs = [p.communicate(timeout=180) for p in procs]
    finally:
        for p in procs:
            p.kill()
    assert [p.returncode for p in procs] == [0, 0], outs
    assert "2 process(es)" in outs[1][0]
