"""Run a text policy (a language model) on a bandit and log what it says and what it does.

:func:`run` plays ``n_episodes`` episodes of ``n_steps`` trials, all episodes in
step: on trial ``t`` it renders each episode's history as chat messages, asks
the policy for every episode at once (answers already in the cache are not
asked again), parses each answer into recommendation, confidence and action,
applies the ``on_invalid`` fallback to answers without an action, and steps
every episode's environment.

**Common random numbers.** Episode ``i`` uses exactly the random stream that
seed ``i`` of :func:`kdgap_sim.rollout_batch` uses: its key is
``k_i = fold_in(key, i)``, ``(reset_key, trials_key) = split(k_i)``, trial ``t``
has the key ``k_{i,t} = fold_in(trials_key, t)`` and the environment draws the
outcomes of trial ``t`` from ``fold_in(k_{i,t}, 2)``.  So the outcome of every
arm on trial ``t`` of episode ``i`` is the one a simulated agent meets on that
trial of seed ``i``, whatever either of them chose before: a model and an agent
are compared on identical reward draws.  A :class:`~kdgap_sim.llm.SimulatedText`
policy receives ``k_{i,t}`` and takes the same decisions as the rollout's agent.
The ``"random"`` fallback draws from ``fold_in(k_{i,t}, 3)``, a stream no rollout uses.

**Cache.** With ``cache=``, every answer is stored as soon as it arrives, keyed
by the model's name, its sampling settings, the messages and the turn's place
(episode, trial; identical prompts in two episodes are two samples).  A rerun
makes no request and returns the identical log; a run killed at any point,
rerun, asks only what had not been answered.
"""

from __future__ import annotations

import functools
import inspect
import json
import pathlib
from typing import Any, Callable, NamedTuple, Optional, Sequence, Union

import jax
import jax.numpy as jnp
import numpy as np

from kdgap_sim import validation
from kdgap_sim.llm.cache import Cache
from kdgap_sim.llm.parse import parse_answer
from kdgap_sim.llm.policy import Turn, check_policy
from kdgap_sim.llm.prompts import TEMPLATES, Prompt, default_labels, render
from kdgap_sim.progress import Progress

ON_INVALID = ("random", "repeat", "first")


def _as_prompt(prompt: Union[str, Prompt, Callable], history: Optional[str], labels: Optional[Sequence[str]]) -> Prompt:
    if isinstance(prompt, Prompt):
        base = prompt
    elif isinstance(prompt, str) or callable(prompt):
        base = Prompt(template=prompt)
    else:
        raise TypeError(f"prompt must be one of {TEMPLATES}, a format string, a function or a "
                        f"kd.llm.Prompt, got {type(prompt).__name__}")
    if history is not None:
        base = base._replace(history=history)
    if labels is not None:
        base = base._replace(labels=list(labels))
    return base


def _check_env(env: Any, env_params: Any) -> None:
    from kdgap_sim.envs.base import Environment

    if not isinstance(env, Environment):
        raise TypeError(f"env must be an Environment (e.g. kd.envs.make(...)), got {env!r}")
    env.validate_params(env_params, "env_params")
    if env.n_states is None:
        raise ValueError("env's observations are not state indices (env.n_states is None); kd.llm.run "
                         "renders multi-armed and contextual bandits whose contexts are state indices")


def _streams(policy: Any) -> bool:
    try:
        return "on_answer" in inspect.signature(policy.generate).parameters
    except (TypeError, ValueError):
        return False


def _ask(policy: Any, cache: Optional[Cache], turns: list[Turn], requests: list[dict],
         counter: dict) -> list[str]:
    """Answers for ``turns``: cached ones read back, the rest asked and cached as they arrive."""
    answers: list[Optional[str]] = [None] * len(turns)
    missing = []
    for i, request in enumerate(requests):
        if cache is not None:
            answers[i] = cache.get(request)
        if answers[i] is None:
            missing.append(i)
        else:
            counter["cached"] += 1
    if not missing:
        return answers  # type: ignore[return-value]

    def store(j: int, text: str) -> None:
        if not isinstance(text, str):
            raise TypeError(f"policy.generate must return str answers, got {type(text).__name__}")
        i = missing[j]
        answers[i] = text
        if cache is not None:
            cache.put(requests[i], text)

    asked = [turns[i] for i in missing]
    counter["requests"] += len(asked)
    if _streams(policy):
        texts = policy.generate(asked, on_answer=store)
    else:
        texts = policy.generate(asked)
    if not isinstance(texts, list) or len(texts) != len(asked):
        raise TypeError(f"policy.generate must return a list of {len(asked)} str, got "
                        f"{type(texts).__name__} of length {len(texts) if hasattr(texts, '__len__') else '?'}")
    for j, text in enumerate(texts):
        if answers[missing[j]] is None or answers[missing[j]] != text:
            store(j, text)
    return answers  # type: ignore[return-value]


