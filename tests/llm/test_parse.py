"""Table test of kdgap_sim.llm.parse on real-looking answers."""

import pytest

from kdgap_sim.llm.parse import parse_answer

L = ["A", "B", "C", "D", "E"]

# (answer text, expected action, expected recommendation, expected confidence)
TABLE = [
    ("Recommendation: B\nConfidence: 80\nAction: B", 1, 1, 0.8),
    ("Recommendation: B\nConfidence: 80\nAction: C", 2, 1, 0.8),
    ("**Recommendation:** D\n**Confidence:** 55\n**Action:** D", 3, 3, 0.55),
    ("Action: b.", 1, None, None),
    ("action: e", 4, None, None),
    ("ACTION: A!", 0, None, None),
    ("Action: `C`", 2, None, None),
    ("### Action: E", 4, None, None),
    ("Action: 2", 1, None, None),
    ("Action: arm 3", 2, None, None),
    ("Action: Arm B", 1, None, None),
    ("Action: (D)", 3, None, None),
    ('Action: "A"', 0, None, None),
    ("Action: [B]", 1, None, None),
    ("Action: A\nOn reflection...\nAction: C", 2, None, None),
    ("Recommendation: A\nRecommendation: E\nAction: E", 4, 4, None),
    ("I'll go with B.", 1, None, None),
    ("I will choose arm 4 this time.", 3, None, None),
    ("After weighing it, I choose C", 2, None, None),
    ("My choice is D.", 3, None, None),
    ("Final answer: A", 0, None, None),
    ("I would pick E, it has the best mean.", 4, None, None),
    ("I'll go with A. Actually, I'll go with B.", 1, None, None),
    ("Action: B\nI'll go with C", 1, None, None),  # explicit line beats free phrase
    ("Arm C has the highest mean so far.", None, None, None),
    ("", None, None, None),
    ("I am not sure which arm to pull.", None, None, None),
    ("Action: F", None, None, None),  # not a label
    ("Action: 9", None, None, None),  # index out of range
    ("Action: 0", None, None, None),  # indices are 1-based
    ("Recommendation: C\nConfidence: 90%", None, 2, 0.9),  # no action -> invalid
    ("Confidence: 150\nAction: A", 0, None, 1.0),  # clipped
    ("Confidence: 72.5\nAction - D", 3, None, 0.725),
    ("Action = c", 2, None, None),
    ("Thinking: arm A mean 0.4, arm B mean 0.7.\nRecommendation: b\nConfidence: 60\nAction: a", 0, 1, 0.6),
]


def test_table_has_at_least_30_rows():
    assert len(TABLE) >= 30


@pytest.mark.parametrize("text, action, recommendation, confidence", TABLE)
def test_parse_table(text, action, recommendation, confidence):
    parsed = parse_answer(text, L)
    assert parsed.action == action
    assert parsed.recommendation == recommendation
    if confidence is None:
        assert parsed.confidence is None
    else:
        assert parsed.confidence == pytest.approx(confidence)
    assert parsed.invalid == (action is None)


def test_custom_labels():
    assert parse_answer("Action: blue", ["red", "blue"]).action == 1


def test_bad_input():
    with pytest.raises(TypeError, match="text"):
        parse_answer(None, L)
    with pytest.raises(ValueError, match="labels"):
        parse_answer("Action: A", [])


def test_import_pulls_no_optional_dependency():
    import subprocess
    import sys

    code = (
        "import sys, kdgap_sim, kdgap_sim.llm;"
        "bad=[m for m in ('openai','transformers','torch') if m in sys.modules];"
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
