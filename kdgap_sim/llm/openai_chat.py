"""A policy on any OpenAI-compatible chat endpoint, through the official ``openai`` client.

Works with hosted APIs and with local servers that speak the same protocol
(vLLM ``vllm serve``, llama.cpp ``llama-server``, Ollama, LM Studio, SGLang).
Requests of one batch are sent concurrently by a thread pool (at most
``concurrency`` in flight).  Retries are the client's own: on 408, 409, 429, 5xx
and connection errors it retries up to ``max_retries`` times with exponential
backoff (0.5 s doubling to 8 s, jittered) or the server's ``Retry-After``;
each attempt has ``timeout`` seconds.  An answer that arrives is handed to
``on_answer`` at once, so :func:`kdgap_sim.llm.run` caches it even if a later
request of the batch fails for good (that failure is raised, naming the turn).
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any, Callable, Optional, Sequence

from kdgap_sim.llm.policy import Turn, check_messages


def _import_openai():
    try:
        import openai
    except ImportError:  # pragma: no cover - the llm extra is installed in CI
        raise ImportError('OpenAIChat needs the openai client: pip install "kdgap-sim[llm]"') from None
    return openai


class OpenAIChat:
    """Chat completions from ``model`` at ``base_url`` (see module docstring).

    Args:
      model: the model name the server knows (e.g. ``"Qwen/Qwen2.5-7B-Instruct"``).
      base_url: the endpoint, e.g. ``"http://localhost:8000/v1"``; None: the
        client's default (``OPENAI_BASE_URL`` or api.openai.com).
      api_key: None reads ``OPENAI_API_KEY``; a local server without keys gets
        the placeholder ``"EMPTY"`` (vLLM's convention).
      temperature, max_tokens, top_p, seed: passed through to the server
        (``seed`` and ``top_p`` only when given); they are part of the cache key.
      concurrency: requests in flight at once (>= 1).
      timeout: seconds per attempt (> 0).
      max_retries: retries per request after the first attempt (>= 0).
      extra_body: extra JSON fields for servers that take them (e.g. vLLM's
        ``{"top_k": 20}``); part of the cache key.
      client: an ``openai.OpenAI`` client to use instead of building one.

    Example:
      >>> import kdgap_sim as kd
      >>> policy = kd.llm.OpenAIChat("my-model", base_url="http://127.0.0.1:9/v1", max_tokens=64)
      >>> policy.settings["max_tokens"]
      64
    """

    def __init__(self, model: str, *, base_url: Optional[str] = None, api_key: Optional[str] = None,
                 temperature: float = 0.0, max_tokens: int = 512, top_p: Optional[float] = None,
                 seed: Optional[int] = None, concurrency: int = 8, timeout: float = 60.0,
                 max_retries: int = 5, extra_body: Optional[dict] = None, client: Any = None):
        from kdgap_sim import validation

        if not isinstance(model, str) or not model:
            raise TypeError(f"model must be a non-empty str, got {model!r}")
        if isinstance(temperature, bool) or not isinstance(temperature, (int, float)) or not 0 <= temperature <= 2:
            raise ValueError(f"temperature must be a number in [0, 2], got {temperature!r}")
        validation.check_int("max_tokens", max_tokens, minimum=1)
        if top_p is not None and not (isinstance(top_p, (int, float)) and 0 < top_p <= 1):
            raise ValueError(f"top_p must lie in (0, 1], got {top_p!r}")
        if seed is not None:
            validation.check_int("seed", seed, minimum=0)
        validation.check_int("concurrency", concurrency, minimum=1)
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
            raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
        validation.check_int("max_retries", max_retries, minimum=0)
        if extra_body is not None and not isinstance(extra_body, dict):
            raise TypeError(f"extra_body must be a dict, got {type(extra_body).__name__}")
        self.model, self.base_url = model, base_url
        self.name = model
        self.settings = {"temperature": float(temperature), "max_tokens": int(max_tokens)}
        if top_p is not None:
            self.settings["top_p"] = float(top_p)
        if seed is not None:
            self.settings["seed"] = int(seed)
        if extra_body:
            self.settings["extra_body"] = dict(extra_body)
        self.concurrency, self.timeout, self.max_retries = int(concurrency), float(timeout), int(max_retries)
        self._api_key = api_key
        self._client = client
        self._lock = threading.Lock()

    @property
    def client(self):
        """The ``openai.OpenAI`` client (built on first use)."""
        with self._lock:
            if self._client is None:
                openai = _import_openai()
                key = self._api_key or os.environ.get("OPENAI_API_KEY") or "EMPTY"
                self._client = openai.OpenAI(api_key=key, base_url=self.base_url, timeout=self.timeout,
                                             max_retries=self.max_retries)
            return self._client

    def complete(self, messages: list) -> str:
        """One chat completion: the text of the first choice ('' if the server sent none).

        The request goes through the client's documented ``post`` for raw endpoints
        (its retries, timeouts and errors apply as for ``chat.completions.create``)
        with the JSON body as is: the messages are already plain role/content
        strings, and the typed ``create`` spends a third of its time converting them
        (benchmarks/llm_throughput.py: 540 -> 850 requests/s at concurrency 64).
        """
        check_messages(messages)
        settings = dict(self.settings)
        extra_body = settings.pop("extra_body", None) or {}
        body = {"model": self.model, "messages": messages, **settings, **extra_body}
        response = self.client.post("/chat/completions", body=body, cast_to=object)
        return _first_text(response)

    def generate(self, turns: Sequence[Turn], on_answer: Optional[Callable[[int, str], None]] = None) -> list[str]:
        """Answers for ``turns``, ``concurrency`` at a time, in the order given.

        ``on_answer(i, text)`` runs in the thread that received answer ``i``, before
        that thread sends its next request: a crash loses at most one answer per
        connection (the one in flight), however far behind the caller's thread is.
        """
        answers: list[Optional[str]] = [None] * len(turns)
        if not turns:
            return []
        client = self.client  # built once, before the threads
        del client

        def answer(i: int) -> str:
            text = self.complete(turns[i].messages)
            if on_answer is not None:
                on_answer(i, text)
            return text

        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(turns))) as pool:
            futures = {pool.submit(answer, i): i for i in range(len(turns))}
            failure = None
            for future in as_completed(futures):
                i = futures[future]
                try:
                    answers[i] = future.result()
                except Exception as error:  # keep collecting what did arrive, then raise
                    if failure is None:
                        failure = (i, error)
        if failure is not None:
            i, error = failure
            turn = turns[i]
            raise RuntimeError(f"{self.model} at {self.base_url or 'the default endpoint'} failed on episode "
                               f"{turn.episode}, trial {turn.trial} after {self.max_retries} retries: "
                               f"{type(error).__name__}: {error}") from error
        return answers  # type: ignore[return-value]


def _first_text(response: Any) -> str:
    """The content of the first choice of a chat-completion JSON body ('' if there is none)."""
    try:
        content = response["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError):
        return ""
    return content if isinstance(content, str) else ""
