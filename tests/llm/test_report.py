"""kd.llm.report / summary_from_log on hand-made logs whose metrics are known."""

import subprocess
import sys

import numpy as np
import pytest

import kdgap_sim as kd
from kdgap_sim.llm.report import summary_from_log


def _log(choice, reward, rationale, means=None, invalid=None):
    choice = np.asarray(choice)
    log = kd.fitting.ChoiceLog.from_arrays(choice, np.asarray(reward, np.float32), n_actions=2,
                                           rationale=np.asarray(rationale, np.float64))
    import dataclasses

    return dataclasses.replace(log, means=None if means is None else np.asarray(means, np.float32),
                               invalid=None if invalid is None else np.asarray(invalid))


def test_follow_and_correct_by_hand():
    # Trial 0: nothing tried, greedy rule: every arm is correct; rec 0, chose 0 (followed).
    # Trial 1: arm 0 paid 1 -> greedy arm 0; rec 1 (wrong), chose 1 (followed).
    # Trial 2: arm 0 mean 1, arm 1 mean 0 -> rec 0 correct, chose 1 (not followed).
    # Trial 3: no rationale stated -> neither correct nor followed.
    log = _log([[0, 1, 1, 0]], [[1, 0, 0, 1]], [[0, 1, 0, np.nan]],
               means=[[[0.7, 0.3]] * 4], invalid=[[False, False, False, True]])
    table = kd.llm.report(log, rule="greedy")
    assert table.loc["follow", "mean"] == pytest.approx(2 / 4)
    assert table.loc["rationale_correct", "mean"] == pytest.approx(2 / 4)
    assert table.loc["rationale_optimal", "mean"] == pytest.approx(2 / 4)
    assert table.loc["regret", "mean"] == pytest.approx(2 * 0.4)
    assert table.loc["invalid", "mean"] == pytest.approx(1 / 4)
    assert table.loc["stated", "mean"] == pytest.approx(3 / 4)
    assert table.loc["coverage", "mean"] == pytest.approx(1.0)
    assert table.loc["follow", "n"] == 1


def test_ucb_rule_puts_untried_arms_first():
    # Trial 1: arm 1 untried -> UCB1's index is infinite there: only rec 1 is correct.
    log = _log([[0, 1]], [[1, 0]], [[0, 0]])
    summary = summary_from_log(log, rule="ucb")
    assert int(summary.rationale_correct_count[0]) == 1  # trial 0 (any arm) yes, trial 1 no


def test_without_means_regret_is_nan_and_se_over_episodes():
    log = _log([[0, 0], [1, 1]], [[1, 1], [0, 0]], [[0, 0], [0, 0]])
    table = kd.llm.report(log)
    assert np.isnan(table.loc["regret", "mean"]) and table.loc["regret", "n"] == 0
    # follow per episode: 1.0 and 0.0 -> mean 0.5, se = sd / sqrt(2) = 0.7071 / 1.414 = 0.5
    assert table.loc["follow", "mean"] == pytest.approx(0.5)
    assert table.loc["follow", "se"] == pytest.approx(0.5)


def test_bad_input():
    with pytest.raises(TypeError, match="ChoiceLog"):
        kd.llm.report({"choice": [0]})
    log = _log([[0]], [[1]], [[0]])
    with pytest.raises(ValueError, match="rule"):
        kd.llm.report(log, rule="best")


def test_importing_the_package_imports_no_optional_dependency():
    code = ("import sys, kdgap_sim as kd; kd.llm.Prompt; kd.llm.run; "
            "print(sorted(m for m in ('openai', 'transformers', 'torch') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
