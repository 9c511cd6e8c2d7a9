"""The columns of a choice log: canonical names, their accepted aliases, and the words for booleans."""

from __future__ import annotations

import re

ALIASES: dict[str, tuple[str, ...]] = {
    "subject": ("subject", "subjid", "subj_id", "subject_id", "participant"),
    "trial": ("trial", "trial_index"),
    "choice": ("choice", "action"),
    "reward": ("reward", "outcome"),
    "gain": ("gain",),
    "loss": ("loss",),
    "unchosen": ("unchosen_outcome",),
    "forced": ("forced", "no_agency"),
    "context": ("context", "block"),
    "rationale": ("rationale", "recommended_action", "recommendation"),
    "confidence": ("confidence",),
    "block": ("game", "episode"),
    "invalid": ("invalid",),
}
MAX_INFERRED_ACTIONS = 1024
OUTCOME_COLUMN = re.compile(r"^(?:outcome|reward)_(\d+)$", re.IGNORECASE)
MEAN_COLUMN = re.compile(r"^mean_(\d+)$", re.IGNORECASE)
TRUE_WORDS = {"1", "true", "t", "yes", "y", "1.0"}
FALSE_WORDS = {"0", "false", "f", "no", "n", "0.0"}


def find_column(columns: list[str], canonical: str) -> str | None:
    """The column of ``columns`` holding ``canonical``: its first alias present (ignoring case), or None.

    Example:
      >>> from kdgap_sim.logs.columns import find_column
      >>> find_column(["SubjID", "choice"], "subject")
      'SubjID'
    """
    lowered = {c.lower(): c for c in columns}
    for alias in ALIASES[canonical]:
        if alias in lowered:
            return lowered[alias]
    return None
