"""Atomic file writes: a temporary file in the target's folder, fsynced, then renamed into place.

A reader sees the old file or the whole new one, never a part: ``os.replace`` is atomic on POSIX
and Windows when both paths are on one file system, which a sibling temporary file guarantees.
A kill at any point leaves at most a stray ``*.tmp``-style file that readers ignore.
"""

from __future__ import annotations

import os
import pathlib
import tempfile
from collections.abc import Callable
from typing import IO, Any


def write_atomically(path: str | os.PathLike, write: Callable[[IO[Any]], None], *,
                     binary: bool = False, prefix: str = ".tmp_", suffix: str = ".tmp",
                     fsync: bool = True) -> pathlib.Path:
    """Writes ``path`` by calling ``write(handle)`` on a temporary sibling, then renaming it.

    Args:
      path: the file to create or replace; its folder is created if missing.
      write: fills the open handle (text, UTF-8, unless ``binary``).
      binary: open the temporary file in binary mode.
      prefix, suffix: the temporary file's name parts (readers can skip them by suffix).
      fsync: flush the file to the disk before the rename (survives a power loss or an
        operating-system crash, ~ms per file); without it the write is still atomic for
        readers and survives a kill of the process (the data is in the page cache).

    Returns:
      ``path`` as a ``pathlib.Path``.

    Example:
      >>> import pathlib, tempfile
      >>> from kdgap_sim.atomic_files import write_atomically
      >>> target = pathlib.Path(tempfile.mkdtemp()) / "a" / "x.txt"
      >>> write_atomically(target, lambda handle: handle.write("done")).read_text()
      'done'
    """
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=path.parent)
    try:
        with os.fdopen(fd, "wb" if binary else "w", **({} if binary else {"encoding": "utf-8"})) as handle:
            write(handle)
            handle.flush()
            if fsync:
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path
