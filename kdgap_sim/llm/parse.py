"""Robust parsing of a model's answer into recommendation, confidence and action.

The ``"rationale-then-action"`` template asks the model to end with the lines::

    Recommendation: <label>
    Confidence: <0-100>
    Action: <label>

Real answers deviate: markdown (``**Action:** B``), lower case, trailing punctuation
(``Action: b.``), an index instead of a label (``Action: 2``, read 1-based, "arm 2" is the
second arm), free phrasing (``I'll go with B``).  Rules, in order:

1. Markdown emphasis/backticks/headers are removed; matching is case-insensitive.
2. For each field the *last* occurrence of ``<field>: <value>`` wins (models restate).
3. If no ``Action:`` line exists, the last free-form choice phrase ("I'll go with B",
   "I choose arm 2", "final answer: B") is used.
4. A value that is neither a label nor an index in ``1..n_arms`` is not a match.

An answer with no parsable action is an *outcome*: ``Parsed.invalid`` is True and
``action`` is None; the caller applies its ``on_invalid`` fallback.  Never raises on text.
"""

from __future__ import annotations

import re
from typing import NamedTuple, Optional, Sequence


class Parsed(NamedTuple):
    """Result of :func:`parse_answer` (arm indices are 0-based; None = absent)."""

    action: Optional[int]
    recommendation: Optional[int]
    confidence: Optional[float]  # in [0, 1]
    invalid: bool


_MARKDOWN = re.compile(r"[*_`#>]+")
_VALUE = r"[\s\"'\[\(]*(?:arm|option|choice)?\s*[\"'\[\(]?\s*([A-Za-z0-9]+)\b"
_FREE = re.compile(
    r"(?:i(?:'ll| will)? (?:go with|choose|pick|select)|i choose|my choice is|"
    r"final answer(?: is)?\s*:?|i would (?:choose|pick|go with))" + _VALUE,
    re.IGNORECASE,
)


def _field(name: str) -> re.Pattern:
    return re.compile(r"\b" + name + r"\s*[:=\-]" + _VALUE, re.IGNORECASE)


_ACTION = _field("action")
_RECOMMENDATION = _field("recommendation")
_CONFIDENCE = re.compile(r"\bconfidence\s*[:=\-]\s*(\d+(?:\.\d+)?)\s*(%?)", re.IGNORECASE)


def _to_arm(token: str, labels: Sequence[str]) -> Optional[int]:
    lowered = [label.lower() for label in labels]
    if token.lower() in lowered:
        return lowered.index(token.lower())
    if token.isdigit() and 1 <= int(token) <= len(labels):
        return int(token) - 1
    return None


def _last_arm(pattern: re.Pattern, text: str, labels: Sequence[str]) -> Optional[int]:
    arm = None
    for match in pattern.finditer(text):
        candidate = _to_arm(match.group(1), labels)
        if candidate is not None:
            arm = candidate
    return arm


def parse_answer(text: str, labels: Sequence[str]) -> Parsed:
    """Extract action, recommendation and confidence from ``text`` (see module rules).

    ``labels`` are the arm labels shown to the model (e.g. ``["A", "B", "C"]``).
    Confidence ``c`` in 0-100 (or ``c%``) is returned as ``c / 100`` clipped to [0, 1].
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    if len(labels) == 0:
        raise ValueError("labels must name at least one arm")
    clean = _MARKDOWN.sub("", text)
    action = _last_arm(_ACTION, clean, labels)
    if action is None:
        action = _last_arm(_FREE, clean, labels)
    recommendation = _last_arm(_RECOMMENDATION, clean, labels)
    confidence = None
    for match in _CONFIDENCE.finditer(clean):
        confidence = min(max(float(match.group(1)) / 100.0, 0.0), 1.0)
    return Parsed(action, recommendation, confidence, action is None)
