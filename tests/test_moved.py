"""Tests of kdgap_sim._moved: a moved module's old path warns and is the new module object."""

import subprocess
import sys

import pytest

MOVED = [
    ("kdgap_sim.decision_training", "kdgap_sim.decisions.training"),
    ("kdgap_sim.plotting_horizon", "kdgap_sim.plotting.horizon"),
    ("kdgap_sim.training.figures", "kdgap_sim.plotting.training"),
    ("kdgap_sim.sweep.cli", "kdgap_sim.sweep.config"),
    ("kdgap_sim.fitting.data", "kdgap_sim.logs.choice_log"),  # ChoiceLog moved to the core layer
    ("kdgap_sim.fitting.coding", "kdgap_sim.logs.coding"),
    ("kdgap_sim.fitting.log_files", "kdgap_sim.logs.files"),  # the command itself moved to kdgap_sim.cli.sweep
]


@pytest.mark.parametrize("old, new", MOVED)
def test_old_path_warns_and_is_the_new_module(old, new):
    # A fresh interpreter: in this one the old path may already sit in sys.modules (no warning).
    code = f"""
import importlib, warnings
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    old = importlib.import_module("{old}")
new = importlib.import_module("{new}")
messages = [str(w.message) for w in caught if w.category is DeprecationWarning]
assert old is new, (old, new)
assert any("{old} moved to {new}" in m for m in messages), messages
print("ok")
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={"MPLBACKEND": "Agg", "JAX_PLATFORMS": "cpu", "PATH": ""})
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr


def test_from_import_of_an_old_path_keeps_working():
    # The spelling users wrote before the move: `from kdgap_sim import decision_training`.
    code = ("import warnings; warnings.simplefilter('ignore')\n"
            "from kdgap_sim import decision_training\n"
            "from kdgap_sim.decisions import training\n"
            "assert decision_training.compare_training is training.compare_training\nprint('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={"MPLBACKEND": "Agg", "JAX_PLATFORMS": "cpu", "PATH": ""})
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr
