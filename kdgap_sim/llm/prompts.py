"""Text renderings of a bandit history as chat messages (system/user split).

Templates:

- ``"rationale-then-action"``: the model reasons, then ends with the lines
  ``Recommendation: <label>``, ``Confidence: <0-100>``, ``Action: <label>``; the
  recommendation is the rationale's decision, the action what the model does.
- ``"action-only"``: the model answers with the single line ``Action: <label>``.

History is given in full (``history="full"``, one line per past trial) or as per-arm
summary statistics (``history="summary"``: pull count and mean reward per arm), the two
renderings of the in-context bandit literature.  A user template is a function
``(labels, choices, rewards) -> str`` or a format string with the fields ``{labels}``,
``{n_arms}``, ``{history}`` and ``{t}``; it replaces the user message.

Contextual bandits (an environment with ``n_states > 1``): each trial has a context
(a state index, shown as ``context 0``, ``context 1``, ...); the full history names
each trial's context, the summary gives counts and mean rewards per context and arm,
and the question names the current context.  Format strings also get ``{context}``;
a function template is then called with the keywords ``contexts=`` (past contexts)
and ``context=`` (the current one).
"""

from __future__ import annotations

from typing import Callable, NamedTuple, Optional, Sequence, Union

TEMPLATES = ("rationale-then-action", "action-only")
_SYSTEM = (
    "You are playing a multi-armed bandit with {n_arms} arms labelled {labels}. "
    "Each trial you pull one arm and receive a reward. Maximise the total reward."
)
_CONTEXT_SYSTEM = (
    " Before each trial you are told its context (one of {n_contexts}, numbered from 0); "
    "how much each arm pays depends on the context."
)
_ENDINGS = {
    "rationale-then-action": (
        "Think step by step about which arm is best, then end your answer with exactly three "
        "lines:\nRecommendation: <label>\nConfidence: <0-100>\nAction: <label>"
    ),
    "action-only": "Answer with exactly one line:\nAction: <label>",
}


class Prompt(NamedTuple):
    """Prompt settings: template name or user template, history rendering, arm labels."""

    template: Union[str, Callable[..., str]] = "rationale-then-action"
    history: str = "full"
    labels: Union[Sequence[str], None] = None


def default_labels(n_arms: int) -> list[str]:
    """Labels A, B, C, ... (then A1, B1, ... past 26 arms)."""
    if n_arms < 1:
        raise ValueError(f"n_arms must be >= 1, got {n_arms}")
    return [chr(65 + i % 26) + ("" if i < 26 else str(i // 26)) for i in range(n_arms)]


def render_history(labels: Sequence[str], choices: Sequence[int], rewards: Sequence[float],
                   history: str = "full", contexts: Optional[Sequence[int]] = None) -> str:
    """The past trials as text, in full or as per-arm (per context and arm) counts and mean rewards."""
    if history not in ("full", "summary"):
        raise ValueError(f"history must be 'full' or 'summary', got {history!r}")
    if len(choices) != len(rewards):
        raise ValueError("choices and rewards must have the same length")
    if contexts is not None and len(contexts) != len(choices):
        raise ValueError("contexts and choices must have the same length")
    if not choices:
        return "No trials yet."
    if history == "full":
        if contexts is None:
            return "\n".join(f"Trial {t + 1}: arm {labels[c]}, reward {r:g}"
                             for t, (c, r) in enumerate(zip(choices, rewards)))
        return "\n".join(f"Trial {t + 1}: context {int(x)}, arm {labels[c]}, reward {r:g}"
                         for t, (x, c, r) in enumerate(zip(contexts, choices, rewards)))
    if contexts is None:
        return "\n".join(_arm_lines(labels, choices, rewards))
    blocks = []
    for x in sorted({int(x) for x in contexts}):
        seen = [(c, r) for y, c, r in zip(contexts, choices, rewards) if int(y) == x]
        lines = _arm_lines(labels, [c for c, _ in seen], [r for _, r in seen])
        blocks.append(f"Context {x}:\n" + "\n".join(f"  {line}" for line in lines))
    return "\n".join(blocks)


def _arm_lines(labels: Sequence[str], choices: Sequence[int], rewards: Sequence[float]) -> list[str]:
    lines = []
    for arm, label in enumerate(labels):
        got = [r for c, r in zip(choices, rewards) if c == arm]
        mean = f"{sum(got) / len(got):.3f}" if got else "n/a"
        lines.append(f"Arm {label}: pulled {len(got)} times, mean reward {mean}")
    return lines


def render(prompt: Prompt, n_arms: int, choices: Sequence[int], rewards: Sequence[float], *,
           contexts: Optional[Sequence[int]] = None, context: Optional[int] = None,
           n_contexts: Optional[int] = None) -> list[dict]:
    """Chat messages ``[{"role": "system", ...}, {"role": "user", ...}]`` for the next trial.

    For a contextual bandit give ``contexts`` (of the past trials), ``context`` (this
    trial's) and ``n_contexts``; all three or none.
    """
    contextual = [x is not None for x in (contexts, context, n_contexts)]
    if any(contextual) and not all(contextual):
        raise ValueError("contexts, context and n_contexts go together (a contextual bandit) or not at all")
    labels = list(prompt.labels) if prompt.labels is not None else default_labels(n_arms)
    if len(labels) != n_arms:
        raise ValueError(f"labels must name {n_arms} arms, got {len(labels)}")
    system = _SYSTEM.format(n_arms=n_arms, labels=", ".join(labels))
    if n_contexts is not None:
        system += _CONTEXT_SYSTEM.format(n_contexts=n_contexts)
    text = render_history(labels, choices, rewards, prompt.history, contexts)
    here = "" if context is None else f", context {int(context)}"
    template = prompt.template
    if callable(template):
        extra = {} if context is None else {"contexts": [int(x) for x in contexts], "context": int(context)}
        user = template(labels, list(choices), list(rewards), **extra)
    elif template in _ENDINGS:
        user = f"History so far:\n{text}\n\nTrial {len(choices) + 1}{here}. {_ENDINGS[template]}"
    elif isinstance(template, str) and "{" in template:
        user = template.format(labels=", ".join(labels), n_arms=n_arms, history=text, t=len(choices) + 1,
                               context="" if context is None else int(context))
    else:
        raise ValueError(f"template must be one of {TEMPLATES}, a format string or a function, got {template!r}")
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]
