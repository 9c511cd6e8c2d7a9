import pytest

from kdgap_sim.llm.parse import parse_answer
from kdgap_sim.llm.prompts import Prompt, default_labels, render, render_history


def test_labels():
    assert default_labels(3) == ["A", "B", "C"]
    assert len(set(default_labels(60))) == 60
    with pytest.raises(ValueError, match="n_arms"):
        default_labels(0)


def test_full_and_summary():
    labels = ["A", "B"]
    full = render_history(labels, [0, 1, 1], [1.0, 0.0, 1.0], "full")
    assert full.splitlines() == ["Trial 1: arm A, reward 1", "Trial 2: arm B, reward 0", "Trial 3: arm B, reward 1"]
    summary = render_history(labels, [0, 1, 1], [1.0, 0.0, 1.0], "summary")
    assert summary.splitlines() == ["Arm A: pulled 1 times, mean reward 1.000", "Arm B: pulled 2 times, mean reward 0.500"]
    assert render_history(labels, [], [], "full") == "No trials yet."
    with pytest.raises(ValueError, match="history"):
        render_history(labels, [], [], "bogus")


@pytest.mark.parametrize("template", ["rationale-then-action", "action-only"])
def test_system_user_split(template):
    messages = render(Prompt(template=template), 3, [2], [1.0])
    assert [m["role"] for m in messages] == ["system", "user"]
    assert "3 arms labelled A, B, C" in messages[0]["content"]
    assert "Action: <label>" in messages[1]["content"]
    assert ("Recommendation:" in messages[1]["content"]) == (template == "rationale-then-action")


def test_user_templates_and_labels():
    fmt = render(Prompt(template="Arms {labels}; trial {t}\n{history}", labels=["x", "y"]), 2, [1], [0.5])
    assert fmt[1]["content"] == "Arms x, y; trial 2\nTrial 1: arm y, reward 0.5"
    fn = render(Prompt(template=lambda labels, c, r: f"{labels[-1]} {len(c)}"), 2, [0, 0], [1, 1])
    assert fn[1]["content"] == "B 2"
    with pytest.raises(ValueError, match="template"):
        render(Prompt(template="nonsense"), 2, [], [])
    with pytest.raises(ValueError, match="labels"):
        render(Prompt(labels=["x"]), 2, [], [])
    # the labels the prompt shows are the ones the parser reads back
    assert parse_answer("Action: y", ["x", "y"]).action == 1


def test_contextual_rendering():
    labels = ["A", "B"]
    full = render_history(labels, [0, 1], [1.0, 0.0], "full", contexts=[2, 0])
    assert full.splitlines() == ["Trial 1: context 2, arm A, reward 1", "Trial 2: context 0, arm B, reward 0"]
    summary = render_history(labels, [0, 1, 1], [1.0, 0.0, 1.0], "summary", contexts=[1, 0, 1])
    assert summary.splitlines() == [
        "Context 0:", "  Arm A: pulled 0 times, mean reward n/a", "  Arm B: pulled 1 times, mean reward 0.000",
        "Context 1:", "  Arm A: pulled 1 times, mean reward 1.000", "  Arm B: pulled 1 times, mean reward 1.000"]
    messages = render(Prompt(), 2, [0], [1.0], contexts=[1], context=0, n_contexts=3)
    assert "one of 3" in messages[0]["content"] and "Trial 2, context 0." in messages[1]["content"]
    fmt = render(Prompt(template="ctx {context} t {t}"), 2, [0], [1.0], contexts=[1], context=2, n_contexts=3)
    assert fmt[1]["content"] == "ctx 2 t 2"
    fn = render(Prompt(template=lambda labels, c, r, contexts, context: f"{contexts} {context}"), 2, [0], [1.0],
                contexts=[1], context=2, n_contexts=3)
    assert fn[1]["content"] == "[1] 2"
    with pytest.raises(ValueError, match="together"):
        render(Prompt(), 2, [0], [1.0], context=1)
    with pytest.raises(ValueError, match="contexts and choices"):
        render_history(labels, [0], [1.0], "full", contexts=[0, 1])
