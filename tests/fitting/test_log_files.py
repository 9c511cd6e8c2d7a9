"""Tests of kdgap_sim.logs.files: files to DataFrames, refusing what pandas/json would repair.
(Interpreting the columns is tested through ChoiceLog in test_data.py.)"""

import pytest

from kdgap_sim.logs.files import read_delimited, read_jsonl


def test_read_delimited_keeps_columns_and_refuses_a_repeated_one(tmp_path):
    good = tmp_path / "log.tsv"
    good.write_text("subject\tchoice\treward\ns1\t0\t1\ns1\t1\t0\n")
    df = read_delimited(good, sep="\t")
    assert list(df.columns) == ["subject", "choice", "reward"] and df["choice"].tolist() == [0, 1]
    repeated = tmp_path / "repeated.csv"
    repeated.write_text("subject,choice,Choice\ns1,0,1\n")  # pandas alone would keep both
    with pytest.raises(ValueError, match="two columns named 'choice' and 'Choice'"):
        read_delimited(repeated)
    with pytest.raises(ValueError, match="does not exist"):
        read_delimited(tmp_path / "missing.csv")


def test_read_jsonl_names_the_line_of_a_bad_record(tmp_path):
    path = tmp_path / "log.jsonl"
    path.write_text('{"subject": "a", "choice": 0}\n\n{"subject": "a", "choice": 1}\n')
    assert read_jsonl(path)["choice"].tolist() == [0, 1]  # the blank line is skipped
    path.write_text('{"subject": "a", "choice": 0, "choice": 1}\n')  # json alone keeps the last
    with pytest.raises(ValueError, match="line 1 gives the field 'choice' twice"):
        read_jsonl(path)
    path.write_text('{"subject": "a"}\n[1, 2]\n')
    with pytest.raises(ValueError, match="line 2 must be a JSON object"):
        read_jsonl(path)
    path.write_text('{"subject": "a"\n')
    with pytest.raises(ValueError, match="line 1 is not valid JSON"):
        read_jsonl(path)
