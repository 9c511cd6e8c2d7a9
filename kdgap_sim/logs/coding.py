"""How a choice log codes its actions: 0- or 1-based labels, and how many actions.

A log's choices are integer labels. :func:`infer_coding` decides which label
is the first action (the *base*, 0 or 1) and how many actions the task has,
from the labels used and whatever the user fixed, and says how it decided
(:attr:`Coding.note`, shown by ``kdgap fit`` and stored in the fit's
InferenceData). It refuses to guess where the labels disagree:

* **0 and a top label** (labels ``0..K`` with ``K >= 2``, base not given): 0-based
  with ``K + 1`` actions, or 1-based with ``K`` actions and a stray 0;
* **gaps** (a label between the base and the largest one never used, or the
  base itself unused, e.g. ``choice_base=0`` on labels 1 and 2, which would
  add an action nobody chose) when the number of actions is inferred;
* **a lone top label** (the largest label on one row of at least
  :data:`LONE_LABEL_MIN_ROWS`, e.g. a single 3 in a two-armed log) when the
  number of actions is inferred;
* labels outside ``base .. base + n_actions - 1`` when both are given.

Each refusal is a ``ValueError`` asking for ``choice_base=`` / ``n_actions=``
(CLI: ``--choice-base`` / ``--n-actions``). With ``n_actions`` given the
labels ``0..K`` are resolved: ``K + 1`` actions means 0-based; ``K`` actions
means 1-based, and the 0 is then out of range.

Example:
  >>> from kdgap_sim.logs.coding import infer_coding
  >>> infer_coding([1, 2, 2, 1]).note
  '1-based choices (inferred: no choice is 0), 2 actions (inferred: labels 1..2)'
  >>> c = infer_coding([0, 1, 2, 2, 0], n_actions=3)
  >>> c.base, c.n_actions
  (0, 3)
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

LONE_LABEL_MIN_ROWS = 20
_ASK = "pass choice_base= and/or n_actions= (CLI: --choice-base, --n-actions)"


class Coding(NamedTuple):
    """The coding of a log's actions.

    Attributes:
      base: label of the first action, 0 or 1.
      n_actions: number of actions.
      note: one line saying what was given and what was inferred, and from what.

    Example:
      >>> import kdgap_sim as kd
      >>> kd.logs.infer_coding([1, 2, 2, 1])[:2]
      (1, 2)
    """

    base: int
    n_actions: int
    note: str


def _labels(choices: Any) -> np.ndarray:
    values = np.asarray(choices)
    if values.size == 0:
        raise ValueError("choices must hold at least one label")
    if not np.issubdtype(values.dtype, np.integer):
        if not np.issubdtype(values.dtype, np.floating) or not np.all(values == np.round(values)):
            raise TypeError(f"choices must be integer labels, got dtype {values.dtype}")
        values = values.astype(np.int64)
    return values.ravel()


def infer_coding(choices: Any, choice_base: int | None = None, n_actions: int | None = None, *,
                 n_columns: int | None = None) -> Coding:
    """Base and number of actions of integer action labels; raises where the evidence is mixed.

    Args:
      choices: every label used (choices and, if logged, recommended actions), any shape.
      choice_base: 0 or 1 if the user fixed it; None to infer (0-based if
        any label is 0, else 1-based).
      n_actions: the number of actions if the user fixed it; None to infer
        (the largest label minus the base plus 1, at least 2).
      n_columns: number of actions implied by ``outcome_<a>`` columns, if any
        (used as the number of actions when ``n_actions`` is None).

    Raises:
      ValueError: on mixed evidence (see the module docstring), a negative
        label, or a label outside the given coding.

    Example:
      >>> import kdgap_sim as kd
      >>> coding = kd.logs.infer_coding([0, 1, 1, 0])
      >>> coding.base, coding.n_actions
      (0, 2)
      >>> kd.logs.infer_coding([0, 1, 2])
      Traceback (most recent call last):
      ...
      ValueError: ambiguous coding: labels 0, 1, 2 could be 0-based with 3 actions or 1-based with 2 actions and a stray 0; pass choice_base= and/or n_actions= (CLI: --choice-base, --n-actions)
    """
    if choice_base not in (None, 0, 1) or isinstance(choice_base, bool):
        raise ValueError(f"choice_base must be 0, 1 or None, got {choice_base!r}")
    if n_actions is not None and (isinstance(n_actions, bool) or int(n_actions) != n_actions
                                  or n_actions < 2):
        raise ValueError(f"n_actions must be an integer >= 2 or None, got {n_actions!r}")
    labels = _labels(choices)
    used, counts = np.unique(labels, return_counts=True)
    low, high = int(used[0]), int(used[-1])
    if low < 0:
        raise ValueError(f"action labels must be >= 0, got {low}")
    shown = ", ".join(str(int(u)) for u in used[:12]) + (", ..." if used.size > 12 else "")

    # -- base -------------------------------------------------------------
    if choice_base is not None:
        base, base_note = int(choice_base), f"{choice_base}-based choices (given)"
    elif low == 0:
        if n_actions is None and n_columns is None and high >= 2:
            raise ValueError(
                f"ambiguous coding: labels {shown} could be 0-based with {high + 1} actions or "
                f"1-based with {high} actions and a stray 0; {_ASK}")
        if n_actions is not None and high == n_actions:
            raise ValueError(
                f"labels {shown} with n_actions={n_actions}: label {high} means 1-based coding, "
                f"where label 0 ({int(counts[0])} row(s)) is not an action; fix those rows or {_ASK}")
        base, base_note = 0, "0-based choices (inferred: a choice is 0)"
    else:
        base, base_note = 1, "1-based choices (inferred: no choice is 0)"
    if low < base:
        raise ValueError(f"label {low} is not an action in {base}-based coding; {_ASK}")

    # -- number of actions -------------------------------------------------
    top = high - base + 1
    if n_actions is not None:
        if top > n_actions:
            raise ValueError(
                f"label {high} is out of range for {n_actions} actions in {base}-based coding "
                f"(labels {base}..{base + n_actions - 1}); {_ASK}")
        count, count_note = int(n_actions), f"{n_actions} actions (given)"
    elif n_columns is not None:
        if top > n_columns:
            raise ValueError(
                f"label {high} is out of range for the {n_columns} actions of the outcome_<a> "
                f"columns in {base}-based coding; {_ASK}")
        count, count_note = int(n_columns), f"{n_columns} actions (inferred: outcome_<a> columns)"
    else:
        missing = sorted(set(range(base, high + 1)) - {int(u) for u in used})
        if missing:
            raise ValueError(
                f"labels {shown} in {base}-based coding leave action(s) "
                f"{', '.join(map(str, missing[:8]))} never chosen; the coding or the number of "
                f"actions cannot be inferred; {_ASK}")
        if labels.size >= LONE_LABEL_MIN_ROWS and used.size > 2 and counts[-1] == 1:
            raise ValueError(
                f"label {high} is used on only 1 of {labels.size} rows: a typo, or a "
                f"{top}-action task? {_ASK}")
        count = max(top, 2)
        count_note = (f"{count} actions (inferred: labels {base}..{high})" if top >= 2 else
                      f"2 actions (inferred: only label {high} is used; assumed 2)")
    return Coding(base, count, f"{base_note}, {count_note}")
