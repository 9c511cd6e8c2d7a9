"""Reading choice-log files into a DataFrame, before any column is interpreted.

Delimited tables (CSV, TSV / hBayesDM ``.txt``) and JSON Lines (one object per
line). Both refuse what pandas and ``json`` would silently repair: a column or a
field named twice (pandas renames the second ``choice`` to ``choice.1``, and
``json`` keeps the last of two keys). :mod:`kdgap_sim.logs.parse` then
validates every value.
"""

from __future__ import annotations

import functools
import json
import pathlib
from typing import Any

from kdgap_sim.logs.parse import check_column_names


def _existing_file(path: str | pathlib.Path) -> pathlib.Path:
    path = pathlib.Path(path)
    if not path.is_file():
        raise ValueError(f"choice log {str(path)!r} does not exist")
    return path


def read_delimited(path: str | pathlib.Path, sep: str = ","):
    """The table at ``path`` (header row first) as a DataFrame; ValueError if it cannot be parsed."""
    import pandas as pd

    path = _existing_file(path)
    try:
        # utf-8-sig drops a leading byte-order mark (else the first column is "\ufeffsubject")
        df = pd.read_csv(path, sep=sep, encoding="utf-8-sig")
        header = pd.read_csv(path, sep=sep, header=None, nrows=1, dtype=str, encoding="utf-8-sig").iloc[0]
    except Exception as err:  # noqa: BLE001 - parser errors become one clear message
        raise ValueError(f"cannot parse {str(path)!r} as a delimited table: {err}") from err
    # pandas renames a repeated column ("choice" -> "choice.1"); the raw header says so
    check_column_names([c for c in header.tolist() if isinstance(c, str)], str(path))
    return df


def _unique_keys(pairs: list[tuple[str, Any]], where: str) -> dict[str, Any]:
    """A JSON object's dict, refusing a key given twice (``json`` keeps the last silently)."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"{where} gives the field {key!r} twice")
        out[key] = value
    return out


def read_jsonl(path: str | pathlib.Path):
    """One JSON object per line (blank lines skipped) as a DataFrame; errors name the line."""
    import pandas as pd

    path = _existing_file(path)
    records = []
    for line_number, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            hook = functools.partial(_unique_keys, where=f"{path}: line {line_number}")
            record = json.loads(line, object_pairs_hook=hook)
        except json.JSONDecodeError as err:
            raise ValueError(f"{path}: line {line_number} is not valid JSON: {err}") from err
        if not isinstance(record, dict):
            raise ValueError(f"{path}: line {line_number} must be a JSON object, got {line!r}")
        records.append(record)
    return pd.DataFrame.from_records(records)
