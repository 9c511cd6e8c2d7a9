"""ChoiceLog: formats, hBayesDM conventions, padding, and clear errors for malformed logs."""

import json

import numpy as np
import pandas as pd
import pytest

from kdgap_sim.fitting import ChoiceLog


def _df(**overrides):
    data = {"subject": ["a", "a", "a", "b", "b"], "trial": [1, 2, 3, 1, 2],
            "choice": [0, 1, 1, 1, 0], "reward": [1.0, 0.0, 1.0, 1.0, 0.0]}
    data.update(overrides)
    return pd.DataFrame(data)


def test_dataframe_pads_subjects_and_masks():
    log = ChoiceLog.from_dataframe(_df())
    assert log.subjects == ("a", "b")
    assert log.n_actions == 2 and log.choice_base == 0
    assert log.n_trials.tolist() == [3, 2]
    assert log.choice.tolist() == [[0, 1, 1], [1, 0, -1]]
    assert log.mask.tolist() == [[True, True, True], [True, True, False]]
    arrays = log.arrays()
    assert arrays.scored.tolist() == log.mask.tolist()
    # Partial feedback: outcomes hold the reward at the chosen action only.
    assert np.asarray(arrays.outcomes)[0, 0].tolist() == [1.0, 0.0]


def test_interleaved_subjects_keep_row_order_within_subject():
    df = _df(subject=["a", "b", "a", "b", "a"], trial=[1, 1, 2, 2, 3])
    log = ChoiceLog.from_dataframe(df)
    assert log.choice.tolist() == [[0, 1, 0], [1, 1, -1]]


def test_hbayesdm_bandit2arm_columns_and_one_based_choices(tmp_path):
    path = tmp_path / "bandit2arm.txt"
    path.write_text("subjID\ttrial\tchoice\toutcome\n1\t1\t1\t1\n1\t2\t2\t-1\n2\t1\t2\t1\n")
    log = ChoiceLog.load(path)
    assert log.choice_base == 1 and log.n_actions == 2
    assert log.choice.tolist() == [[0, 1], [1, -1]]
    assert log.reward.tolist() == [[1.0, -1.0], [1.0, 0.0]]


def test_hbayesdm_bandit4arm_gain_loss_without_trial_column():
    df = pd.DataFrame({"subjID": [7, 7, 7], "choice": [4, 1, 3], "gain": [1, 0, 1],
                       "loss": [0, -1, 1]})
    log = ChoiceLog.from_dataframe(df, n_actions=4)
    assert log.has_gain_loss and log.n_actions == 4
    assert log.trial.tolist() == [[1, 2, 3]]
    assert log.loss.tolist() == [[0.0, -1.0, -1.0]]  # hBayesDM: los = -abs(loss)
    assert log.reward.tolist() == [[1.0, -1.0, 0.0]]


def test_csv_jsonl_and_round_trip(tmp_path):
    df = _df(forced=[0, 0, 1, 0, 0], rationale=[1, 1, -1, 0, 0],
             confidence=[0.9, np.nan, 0.5, 0.6, 0.7], block=["x", "x", "y", "x", "y"],
             outcome_0=[1.0, 1.0, 0.0, 0.0, 0.0], outcome_1=[0.0, 0.0, 1.0, 1.0, 1.0])
    csv = tmp_path / "log.csv"
    df.to_csv(csv, index=False)
    jsonl = tmp_path / "log.jsonl"
    jsonl.write_text("\n".join(json.dumps(r) for r in json.loads(df.to_json(orient="records"))))
    a, b = ChoiceLog.load(csv), ChoiceLog.load(jsonl)
    for log in (a, b):
        assert log.has_full_feedback and log.has_forced and log.has_rationale
        assert log.n_contexts == 2 and log.context.tolist() == [[0, 0, 1], [0, 1, 0]]
        assert log.rationale.tolist() == [[1, 1, -1], [0, 0, -1]]
        assert log.arrays().scored.tolist() == [[True, True, False], [True, True, False]]
    again = ChoiceLog.from_dataframe(a.to_dataframe())
    np.testing.assert_array_equal(again.choice, a.choice)
    np.testing.assert_array_equal(again.outcomes, a.outcomes)
    np.testing.assert_array_equal(again.context, a.context)


