"""Tests of kdgap_sim.training.checkpoint: round trip, atomic writes, template checks."""

import os

import jax.numpy as jnp
import numpy as np
import optax
import pytest

from kdgap_sim.training import checkpoint


def test_round_trip_of_an_optimiser_state(tmp_path):
    params = {"w": jnp.arange(3.0), "b": jnp.float32(2.0)}
    opt_state = optax.adam(0.1).init(params)
    tree = (params, opt_state, jnp.int32(7))
    path = checkpoint.save(checkpoint.checkpoint_path(tmp_path, 7), tree, {"step": 7, "note": "x"})
    restored, meta = checkpoint.restore(path, tree)
    assert meta == {"step": 7, "note": "x"}
    for a, b in zip(np.asarray(jnp.arange(3.0)), np.asarray(restored[0]["w"])):
        assert a == b
    assert int(restored[2]) == 7
    assert type(restored[1]) is type(opt_state)


def test_overwrite_is_atomic_and_leaves_no_temporary_files(tmp_path):
    path = tmp_path / "c.npz"
    checkpoint.save(path, {"w": jnp.ones(2)})
    checkpoint.save(path, {"w": jnp.zeros(2)})
    assert sorted(os.listdir(tmp_path)) == ["c.npz"]
    tree, _ = checkpoint.restore(path, {"w": jnp.ones(2)})
    assert float(tree["w"].sum()) == 0.0


def test_latest_and_mismatches(tmp_path):
    assert checkpoint.latest(tmp_path / "missing") is None
    for step in (2, 10, 4):
        checkpoint.save(checkpoint.checkpoint_path(tmp_path, step), {"w": jnp.ones(2)})
    assert checkpoint.latest(tmp_path).name == "ckpt_00000010.npz"
    with pytest.raises(ValueError, match="shape"):
        checkpoint.restore(checkpoint.latest(tmp_path), {"w": jnp.ones(3)})
    with pytest.raises(ValueError, match="leaves"):
        checkpoint.restore(checkpoint.latest(tmp_path), {"w": jnp.ones(2), "v": jnp.ones(2)})
    with pytest.raises(ValueError, match="does not exist"):
        checkpoint.restore(tmp_path / "nope.npz", {"w": jnp.ones(2)})
