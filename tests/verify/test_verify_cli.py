"""Tests of ``kdgap verify`` and of the registry contents."""

from kdgap_sim import cli
from kdgap_sim.verify import registry
from kdgap_sim.verify.registry import Check, Measurement

OURS = {
    "rw-steady-state", "optimism-separation", "ucb1-regret-bounds", "ucb-log-regret",
    "thompson-log-regret", "brier-proper", "rlcr-expected-reward", "log-score-non-monotone",
    "low-mse-high-regret", "mse-vs-decision-training", "horizon-formula", "task-accuracy-power",
}


def test_checks_registered():
    assert OURS <= set(registry.names())
    for name in OURS:
        check = registry.get(name)
        assert check.claim and check.formula and check.source


def test_list(capsys):
    assert cli.main(["verify", "--list"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in OURS)


def test_runs_selected_checks(capsys):
    assert cli.main(["verify", "--quick", "log-score-non-monotone", "brier-proper"]) == 0
    out = capsys.readouterr().out
    assert "log-score-non-monotone" in out and "PASS" in out and "2/2 checks passed" in out


def test_unknown_check_is_a_usage_error(capsys):
    assert cli.main(["verify", "no-such-check"]) == 2
    assert "unknown verify check 'no-such-check'" in capsys.readouterr().err


def test_failing_check_exits_non_zero(monkeypatch, capsys):
    registry.names()  # load the built-in checks first
    failing = Check("always-fails", "a false claim", "1 = 2", "test",
                    lambda key, quick: Measurement(1.0, 2.0, 0.1, False, "1 != 2"))
    monkeypatch.setitem(registry._CHECKS, "always-fails", failing)
    assert cli.main(["verify", "always-fails"]) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and "1 = 2" in out and "0/1 checks passed" in out
