"""Progress on stderr for the commands that take a while: lines when not a terminal, none with --quiet."""

import io
import re

import jax
import jax.numpy as jnp
import pytest

from kdgap_sim import progress
from kdgap_sim.cli import main


def test_progress_prints_plain_lines_when_not_a_terminal():
    out = io.StringIO()
    with progress.Progress(20, "sweep", "chunks", stream=out) as bar:
        for _ in range(20):
            bar.update(1)
    lines = out.getvalue().splitlines()
    assert lines[0] == "sweep: 2/20 chunks (10%)" and lines[-1] == "sweep: 20/20 chunks (100%)"
    assert len(lines) == 10  # one per tenth, not one per unit


def test_progress_disabled_prints_nothing():
    out = io.StringIO()
    with progress.Progress(3, "x", "units", enabled=False, stream=out) as bar:
        bar.update(3)
    assert out.getvalue() == ""


def test_plain_lines_pass_messages_and_rate_limit_bar_redraws():
    out = io.StringIO()
    lines = progress.PlainLines(out, seconds=3600)
    for i in range(100):
        lines.write(f"\rwarmup: {i}%")
    lines.write("a warning\n")
    lines.close()
    assert out.getvalue().splitlines() == ["warmup: 0%", "warmup: 99%", "a warning"]


def test_demo_reports_each_agent_on_stderr_and_quiet_silences_it(tmp_path, capsys):
    assert main(["demo", "--seeds", "4", "--steps", "5", "--out", str(tmp_path)]) == 0
    err = capsys.readouterr().err
    assert "running 4 agent(s)" in err and re.search(r"study: 4/4 agents \(100%\) llm-2b-like done", err)
    assert main(["demo", "--seeds", "4", "--steps", "5", "--out", str(tmp_path), "--quiet"]) == 0
    assert capsys.readouterr().err == ""


def _sweep_config(tmp_path, name):
    config = tmp_path / f"{name}.toml"
    config.write_text(f'n_steps = 5\nstore = "{tmp_path / name}.zarr"\nn_seeds = 2\nchunk_size = 2\n'
                      '[env]\nname = "bernoulli-bandit"\n[agent]\nprofile = "greedy"\n[grid]\nq0 = [0.0, 1.0]\n')
    return str(config)


def test_sweep_reports_chunks_when_redirected(tmp_path, capsys):
    assert main(["sweep", _sweep_config(tmp_path, "a")]) == 0
    assert "sweep: 2/2 chunks (100%)" in capsys.readouterr().err
    assert main(["sweep", _sweep_config(tmp_path, "b"), "--quiet"]) == 0
    assert "sweep:" not in capsys.readouterr().err


def test_fit_shows_numpyro_sampling_progress_as_lines(tmp_path, capsys, monkeypatch):
    from kdgap_sim.fitting import simulate_log

    # numpyro turns its bar off when either is set (CI machines, pytest-xdist workers).
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)

    log = simulate_log(jax.random.key(0), "rw", jnp.array([[0.3, 5.0], [0.5, 3.0]]), 20)
    path = tmp_path / "choices.csv"
    log.to_dataframe().to_csv(path, index=False)
    args = ["fit", str(path), "--model", "rw", "--no-hierarchical", "--chains", "1", "--warmup", "30",
            "--draws", "30", "--ppc-draws", "5", "--out", str(tmp_path / "out")]
    assert main(args) == 0
    err = capsys.readouterr().err
    assert "fit: NUTS, 1 chain(s)" in err
    assert re.search(r"(warmup|sample).*\d+/60", err), err  # numpyro's bar, as plain lines
    assert main([*args, "--quiet"]) == 0
    assert capsys.readouterr().err == ""


def test_verify_reports_each_check(capsys):
    assert main(["verify", "rw-steady-state", "--quick"]) == 0
    assert "verify: 1/1 checks (100%) rw-steady-state PASS" in capsys.readouterr().err
    assert main(["verify", "rw-steady-state", "--quick", "--quiet"]) == 0
    assert capsys.readouterr().err == ""