def test_unchosen_outcome_column_for_two_actions():
    log = ChoiceLog.from_dataframe(_df(unchosen_outcome=[0.0, 1.0, 0.0, 0.0, 1.0]))
    assert log.outcomes[0, 1].tolist() == [1.0, 0.0]  # chose 1 (reward 0), unchosen 0 paid 1


@pytest.mark.parametrize(
    "change, pattern",
    [
        ({"choice": None}, r"no 'choice' column .*accepted names: choice, action"),
        ({"reward": None}, r"no 'reward' column and no 'gain' and 'loss'"),
        ({"choice": [0, 1, 2.5, 1, 0]}, r"row 3 .*column 'choice': 2.5 is not an integer"),
        ({"choice": [0, 1, np.nan, 1, 0]}, r"row 3 .*column 'choice': value is missing"),
        ({"reward": [1.0, "x", 1.0, 1.0, 0.0]}, r"row 2 .*column 'reward': 'x' is not a number"),
        ({"reward": [1.0, 0.0, np.inf, 1.0, 0.0]}, r"row 3 .*column 'reward': inf is not finite"),
        ({"trial": [1, 2, 2, 1, 2]}, r"row 3 .*column 'trial': trial 2 of subject 'a' does not follow"),
        ({"trial": [1, 3, 2, 1, 2]}, r"row 3 .*trials must increase within a subject"),
        ({"subject": ["a", None, "a", "b", "b"]}, r"row 2 .*column 'subject': subject is missing"),
        ({"confidence": [0.5, 1.5, 0.1, 0.1, 0.1]}, r"row 2 .*column 'confidence': 1.5 is not in"),
        ({"forced": [0, 0, "maybe", 0, 0]}, r"row 3 .*column 'forced': 'maybe' is not a boolean"),
    ],
)
def test_malformed_logs_name_row_and_column(change, pattern):
    df = _df()
    for column, values in change.items():
        if values is None:
            df = df.drop(columns=[column])
        else:
            df[column] = values
    with pytest.raises(ValueError, match=pattern):
        ChoiceLog.from_dataframe(df)


def test_choice_out_of_range_reports_coding_and_file_line(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("subjID,trial,choice,outcome\n1,1,1,1\n1,2,3,0\n")
    with pytest.raises(ValueError, match=r"row 2 \(line 3 of .*bad.csv\), column 'choice': "
                                         r"action 3 is out of range \[1, 2\]"):
        ChoiceLog.load(path, n_actions=2)


def test_rationale_out_of_range_and_chosen_outcome_mismatch():
    with pytest.raises(ValueError, match=r"row 1 .*column 'rationale': action 5"):
        ChoiceLog.from_dataframe(_df(rationale=[5, 0, 0, 0, 0]), n_actions=2)
    with pytest.raises(ValueError, match=r"row 1 .*outcome of the chosen action \(0.0\) differs"):
        ChoiceLog.from_dataframe(_df(outcome_0=[0.0] * 5, outcome_1=[0.0] * 5))



def test_rationale_zero_in_one_based_coding_is_out_of_range_not_none():
    # 1-based choices: a rationale of 0 used to become -1 ("none") after the shift and was then
    # scored as a trial without rationale; only an empty cell or -1 means none.
    df = _df(choice=[1, 2, 2, 2, 1], rationale=[0, 2, 1, 1, 1])
    with pytest.raises(ValueError, match=r"row 1 .*column 'rationale': action 0 is out of range \[1, 2\]"):
        ChoiceLog.from_dataframe(df, choice_base=1)
    log = ChoiceLog.from_dataframe(_df(choice=[1, 2, 2, 2, 1], rationale=[-1, 2, np.nan, 1, 1]), choice_base=1)
    assert log.rationale.tolist() == [[-1, 1, -1], [0, 0, -1]]

def test_bad_inputs_and_files(tmp_path):
    with pytest.raises(TypeError, match="must be a pandas DataFrame"):
        ChoiceLog.from_dataframe({"subject": [1]})
    with pytest.raises(ValueError, match="has no rows"):
        ChoiceLog.from_dataframe(_df().iloc[:0])
    with pytest.raises(ValueError, match="does not exist"):
        ChoiceLog.load(tmp_path / "missing.csv")
    with pytest.raises(ValueError, match="cannot tell the format"):
        ChoiceLog.load(tmp_path / "log.xlsx")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"subject": 1}\nnot json\n')
    with pytest.raises(ValueError, match="line 2 is not valid JSON"):
        ChoiceLog.load(bad)
    with pytest.raises(ValueError, match="choice_base must be 0, 1 or 'auto'"):
        ChoiceLog.from_dataframe(_df(), choice_base=2)


