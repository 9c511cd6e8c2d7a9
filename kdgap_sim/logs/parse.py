"""Column resolution and row-by-row validation behind :meth:`ChoiceLog.from_dataframe`.

Every check is vectorised; the first offending row is reported as
``row i`` (1-based data row) and, for files, the line of the file.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from kdgap_sim.logs.coding import infer_coding
from kdgap_sim.logs.columns import (
    ALIASES,
    FALSE_WORDS,
    MAX_INFERRED_ACTIONS,
    MEAN_COLUMN,
    OUTCOME_COLUMN,
    TRUE_WORDS,
    find_column,
)


class _Rows:
    """Formats the location of a row for error messages."""

    def __init__(self, source: str, header_lines: int):
        self.source = source
        self.header_lines = header_lines

    def error(self, index: int, column: str, message: str) -> ValueError:
        where = f"row {index + 1}"
        if self.header_lines:
            where += f" (line {index + 1 + self.header_lines} of {self.source})"
        else:
            where += f" of {self.source}"
        return ValueError(f"{where}, column {column!r}: {message}")


def _numeric(df, column: str, rows: _Rows, *, allow_missing: bool = False) -> np.ndarray:
    import pandas as pd

    raw = df[column]
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=np.float64)
    missing = raw.isna().to_numpy()
    bad = np.isnan(values) & ~missing
    if raw.dtype == bool:
        boolean = np.ones(len(raw), dtype=bool)
    elif raw.dtype == object:
        boolean = np.array([isinstance(v, (bool, np.bool_)) for v in raw.tolist()], dtype=bool)
    else:
        boolean = np.zeros(len(raw), dtype=bool)
    if boolean.any():  # JSON true/false or a bool column: a typo, not a number
        i = int(np.argmax(boolean))
        raise rows.error(i, column, f"{raw.iloc[i]!r} is a boolean, not a number")
    if bad.any():
        i = int(np.argmax(bad))
        raise rows.error(i, column, f"{raw.iloc[i]!r} is not a number")
    if not allow_missing and missing.any():
        i = int(np.argmax(missing))
        raise rows.error(i, column, "value is missing (NaN or empty)")
    if np.isinf(values).any():
        i = int(np.argmax(np.isinf(values)))
        raise rows.error(i, column, f"{values[i]} is not finite")
    return values


def _integers(values: np.ndarray, column: str, rows: _Rows) -> np.ndarray:
    present = ~np.isnan(values)
    bad = present & (values != np.round(values))
    if bad.any():
        i = int(np.argmax(bad))
        raise rows.error(i, column, f"{values[i]} is not an integer")
    return np.where(present, values, -1).astype(np.int64)


def _booleans(df, column: str, rows: _Rows) -> np.ndarray:
    out = np.zeros(len(df), dtype=bool)
    for i, value in enumerate(df[column].tolist()):
        text = str(value).strip().lower()
        if text in TRUE_WORDS:
            out[i] = True
        elif text not in FALSE_WORDS:
            raise rows.error(i, column, f"{value!r} is not a boolean (use 0/1 or true/false)")
    return out


def _check_range(values: np.ndarray, low: int, high: int, column: str, base: int, rows: _Rows):
    bad = (values < low) | (values > high)
    if bad.any():
        i = int(np.argmax(bad))
        raise rows.error(
            i, column,
            f"action {values[i] + base} is out of range [{low + base}, {high + base}] "
            f"({base}-based coding, {high + 1} actions)",
        )


def check_column_names(columns: list[Any], source: str) -> None:
    """Raises ValueError if two columns share a name (ignoring case, as the aliases do)."""
    seen: dict[str, str] = {}
    for column in (str(c) for c in columns):
        if column.lower() in seen:
            raise ValueError(f"choice log {source} has two columns named {seen[column.lower()]!r} "
                             f"and {column!r}; drop or rename one")
        seen[column.lower()] = column


def _check_aliases(df, columns: list[str], rows: _Rows) -> None:
    """Raises if two aliases of one field (e.g. ``choice`` and ``action``) are present and differ.

    ``trial`` is exempt: only the order of trials matters, and logs often hold
    both a 1-based ``trial`` and a 0-based ``trial_index``.
    """
    import pandas as pd

    lowered = {c.lower(): c for c in columns}
    for canonical, aliases in ALIASES.items():
        if canonical == "trial":
            continue
        present = [lowered[a] for a in aliases if a in lowered]
        for other in present[1:]:
            a, b = df[present[0]], df[other]
            x, y = pd.to_numeric(a, errors="coerce"), pd.to_numeric(b, errors="coerce")
            numeric = (x.notna() & y.notna()).to_numpy()
            same = np.where(numeric, x.to_numpy(np.float64) == y.to_numpy(np.float64),
                            a.astype(str).to_numpy() == b.astype(str).to_numpy())
            same |= (a.isna() & b.isna()).to_numpy()
            if not same.all():
                i = int(np.argmax(~same))
                raise rows.error(i, other, f"{b.tolist()[i]!r} differs from {a.tolist()[i]!r} in column "
                                 f"{present[0]!r}; both give the {canonical} (drop or rename one)")


def _labels(df, column: str, what: str, rows: _Rows) -> np.ndarray:
    """Subject/context labels: present, each a string or a number, as strings."""
    raw = df[column]
    if raw.isna().any():
        i = int(np.argmax(raw.isna().to_numpy()))
        raise rows.error(i, column, f"{what} is missing (NaN or empty)")
    values = raw.tolist()
    if raw.dtype == object or raw.dtype == bool:  # e.g. JSON lists, objects or true/false
        for i, value in enumerate(values):
            if isinstance(value, (bool, np.bool_)) or not isinstance(
                    value, (str, int, float, np.integer, np.floating)):
                raise rows.error(i, column, f"{value!r} is not a label (use a string or an integer)")
    return np.array([_label(v) for v in values], dtype=object)


def apply_column_map(df, columns: dict[str, str] | None, default_subject: str | None, source: str):
    """Renames the mapped columns to our names and adds a ``subject`` column for a one-subject file.

    ``columns`` maps our name (a key of :data:`ALIASES` or ``outcome_<a>``) to the log's
    column; ValueError for a name we do not know or a column the log lacks.
    """
    if columns is not None:
        if not isinstance(columns, dict):
            raise TypeError(f"columns must be a dict {{our_name: their_name}}, got {type(columns).__name__}")
        present = {str(c) for c in df.columns}
        renames: dict[str, str] = {}
        for ours, theirs in columns.items():
            if not isinstance(ours, str) or not (
                    ours in ALIASES or OUTCOME_COLUMN.match(ours) or MEAN_COLUMN.match(ours)):
                raise ValueError(f"columns: unknown name {ours!r}; known names: "
                                 f"{', '.join(ALIASES)}, outcome_<a>, mean_<a>")
            if str(theirs) not in present:
                raise ValueError(f"columns: {ours!r} is mapped to {theirs!r}, but choice log {source} "
                                 f"has no such column; columns found: {sorted(present)}")
            renames[str(theirs)] = ALIASES[ours][0] if ours in ALIASES else ours
        clash = [o for t, o in renames.items() if o in present and o not in renames and t != o]
        if clash:
            raise ValueError(f"columns: choice log {source} already has a column named {clash[0]!r}; "
                             "map that name to it or drop it")
        df = df.rename(columns=renames)
    if default_subject is not None:
        if not isinstance(default_subject, (str, int)) or isinstance(default_subject, bool):
            raise TypeError(f"default_subject must be a string label, got {default_subject!r}")
        if find_column([str(c) for c in df.columns], "subject") is None:
            df = df.assign(subject=str(default_subject))
    return df


def parse_dataframe(cls, df: Any, *, n_actions, choice_base, source: str, header_lines: int,
                    columns: dict[str, str] | None = None, default_subject: str | None = None):
    """Resolves columns, validates every row and pads by subject; returns ``cls(...)``."""
    import pandas as pd

    from kdgap_sim import validation

    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"a choice log must be a pandas DataFrame, got {type(df).__name__}")
    if len(df) == 0:
        raise ValueError(f"choice log {source} has no rows")
    if isinstance(choice_base, (bool, np.bool_)) or not (
            isinstance(choice_base, (int, np.integer)) or choice_base == "auto"):
        raise TypeError(f"choice_base must be 0, 1 or 'auto', got {choice_base!r}")
    if choice_base not in ("auto", 0, 1):
        raise ValueError(f"choice_base must be 0, 1 or 'auto', got {choice_base!r}")
    if n_actions is not None:
        validation.check_int("n_actions", n_actions, minimum=2)
    check_column_names(list(df.columns), source)
    df = apply_column_map(df, columns, default_subject, source)
    df = df.reset_index(drop=True)
    rows = _Rows(source, header_lines)
    columns = [str(c) for c in df.columns]
    df.columns = columns
    found = {name: find_column(columns, name) for name in ALIASES}
    _check_aliases(df, columns, rows)

    def missing(name: str, extra: str = "") -> ValueError:
        return ValueError(
            f"choice log {source} has no {name!r} column{extra} (accepted names: "
            f"{', '.join(ALIASES[name])}); columns found: {columns}"
        )

    for required in ("subject", "choice"):
        if found[required] is None:
            raise missing(required)
    if found["reward"] is None and (found["gain"] is None or found["loss"] is None):
        raise missing("reward", " and no 'gain' and 'loss' columns")
    if (found["gain"] is None) != (found["loss"] is None):
        present = "gain" if found["gain"] else "loss"
        raise missing("loss" if present == "gain" else "gain", f" to go with {present!r}")

    # -- subject --------------------------------------------------------
    subject = _labels(df, found["subject"], "subject", rows)
    labels, first = np.unique(subject, return_index=True)
    order = labels[np.argsort(first)]
    index_of = {label: k for k, label in enumerate(order)}
    subject_index = np.array([index_of[s] for s in subject], dtype=np.int64)

    # -- choices, rationale, outcome columns ----------------------------
    choice_col = found["choice"]
    choice = _integers(_numeric(df, choice_col, rows), choice_col, rows)
    rationale_raw = rationale_none = None
    if found["rationale"] is not None:
        values = _numeric(df, found["rationale"], rows, allow_missing=True)
        rationale_none = np.isnan(values) | (values == -1)  # empty or -1: no rationale logged
        rationale_raw = _integers(np.where(rationale_none, np.nan, values), found["rationale"], rows)
    if n_actions is None:
        for column, values in ((choice_col, choice), (found["rationale"], rationale_raw)):
            if values is not None and values.max() >= MAX_INFERRED_ACTIONS:
                i = int(np.argmax(values))
                raise rows.error(
                    i, column,
                    f"action {values[i]} would make {values[i] + 1} actions; n_actions is "
                    f"inferred only up to {MAX_INFERRED_ACTIONS} (a larger value is likely a typo): "
                    "pass n_actions explicitly if the task has that many")
    n_columns = sum(1 for c in columns if OUTCOME_COLUMN.match(c)) or None
    # Out-of-range values under a given coding: name the row (infer_coding sees only labels).
    guess = choice_base
    if choice_base == "auto" and n_actions is not None and not (
            (choice == 0).any() and choice.max() == n_actions):  # else infer_coding explains
        guess = 0 if (choice == 0).any() else 1
    if guess != "auto" and n_actions is not None:
        for column, values in ((choice_col, choice), (found["rationale"], rationale_raw)):
            if values is not None:
                values = values if column == choice_col else np.where(rationale_none, guess, values)
                _check_range(values - guess, 0, n_actions - 1, column, guess, rows)
    labels = choice if rationale_raw is None else np.concatenate([choice, rationale_raw[~rationale_none]])
    # Labels below the base are left to the range check below, which names the row.
    low = 0 if choice_base == "auto" else choice_base
    labels = labels[labels >= low] if (labels >= low).any() else labels
    try:
        coding = infer_coding(labels, None if choice_base == "auto" else int(choice_base), n_actions,
                              n_columns=n_columns)
    except ValueError as error:
        raise ValueError(f"choice log {source}: {error}") from None
    base, n_actions = coding.base, coding.n_actions
    choice = choice - base
    outcome_cols = sorted(
        ((int(m.group(1)) - base, c) for c in columns if (m := OUTCOME_COLUMN.match(c))),
    )
    rationale = None
    if rationale_raw is not None:
        # Shifted by the base with "none" kept apart: a 0 in 1-based coding is out of range, not "none".
        rationale = np.where(rationale_none, -1, rationale_raw - base)
    _check_range(choice, 0, n_actions - 1, choice_col, base, rows)
    if rationale is not None:
        _check_range(np.where(rationale_none, 0, rationale), 0, n_actions - 1, found["rationale"], base, rows)

    # -- rewards --------------------------------------------------------
    gain = loss = None
    if found["gain"] is not None:
        gain = _numeric(df, found["gain"], rows)
        loss = -np.abs(_numeric(df, found["loss"], rows))  # hBayesDM: los = -abs(loss)
    if found["reward"] is not None:
        reward = _numeric(df, found["reward"], rows)
    else:
        reward = gain + loss

    outcomes = None
    if outcome_cols:
        indices = [a for a, _ in outcome_cols]
        if indices != list(range(n_actions)):
            raise ValueError(
                f"choice log {source}: full-feedback columns must be outcome_<a> for every action "
                f"a = {base}..{n_actions - 1 + base}, got {[c for _, c in outcome_cols]}"
            )
        outcomes = np.stack([_numeric(df, c, rows) for _, c in outcome_cols], axis=-1)
    elif found["unchosen"] is not None:
        if n_actions != 2:
            raise ValueError(
                f"choice log {source}: column {found['unchosen']!r} needs a two-action task "
                f"(got {n_actions} actions); use outcome_<a> columns instead"
            )
        unchosen = _numeric(df, found["unchosen"], rows)
        outcomes = np.where(np.eye(2, dtype=bool)[choice], reward[:, None], unchosen[:, None])
    if outcomes is not None:
        chosen = outcomes[np.arange(len(df)), choice]
        bad = ~np.isclose(chosen, reward, rtol=1e-6, atol=1e-6)
        if bad.any():
            i = int(np.argmax(bad))
            raise rows.error(
                i, outcome_cols[choice[i]][1] if outcome_cols else found["reward"],
                f"outcome of the chosen action ({chosen[i]}) differs from the reward ({reward[i]})",
            )

    # -- optional columns -----------------------------------------------
    forced = _booleans(df, found["forced"], rows) if found["forced"] else np.zeros(len(df), bool)
    invalid = _booleans(df, found["invalid"], rows) if found["invalid"] else None
    context_labels: tuple[str, ...] = ()
    context = np.zeros(len(df), dtype=np.int64)
    if found["context"] is not None:
        ctx = _labels(df, found["context"], "context", rows)
        ctx_labels, ctx_first = np.unique(ctx, return_index=True)
        ctx_order = [str(c) for c in ctx_labels[np.argsort(ctx_first)]]
        ctx_index = {c: k for k, c in enumerate(ctx_order)}
        context = np.array([ctx_index[c] for c in ctx], dtype=np.int64)
        context_labels = tuple(ctx_order)
    confidence = None
    if found["confidence"] is not None:
        confidence = _numeric(df, found["confidence"], rows, allow_missing=True)
        bad = (confidence < 0) | (confidence > 1)
        if bad.any():
            i = int(np.argmax(bad))
            raise rows.error(i, found["confidence"], f"{confidence[i]} is not in [0, 1]")

    # -- blocks and trials: trials increase within a block, restart in each -----
    block = None
    if found["block"] is not None:
        block_labels = _labels(df, found["block"], "block", rows)
        block = np.zeros(len(df), dtype=np.int64)
    if found["trial"] is not None:
        trial = _integers(_numeric(df, found["trial"], rows), found["trial"], rows)
    else:
        trial = np.zeros(len(df), dtype=np.int64)
    for k in range(len(order)):
        rows_k = np.flatnonzero(subject_index == k)
        if block is None:
            if found["trial"] is None:
                trial[rows_k] = np.arange(1, rows_k.size + 1)
            continue
        seen: dict[str, int] = {}
        start = None
        for j, i in enumerate(rows_k):
            label = block_labels[i]
            new_block = j == 0 or label != block_labels[rows_k[j - 1]]
            if new_block and label in seen:
                raise rows.error(int(i), found["block"],
                                 f"block {label!r} of subject {subject[i]!r} appears again after other "
                                 "blocks; the rows of a block must be consecutive")
            if new_block:
                seen[label] = len(seen)
                if found["trial"] is None:
                    count = 0
                elif start is None:
                    start = trial[i]
                elif trial[i] != start:
                    raise rows.error(int(i), found["trial"],
                                     f"block {label!r} of subject {subject[i]!r} starts at trial "
                                     f"{trial[i]}, not {start}: trial numbers must restart in each block")
            block[i] = seen[label]
            if found["trial"] is None:
                count += 1
                trial[i] = count
    stable = np.argsort(subject_index, kind="stable")
    same = subject_index[stable][1:] == subject_index[stable][:-1]
    if block is not None:
        same &= block[stable][1:] == block[stable][:-1]
    decreasing = same & (np.diff(trial[stable]) <= 0)
    if decreasing.any():
        j = int(np.argmax(decreasing))
        i, previous = int(stable[j + 1]), int(stable[j])
        within = "subject" if block is None else "block"
        raise rows.error(
            i, found["trial"] or "trial",
            f"trial {trial[i]} of subject {subject[i]!r} does not follow trial {trial[previous]} "
            f"(row {previous + 1}); trials must increase within a {within}",
        )

    # -- generative means ------------------------------------------------
    means = None
    mean_cols = sorted(((int(m.group(1)) - base, c) for c in columns if (m := MEAN_COLUMN.match(c))))
    if mean_cols:
        if [a for a, _ in mean_cols] != list(range(n_actions)):
            raise ValueError(
                f"choice log {source}: generative-mean columns must be mean_<a> for every action "
                f"a = {base}..{n_actions - 1 + base}, got {[c for _, c in mean_cols]}")
        means = np.stack([_numeric(df, c, rows) for _, c in mean_cols], axis=-1)

    # -- pad by subject ---------------------------------------------------
    S = len(order)
    n_trials = np.bincount(subject_index, minlength=S)
    T = int(n_trials.max())
    position = np.empty(len(df), dtype=np.int64)
    position[stable] = np.concatenate([np.arange(n) for n in n_trials])

    def pad(values, fill, dtype, trailing=()):
        out = np.full((S, T, *trailing), fill, dtype=dtype)
        out[subject_index, position] = values
        return out

    nan_conf = None if confidence is None else pad(confidence, np.nan, np.float32)
    return cls(
        subjects=tuple(str(s) for s in order),
        n_actions=int(n_actions),
        choice=pad(choice, -1, np.int32),
        reward=pad(reward, 0.0, np.float32),
        outcomes=None if outcomes is None else pad(outcomes, 0.0, np.float32, (n_actions,)),
        gain=None if gain is None else pad(gain, 0.0, np.float32),
        loss=None if loss is None else pad(loss, 0.0, np.float32),
        forced=pad(forced, False, bool),
        context=pad(context, 0, np.int32),
        context_labels=context_labels,
        rationale=None if rationale is None else pad(rationale, -1, np.int32),
        confidence=nan_conf,
        trial=pad(trial, -1, np.int64),
        n_trials=n_trials.astype(np.int64),
        choice_base=int(base),
        source=source,
        block=None if block is None else pad(block, -1, np.int32),
        means=None if means is None else pad(means, np.nan, np.float32, (n_actions,)),
        coding_note=coding.note,
        invalid=None if invalid is None else pad(invalid, False, bool),
    )


def _label(value: Any) -> str:
    """Subject/context label: integral floats (1.0 from a CSV column with NaN) print as ints."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
