"""The one scan that runs an agent on an environment.

``rollout`` runs ``n_steps`` trials of one agent with one ``lax.scan``. Each
trial: the predictor states its rationale, the actor chooses (or a forced
action is imposed), the environment returns the outcomes of all actions, the
agent learns. In ``"summary"`` mode only online accumulators
(:class:`~kdgap_sim.types.Summary`) are carried, so memory does not grow with
``n_steps``; ``"trajectory"`` mode also records every trial.

Keys: trial ``t`` uses ``k_t = fold_in(trials_key, t)``; the agent receives
``k_t`` (its predictor draws from ``fold_in(k_t, 0)``, its actor from
``fold_in(k_t, 1)``) and the environment draws from ``fold_in(k_t, 2)``. The
stream of a trial therefore depends only on the rollout key and ``t``: the same
key gives the same result, whatever the batch, chunk or device layout around it.
The tree is kept shallow on purpose: on CPU the scan is bound by threefry
hashing, and every level of ``fold_in`` costs one hash per agent-trial.
"""

from __future__ import annotations

import functools
from typing import Any

import chex
import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from kdgap_sim import memory, threefry, traced_checks, validation
from kdgap_sim.accumulators import SUMMARY, Accumulator, Trial
from kdgap_sim.agents.agent import Agent
from kdgap_sim.envs.base import Environment
from kdgap_sim.types import Array, Feedback, PRNGKey, Summary, Trajectory

RECORD_MODES = ("summary", "trajectory")


def init_summary(n_actions: int) -> Summary:
    """Empty accumulators for ``n_actions`` actions (:data:`kdgap_sim.accumulators.SUMMARY`)."""
    return SUMMARY.init(n_actions)


def _check_feedback(env: str, n_actions: int, expected: Array, feedback: Feedback) -> None:
    """One trial's environment contract, on shapes while tracing: a scalar reward, ``[n_actions]`` outcomes."""
    chex.assert_rank(feedback.reward, 0, exception_type=TypeError,
                     custom_message=f"{env}.step(...) must return one reward per agent (a scalar)")
    chex.assert_shape([feedback.outcomes, expected], (n_actions,), exception_type=TypeError,
                      custom_message=f"{env}.step(...).outcomes and {env}.expected_rewards(...) must have shape "
                                     f"[n_actions] = [{n_actions}]")


def _rollout_impl(
    key: PRNGKey,
    env_params: Any,
    agent_params: Any,
    forced_actions: Array | None,
    *,
    env: Environment,
    agent: Agent,
    n_steps: int,
    record: str,
    unroll: int,
    accumulator: Accumulator = SUMMARY,
):
    n = env.n_actions
    reset_key, trials_key = jax.random.split(key)
    obs, env_state = env.reset(reset_key, env_params)
    agent_state = agent.init(n, agent_params)

    def trial(carry, forced_action):
        t, obs, env_state, agent_state, acc = carry
        k_t = threefry.fold_in(trials_key, t)
        decision = agent.act(k_t, agent_state, obs, agent_params)
        forced = forced_action >= 0
        action = jnp.where(forced, forced_action, decision.action).astype(jnp.int32)
        expected = env.expected_rewards(env_state, env_params)
        next_obs, next_env_state, feedback = env.step(
            threefry.fold_in(k_t, 2), env_state, action, env_params
        )
        _check_feedback(type(env).__name__, n, expected, feedback)
        record_of_trial = Trial(
            t=t, obs=obs, agent_state=agent_state, beliefs=decision.beliefs, rationale=decision.rationale,
            probs=decision.probs, action=action, forced=forced, reward=feedback.reward,
            outcomes=feedback.outcomes, expected=expected,
        )
        agent_state = agent.learn(agent_state, obs, action, feedback, forced, agent_params)
        acc = accumulator.update(acc, record_of_trial)
        out = accumulator.trace(record_of_trial) if record == "trajectory" else None
        return (t + 1, next_obs, next_env_state, agent_state, acc), out

    carry = (jnp.int32(0), obs, env_state, agent_state, accumulator.init(n))
    if forced_actions is None:
        xs = None
        trial_fn = lambda c, _: trial(c, jnp.int32(-1))  # noqa: E731
    else:
        xs = forced_actions
        trial_fn = trial
    (_, _, _, _, acc), traces = jax.lax.scan(trial_fn, carry, xs, length=n_steps, unroll=unroll)
    summary = accumulator.finalize(acc)
    if record == "summary":
        return summary
    return accumulator.trajectory(traces, summary)


