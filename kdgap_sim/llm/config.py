"""The TOML config of ``kdgap llm``: a policy, an environment and the run's options.

Unknown keys anywhere are errors, reported before any model is loaded or asked::

    seed = 0
    n_episodes = 50
    n_steps = 50
    prompt = "rationale-then-action"     # or "action-only", or a format string
    history = "summary"                  # optional: "full" | "summary"
    labels = ["A", "B", "C", "D", "E"]   # optional
    on_invalid = "random"                # "random" | "repeat" | "first"
    rule = "ucb"                         # the report's rule for a correct rationale
    cache = "runs/qwen.cache"            # optional: answers kept on disk, reruns are free
    output = "runs/qwen"                 # folder: log.csv, answers.jsonl, report.csv, report.png

    [env]                                # as in kdgap simulate
    name = "bernoulli-bandit"
    n_arms = 5

    [policy]
    kind = "openai"                      # "openai" | "hf-local" | "simulated" | "replay"
    model = "Qwen/Qwen2.5-7B-Instruct"
    base_url = "http://localhost:8000/v1"
    temperature = 0.0
    max_tokens = 512
    concurrency = 16

``kind = "hf-local"`` takes ``model`` (id or path), ``tokenizer``,
``max_new_tokens``, ``temperature``, ``top_p``, ``seed``, ``batch_size``,
``device``; ``kind = "simulated"`` takes ``agent`` (an agent table as in
``kdgap simulate``: ``{ profile = "llm-27b-like" }``) and ``noise``;
``kind = "replay"`` takes ``records`` (a JSONL written by a run).
"""

from __future__ import annotations

import pathlib
from collections.abc import Mapping
from typing import Any

from kdgap_sim import validation

RUN_KEYS = ("seed", "n_episodes", "n_steps", "prompt", "history", "labels", "on_invalid", "rule", "cache",
            "output", "env", "policy")
POLICY_KEYS = {
    "openai": ("model", "base_url", "api_key", "temperature", "max_tokens", "top_p", "seed", "concurrency",
               "timeout", "max_retries", "extra_body"),
    "hf-local": ("model", "tokenizer", "max_new_tokens", "temperature", "top_p", "seed", "batch_size", "device",
                 "name"),
    "simulated": ("agent", "noise", "name"),
    "replay": ("records", "name"),
}


def _table(name: str, value: Any) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be a table, got {value!r}")
    return value


def check_policy_spec(spec: Any) -> tuple[str, dict[str, Any]]:
    """``(kind, options)`` of a ``[policy]`` table; unknown kinds and keys are errors."""
    spec = dict(_table("policy", spec))
    if "kind" not in spec:
        raise ValueError(f"policy.kind is required: one of {sorted(POLICY_KEYS)}")
    kind = spec.pop("kind")
    validation.check_choice("policy.kind", kind, tuple(POLICY_KEYS))
    validation.check_unknown_keys("policy", spec, POLICY_KEYS[kind])
    required = {"openai": "model", "hf-local": "model", "simulated": "agent", "replay": "records"}[kind]
    if required not in spec:
        raise ValueError(f"policy.{required} is required for kind = {kind!r}")
    return kind, spec


def build_policy(kind: str, options: Mapping[str, Any], n_actions: int, labels: Any = None) -> Any:
    """The policy of a checked ``[policy]`` table (this may load a model)."""
    from kdgap_sim import llm

    options = dict(options)
    if kind == "openai":
        return llm.OpenAIChat(options.pop("model"), **options)
    if kind == "hf-local":
        return llm.HFLocal(options.pop("model"), options.pop("tokenizer", None), **options)
    if kind == "simulated":
        from kdgap_sim.config import build_agent

        agent, params = build_agent(options.pop("agent"), "policy.agent")
        return llm.SimulatedText(agent, params, n_actions=n_actions, labels=labels, **options)
    return llm.Replay(options.pop("records"), **options)


def load_llm_config(path: str | pathlib.Path) -> dict[str, Any]:
    """Parses and checks a ``kdgap llm`` config; the policy is checked, not built."""
    from kdgap_sim.config import build_env, check_path, check_seed, read_toml
    from kdgap_sim.llm.report import RULES
    from kdgap_sim.llm.run import ON_INVALID

    raw = read_toml(path)
    validation.check_unknown_keys("config", raw, RUN_KEYS)
    for table in ("env", "policy"):
        if table not in raw:
            raise ValueError(f"config needs a [{table}] table")
    env, env_params = build_env(raw["env"])
    kind, options = check_policy_spec(raw["policy"])
    labels = raw.get("labels")
    if labels is not None and (not isinstance(labels, list) or not all(isinstance(x, str) for x in labels)):
        raise TypeError(f"labels must be a list of strings, got {labels!r}")
    history = raw.get("history")
    if history is not None:
        validation.check_choice("history", history, ("full", "summary"))
    prompt = raw.get("prompt", "rationale-then-action")
    if not isinstance(prompt, str):
        raise TypeError(f"prompt must be a template name or a format string, got {prompt!r}")
    return {
        "env": env, "env_params": env_params, "policy_kind": kind, "policy_options": options,
        "seed": check_seed("seed", raw.get("seed", 0)),
        "n_episodes": validation.check_int("n_episodes", raw.get("n_episodes", 50), minimum=1),
        "n_steps": validation.check_int("n_steps", raw.get("n_steps", 50), minimum=1),
        "prompt": prompt, "history": history, "labels": labels,
        "on_invalid": validation.check_choice("on_invalid", raw.get("on_invalid", "random"), ON_INVALID),
        "rule": validation.check_choice("rule", raw.get("rule", "ucb"), RULES),
        "cache": None if raw.get("cache") is None else check_path("cache", raw["cache"]),
        "output": None if raw.get("output") is None else check_path("output", raw["output"]),
    }
