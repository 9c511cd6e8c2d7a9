"""infer_coding and its use by ChoiceLog, fit and ``kdgap fit``: stated, checked, never silently wrong."""

import jax
import jax.numpy as jnp
import pandas as pd
import pytest

from kdgap_sim.cli import main
from kdgap_sim.fitting import ChoiceLog, FitWarning, fit, simulate_log
from kdgap_sim.logs.coding import LONE_LABEL_MIN_ROWS, infer_coding


def _df(choice, **extra):
    n = len(choice)
    return pd.DataFrame({"subject": ["a"] * (n - n // 2) + ["b"] * (n // 2),
                         "choice": choice, "reward": [1.0] * n, **extra})


def test_clean_codings_are_inferred_and_stated():
    assert infer_coding([0, 1, 1, 0])[:2] == (0, 2)
    assert infer_coding([1, 2, 2, 1])[:2] == (1, 2)
    assert infer_coding([1, 2, 3, 4] * 5)[:2] == (1, 4)
    one = infer_coding([1, 1, 1])
    assert one[:2] == (1, 2) and "assumed 2" in one.note
    given = infer_coding([1, 2], choice_base=1, n_actions=3)
    assert given.note == "1-based choices (given), 3 actions (given)"


def test_stray_zero_among_one_based_choices_is_an_error():
    # Before: 0-based coding with 3 actions, silently.
    with pytest.raises(ValueError, match=r"ambiguous coding: labels 0, 1, 2 .*--choice-base, --n-actions"):
        infer_coding([1, 2, 2, 1, 0, 2])
    with pytest.raises(ValueError, match=r"choice log DataFrame: ambiguous coding"):
        ChoiceLog.from_dataframe(_df([1, 2, 2, 1, 0, 2]))
    # Resolved by either option: 3 actions means 0-based; 2 actions means 1-based, where 0 is not an action.
    assert ChoiceLog.from_dataframe(_df([1, 2, 2, 1, 0, 2]), n_actions=3).choice_base == 0
    with pytest.raises(ValueError, match=r"label 0 \(1 row\(s\)\) is not an action"):
        ChoiceLog.from_dataframe(_df([1, 2, 2, 1, 0, 2]), n_actions=2)
    with pytest.raises(ValueError, match=r"row 5 .*action 0 is out of range \[1, 2\]"):
        ChoiceLog.from_dataframe(_df([1, 2, 2, 1, 0, 2]), choice_base=1)


def test_gaps_in_the_used_labels_are_an_error():
    with pytest.raises(ValueError, match=r"leave action\(s\) 2 never chosen"):
        infer_coding([1, 3, 3, 1])
    with pytest.raises(ValueError, match=r"leave action\(s\) 1 never chosen"):
        infer_coding([0, 2, 2, 0], choice_base=0)
    # With the number of actions given, an unchosen action is fine.
    assert infer_coding([1, 3, 3, 1], n_actions=3)[:2] == (1, 3)


def test_choice_base_zero_on_one_based_data_is_an_error():
    # Before: 0-based with 3 actions, action 0 never chosen.
    with pytest.raises(ValueError, match=r"labels 1, 2 in 0-based coding leave action\(s\) 0 never chosen"):
        ChoiceLog.from_dataframe(_df([1, 2, 2, 1]), choice_base=0)


def test_a_lone_top_label_is_an_error():
    # One choice 3 in a two-armed log: before, a 3-action fit.
    labels = [1, 2] * (LONE_LABEL_MIN_ROWS // 2) + [3]
    with pytest.raises(ValueError, match=r"label 3 is used on only 1 of 21 rows"):
        infer_coding(labels)
    with pytest.raises(ValueError, match=r"row 21 .*action 3 is out of range \[1, 2\]"):
        ChoiceLog.from_dataframe(_df(labels), n_actions=2)
    assert infer_coding(labels, n_actions=3)[:2] == (1, 3)
    assert infer_coding(labels[:-1] + [3, 3])[:2] == (1, 3)  # used twice: a real action


def test_bad_arguments():
    with pytest.raises(ValueError, match="choice_base must be 0, 1 or None"):
        infer_coding([0, 1], choice_base=2)
    with pytest.raises(ValueError, match="n_actions must be an integer >= 2"):
        infer_coding([0, 1], n_actions=1)
    with pytest.raises(ValueError, match="must be >= 0"):
        infer_coding([-2, 1])
    with pytest.raises(TypeError, match="integer labels"):
        infer_coding([0.5, 1.0])


def test_fixed_action_models_check_the_count_and_name_the_coding():
    log = ChoiceLog.from_dataframe(_df([1, 2, 3, 3, 2, 1]))
    with pytest.raises(ValueError, match=r"'bandit2arm_delta' is defined for 2 actions, the log has 3 "
                                         r"\(1-based choices \(inferred: no choice is 0\), 3 actions"):
        fit(jax.random.key(0), log, "bandit2arm_delta", method="svi", svi_steps=5, num_samples=2)
    with pytest.raises(ValueError, match=r"'bandit4arm_4par' is defined for 4 actions, the log has 3"):
        fit(jax.random.key(0), log, "bandit4arm_4par", method="svi", svi_steps=5, num_samples=2)


def test_fit_stores_the_coding_and_warns_on_a_log_too_small_for_a_hierarchy():
    one_row = ChoiceLog.from_dataframe(pd.DataFrame({"subject": [1], "choice": [1], "reward": [1.0]}))
    with pytest.warns(FitWarning, match=r"1 subject\(s\) .*cannot inform the group level"):
        idata = fit(jax.random.key(0), one_row, "rw", method="svi", svi_steps=5, num_samples=2)
    attrs = idata.posterior.attrs
    assert attrs["coding"] == one_row.coding_note and "assumed 2" in attrs["coding"]
    assert (attrs["choice_base"], attrs["n_actions"]) == (1, 2)


def test_kdgap_fit_prints_the_coding_and_refuses_mixed_evidence(tmp_path, capsys):
    log = simulate_log(jax.random.key(0), "rw", jnp.array([[0.3, 5.0], [0.5, 3.0], [0.2, 8.0]]), 20)
    path = tmp_path / "choices.csv"
    log.to_dataframe().to_csv(path, index=False)
    assert main(["fit", str(path), "--model", "rw", "--method", "svi", "--svi-steps", "20",
                 "--draws", "10", "--ppc-draws", "5", "--out", str(tmp_path)]) == 0
    assert "coding: 0-based choices (inferred: a choice is 0), 2 actions" in capsys.readouterr().out
    df = log.to_dataframe()
    df["choice"] += 1
    df.loc[0, "choice"] = 0  # a stray 0 among 1/2 choices
    df.to_csv(path, index=False)
    assert main(["fit", str(path), "--model", "rw"]) == 2
    err = capsys.readouterr().err
    assert "ambiguous coding" in err and "--choice-base" in err and "\n" not in err.strip()
