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
    assert set(data) == {"knowing-doing-ucb", "faithful-ucb", "greedy", "llm-2b-like"}
    # the agents differ in knowing as well as doing: one states wrong rationales and repeats itself
    knowing = {a: data[a]["metrics"]["rationale_correct"]["mean"] for a in data}
    assert min(knowing.values()) < 0.95 < max(knowing.values())
    assert max(data[a]["metrics"]["frequency_bias"]["mean"] for a in data) > 0.1
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


def test_demo_rejects_one_seed_and_out_of_range_seed(capsys):
    with pytest.raises(SystemExit):
        cli.main(["demo", "--seeds", "1"])
    assert "argument --seeds: must be >= 2" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["demo", "--seed", str(2**64)])
    assert "argument --seed: must be in [0, 2**32)" in capsys.readouterr().err


def test_bad_output_paths_fail_before_the_run(tmp_path, capsys):
    afile = tmp_path / "afile"
    afile.write_text("")
    assert cli.main(["demo", "--seeds", "2", "--steps", "2", "--out", str(afile)]) == 2
    captured = capsys.readouterr()
    assert "kdgap demo: error: --out" in captured.err and "existing file" in captured.err
    assert "regret" not in captured.out
    config = tmp_path / "c.toml"
    for line, key in ((f'output = "{afile}/x.json"', "output"), (f'figure = "{tmp_path}"', "figure")):
        config.write_text(f'n_steps = 2\nn_seeds = 2\n{line}\n[env]\nname = "bernoulli-bandit"\n'
                          '[agents.g]\nprofile = "greedy"\n')
        assert cli.main(["simulate", str(config)]) == 2
        captured = capsys.readouterr()
        assert captured.err.startswith(f"kdgap simulate: error: {key} ") and "\n" not in captured.err.strip()
        assert "regret" not in captured.out


def test_simulate_non_utf8_config_names_the_file(tmp_path, capsys):
    path = tmp_path / "latin1.toml"
    path.write_bytes(b"\xff seed = 3\n")
    assert cli.main(["simulate", str(path)]) == 2
    assert "latin1.toml" in capsys.readouterr().err


def test_non_integer_flag_names_the_value_not_an_internal_function(capsys):
    # argparse reports a type function's ValueError as "invalid n_seeds_int value"; the
    # message must quote what the user typed and say what was expected instead.
    for flag in ("--seeds", "--steps", "--seed"):
        with pytest.raises(SystemExit):
            cli.main(["demo", flag, "abc"])
        err = capsys.readouterr().err
        assert f"argument {flag}: expected an integer, got 'abc'" in err
        assert "_int" not in err


def test_demo_error_names_out_only_when_it_was_given(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / cli.DEMO_OUT).write_text("")   # the default folder's name is taken by a file
    assert cli.main(["demo", "--seeds", "2", "--steps", "2"]) == 2
    err = capsys.readouterr().err
    assert "--out" not in err and "the default output folder" in err
