"""``kdgap llm CONFIG.toml``: config checks, a simulated run, a run over HTTP with a cache."""

import json

import numpy as np
import pandas as pd
import pytest

import kdgap_sim as kd
from kdgap_sim.cli import main
from kdgap_sim.cli.llm import OUTPUT_FILES

SIMULATED = """
seed = 4
n_episodes = 6
n_steps = 12
rule = "ucb"
output = "{out}"
[env]
name = "bernoulli-bandit"
n_arms = 3
[policy]
kind = "simulated"
agent = {{ profile = "knowing-doing-ucb" }}
noise = 0.3
"""


def write(tmp_path, text, name="run.toml"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_simulated_run_writes_log_answers_report_figure(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["--no-compile-cache", "llm", write(tmp_path, SIMULATED.format(out=out)), "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "follow" in printed and "rationale_correct" in printed and "invalid" in printed
    for name in OUTPUT_FILES:
        assert (out / name).stat().st_size > 0, name
    log = kd.fitting.ChoiceLog.load(out / "log.csv")
    assert log.choice.shape == (6, 12) and log.has_rationale
    answers = [json.loads(line) for line in (out / "answers.jsonl").read_text().splitlines()]
    assert len(answers) == 72
    table = pd.read_csv(out / "report.csv", index_col=0)
    # The same run through the API gives the same table.
    agent, params = kd.agents.profile("knowing-doing-ucb")
    env = kd.envs.make("bernoulli-bandit", n_arms=3)
    import jax

    again = kd.llm.run(jax.random.key(4), env, env.default_params(),
                       kd.llm.SimulatedText(agent, params, n_actions=3, noise=0.3), n_episodes=6, n_steps=12)
    np.testing.assert_array_equal(again.choice, log.choice)
    assert table.loc["follow", "mean"] == pytest.approx(kd.llm.report(again, rule="ucb").loc["follow", "mean"])


def test_openai_endpoint_with_cache(tmp_path, capsys):
    pytest.importorskip("openai")
    from kdgap_sim.llm.local_server import ChatServer

    with ChatServer(lambda messages: "Recommendation: A\nConfidence: 70\nAction: B") as server:
        config = (f'n_episodes = 3\nn_steps = 4\ncache = "{tmp_path / "cache"}"\noutput = "{tmp_path / "o"}"\n'
                  f'[env]\nname = "bernoulli-bandit"\nn_arms = 2\n'
                  f'[policy]\nkind = "openai"\nmodel = "m"\nbase_url = "{server.base_url}"\nconcurrency = 3\n')
        path = write(tmp_path, config)
        assert main(["--no-compile-cache", "llm", path, "--quiet"]) == 0
        assert main(["--no-compile-cache", "llm", path, "--quiet"]) == 0
        assert server.answered == 12  # the second run read every answer from the cache
    printed = capsys.readouterr().out
    assert "0 requests, 12 answers from the cache" in printed
    log = kd.fitting.ChoiceLog.load(tmp_path / "o" / "log.csv")
    assert (log.choice == 1).all() and (log.rationale == 0).all()


@pytest.mark.parametrize("edit, match", [
    ('n_episodes = 6', 'n_episode = 6'),
    ('kind = "simulated"', 'kind = "gpt"'),
    ('noise = 0.3', 'noise = 0.3\ntemperature = 1.0'),
    ('rule = "ucb"', 'rule = "best"'),
    ('n_steps = 12', 'n_steps = 0'),
    ('n_arms = 3', 'n_arms = 3\n[ignored]'),
])
def test_bad_configs_fail_before_running(tmp_path, capsys, edit, match):
    text = SIMULATED.format(out=tmp_path / "out").replace(edit, match)
    assert main(["--no-compile-cache", "llm", write(tmp_path, text)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("kdgap llm: error:") and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_unreachable_endpoint_is_a_one_line_error(tmp_path, capsys):
    pytest.importorskip("openai")
    config = (f'n_episodes = 1\nn_steps = 1\noutput = "{tmp_path / "o"}"\ncache = "{tmp_path / "c"}"\n'
              '[env]\nname = "bernoulli-bandit"\nn_arms = 2\n'
              '[policy]\nkind = "openai"\nmodel = "m"\nbase_url = "http://127.0.0.1:9/v1"\nmax_retries = 0\n'
              'timeout = 2.0\n')
    assert main(["--no-compile-cache", "llm", write(tmp_path, config), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "failed on episode 0, trial 0" in err and "a rerun asks only the rest" in err
