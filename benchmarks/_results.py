"""Shared by the benchmark scripts: the machine they ran on, and writing their JSON result."""

from __future__ import annotations

import json
import os
import pathlib
import platform

RESULTS = pathlib.Path(__file__).resolve().parent / "results"


def machine() -> dict:
    """Platform, processor, CPU count, Python version and the load average now."""
    return {"platform": platform.platform(), "processor": platform.processor(), "cpus": os.cpu_count(),
            "python": platform.python_version(), "load_average": list(os.getloadavg())}


def write_result(name: str, payload: dict) -> pathlib.Path:
    """Writes ``payload`` plus the machine to ``benchmarks/results/<name>.json``; returns the path."""
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps({**payload, "machine": machine()}, indent=2) + "\n")
    print(f"wrote {path}")
    return path
