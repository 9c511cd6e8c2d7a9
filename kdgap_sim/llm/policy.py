"""The policy protocol: a batch of chat requests in, a batch of answer texts out.

A policy is anything with

- ``name``: a string naming the model (part of every cache key);
- ``settings``: a JSON-serialisable dict of the sampling settings that change
  the answer (temperature, max_tokens, seed, ...; part of every cache key);
- ``generate(turns) -> list[str]``: one answer text per :class:`Turn`, in order.

``generate`` must not raise for an answer it cannot produce well: a model that
says nothing useful returns that text and the parser records it as ``invalid``.
It raises only when no answer can be had at all (the server is unreachable after
its retries), and then the harness stops with every answered request cached.

Policies that simulate an agent (:class:`~kdgap_sim.llm.SimulatedText`) also
have ``begin`` and ``observe`` hooks; :func:`kdgap_sim.llm.run` calls them when
present, so the simulated agent learns from the same feedback as in a rollout.
"""

from __future__ import annotations

from typing import Any, NamedTuple, Optional, Protocol, Sequence, runtime_checkable


class Turn(NamedTuple):
    """One request: the chat messages of trial ``trial`` of episode ``episode``.

    Attributes:
      messages: ``[{"role": "system"|"user"|"assistant", "content": str}, ...]``.
      episode: 0-based episode index within the run.
      trial: 0-based trial index within the episode.
      key: the raw data (``jax.random.key_data``, a numpy ``uint32`` array) of
        the trial's ``jax.random`` key, the one a rollout's agent gets on that
        trial (``jax.random.wrap_key_data`` turns it back into the key); given
        only to policies with ``uses_keys = True`` (simulated ones), else None.
      context: the trial's context (the environment's state index; 0 for a
        multi-armed bandit).
    """

    messages: list
    episode: int = 0
    trial: int = 0
    key: Optional[Any] = None
    context: int = 0


@runtime_checkable
class Policy(Protocol):
    """What :func:`kdgap_sim.llm.run` needs of a model."""

    name: str
    settings: dict

    def generate(self, turns: Sequence[Turn]) -> list[str]:
        """One answer text per turn, in the order given."""
        ...


def check_policy(policy: Any) -> None:
    """Raises TypeError naming what ``policy`` lacks."""
    missing = [attr for attr in ("name", "settings", "generate") if not hasattr(policy, attr)]
    if missing:
        raise TypeError(
            f"policy must have name, settings and generate(turns) (see kdgap_sim.llm.policy); "
            f"{type(policy).__name__} lacks {', '.join(missing)}")
    if not isinstance(policy.name, str) or not policy.name:
        raise TypeError(f"policy.name must be a non-empty str, got {policy.name!r}")
    if not isinstance(policy.settings, dict):
        raise TypeError(f"policy.settings must be a dict, got {type(policy.settings).__name__}")
    if not callable(policy.generate):
        raise TypeError("policy.generate must be callable")


def check_messages(messages: Any, name: str = "messages") -> None:
    """Raises TypeError/ValueError unless ``messages`` is a list of role/content dicts."""
    if not isinstance(messages, list) or not messages:
        raise TypeError(f"{name} must be a non-empty list of {{'role', 'content'}} dicts")
    for i, message in enumerate(messages):
        if not isinstance(message, dict) or set(message) != {"role", "content"}:
            raise TypeError(f"{name}[{i}] must be a dict with keys 'role' and 'content', got {message!r}")
        if message["role"] not in ("system", "user", "assistant"):
            raise ValueError(f"{name}[{i}]['role'] must be system, user or assistant, got {message['role']!r}")
        if not isinstance(message["content"], str):
            raise TypeError(f"{name}[{i}]['content'] must be a str")
