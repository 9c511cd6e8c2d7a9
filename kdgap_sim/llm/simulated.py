"""Policies without a language model: a synthetic agent speaking, and recorded answers.

:class:`SimulatedText` turns a kdgap agent (predictor + actor) into a text
policy: on each turn it runs the agent's own ``act`` and writes the rationale
and action as an answer in the ``"rationale-then-action"`` format, optionally
with formatting noise (markdown, lower case, an index for a label, a free phrase
instead of the ``Action:`` line).  Run through :func:`kdgap_sim.llm.run` with the
trial keys of a rollout, it takes the same decisions as ``rollout_batch`` on the
same key, so the whole harness (rendering, parsing, fallback, logging, report)
is checked against known ground truth.

:class:`Replay` answers from a recorded run (the JSONL that
:func:`kdgap_sim.llm.run` writes): the same messages get the same answer.
"""

from __future__ import annotations

import functools
import hashlib
import json
import pathlib
import re
from typing import Any, Optional, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from kdgap_sim.llm.policy import Turn
from kdgap_sim.llm.prompts import default_labels
from kdgap_sim.types import Feedback

_HISTORY_LINE = re.compile(r"^Trial (\d+):(?: context (\d+),)? arm (\S+), reward (\S+)$", re.MULTILINE)
_CURRENT_CONTEXT = re.compile(r"^Trial \d+, context (\d+)\.", re.MULTILINE)
N_NOISE_STYLES = 7


def _styled_action(label: str, index: int, style: int) -> str:
    """The closing action line in one of ``N_NOISE_STYLES`` real-looking styles."""
    return [
        f"**Action:** {label}",
        f"action: {label.lower()}.",
        f"Action: {index + 1}",
        f"I'll go with {label}.",
        f"### Final answer: {label}",
        f"Action = `{label}`",
        f"Action: arm {label}!",
    ][style]


def answer_text(labels: Sequence[str], beliefs: np.ndarray, counts: np.ndarray, recommended: int,
                confidence: float, action: int, style: int = -1) -> str:
    """A rationale-then-action answer stating ``recommended`` and doing ``action``.

    ``style = -1`` gives the exact template lines; ``0 .. N_NOISE_STYLES - 1`` a
    noisy variant of them that :func:`~kdgap_sim.llm.parse_answer` still reads.
    """
    estimates = ", ".join(f"{label} {value:.2f} ({int(n)} pulls)"
                          for label, value, n in zip(labels, beliefs, counts))
    body = (f"My current estimates are: {estimates}. By my rule the arm to pull is "
            f"{labels[recommended]}.")
    confidence_line = f"Confidence: {int(round(100 * float(confidence)))}"
    if style < 0:
        return f"{body}\nRecommendation: {labels[recommended]}\n{confidence_line}\nAction: {labels[action]}"
    recommendation = f"**Recommendation:** {labels[recommended]}" if style % 2 else f"Recommendation: {labels[recommended]}"
    return f"{body}\n\n{recommendation}\n{confidence_line}%\n{_styled_action(labels[action], action, style)}"


def parse_history(text: str, labels: Sequence[str]) -> tuple[list[int], list[float]]:
    """Inverse of the ``history="full"`` rendering: the choices and rewards in ``text``."""
    choices, rewards, _, _ = parse_contextual_history(text, labels)
    return choices, rewards


def parse_contextual_history(text: str, labels: Sequence[str]) -> tuple[list[int], list[float], list[int], int]:
    """Choices, rewards, past contexts and the current context in a ``history="full"`` prompt
    (contexts 0 for a multi-armed bandit's prompt)."""
    index = {label: i for i, label in enumerate(labels)}
    choices, rewards, contexts = [], [], []
    for number, context, label, reward in _HISTORY_LINE.findall(text):
        if label not in index:
            raise ValueError(f"history names arm {label!r}, not one of {list(labels)}")
        choices.append(index[label])
        rewards.append(float(reward))
        contexts.append(int(context) if context else 0)
    current = _CURRENT_CONTEXT.search(text)
    return choices, rewards, contexts, int(current.group(1)) if current else 0