def test_from_arrays_matches_dataframe_and_validates():
    log = ChoiceLog.from_arrays([[0, 1, 1], [1, 0, 0]], [[1, 0, 1], [1, 0, 0]], n_actions=2,
                                n_trials=[3, 2])
    assert log.choice.tolist() == [[0, 1, 1], [1, 0, -1]]
    with pytest.raises(ValueError, match=r"column 'choice': action 2 is out of range \[0, 1\]"):
        ChoiceLog.from_arrays([[0, 2]], [[1, 0]], n_actions=2)


@pytest.mark.parametrize(
    "kwargs, error, pattern",
    [
        ({"reward": [[1.0, 0.0]]}, ValueError, r"reward must have shape \(1, 3\), got \(1, 2\)"),
        ({"forced": [[0, 1]]}, ValueError, r"forced must have shape \(1, 3\)"),
        ({"rationale": [[0, 1, 0, 1]]}, ValueError, r"rationale must have shape \(1, 3\)"),
        ({"confidence": [0.5, 0.5, 0.5]}, ValueError, r"confidence must have shape \(1, 3\)"),
        ({"outcomes": np.zeros((1, 3, 1))}, ValueError, r"outcomes must have shape \(1, 3, 2\)"),
        ({"outcomes": np.zeros((1, 3, 3))}, ValueError, r"outcomes must have shape \(1, 3, 2\)"),
        ({"n_trials": [5]}, ValueError, r"n_trials\[0\] must lie in \[1, 3\].*got 5"),
        ({"n_trials": [-1]}, ValueError, r"n_trials\[0\] must lie in \[1, 3\]"),
        ({"n_trials": [3, 3]}, ValueError, r"n_trials must have shape \(1,\)"),
        ({"n_trials": [2.7]}, TypeError, r"n_trials must hold integers"),
        ({"subjects": ["a", "b"]}, ValueError, r"subjects must have 1 labels"),
        ({"subjects": "a"}, TypeError, r"subjects must be a sequence"),
        ({"n_actions": None}, TypeError, r"n_actions must be an integer"),
        ({"choice": [["a", "b", "c"]]}, TypeError, r"choice must be numeric"),
    ],
)
def test_from_arrays_checks_every_argument_and_names_it(kwargs, error, pattern):
    args = {"choice": [[0, 1, 1]], "reward": [[1.0, 0.0, 1.0]], "n_actions": 2, **kwargs}
    with pytest.raises(error, match=pattern):
        ChoiceLog.from_arrays(args.pop("choice"), args.pop("reward"), **args)


def test_from_arrays_refuses_empty_subjects_and_repeated_labels():
    choice, reward = [[0, 1, 1], [1, 0, 0]], [[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]]
    with pytest.raises(ValueError, match=r"n_trials\[1\] must lie in \[1, 3\].*got 0"):
        ChoiceLog.from_arrays(choice, reward, n_actions=2, n_trials=[3, 0])  # was: subject dropped
    with pytest.raises(ValueError, match=r"subjects must be distinct, got \['a'\]"):
        ChoiceLog.from_arrays(choice, reward, n_actions=2, subjects=["a", "a"])
    log = ChoiceLog.from_arrays(choice, reward, n_actions=2, n_trials=np.array([3, 1]),
                                subjects=["x", "y"])
    assert log.subjects == ("x", "y") and log.n_trials.tolist() == [3, 1]