_rollout_jit = jax.jit(
    _rollout_impl, static_argnames=("env", "agent", "n_steps", "record", "unroll", "accumulator")
)


def validate_rollout_inputs(
    key: Any,
    env: Any,
    env_params: Any,
    agent: Any,
    agent_params: Any,
    n_steps: Any,
    record: Any = "summary",
    forced_actions: Any = None,
    unroll: Any = 1,
    accumulator: Any = SUMMARY,
    n_seeds: int | None = None,
) -> None:
    """Checks every rollout argument eagerly; raises TypeError/ValueError naming it.

    ``forced_actions`` has shape ``[n_steps]``, or ``[n_seeds, n_steps]`` (one row
    per seed) when ``n_seeds`` is given.
    """
    validation.check_key(key, "key")
    if not isinstance(env, Environment):
        raise TypeError(f"env must be an Environment (e.g. kd.envs.make(...)), got {env!r}")
    if not isinstance(agent, Agent):
        raise TypeError(f"agent must be a kd.agents.Agent, got {agent!r}")
    validation.check_int("n_steps", n_steps, minimum=1)
    validation.check_int("unroll", unroll, minimum=1)
    validation.check_choice("record", record, RECORD_MODES)
    if not isinstance(accumulator, Accumulator):
        raise TypeError(f"accumulator must be a kdgap_sim.accumulators.Accumulator, got {accumulator!r}")
    env.validate_params(env_params, "env_params")
    agent.validate_params(agent_params, "agent_params")
    agent.check_env(env, env_params)
    if forced_actions is not None and not validation.is_tracer(forced_actions):
        array = validation.as_numeric_array("forced_actions", forced_actions)
        if n_seeds is None or array.ndim < 2:
            validation.check_shape("forced_actions", array, (n_steps,))
        else:
            validation.check_shape("forced_actions", array, (n_seeds, n_steps))
        if not np.issubdtype(array.dtype, np.integer):
            raise TypeError(f"forced_actions must be integers, got dtype {array.dtype}")
        if ((array < -1) | (array >= env.n_actions)).any():
            raise ValueError(
                f"forced_actions must lie in [-1, {env.n_actions - 1}] (-1 = free choice), "
                f"got values from {array.min()} to {array.max()}"
            )


