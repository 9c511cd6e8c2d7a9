import os

import pytest

from kdgap_sim.atomic_files import write_atomically


def test_writes_text_and_binary_and_replaces(tmp_path):
    target = tmp_path / "sub" / "x.txt"
    write_atomically(target, lambda handle: handle.write("one"))
    write_atomically(target, lambda handle: handle.write("two"))
    assert target.read_text() == "two"
    binary = write_atomically(tmp_path / "y.bin", lambda handle: handle.write(b"\x00\x01"), binary=True)
    assert binary.read_bytes() == b"\x00\x01"
    assert sorted(os.listdir(tmp_path)) == ["sub", "y.bin"]      # no temporary file left


def test_a_failing_writer_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "x.txt"
    target.write_text("old")

    def fail(handle):
        handle.write("half")
        raise RuntimeError("killed")

    with pytest.raises(RuntimeError, match="killed"):
        write_atomically(target, fail)
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["x.txt"]