class SimulatedText:
    """A kdgap agent as a text policy (see module docstring).

    Args:
      agent: a :class:`kdgap_sim.agents.Agent`.
      params: its params.
      n_actions: number of arms.
      noise: probability that an answer is written in a noisy style (markdown,
        lower case, index, free phrase) rather than the exact template, in [0, 1].
      labels: arm labels (default A, B, C, ...); must match the prompt's.

    With the trial keys of :func:`kdgap_sim.llm.run` (``Turn.key``) and its
    ``begin``/``observe`` hooks, the agent's state follows the run's feedback and
    its decisions equal those of ``rollout_batch`` on the same key.  Called
    without keys (behind an HTTP server, say) it rebuilds the state from a
    ``history="full"`` prompt (partial feedback: only the chosen arm's reward)
    and draws its key from a hash of the messages.

    Example:
      >>> import jax, kdgap_sim as kd
      >>> agent, params = kd.agents.profile("knowing-doing-ucb")
      >>> policy = kd.llm.SimulatedText(agent, params, n_actions=3)
      >>> messages = kd.llm.render(kd.llm.Prompt(), 3, [0, 1, 2], [1.0, 0.0, 1.0])
      >>> kd.llm.parse_answer(policy.answer(messages), ["A", "B", "C"]).invalid
      False
    """

    uses_keys = True

    def __init__(self, agent: Any, params: Any, n_actions: int, *, noise: float = 0.0,
                 labels: Optional[Sequence[str]] = None, name: str = "simulated-text"):
        from kdgap_sim import validation
        from kdgap_sim.agents.agent import Agent

        if not isinstance(agent, Agent):
            raise TypeError(f"agent must be a kd.agents.Agent, got {agent!r}")
        validation.check_int("n_actions", n_actions, minimum=2)
        agent.validate_params(params, "params")
        agent.check_n_actions(n_actions)
        if isinstance(noise, bool) or not isinstance(noise, (int, float)) or not 0.0 <= float(noise) <= 1.0:
            raise ValueError(f"noise must be a probability in [0, 1], got {noise!r}")
        self.agent, self.params, self.n_actions = agent, params, int(n_actions)
        self.noise = float(noise)
        self.labels = list(labels) if labels is not None else default_labels(n_actions)
        if len(self.labels) != n_actions:
            raise ValueError(f"labels must name {n_actions} arms, got {len(self.labels)}")
        self.name = name
        leaves = [np.asarray(x).tolist() for x in jax.tree_util.tree_leaves(params)]
        self.settings = {"agent": repr(agent), "params": leaves, "noise": self.noise, "labels": self.labels}
        self._states = None
        act, learn = _agent_functions(agent)
        self._act = lambda keys, states, contexts: act(keys, states, contexts, params)
        self._learn = lambda states, x, a, r, o, f: learn(states, x, a, r, o, f, params)

    # -- hooks of kdgap_sim.llm.run -------------------------------------------------
    def check_env(self, env: Any, env_params: Any) -> None:
        """The agent can play ``env`` (arms, reward range, enough per-context rows)."""
        if env.n_actions != self.n_actions:
            raise ValueError(f"SimulatedText was built for {self.n_actions} arms, env has {env.n_actions}")
        self.agent.check_env(env, env_params)

    def begin(self, n_episodes: int) -> None:
        """Fresh agent states for ``n_episodes`` episodes."""
        state = self.agent.init(self.n_actions, self.params)
        self._states = jax.tree_util.tree_map(lambda x: jnp.broadcast_to(x, (n_episodes, *jnp.shape(x))), state)

    def observe(self, actions: np.ndarray, rewards: np.ndarray, outcomes: np.ndarray,
                forced: np.ndarray, contexts: Optional[np.ndarray] = None) -> None:
        """Every episode's agent learns from its trial (arrays with a leading episode axis)."""
        contexts = np.zeros(np.shape(actions), np.int32) if contexts is None else contexts
        self._states = self._learn(self._states, np.asarray(contexts, np.int32), np.asarray(actions, np.int32),
                                   np.asarray(rewards, np.float32), np.asarray(outcomes, np.float32),
                                   np.asarray(forced, bool))

    # -- the protocol -------------------------------------------------------------------
    def generate(self, turns: Sequence[Turn]) -> list[str]:
        if not turns:
            return []
        if self._states is None or any(turn.key is None for turn in turns):
            return [self.answer(turn.messages) for turn in turns]
        episodes = np.asarray([turn.episode for turn in turns])
        n_states = jax.tree_util.tree_leaves(self._states)[0].shape[0]
        if np.array_equal(episodes, np.arange(n_states)):
            states = self._states  # every episode asked, in order: no gather
        else:
            states = jax.tree_util.tree_map(lambda x: x[episodes], self._states)
        keys = jax.random.wrap_key_data(jnp.asarray(np.stack([np.asarray(turn.key) for turn in turns])))
        contexts = np.asarray([turn.context for turn in turns], np.int32)
        return self._texts(jax.device_get(self._act(keys, states, contexts)))

    def answer(self, messages: list) -> str:
        """The answer to ``messages`` alone (state rebuilt from a full-history prompt)."""
        choices, rewards, contexts, context = parse_contextual_history(messages[-1]["content"], self.labels)
        seed = int.from_bytes(hashlib.sha256(json.dumps(messages, sort_keys=True).encode()).digest()[:4], "little")
        length = 1 << max(len(choices), 1).bit_length()  # a few padded lengths, so few compiles
        pad = length - len(choices)
        fields = _answer_function(self.agent, self.n_actions)(
            np.asarray(choices + [0] * pad, np.int32), np.asarray(rewards + [0.0] * pad, np.float32),
            np.asarray(contexts + [0] * pad, np.int32), np.int32(context),
            np.arange(length) < len(choices), np.uint32(seed), self.params)
        return self._texts([np.asarray(x)[None] for x in jax.device_get(fields)])[0]

    # -- internals -------------------------------------------------------------------------
    def _texts(self, fields) -> list[str]:
        """Answer texts from :func:`_answer_fields` (numpy, leading batch axis)."""
        beliefs, recommended, confidence, actions, counts, styles = fields
        texts = []
        for i in range(len(actions)):
            noisy = styles[i, 0] < self.noise
            style = min(int(styles[i, 1] * N_NOISE_STYLES), N_NOISE_STYLES - 1) if noisy else -1
            texts.append(answer_text(self.labels, beliefs[i], counts[i], int(recommended[i]),
                                     float(confidence[i]), int(actions[i]), style))
        return texts