def rollout(
    key: PRNGKey,
    env: Environment,
    env_params: Any,
    agent: Agent,
    agent_params: Any,
    n_steps: int,
    *,
    record: str = "summary",
    forced_actions: Array | None = None,
    unroll: int = 1,
    accumulator: Accumulator = SUMMARY,
) -> Summary | Trajectory:
    """Runs one agent for ``n_steps`` trials.

    Args:
      key: a ``jax.random`` key.
      env: an :class:`~kdgap_sim.envs.Environment` (static).
      env_params: its traced params.
      agent: an :class:`~kdgap_sim.agents.Agent` (static).
      agent_params: its traced params.
      n_steps: number of trials (static).
      record: ``"summary"`` (online accumulators only) or ``"trajectory"``.
      forced_actions: optional int array ``[n_steps]``; entries >= 0 impose that
        action (a no-agency trial), -1 leaves the choice to the actor.
      unroll: ``lax.scan`` unroll factor (static; a speed knob only).
      accumulator: what the loop keeps of its trials (static; an
        :class:`~kdgap_sim.accumulators.Accumulator`, default
        :data:`~kdgap_sim.accumulators.SUMMARY`).

    Returns:
      A :class:`~kdgap_sim.types.Summary`, or a
      :class:`~kdgap_sim.types.Trajectory` whose ``summary`` field holds it
      (with another ``accumulator``: its ``finalize``, or its ``trajectory``).

    Raises:
      TypeError, ValueError: for any bad argument, before compilation.

    Parameters traced by a caller's ``jit``/``vmap`` cannot be checked before
    compiling; they are checked inside the computation instead: out of their
    domain, the result is NaN/-1 with ``invalid_params`` True, and under
    ``checkify.checkify`` the error names the parameter
    (:mod:`kdgap_sim.traced_checks`).

    Example:
      >>> import jax, kdgap_sim as kd
      >>> env = kd.envs.make("bernoulli-bandit", n_arms=5)
      >>> agent = kd.agents.Agent(kd.agents.UCB(), kd.agents.RationaleFollowing())
      >>> out = kd.rollout(jax.random.key(0), env, env.default_params(), agent,
      ...                  agent.default_params(), n_steps=100)
      >>> int(out.n_steps)
      100
    """
    validate_rollout_inputs(
        key, env, env_params, agent, agent_params, n_steps, record, forced_actions, unroll, accumulator
    )
    if forced_actions is not None:
        forced_actions = jnp.asarray(forced_actions, jnp.int32)
    out = _rollout_jit(
        key, env_params, agent_params, forced_actions,
        env=env, agent=agent, n_steps=n_steps, record=record, unroll=unroll, accumulator=accumulator,
    )
    return _guard_traced(out, env, env_params, agent_params, forced_actions)


def _guard_traced(out, env, env_params, agent_params, forced_actions):
    """Traced parameters, unchecked so far, checked inside the trace (:mod:`kdgap_sim.traced_checks`)."""
    named = {"env_params": env_params, "agent_params": agent_params}
    return traced_checks.guard(out, named, forced_actions, env.n_actions)


def seed_keys(key: PRNGKey, n_seeds: int, offset: int = 0) -> Array:
    """Keys of seeds ``offset .. offset + n_seeds - 1``: ``fold_in(key, seed)``.

    Example:
      >>> import jax, kdgap_sim as kd
      >>> kd.seed_keys(jax.random.key(0), 4).shape
      (4,)
    """
    validation.check_key(key, "key")
    validation.check_int("n_seeds", n_seeds, minimum=1)
    if not validation.is_tracer(offset):
        validation.check_int("offset", offset, minimum=0)
        if int(offset) + int(n_seeds) > 2**32:
            raise ValueError(f"offset + n_seeds must be <= 2**32 (seeds are uint32), got {offset + n_seeds}")
    seeds = jnp.arange(offset, offset + n_seeds, dtype=jnp.uint32)
    return jax.vmap(jax.random.fold_in, in_axes=(None, 0))(key, seeds)


def seed_sharding(n_devices: int | None = None) -> NamedSharding | None:
    """The layout of a batch of seeds over local devices, or None for one device.

    A 1-D ``Mesh`` (axis ``"seed"``) over the first ``n_devices`` devices of
    ``jax.local_devices()`` (all of them when None), with the seed axis split
    between them: each device runs the scan for its share. On CPU, where one
    device already splits large kernels between threads, several devices
    (``XLA_FLAGS=--xla_force_host_platform_device_count=N`` before JAX starts)
    also split each trial's fixed cost, which dominates small batches.

    Example:
      >>> from kdgap_sim.rollout import seed_sharding
      >>> seed_sharding(1) is None  # one device: nothing to split
      True
    """
    available = jax.local_devices()
    if n_devices is None:
        n_devices = len(available)
    validation.check_int("devices", n_devices, minimum=1)
    if n_devices > len(available):
        raise ValueError(f"devices must be at most the {len(available)} local device(s), got {n_devices}")
    if n_devices == 1:
        return None
    mesh = Mesh(np.asarray(available[:n_devices]), ("seed",))
    return NamedSharding(mesh, PartitionSpec("seed"))