def test_repeated_or_conflicting_columns_are_refused(tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text("subject,trial,choice,reward,choice\n1,1,0,1,1\n1,2,1,0,0\n")
    with pytest.raises(ValueError, match=r"two columns named 'choice' and 'choice'"):
        ChoiceLog.load(path)
    with pytest.raises(ValueError, match=r"two columns named 'choice' and 'Choice'"):
        ChoiceLog.from_dataframe(_df(Choice=[0, 1, 1, 1, 0]))
    with pytest.raises(ValueError, match=r"row 1 .*column 'action': 1 differs from 0 in column "
                                         r"'choice'; both give the choice"):
        ChoiceLog.from_dataframe(_df(action=[1, 1, 1, 1, 0]))
    with pytest.raises(ValueError, match=r"row 2 .*column 'outcome'.*both give the reward"):
        ChoiceLog.from_dataframe(_df(outcome=[1.0, 5.0, 1.0, 1.0, 0.0]))
    # Agreeing aliases are redundant, not ambiguous; trial/trial_index may differ (order only).
    same = ChoiceLog.from_dataframe(_df(action=[0, 1, 1, 1, 0], trial_index=[0, 1, 2, 0, 1]))
    assert same.choice.tolist() == ChoiceLog.from_dataframe(_df()).choice.tolist()


def test_jsonl_booleans_lists_and_repeated_keys_name_row_and_field(tmp_path):
    def load(*records):
        path = tmp_path / "log.jsonl"
        path.write_text("\n".join(records))
        return ChoiceLog.load(path)

    good = '{"subject": 1, "choice": 0, "reward": 1, "forced": true}'
    assert load(good).has_forced  # booleans belong in the forced column
    with pytest.raises(ValueError, match=r"row 2 .*column 'choice': True is a boolean, not a number"):
        load(good, '{"subject": 1, "choice": true, "reward": 1}')
    with pytest.raises(ValueError, match=r"row 2 .*column 'subject': \[1, 2\] is not a label"):
        load(good, '{"subject": [1, 2], "choice": 0, "reward": 1}')
    with pytest.raises(ValueError, match=r"line 2 gives the field 'choice' twice"):
        load(good, '{"subject": 1, "choice": 0, "choice": 1, "reward": 1}')


def test_choice_base_must_be_an_int_or_auto():
    with pytest.raises(TypeError, match="choice_base must be 0, 1 or 'auto', got True"):
        ChoiceLog.from_dataframe(_df(), choice_base=True)
    with pytest.raises(TypeError, match="choice_base must be 0, 1 or 'auto', got 1.0"):
        ChoiceLog.from_dataframe(_df(), choice_base=1.0)


def test_inferred_number_of_actions_is_capped(tmp_path):
    from kdgap_sim.logs.choice_log import MAX_INFERRED_ACTIONS

    path = tmp_path / "typo.csv"
    path.write_text("subject,trial,choice,reward\n1,1,0,1\n1,2,100000,0\n")
    with pytest.raises(ValueError, match=r"row 2 \(line 3 of .*typo.csv\), column 'choice': action 100000 "
                                         r"would make 100001 actions; n_actions is inferred only up to 1024"):
        ChoiceLog.load(path)
    largest = _df(choice=[0, 1, MAX_INFERRED_ACTIONS - 1, 1, 0])
    assert ChoiceLog.from_dataframe(largest, choice_base=0, n_actions=MAX_INFERRED_ACTIONS).n_actions == MAX_INFERRED_ACTIONS
    with pytest.raises(ValueError, match=r"row 2 .*column 'rationale': action 5000"):
        ChoiceLog.from_dataframe(_df(rationale=[0, 5000, 0, 0, 0]))
    explicit = ChoiceLog.from_dataframe(_df(choice=[0, 1, 2000, 1, 0]), n_actions=2001)
    assert explicit.n_actions == 2001


# -- logs from elsewhere: columns=, default_subject=, byte-order marks ----------
_RELEASED = "run,trial,mean0,mean1,reward0,reward1,choice,reward\n1,1,40,48,41,50,1,50\n1,2,40,48,38,47,0,38\n2,1,60,52,61,55,0,61\n"


@pytest.mark.parametrize("bom", [False, True])
def test_released_log_loads_with_columns_and_default_subject(tmp_path, bom):
    path = tmp_path / "model_a.csv"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + _RELEASED.encode())
    mapping = {"block": "run", "outcome_0": "reward0", "outcome_1": "reward1",
               "mean_0": "mean0", "mean_1": "mean1"}
    log = ChoiceLog.load(path, columns=mapping, default_subject="model_a")
    assert log.subjects == ("model_a",) and log.n_actions == 2 and log.choice_base == 0
    assert log.choice.tolist() == [[1, 0, 0]] and log.outcomes[0, :, 1].tolist() == [50, 47, 55]
    assert log.block.tolist() == [[0, 0, 1]] and log.trial.tolist() == [[1, 2, 1]]
    assert log.means.tolist() == [[[40, 48], [40, 48], [60, 52]]] and log.context.tolist() == [[0, 0, 0]]
    again = ChoiceLog.from_dataframe(log.to_dataframe())  # round trip keeps blocks and means
    assert again.block.tolist() == log.block.tolist() and again.means.tolist() == log.means.tolist()


