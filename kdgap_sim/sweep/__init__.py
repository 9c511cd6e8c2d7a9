"""Sweeps: an agent over a grid of parameters x seeds, chunked, sharded, resumable.

``Grid`` names the axes; :func:`run` computes every point (one jitted, vmapped
chunk function, sharded over all devices and processes) into a zarr store;
:func:`open` reopens a store lazily as an ``xarray.Dataset``.
"""

from kdgap_sim.sweep.grid import Grid
from kdgap_sim.sweep.chunk import METRICS, metrics_from_stats, point_stats
from kdgap_sim.sweep.runner import RunStats, last_run_stats, open, run
from kdgap_sim.sweep.store import StoreError

__all__ = ["METRICS", "Grid", "RunStats", "StoreError", "last_run_stats", "metrics_from_stats", "open", "point_stats", "run"]