def run(
    key: Any,
    env: Any,
    env_params: Any,
    policy: Any,
    *,
    n_episodes: int,
    n_steps: int,
    prompt: Union[str, Prompt, Callable] = "rationale-then-action",
    history: Optional[str] = None,
    labels: Optional[Sequence[str]] = None,
    cache: Union[None, str, pathlib.Path, Cache] = None,
    on_invalid: str = "random",
    judge: Optional[Callable[[str, dict], Optional[int]]] = None,
    forced_actions: Any = None,
    output: Union[None, str, pathlib.Path] = None,
    progress: bool = False,
):
    """Runs ``policy`` for ``n_episodes`` x ``n_steps`` trials; returns a ``ChoiceLog``.

    Args:
      key: a ``jax.random`` key; episode ``i`` meets the reward draws of seed ``i``
        of ``rollout_batch(key, ...)`` (module docstring).
      env, env_params: a multi-armed or contextual bandit environment and its
        params (contexts, the environment's state indices, are shown in the prompt).
      policy: a text policy (:mod:`kdgap_sim.llm.policy`): ``OpenAIChat``,
        ``HFLocal``, ``SimulatedText``, ``Replay`` or your own.
      n_episodes, n_steps: episodes (the log's subjects) and trials per episode.
      prompt: template name (``"rationale-then-action"``, ``"action-only"``), a
        format string, a function, or a :class:`~kdgap_sim.llm.Prompt`.
      history: ``"full"`` or ``"summary"`` (overrides the Prompt's).
      labels: arm labels (default A, B, C, ...).
      cache: a directory (or :class:`~kdgap_sim.llm.Cache`) for the answers.
      on_invalid: the action taken when an answer has no parsable action:
        ``"random"`` (uniform, from the trial's fallback stream), ``"repeat"``
        (the episode's previous action; random on the first trial) or ``"first"``
        (arm 0).  The trial is logged with ``invalid = True`` either way.
      judge: optional ``judge(answer_text, history) -> arm | None`` that decides
        the recommendation of a free-form rationale (``history`` holds the
        episode's ``choices`` and ``rewards`` so far, and ``contexts`` up to and
        including this trial's); it replaces the parsed ``Recommendation:`` line.
      forced_actions: optional ints ``[n_steps]``, as in ``rollout``: entries >= 0
        impose that arm on every episode (the policy is not asked), -1 = free.
      output: optional path of a JSONL file with one record per trial (messages,
        answer, parse, action, reward): the raw text kept beside the log.
      progress: print progress (a tqdm bar on a terminal, a line per 10% otherwise).

    Returns:
      A :class:`~kdgap_sim.fitting.ChoiceLog`, one subject per episode
      (``episode_0`` ...), with choice, reward, outcomes, generative means,
      rationale (the recommended arm), confidence, forced and ``invalid``; its
      ``requests`` attribute counts the requests made and answers read from the cache.

    Example:
      >>> import jax, kdgap_sim as kd
      >>> env = kd.envs.make("bernoulli-bandit", n_arms=3)
      >>> agent, params = kd.agents.profile("knowing-doing-ucb")
      >>> policy = kd.llm.SimulatedText(agent, params, n_actions=3)
      >>> log = kd.llm.run(jax.random.key(0), env, env.default_params(), policy,
      ...                  n_episodes=2, n_steps=5)
      >>> log.choice.shape, bool(log.invalid.any())
      ((2, 5), False)
    """
    validation.check_key(key, "key")
    _check_env(env, env_params)
    check_policy(policy)
    validation.check_int("n_episodes", n_episodes, minimum=1)
    validation.check_int("n_steps", n_steps, minimum=1)
    validation.check_choice("on_invalid", on_invalid, ON_INVALID)
    if judge is not None and not callable(judge):
        raise TypeError(f"judge must be callable, got {type(judge).__name__}")
    n = env.n_actions
    if hasattr(policy, "check_env"):
        policy.check_env(env, env_params)
    spec = _as_prompt(prompt, history, labels)
    arm_labels = list(spec.labels) if spec.labels is not None else default_labels(n)
    render(spec, n, [], [])  # checks the template, history and labels before anything runs
    forced = np.full((n_steps,), -1, np.int64)
    if forced_actions is not None:
        forced = validation.as_numeric_array("forced_actions", forced_actions)
        validation.check_shape("forced_actions", forced, (n_steps,))
        if not np.issubdtype(forced.dtype, np.integer) or ((forced < -1) | (forced >= n)).any():
            raise ValueError(f"forced_actions must be integers in [-1, {n - 1}] (-1 = free choice)")
    if not isinstance(cache, (type(None), Cache)):
        cache = Cache(cache)
    if output is not None:
        output = pathlib.Path(output)

    E, T = int(n_episodes), int(n_steps)
    contextual = env.n_states > 1
    fns = _env_functions(env)
    obs, env_state, trials_keys = fns.start(key, env_params, E)
    if hasattr(policy, "begin"):
        policy.begin(E)

    choice = np.zeros((E, T), np.int64)
    reward = np.zeros((E, T), np.float32)
    outcomes = np.zeros((E, T, n), np.float32)
    means = np.zeros((E, T, n), np.float32)
    rationale = np.full((E, T), np.nan)
    confidence = np.full((E, T), np.nan)
    invalid = np.zeros((E, T), bool)
    contexts = np.zeros((E, T), np.int64)
    records: list[dict] = []
    counter = {"requests": 0, "cached": 0}
    uses_keys = bool(getattr(policy, "uses_keys", False))
    bar = Progress(T * E, "kd.llm.run", "decisions", enabled=progress)
    for t in range(T):
        k_t, env_keys, fallback = fns.trial_keys(trials_keys, jnp.uint32(t))
        means[:, t] = np.asarray(fns.expected(env_state, env_params))
        contexts[:, t] = np.asarray(obs)
        is_forced = forced[t] >= 0
        if is_forced:
            actions = np.full((E,), forced[t], np.int64)
            answers: list[Optional[str]] = [None] * E
            messages_all: list = [None] * E
        else:
            if contextual:
                messages_all = [render(spec, n, choice[e, :t].tolist(), reward[e, :t].tolist(),
                                       contexts=contexts[e, :t].tolist(), context=int(contexts[e, t]),
                                       n_contexts=env.n_states) for e in range(E)]
            else:
                messages_all = [render(spec, n, choice[e, :t].tolist(), reward[e, :t].tolist()) for e in range(E)]
            # Raw key data, one numpy row per episode: indexing a typed key array per
            # episode costs more than the rest of a trial.
            key_rows = np.asarray(jax.random.key_data(k_t)) if uses_keys else [None] * E
            turns = [Turn(messages_all[e], e, t, key_rows[e], int(contexts[e, t])) for e in range(E)]
            requests = []
            for e in range(E):
                request = {"model": policy.name, "settings": policy.settings, "messages": messages_all[e],
                           "slot": [e, t]}
                if uses_keys:
                    request["key"] = key_rows[e].tolist()
                requests.append(request)
            answers = _ask(policy, cache, turns, requests, counter)
            fallback = np.asarray(fallback)
            actions = np.zeros((E,), np.int64)
            for e in range(E):
                parsed = parse_answer(answers[e], arm_labels)
                recommendation = parsed.recommendation
                if judge is not None:
                    recommendation = judge(answers[e], {"choices": choice[e, :t].tolist(),
                                                        "rewards": reward[e, :t].tolist(),
                                                        "contexts": contexts[e, :t + 1].tolist()})
                    if recommendation is not None and not (isinstance(recommendation, (int, np.integer))
                                                           and 0 <= recommendation < n):
                        raise ValueError(f"judge must return an arm in [0, {n - 1}] or None, got {recommendation!r}")
                if parsed.invalid:
                    invalid[e, t] = True
                    if on_invalid == "first":
                        actions[e] = 0
                    elif on_invalid == "repeat" and t > 0:
                        actions[e] = choice[e, t - 1]
                    else:
                        actions[e] = int(fallback[e])
                else:
                    actions[e] = parsed.action
                if recommendation is not None:
                    rationale[e, t] = recommendation
                if parsed.confidence is not None:
                    confidence[e, t] = parsed.confidence
        obs, env_state, feedback = fns.step(env_keys, env_state, jnp.asarray(actions, jnp.int32), env_params)
        choice[:, t] = actions
        reward[:, t] = np.asarray(feedback.reward)
        outcomes[:, t] = np.asarray(feedback.outcomes)
        if hasattr(policy, "observe"):
            policy.observe(actions, reward[:, t], outcomes[:, t], np.full((E,), is_forced), contexts[:, t])
        if output is not None:
            for e in range(E):
                records.append({
                    "episode": e, "trial": t, "context": int(contexts[e, t]), "forced": bool(is_forced),
                    "messages": messages_all[e],
                    "answer": answers[e], "invalid": bool(invalid[e, t]), "action": int(actions[e]),
                    "recommendation": None if np.isnan(rationale[e, t]) else int(rationale[e, t]),
                    "confidence": None if np.isnan(confidence[e, t]) else float(confidence[e, t]),
                    "reward": float(reward[e, t]),
                })
        bar.update(E)
    bar.close()
    if output is not None:
        from kdgap_sim.atomic_files import write_atomically

        write_atomically(output, lambda handle: handle.write(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)), suffix=".tmp")
    return _to_log(choice, reward, outcomes, means, rationale, confidence, invalid, forced, policy, counter,
                   contexts if contextual else None, env.n_states)