@functools.partial(
    jax.jit, static_argnames=("n_seeds", "env", "agent", "n_steps", "record", "unroll", "sharding", "accumulator")
)
def _batch_impl(key, env_params, agent_params, forced_actions, *, n_seeds, env, agent, n_steps, record,
                unroll, sharding=None, accumulator=SUMMARY):
    run = functools.partial(
        _rollout_impl, env=env, agent=agent, n_steps=n_steps, record=record, unroll=unroll,
        accumulator=accumulator,
    )
    keys = seed_keys(key, n_seeds)  # inside the jit: no per-call dispatch from Python
    if sharding is not None:  # each device runs the scan for its share of the seeds
        keys = jax.lax.with_sharding_constraint(keys, sharding)
    per_seed_forcing = forced_actions is not None and forced_actions.ndim == 2
    in_axes = (0, None, None, 0 if per_seed_forcing else None)
    out = jax.vmap(run, in_axes=in_axes)(keys, env_params, agent_params, forced_actions)
    if sharding is not None:
        out = jax.tree_util.tree_map(lambda x: jax.lax.with_sharding_constraint(x, sharding), out)
    return out


def rollout_batch(
    key: PRNGKey,
    env: Environment,
    env_params: Any,
    agent: Agent,
    agent_params: Any,
    n_steps: int,
    n_seeds: int,
    *,
    record: str = "summary",
    forced_actions: Array | None = None,
    unroll: int = 1,
    devices: int | None = None,
    accumulator: Accumulator = SUMMARY,
) -> Summary | Trajectory:
    """:func:`rollout` for ``n_seeds`` independent seeds, vmapped in one jit.

    Seed ``i`` uses the key ``fold_in(key, i)``, so seed ``i`` of a batch equals
    ``rollout(fold_in(key, i), ...)`` whatever ``n_seeds`` is. Every leaf of the
    result gains a leading axis of length ``n_seeds``. ``forced_actions`` is
    one ``[n_steps]`` row for every seed or ``[n_seeds, n_steps]``, a row each
    (a prefilled text per seed).

    With several local devices the seeds are split between them
    (:func:`seed_sharding`; ``devices`` caps how many, default all): each
    device runs the scan for its share, and every seed's result is the same
    bit for bit whatever the number of devices.

    Raises:
      ValueError: for any bad argument, and when ``n_seeds`` would not fit in
        device memory (estimated before compiling, :mod:`kdgap_sim.memory`;
        the message says how many seeds fit).

    Example:
      >>> import jax, kdgap_sim as kd
      >>> env = kd.envs.make("bernoulli-bandit", n_arms=3)
      >>> agent, params = kd.agents.profile("faithful-ucb")
      >>> out = kd.rollout_batch(jax.random.key(0), env, env.default_params(), agent, params,
      ...                        n_steps=10, n_seeds=4)
      >>> out.counts.shape
      (4, 3)
    """
    validation.check_int("n_seeds", n_seeds, minimum=1)
    validate_rollout_inputs(
        key, env, env_params, agent, agent_params, n_steps, record, forced_actions, unroll, accumulator, n_seeds
    )
    if forced_actions is not None:
        forced_actions = jnp.asarray(forced_actions, jnp.int32)
    sharding = seed_sharding(devices)
    n_devices = 1 if sharding is None else sharding.mesh.size
    memory.check_batch_fits(env, env_params, agent, agent_params, n_steps, n_seeds, record, n_devices,
                            accumulator=accumulator)
    out = _batch_impl(
        key, env_params, agent_params, forced_actions, n_seeds=n_seeds,
        env=env, agent=agent, n_steps=n_steps, record=record, unroll=unroll, sharding=sharding,
        accumulator=accumulator,
    )
    return _guard_traced(out, env, env_params, agent_params, forced_actions)
