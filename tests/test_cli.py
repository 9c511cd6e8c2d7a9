import json
import textwrap

import pytest

from kdgap_sim import cli


def test_demo_writes_table_json_and_png(tmp_path, capsys):
    assert cli.main(["demo", "--seeds", "16", "--steps", "20", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    for column in ("regret", "coverage", "rationale_correct", "follow", "frequency_bias"):
        assert column in printed
    data = json.loads((tmp_path / "demo.json").read_text())
    assert set(data) == {"knowing-doing-ucb", "faithful-ucb", "greedy"}
    assert data["faithful-ucb"]["metrics"]["follow"]["mean"] == 1.0
    assert (tmp_path / "demo.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_simulate_and_bad_config_exit_code(tmp_path, capsys):
    good = tmp_path / "ok.toml"
    good.write_text(textwrap.dedent(f"""
        n_steps = 10
        n_seeds = 4
        output = "{tmp_path / 'out.json'}"
        [env]
        name = "gaussian-bandit"
        n_arms = 2
        [agents.rw]
        profile = "optimistic-rw"
    """))
    assert cli.main(["simulate", str(good)]) == 0
    assert json.loads((tmp_path / "out.json").read_text())["rw"]["metrics"]["regret"]["mean"] >= 0
    bad = tmp_path / "bad.toml"
    bad.write_text(good.read_text().replace("n_seeds = 4", "n_seeds = 4\nbogus = 1"))
    assert cli.main(["simulate", str(bad)]) == 2
    assert "bogus" in capsys.readouterr().err


def test_demo_rejects_bad_flags():
    with pytest.raises(SystemExit):
        cli.main(["demo", "--seeds", "0"])