def test_blocks_must_restart_trials_and_be_consecutive():
    base = {"subject": ["a"] * 4, "choice": [0, 1, 0, 1], "reward": [1.0, 0.0, 1.0, 0.0]}
    df = pd.DataFrame({**base, "game": [1, 1, 2, 2], "trial": [1, 2, 3, 4]})
    with pytest.raises(ValueError, match="row 3 .*block '2' of subject 'a' starts at trial 3, not 1"):
        ChoiceLog.from_dataframe(df)
    with pytest.raises(ValueError, match="block '1' of subject 'a' appears again"):
        ChoiceLog.from_dataframe(df.assign(game=[1, 2, 1, 2], trial=[1, 1, 1, 1]))
    with pytest.raises(ValueError, match="trials must increase within a block"):
        ChoiceLog.from_dataframe(df.assign(trial=[1, 1, 1, 2]))
    log = ChoiceLog.from_dataframe(pd.DataFrame({**base, "subject": ["a", "a", "a", "b"],
                                                 "episode": ["x", "y", "y", "x"]}))
    assert log.block.tolist() == [[0, 1, 1], [0, -1, -1]] and log.trial.tolist() == [[1, 1, 2], [1, -1, -1]]
    assert log.means is None and ChoiceLog.from_dataframe(pd.DataFrame(base)).block is None
    with pytest.raises(ValueError, match="mean_<a> for every action"):
        ChoiceLog.from_dataframe(pd.DataFrame(base).assign(mean_0=1.0))


def test_columns_in_another_order_and_mapped_subject(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("\ufeffpoints,resp,who\n1,0,a\n0,1,a\n1,1,b\n", encoding="utf-8")
    log = ChoiceLog.from_csv(path, columns={"reward": "points", "choice": "resp", "subject": "who"})
    assert log.subjects == ("a", "b") and log.choice.tolist() == [[0, 1], [1, -1]]


def test_column_map_errors_are_clear():
    df = pd.DataFrame({"run": [1, 1], "choice": [0, 1], "reward": [1.0, 0.0]})
    with pytest.raises(ValueError, match="unknown name 'subjekt'"):
        ChoiceLog.from_dataframe(df, columns={"subjekt": "run"})
    with pytest.raises(ValueError, match="'subject' is mapped to 'model', but .* no such column"):
        ChoiceLog.from_dataframe(df, columns={"subject": "model"})
    with pytest.raises(ValueError, match="already has a column named 'choice'"):
        ChoiceLog.from_dataframe(df.assign(resp=[1, 0]), columns={"choice": "resp", "subject": "run"})
    with pytest.raises(TypeError, match="columns must be a dict"):
        ChoiceLog.from_dataframe(df, columns=[("subject", "run")])
    with pytest.raises(ValueError, match="no 'subject' column"):
        ChoiceLog.from_dataframe(df)
    assert ChoiceLog.from_dataframe(df, default_subject="m").subjects == ("m",)


def test_one_file_per_subject_from_a_folder_or_a_list(tmp_path):
    (tmp_path / "gpt.csv").write_bytes(b"\xef\xbb\xbf" + _RELEASED.encode())
    reordered = "choice,reward,trial,run,reward1,reward0,mean1,mean0\n1,9,1,1,9,3,48,40\n"
    (tmp_path / "claude.csv").write_text(reordered)
    mapping = {"block": "run", "outcome_0": "reward0", "outcome_1": "reward1",
               "mean_0": "mean0", "mean_1": "mean1"}
    log = ChoiceLog.load(tmp_path, columns=mapping)
    assert log.subjects == ("claude", "gpt") and log.n_trials.tolist() == [1, 3]
    assert log.outcomes[0, 0].tolist() == [3, 9] and log.block[1].tolist() == [0, 0, 1]
    listed = ChoiceLog.load([tmp_path / "gpt.csv"], columns=mapping)
    assert listed.subjects == ("gpt",)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no .csv"):
        ChoiceLog.load(tmp_path / "empty")
    with pytest.raises(ValueError, match="default_subject is for one file"):
        ChoiceLog.load(tmp_path, columns=mapping, default_subject="x")