class _EnvFunctions(NamedTuple):
    start: Callable
    trial_keys: Callable
    expected: Callable
    step: Callable


@functools.lru_cache(maxsize=32)
def _env_functions(env: Any) -> _EnvFunctions:
    """The jitted per-trial functions of ``env`` (static), compiled once per env and shapes."""
    n = env.n_actions

    @functools.partial(jax.jit, static_argnums=2)
    def start(key, env_params, n_episodes):
        from kdgap_sim.rollout import seed_keys

        split = jax.vmap(jax.random.split)(seed_keys(key, n_episodes))  # rollout's (reset, trials) keys
        obs, state = jax.vmap(env.reset, in_axes=(0, None))(split[:, 0], env_params)
        return obs, state, split[:, 1]

    @jax.jit
    def trial_keys(trials_keys, t):
        k_t = jax.vmap(jax.random.fold_in, in_axes=(0, None))(trials_keys, t)
        env_keys = jax.vmap(jax.random.fold_in, in_axes=(0, None))(k_t, 2)
        fallback = jax.vmap(lambda k: jax.random.randint(jax.random.fold_in(k, 3), (), 0, n))(k_t)
        return k_t, env_keys, fallback

    @jax.jit
    def expected(state, env_params):
        return jax.vmap(env.expected_rewards, in_axes=(0, None))(state, env_params)

    @jax.jit
    def step(keys, state, actions, env_params):
        obs, state, feedback = jax.vmap(env.step, in_axes=(0, 0, 0, None))(keys, state, actions, env_params)
        return obs, state, feedback

    return _EnvFunctions(start, trial_keys, expected, step)


def _to_log(choice, reward, outcomes, means, rationale, confidence, invalid, forced, policy, counter,
            contexts=None, n_states=1):
    import dataclasses

    from kdgap_sim.logs.choice_log import ChoiceLog

    E, T = choice.shape
    log = ChoiceLog.from_arrays(
        choice, reward, n_actions=outcomes.shape[-1], outcomes=outcomes,
        forced=np.broadcast_to(forced >= 0, (E, T)).copy(), rationale=rationale, confidence=confidence,
        subjects=[f"episode_{e}" for e in range(E)])
    log = dataclasses.replace(log, means=means, invalid=invalid, source=f"kd.llm.run({policy.name})")
    if contexts is not None:
        log = dataclasses.replace(log, context=contexts, context_labels=tuple(str(i) for i in range(n_states)))
    object.__setattr__(log, "requests", dict(counter))
    return log
