"""Durable checkpoints of pytrees: one ``.npz`` of the leaves plus JSON metadata.

``save`` flattens a pytree (params, optimiser state, counters) into its leaves,
writes them with ``numpy.savez`` together with a JSON metadata string into a
temporary file in the target directory, flushes it to disk and renames it over
the target with ``os.replace`` (atomic on POSIX): a crash leaves either the old
or the new checkpoint, never a torn one. ``restore`` needs a template pytree of
the same structure (e.g. a freshly initialised train state) and checks every
leaf's shape and dtype against it.
"""

from __future__ import annotations

import json
import os
import pathlib
import re
from typing import Any

import jax
import numpy as np

from kdgap_sim.atomic_files import write_atomically

_METADATA = "__metadata__"
_PATTERN = re.compile(r"^ckpt_(\d{8})\.npz$")


def save(path: str | os.PathLike, tree: Any, metadata: dict[str, Any] | None = None) -> pathlib.Path:
    """Writes ``tree``'s leaves and ``metadata`` (JSON-serialisable) atomically to ``path``.

    Example:
      >>> import tempfile, jax.numpy as jnp
      >>> from kdgap_sim.training import checkpoint
      >>> d = tempfile.mkdtemp()
      >>> p = checkpoint.save(d + "/c.npz", {"w": jnp.ones(2)}, {"step": 3})
      >>> tree, meta = checkpoint.restore(p, {"w": jnp.zeros(2)})
      >>> float(tree["w"][0]), meta["step"]
      (1.0, 3)
    """
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    leaves = jax.tree_util.tree_leaves(tree)
    arrays = {f"leaf_{i:05d}": np.asarray(leaf) for i, leaf in enumerate(leaves)}
    text = json.dumps(metadata or {}, sort_keys=True)
    arrays[_METADATA] = np.array(text)
    return write_atomically(path, lambda handle: np.savez(handle, **arrays), binary=True,
                            prefix=".tmp_", suffix=".npz")


def restore(path: str | os.PathLike, template: Any) -> tuple[Any, dict[str, Any]]:
    """Reads a checkpoint written by :func:`save` into the structure of ``template``.

    Raises:
      ValueError: the file is missing, or its leaves do not match the template
        (count, shape or dtype), naming the first mismatching leaf.
    """
    path = pathlib.Path(path)
    if not path.is_file():
        raise ValueError(f"checkpoint {str(path)!r} does not exist")
    leaves, treedef = jax.tree_util.tree_flatten(template)
    with np.load(path, allow_pickle=False) as data:
        names = sorted(k for k in data.files if k != _METADATA)
        if len(names) != len(leaves):
            raise ValueError(
                f"checkpoint {str(path)!r} has {len(names)} leaves, the template has {len(leaves)}"
            )
        restored = []
        for i, (name, leaf) in enumerate(zip(names, leaves)):
            array = data[name]
            expected = np.asarray(leaf)
            if array.shape != expected.shape or array.dtype != expected.dtype:
                raise ValueError(
                    f"checkpoint {str(path)!r} leaf {i} has shape {array.shape} and dtype "
                    f"{array.dtype}; the template expects {expected.shape} and {expected.dtype}"
                )
            restored.append(jax.numpy.asarray(array))
        metadata = json.loads(str(data[_METADATA])) if _METADATA in data.files else {}
    return jax.tree_util.tree_unflatten(treedef, restored), metadata


def checkpoint_path(directory: str | os.PathLike, step: int) -> pathlib.Path:
    """The file name of the checkpoint after ``step`` updates: ``ckpt_00000123.npz``."""
    return pathlib.Path(directory) / f"ckpt_{int(step):08d}.npz"


def latest(directory: str | os.PathLike) -> pathlib.Path | None:
    """The checkpoint in ``directory`` with the most updates, or None if there is none."""
    directory = pathlib.Path(directory)
    if not directory.is_dir():
        return None
    found = sorted(p for p in directory.iterdir() if _PATTERN.match(p.name))
    return found[-1] if found else None
