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


def test_lazy_lists_on_several_dims_select_the_outer_product(tmp_path):
    # xarray's isel/sel with lists is orthogonal: isel(a=[0, 1], seed=[1, 0]) is a 2 x 2 block.
    # The lazy store used to hand the lists to NumPy together, which pairs them (or fails).
    grid = [
        {"name": "a", "axes": {"a": {"values": [0.5, 1.5, 2.5], "dtype": "float32"}}},
        {"name": "b", "axes": {"b": {"values": [10, 20], "dtype": "int32"}}},
        {"name": "seed", "axes": {"seed": {"values": [0, 1, 2, 3], "dtype": "int64"}}},
    ]
    store = st.SweepStore(tmp_path / "s.zarr")
    store.create(_description(24, grid), ["m"], zarr_chunk=5)
    store.write(store.data(), 0, np.arange(24, dtype=np.float32)[:, None])
    expected = np.arange(24, dtype=np.float32).reshape(3, 2, 4)
    lazy, loaded = st.open_dataset(tmp_path / "s.zarr")["m"], st.open_dataset(tmp_path / "s.zarr")["m"].load()
    for index, want in [
        ({"a": [0, 1], "seed": [1, 0]}, expected[np.ix_([0, 1], [0, 1], [1, 0])]),
        ({"a": [1, 0], "seed": [0, 1, 2]}, expected[np.ix_([1, 0], [0, 1], [0, 1, 2])]),
        ({"a": [2], "seed": [3, 0]}, expected[np.ix_([2], [0, 1], [3, 0])]),
        ({"a": [2, 0, 2], "b": [1, 0], "seed": [3, 1]}, expected[np.ix_([2, 0, 2], [1, 0], [3, 1])]),
        ({"a": [1, 2], "b": 1, "seed": [2, 0, 3]}, expected[np.ix_([1, 2], [1], [2, 0, 3])][:, 0]),
        ({"a": -1, "b": [1, 0], "seed": slice(1, None, 2)}, expected[2][np.ix_([1, 0], [1, 3])]),
        ({"a": [], "seed": [1, 2]}, expected[np.ix_([], [0, 1], [1, 2])]),
    ]:
        np.testing.assert_array_equal(lazy.isel(index).values, want, err_msg=str(index))
        np.testing.assert_array_equal(loaded.isel(index).values, want, err_msg=str(index))
    by_label = lazy.sel(a=[2.5, 0.5], seed=[3, 0]).values
    np.testing.assert_array_equal(by_label, expected[np.ix_([2, 0], [0, 1], [3, 0])])


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


def test_dim_coords_for_a_zip_named_after_one_of_its_axes():
    pos, neg = np.float32([0.1, 0.3, 0.5]), np.float32([0.5, 0.3, 0.1])
    coords = st.dim_coords([Dim("alpha_pos", {"alpha_pos": pos, "alpha_neg": neg})])
    assert set(coords) == {"alpha_pos", "alpha_neg"}
    np.testing.assert_array_equal(coords["alpha_pos"][1], pos)  # the axis values, not 0, 1, 2
    assert coords["alpha_neg"][0] == "alpha_pos"
    # Named after a vector axis: the vectors are <axis>_value and the dimension is indexed 0..n-1.
    probs = np.float32([[0.1, 0.9], [0.2, 0.8]])
    coords = st.dim_coords([Dim("probs", {"probs": probs, "beta": np.float32([1.0, 2.0])})])
    assert coords["probs_value"][0] == ("probs", "probs_component")
    np.testing.assert_array_equal(coords["probs"][1], [0, 1])
    assert coords["beta"][0] == "probs"
