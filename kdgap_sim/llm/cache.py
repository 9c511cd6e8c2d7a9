"""Content-addressed on-disk cache of model requests and answers.

A request (chat messages, model name, sampling settings) is keyed by the SHA-256 of its
canonical JSON (sorted keys, no whitespace), so the same request always maps to the same
file ``<root>/<key[:2]>/<key>.json``.  Writes go to a temporary file in the same directory,
then are renamed over the target with ``os.replace`` (atomic on POSIX): a reader sees either
no entry or a complete one, concurrent writers of the same key leave one complete copy, and a
kill of the process at any point leaves at most a stray ``*.tmp`` that is ignored.

``fsync=True`` also flushes every entry to the disk before its rename, so entries survive a
power loss or an operating-system crash; it costs about 2 ms per answer on this project's test
machine (a cap of ~470 answers/s), so it is off by default.  Without it, such a crash can at
worst leave an entry empty or cut short; :meth:`Cache.get` treats an unreadable entry as
missing, so that answer is asked again and rewritten.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, Optional

from kdgap_sim.atomic_files import write_atomically


def _canonical(request: Any) -> str:
    try:
        return json.dumps(request, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    except TypeError as error:
        raise TypeError(f"request must be JSON-serialisable: {error}") from None


def request_key(request: Any) -> str:
    """SHA-256 hex digest of the canonical JSON of ``request`` (must be JSON-serialisable)."""
    return hashlib.sha256(_canonical(request).encode("utf-8")).hexdigest()


class Cache:
    """Directory-backed cache: ``get(request) -> answer | None``, ``put(request, answer)``."""

    def __init__(self, root: "str | os.PathLike[str]", *, fsync: bool = False):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.fsync = bool(fsync)

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, request: Any) -> Optional[str]:
        path = self._path(request_key(request))
        try:
            with open(path, encoding="utf-8") as handle:
                answer = json.load(handle)["answer"]
        except FileNotFoundError:
            return None
        except (ValueError, KeyError, TypeError):  # cut short by a crash without fsync: ask again
            return None
        return answer if isinstance(answer, str) else None

    def put(self, request: Any, answer: str) -> None:
        if not isinstance(answer, str):
            raise TypeError(f"answer must be a str, got {type(answer).__name__}")
        blob = _canonical(request)
        key = hashlib.sha256(blob.encode("utf-8")).hexdigest()
        # One string, one write (json.dump to a file writes chunk by chunk).
        text = f'{{"request":{blob},"answer":{json.dumps(answer, ensure_ascii=False)}}}'
        write_atomically(self._path(key), lambda handle: handle.write(text),
                         prefix=key[:8], suffix=".tmp", fsync=self.fsync)

    def __len__(self) -> int:
        return sum(1 for _ in self.root.glob("*/*.json"))
