"""The on-disk sweep store: zarr arrays of per-point metrics plus two JSON manifests.

Layout of ``STORE/`` (a zarr v3 group)::

    zarr.json               the zarr group
    metrics/                float32 zarr array [n_points, n_metrics]: row = grid point in
                            flat (C) order, column = metric (order in kdgap_sweep.json);
                            NaN where not yet computed; dimension names ("point", "metric");
                            zarr chunk = (points per process of a chunk, n_metrics)
    kdgap_sweep.json        written once: format, fingerprint, the grid (every value),
                            env, agent, base params, n_steps, root key, library version
    kdgap_progress.json     finished flat-index ranges [[start, stop), ...]; replaced
                            atomically (write, fsync, rename) after a chunk's data is written

A new store is built in a hidden sibling folder and renamed into place, so
``STORE`` never holds a half-created store. A store is reopened only by a sweep
with the same fingerprint (SHA-256 of the canonical JSON of ``kdgap_sweep.json``
without the fingerprint itself), so a foreign or damaged store is refused with
an error, never overwritten.
"""

from __future__ import annotations

import hashlib
import json
import os
import pathlib
import secrets
import shutil
from collections.abc import Sequence
from typing import Any

import numpy as np
import xarray as xr
import zarr
from xarray.backends import BackendArray
from xarray.core import indexing

from kdgap_sim.sweep.grid import SEED, Dim

FORMAT = "kdgap-sweep"
FORMAT_VERSION = 1
DATA = "metrics"
SWEEP_FILE = "kdgap_sweep.json"
PROGRESS_FILE = "kdgap_progress.json"


class StoreError(ValueError):
    """A store that is not a kdgap sweep store, is damaged, or belongs to another sweep.

    Example:
      >>> import tempfile, kdgap_sim as kd
      >>> with tempfile.TemporaryDirectory() as empty:
      ...     kd.sweep.open(empty)
      Traceback (most recent call last):
      ...
      kdgap_sim.sweep.store.StoreError: '...' is not a kdgap sweep store ...
    """