def _answer_fields(decision, state, context, key):
    """What an answer text says, as a few arrays (one transfer off the device): beliefs,
    recommended arm, confidence, action, pull counts (in this context), and the two style draws."""
    beliefs = decision.beliefs
    counts = _counts_of(state, beliefs.shape)
    if counts.ndim == beliefs.ndim + 1:  # a per-context table (kd.agents.Tabular): this context's row
        counts = counts[context]
    return (beliefs, decision.rationale.action, decision.rationale.confidence, decision.action,
            counts, _style_draws(key))


def _style_draws(key):
    """Two uniforms deciding an answer's formatting, from their own stream ``fold_in(key, 7)``
    (the decision's draws are untouched)."""
    return jax.random.uniform(jax.random.fold_in(key, 7), (2,))


@functools.lru_cache(maxsize=32)
def _agent_functions(agent: Any):
    """Jitted, episode-batched ``act`` and ``learn`` of ``agent`` (static), compiled once."""
    act = jax.jit(jax.vmap(lambda k, s, x, p: _answer_fields(agent.act(k, s, x, p), s, x, k),
                           in_axes=(0, 0, 0, None)))
    learn = jax.jit(jax.vmap(lambda s, x, a, r, o, f, p: agent.learn(s, x, a, Feedback(r, o), f, p),
                             in_axes=(0, 0, 0, 0, 0, 0, None)))
    return act, learn


@functools.lru_cache(maxsize=32)
def _answer_function(agent: Any, n_actions: int):
    """Jitted: replay a history (partial feedback) from a fresh state, then act once."""

    @jax.jit
    def answer(choices, rewards, contexts, context, valid, seed, params):
        key = jax.random.fold_in(jax.random.key(0), seed)

        def learn(state, trial):
            action, reward, x, keep = trial
            outcomes = jax.nn.one_hot(action, n_actions, dtype=jnp.float32) * reward
            new = agent.learn(state, x, action, Feedback(reward, outcomes), jnp.bool_(False), params)
            return jax.tree_util.tree_map(lambda a, b: jnp.where(keep, a, b), new, state), None

        state, _ = jax.lax.scan(learn, agent.init(n_actions, params), (choices, rewards, contexts, valid))
        return _answer_fields(agent.act(key, state, context, params), state, context, key)

    return answer


def _counts_of(states, shape):
    """Pull counts from a predictor state that keeps them, else zeros (shown as 0 pulls)."""
    predictor = states.predictor
    while hasattr(predictor, "_fields") and not hasattr(predictor, "counts"):
        inner = [getattr(predictor, f) for f in predictor._fields if hasattr(getattr(predictor, f), "_fields")]
        if not inner:
            break
        predictor = inner[0]
    if hasattr(predictor, "counts"):
        return predictor.counts
    return jnp.zeros(shape)


class Replay:
    """Answers from a recorded run: ``records`` is a JSONL path or a list of dicts with
    ``messages`` and ``answer`` (what :func:`kdgap_sim.llm.run` writes).

    A request whose messages were not recorded raises ``KeyError`` naming the turn:
    a replay never invents an answer.
    """

    def __init__(self, records: "str | pathlib.Path | Sequence[dict]", name: str = "replay"):
        if isinstance(records, (str, pathlib.Path)):
            path = pathlib.Path(records)
            if not path.exists():
                raise FileNotFoundError(f"records: no such file {str(path)!r}")
            lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
            try:
                records = [json.loads(line) for line in lines]
            except json.JSONDecodeError as error:
                raise ValueError(f"records: {path} is not JSONL ({error})") from None
        self._answers: dict[str, str] = {}
        for i, record in enumerate(records):
            if not isinstance(record, dict) or "messages" not in record or "answer" not in record:
                raise ValueError(f"records[{i}] must have 'messages' and 'answer'")
            if record["answer"] is None:
                continue  # a forced trial: nothing was asked
            self._answers[_messages_key(record["messages"], record.get("episode"), record.get("trial"))] = record["answer"]
        self.name = name
        self.settings = {}

    def generate(self, turns: Sequence[Turn]) -> list[str]:
        out = []
        for turn in turns:
            key = _messages_key(turn.messages, turn.episode, turn.trial)
            if key not in self._answers:
                raise KeyError(f"no recorded answer for episode {turn.episode}, trial {turn.trial}")
            out.append(self._answers[key])
        return out


def _messages_key(messages: Any, episode: Any, trial: Any) -> str:
    blob = json.dumps([messages, episode, trial], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()

