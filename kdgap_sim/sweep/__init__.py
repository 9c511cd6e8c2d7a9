"""Sweeps: an agent over a grid of parameters x seeds, chunked, sharded, resumable.

``Grid`` names the axes; :func:`run` computes every point (one jitted, vmapped
chunk function, sharded over all devices and processes) into a zarr store;
:func:`open` reopens a store lazily as an ``xarray.Dataset``. The modules that
need xarray and zarr are imported on first use, so ``import kdgap_sim`` stays fast.
"""

import importlib

from kdgap_sim.sweep.chunk import METRICS, metrics_from_stats, point_stats
from kdgap_sim.sweep.grid import Grid

_LAZY = {
    "RunStats": "kdgap_sim.sweep.runner",
    "last_run_stats": "kdgap_sim.sweep.runner",
    "open": "kdgap_sim.sweep.runner",
    "run": "kdgap_sim.sweep.runner",
    "StoreError": "kdgap_sim.sweep.store",
}


def __getattr__(name):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'kdgap_sim.sweep' has no attribute {name!r}")


def __dir__():
    return sorted(__all__)


__all__ = [
    "METRICS", "Grid", "RunStats", "StoreError", "last_run_stats", "metrics_from_stats", "open",
    "point_stats", "run",
]
