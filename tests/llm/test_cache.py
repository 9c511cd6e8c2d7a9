import os
import subprocess
import sys
import threading

import pytest

from kdgap_sim.llm.cache import Cache, request_key

REQ = {"messages": [{"role": "user", "content": "Action?"}], "model": "m", "temperature": 0.0}


def test_key_is_canonical():
    assert request_key(REQ) == request_key(dict(reversed(list(REQ.items()))))
    assert request_key(REQ) != request_key({**REQ, "temperature": 1.0})
    with pytest.raises(TypeError, match="JSON"):
        request_key({"x": object()})


def test_roundtrip_and_persistence(tmp_path):
    cache = Cache(tmp_path / "c")
    assert cache.get(REQ) is None
    cache.put(REQ, "Action: B — ünïcode")
    assert Cache(tmp_path / "c").get(REQ) == "Action: B — ünïcode"
    assert len(cache) == 1
    with pytest.raises(TypeError, match="answer"):
        cache.put(REQ, 3)


def test_stray_temp_file_is_ignored(tmp_path):
    cache = Cache(tmp_path)
    key = request_key(REQ)
    (tmp_path / key[:2]).mkdir()
    (tmp_path / key[:2] / f"{key[:8]}half.tmp").write_text('{"answ')  # what a kill leaves
    assert cache.get(REQ) is None and len(cache) == 0


def test_concurrent_writers_threads_and_processes(tmp_path):
    cache = Cache(tmp_path)
    threads = [threading.Thread(target=cache.put, args=({"i": i % 5}, f"a{i % 5}")) for i in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    code = ("import sys; from kdgap_sim.llm.cache import Cache; c=Cache(sys.argv[1])\n"
            "for _ in range(50): c.put({'i': 0}, 'a0')")
    procs = [subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], env={**os.environ}) for _ in range(3)]
    assert all(p.wait() == 0 for p in procs)
    assert len(cache) == 5
    assert [cache.get({"i": i}) for i in range(5)] == [f"a{i}" for i in range(5)]
    assert not list(tmp_path.glob("*/*.tmp"))


def test_unreadable_entry_is_missing_and_rewritten(tmp_path):
    # What an operating-system crash can leave without fsync: an empty or cut-short entry.
    cache = Cache(tmp_path)
    cache.put(REQ, "Action: A")
    path = next(tmp_path.glob("*/*.json"))
    for broken in ("", '{"request": {}, "answ', '{"request": {}}', '{"answer": 3}'):
        path.write_text(broken)
        assert cache.get(REQ) is None
    cache.put(REQ, "Action: B")
    assert cache.get(REQ) == "Action: B"


def test_fsync_option_writes_the_same_entries(tmp_path):
    durable = Cache(tmp_path / "d", fsync=True)
    durable.put(REQ, "Action: A")
    assert durable.fsync and not Cache(tmp_path / "f").fsync
    assert Cache(tmp_path / "d").get(REQ) == "Action: A"