def fingerprint(description: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON of a sweep description."""
    text = json.dumps(description, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def atomic_write_json(path: pathlib.Path, payload: Any) -> None:
    """Writes JSON to ``path`` durably: temp file, fsync, rename, fsync of the folder."""
    tmp = path.with_name(f".{path.name}.tmp.{os.getpid()}")
    with open(tmp, "w") as handle:
        json.dump(payload, handle, sort_keys=True)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    _fsync(path.parent)


def _read_json(path: pathlib.Path, what: str) -> Any:
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as err:
        raise StoreError(f"sweep store {str(path.parent)!r}: cannot read {what} {path.name}: {err}") from None


def merge_ranges(ranges: Sequence[Sequence[int]]) -> list[list[int]]:
    """Sorted, merged ``[start, stop)`` ranges."""
    merged: list[list[int]] = []
    for start, stop in sorted((int(a), int(b)) for a, b in ranges if b > a):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], stop)
        else:
            merged.append([start, stop])
    return merged


def covered(ranges: Sequence[Sequence[int]], start: int, stop: int) -> bool:
    """Whether ``[start, stop)`` lies inside one of the merged ``ranges``."""
    return any(a <= start and stop <= b for a, b in ranges)


class SweepStore:
    """A sweep store on a local or shared file system (see the module docstring)."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = pathlib.Path(path)

    # -- creation and checks ---------------------------------------------------
    def exists(self) -> bool:
        return self.path.exists()

    def create(self, description: dict[str, Any], metrics: Sequence[str], zarr_chunk: int) -> None:
        """Creates an empty store (the path must not exist or be an empty folder).

        The store is built in a hidden sibling folder and renamed into place, so
        the path never holds half a store: an interruption before the rename
        leaves it as it was (a later run creates the store afresh), after it the
        store is complete. A failed creation removes its folder; only a hard kill
        can leave one behind (``.<name>.creating-*``, safe to delete).
        """
        if self.path.exists() and (not self.path.is_dir() or any(self.path.iterdir())):
            raise StoreError(f"refusing to create a sweep store at {str(self.path)!r}: it exists and is not empty")
        target = self.path.resolve()
        target.parent.mkdir(parents=True, exist_ok=True)
        building = target.parent / f".{target.name}.creating-{os.getpid()}-{secrets.token_hex(4)}"
        building.mkdir()  # mode from the umask, as the store itself gets
        try:
            n_points = description["n_points"]
            root = zarr.open_group(str(building), mode="a")
            root.create_array(
                DATA, shape=(n_points, len(metrics)), chunks=(min(zarr_chunk, n_points), len(metrics)),
                dtype="float32", fill_value=np.float32("nan"), dimension_names=["point", "metric"],
            )
            payload = dict(description, fingerprint=fingerprint(description))
            atomic_write_json(building / PROGRESS_FILE, {"done": []})
            atomic_write_json(building / SWEEP_FILE, payload)
            for path in (building / DATA / "zarr.json", building / DATA, building / "zarr.json", building):
                _fsync(path)
            try:
                os.replace(building, target)  # POSIX: replaces the path only if absent or an empty folder
            except OSError as err:
                raise StoreError(f"cannot create the sweep store at {str(self.path)!r}: {err}") from None
            _fsync(target.parent)
        except BaseException:
            shutil.rmtree(building, ignore_errors=True)
            raise

    def read_description(self) -> dict[str, Any]:
        """The store's sweep description, checked to be a kdgap store of this format."""
        sweep_file = self.path / SWEEP_FILE
        if not self.path.is_dir():
            raise StoreError(f"{str(self.path)!r} is not a folder, so not a kdgap sweep store")
        if not sweep_file.is_file():
            raise StoreError(
                f"{str(self.path)!r} is not a kdgap sweep store (no {SWEEP_FILE}); "
                "refusing to write into it: choose another store path"
            )
        payload = _read_json(sweep_file, "the sweep description")
        if not isinstance(payload, dict) or payload.get("format") != FORMAT:
            raise StoreError(f"{str(self.path)!r}: {SWEEP_FILE} is not a {FORMAT} description")
        if payload.get("format_version") != FORMAT_VERSION:
            raise StoreError(
                f"{str(self.path)!r} has store format version {payload.get('format_version')!r}; "
                f"this library reads version {FORMAT_VERSION}"
            )
        stated = payload.pop("fingerprint", None)
        if stated != fingerprint(payload):
            raise StoreError(f"{str(self.path)!r}: {SWEEP_FILE} is damaged (its fingerprint does not match)")
        return payload

    def check_matches(self, description: dict[str, Any], metrics: Sequence[str]) -> None:
        """Raises StoreError unless the store holds exactly this sweep, undamaged."""
        stored = self.read_description()
        if fingerprint(stored) != fingerprint(description):
            differing = sorted(k for k in set(stored) | set(description) if stored.get(k) != description.get(k))
            raise StoreError(
                f"sweep store {str(self.path)!r} belongs to a different sweep "
                f"(differs in {differing}); refusing to overwrite it: use another store path"
            )
        self._check_arrays(stored["n_points"], metrics)
        self.read_done()

    def _check_arrays(self, n_points: int, metrics: Sequence[str]) -> None:
        array = self.data(mode="r")
        if array.shape != (n_points, len(metrics)) or array.dtype != np.float32:
            raise StoreError(
                f"sweep store {str(self.path)!r}: array {DATA!r} has shape {array.shape} and dtype "
                f"{array.dtype}, expected {(n_points, len(metrics))} float32"
            )

    # -- progress --------------------------------------------------------------
    def read_done(self) -> list[list[int]]:
        """Merged ``[start, stop)`` flat-index ranges of finished points."""
        payload = _read_json(self.path / PROGRESS_FILE, "the progress manifest")
        done = payload.get("done") if isinstance(payload, dict) else None
        if not isinstance(done, list) or not all(
            isinstance(r, list) and len(r) == 2 and all(isinstance(v, int) for v in r) for r in done
        ):
            raise StoreError(f"sweep store {str(self.path)!r}: {PROGRESS_FILE} is damaged")
        return merge_ranges(done)

    def mark_done(self, done: Sequence[Sequence[int]]) -> None:
        atomic_write_json(self.path / PROGRESS_FILE, {"done": merge_ranges(done)})

    # -- data ------------------------------------------------------------------
    def data(self, mode: str = "r+") -> zarr.Array:
        """The ``[n_points, n_metrics]`` metrics array."""
        try:
            return zarr.open_array(str(self.path / DATA), mode=mode)
        except Exception as err:  # noqa: BLE001 - any zarr failure means a damaged store
            raise StoreError(f"sweep store {str(self.path)!r} is damaged: {type(err).__name__}: {err}") from None

    def write(self, array: zarr.Array, start: int, rows: np.ndarray) -> None:
        """Writes ``rows`` (``[k, n_metrics]``) at flat indices ``start .. start + k - 1``, then fsyncs.

        The zarr chunk files touched (``metrics/c/<i>/0``) and their folders are
        flushed to disk before returning, so a chunk recorded in the progress
        manifest afterwards survives a crash of the machine, not only of the process.
        """
        array[start:start + len(rows)] = rows
        length = array.chunks[0]
        for i in range(start // length, (start + len(rows) - 1) // length + 1):
            _fsync(self.path / DATA / "c" / str(i) / "0")
            _fsync(self.path / DATA / "c" / str(i))
        _fsync(self.path / DATA / "c")


def _fsync(path: pathlib.Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class _FlatAsGrid(BackendArray):
    """One column of the ``[n_points, n_metrics]`` array, seen lazily in the grid's shape."""

    def __init__(self, array: zarr.Array, column: int, shape: tuple[int, ...]) -> None:
        self.array = array
        self.column = column
        self.shape = shape
        self.dtype = np.dtype(array.dtype)

    def __getitem__(self, key: indexing.ExplicitIndexer) -> np.ndarray:
        return indexing.explicit_indexing_adapter(key, self.shape, indexing.IndexingSupport.OUTER, self._get)

    def _get(self, key: tuple) -> np.ndarray:
        # Outer (orthogonal) indexing: each list selects along its own axis, so
        # isel(a=[0, 1], b=[1, 0]) is a 2 x 2 block, never NumPy's pairing of the lists.
        key = tuple(key) + (slice(None),) * (len(self.shape) - len(key))
        picked = [np.arange(n, dtype=np.int64)[k] for n, k in zip(self.shape, key)]
        strides = [int(np.prod(self.shape[a + 1:], dtype=np.int64)) for a in range(len(self.shape))]
        blocks = np.ix_(*(np.atleast_1d(p) for p in picked))
        flat_grid = sum((b * s for b, s in zip(blocks, strides)), np.zeros((), np.int64))
        index = flat_grid.reshape(tuple(len(p) for p in picked if np.ndim(p) == 1))
        flat = index.ravel()
        if flat.size == 0:
            return np.empty(index.shape, self.dtype)
        unique, inverse = np.unique(flat, return_inverse=True)
        values = self.array.get_coordinate_selection((unique, np.full_like(unique, self.column)))
        return np.asarray(values)[inverse].reshape(index.shape)


def dim_coords(dims: Sequence[Dim]) -> dict[str, tuple]:
    """xarray coordinates of the grid's dimensions (vector values get a ``_component`` axis).

    A dimension named after one of its axes (``Grid(beta=...)``, or
    ``Grid.zip(dim="alpha_pos", alpha_pos=..., alpha_neg=...)``) is indexed by
    that axis's values; otherwise (another name, or a vector-valued axis, whose
    vectors become the coordinate ``<axis>_value``) by ``0 .. n-1``.
    """
    coords: dict[str, tuple] = {}
    for d in dims:
        for axis, values in d.axes.items():
            if values.ndim == 1:
                coords[axis] = (d.name, values)
            else:
                name = f"{axis}_value" if axis == d.name else axis
                component_dims = tuple(f"{axis}_component{k if k else ''}" for k in range(values.ndim - 1))
                coords[name] = ((d.name, *component_dims), values)
        if d.name not in d.axes or d.axes[d.name].ndim > 1:
            coords[d.name] = (d.name, np.arange(d.size))
    return coords


def dims_from_description(grid: Sequence[dict[str, Any]]) -> list[Dim]:
    """The grid dimensions stored in a sweep description."""
    return [
        Dim(d["name"], {axis: np.asarray(a["values"], dtype=a["dtype"]) for axis, a in d["axes"].items()})
        for d in grid
    ]


def open_dataset(path: str | os.PathLike) -> xr.Dataset:
    """Opens a sweep store lazily as an ``xarray.Dataset`` with the grid's dimensions.

    Values are read from disk only when indexed or ``.load()``-ed; points not yet
    computed are NaN (``ds.attrs["complete"]`` says whether every point is done).

    Example:
      >>> import pathlib, tempfile, jax, kdgap_sim as kd
      >>> env = kd.envs.make("bernoulli-bandit", n_arms=3)
      >>> agent, _ = kd.agents.profile("knowing-doing-ucb")
      >>> with tempfile.TemporaryDirectory() as tmp:
      ...     path = pathlib.Path(tmp) / "sweep.zarr"
      ...     _ = kd.sweep.run(jax.random.key(0), env, agent, kd.sweep.Grid(seed=range(2)),
      ...                      n_steps=5, store=path)
      ...     ds = kd.sweep.open(path)
      ...     print(ds["regret"].dims, ds.attrs["complete"])
      ('seed',) 1
    """
    store = SweepStore(path)
    description = store.read_description()
    done = store.read_done()
    store._check_arrays(description["n_points"], description["metrics"])
    dims = dims_from_description(description["grid"])
    shape = tuple(d.size for d in dims)
    names = tuple(d.name for d in dims)
    data = store.data(mode="r")
    variables = {}
    for column, metric in enumerate(description["metrics"]):
        lazy = indexing.LazilyIndexedArray(_FlatAsGrid(data, column, shape))
        variables[metric] = xr.Variable(names, lazy)
    attrs = {
        "env": description["env"],
        "agent": description["agent"],
        "n_steps": description["n_steps"],
        "fingerprint": fingerprint(description),
        "complete": int(done == [[0, description["n_points"]]]),
        "library_version": description["library_version"],
    }
    return xr.Dataset(variables, coords=dim_coords(dims), attrs=attrs)


__all__ = ["SEED", "StoreError", "SweepStore", "open_dataset"]
