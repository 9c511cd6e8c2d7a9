"""Tests of kdgap_sim.sweep.store: ranges, atomic manifests, fingerprints, lazy reopening."""

import json

import numpy as np
import pytest

from kdgap_sim.sweep import store as st
from kdgap_sim.sweep.grid import Dim


def test_merge_and_covered():
    merged = st.merge_ranges([[5, 7], [0, 2], [2, 4], [9, 9], [6, 8]])
    assert merged == [[0, 4], [5, 8]]
    assert st.covered(merged, 1, 4) and st.covered(merged, 5, 8)
    assert not st.covered(merged, 3, 6) and not st.covered(merged, 8, 9)


def test_atomic_write_leaves_no_temporary(tmp_path):
    path = tmp_path / "m.json"
    st.atomic_write_json(path, {"done": [[0, 3]]})
    st.atomic_write_json(path, {"done": [[0, 5]]})
    assert json.loads(path.read_text()) == {"done": [[0, 5]]}
    assert [p.name for p in tmp_path.iterdir()] == ["m.json"]


def test_fingerprint_is_canonical_and_sensitive():
    a = {"x": [1, 2], "y": "z"}
    assert st.fingerprint(a) == st.fingerprint({"y": "z", "x": [1, 2]})
    assert st.fingerprint(a) != st.fingerprint({"x": [1, 3], "y": "z"})


def _description(n_points, grid):
    return {
        "format": st.FORMAT, "format_version": st.FORMAT_VERSION, "library_version": "test",
        "env": "E", "agent": "A", "n_points": n_points, "n_steps": 1, "grid": grid, "metrics": ["m"],
    }


def test_open_dataset_is_lazy_and_reshapes_flat_order(tmp_path):
    grid = [
        {"name": "a", "axes": {"a": {"values": [0.5, 1.5, 2.5], "dtype": "float32"}}},
        {"name": "probs", "axes": {"probs": {"values": [[0.1, 0.9], [0.2, 0.8]], "dtype": "float32"}}},
        {"name": "seed", "axes": {"seed": {"values": [0, 1, 2, 3], "dtype": "int64"}}},
    ]
    store = st.SweepStore(tmp_path / "s.zarr")
    store.create(_description(24, grid), ["m"], zarr_chunk=5)
    store.write(store.data(), 0, np.arange(24, dtype=np.float32)[:, None])
    store.mark_done([[0, 24]])
    ds = st.open_dataset(tmp_path / "s.zarr")
    assert ds["m"].dims == ("a", "probs", "seed")
    assert ds.attrs["complete"] == 1
    assert ds["m"].variable._in_memory is False  # lazy until indexed
    expected = np.arange(24, dtype=np.float32).reshape(3, 2, 4)
    np.testing.assert_array_equal(ds["m"].values, expected)
    np.testing.assert_array_equal(ds["m"].isel(a=[2, 0], seed=slice(1, 3)).values, expected[[2, 0]][:, :, 1:3])
    assert float(ds["m"].sel(a=1.5).isel(probs=1, seed=3)) == expected[1, 1, 3]
    np.testing.assert_allclose(ds["probs_value"].values, [[0.1, 0.9], [0.2, 0.8]])


def test_unfinished_points_are_nan(tmp_path):
    grid = [{"name": "seed", "axes": {"seed": {"values": [0, 1, 2], "dtype": "int64"}}}]
    store = st.SweepStore(tmp_path / "s.zarr")
    store.create(_description(3, grid), ["m"], zarr_chunk=1)
    store.write(store.data(), 1, np.array([[7.0]], np.float32))
    ds = st.open_dataset(tmp_path / "s.zarr")
    assert ds.attrs["complete"] == 0
    np.testing.assert_array_equal(np.isnan(ds["m"].values), [True, False, True])


def test_create_refuses_a_non_empty_folder(tmp_path):
    (tmp_path / "mine.txt").write_text("precious")
    with pytest.raises(st.StoreError, match="not empty"):
        st.SweepStore(tmp_path).create(_description(1, []), ["m"], 1)
    assert (tmp_path / "mine.txt").read_text() == "precious"


def test_dim_coords_for_zipped_vector_axes():
    dims = [Dim("cond", {"probs": np.array([[0.1, 0.9]], np.float32), "beta": np.array([2.0], np.float32)})]
    coords = st.dim_coords(dims)
    assert coords["probs"][0] == ("cond", "probs_component")
    assert coords["beta"][0] == "cond"
    np.testing.assert_array_equal(coords["cond"][1], [0])
