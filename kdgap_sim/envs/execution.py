"""Long-horizon execution task: look up K keys per turn and update a running sum.

Setting of Sinha, Arun, Goel, Staab, Geiping (2025), "The Illusion of
Diminishing Returns: Measuring Long Horizon Execution in LLMs", arXiv
2509.09677. A dictionary maps ``n_keys`` keys to integer values in
``[-max_value, max_value]``; every turn shows ``K`` keys and the agent must
output the running sum updated by their values. Plan and knowledge are given
(the observation carries the looked-up values), so only execution is tested.

Per step the environment judges two things:

- step correctness: the output equals the *agent's previous output* plus this
  turn's values (a correct update of a possibly wrong state);
- task correctness: every step so far was correct (no error up to step ``i``).

Step accuracy, task accuracy and the horizon ``H_s`` (first step whose task
accuracy is below ``s``) are computed from these by :mod:`kdgap_sim.horizon`.

This task is not a bandit: the action is an integer (the claimed running
sum), not one of ``n_actions`` arms, so it does not subclass
:class:`~kdgap_sim.envs.Environment` and is run by
:func:`kdgap_sim.horizon.run_execution`, not by :func:`kdgap_sim.rollout`. It
keeps the same shape of contract: a static object, traced params,
``reset(key, params)`` and ``step(key, state, output, params)``.
"""

from __future__ import annotations

import dataclasses
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from kdgap_sim import validation
from kdgap_sim.params import Params, params_class
from kdgap_sim.types import Array, PRNGKey


@params_class
class ExecutionParams(Params):
    """Traced params of :class:`ExecutionTask`.

    Attributes:
      keys_per_turn: K, the number of keys shown per turn, an integer in
        ``[1, max_keys_per_turn]`` (traced, so K can be ``vmap``-ed: unused
        key slots are masked).

    Example:
      >>> import kdgap_sim as kd
      >>> task = kd.envs.make("execution", max_keys_per_turn=4)
      >>> params = kd.envs.ExecutionParams(keys_per_turn=2)
      >>> task.validate_params(params)  # K must be an integer in [1, 4]
      >>> int(task.default_params().keys_per_turn)
      4
    """

    keys_per_turn: Array = 1
    domains = {"keys_per_turn": "positive"}


class ExecutionObs(NamedTuple):
    """One turn as the agent sees it.

    Attributes:
      keys: the turn's keys, ``[max_keys_per_turn]`` int32, -1 in unused slots.
      values: their values in the dictionary, 0 in unused slots.

    Example:
      >>> import jax, kdgap_sim as kd
      >>> task = kd.envs.make("execution", max_keys_per_turn=3)
      >>> obs, _ = task.reset(jax.random.key(0), kd.envs.ExecutionParams(keys_per_turn=2))
      >>> obs.keys.shape, int(obs.keys[2]), int(obs.values[2])
      ((3,), -1, 0)
    """

    keys: Array
    values: Array


class ExecutionState(NamedTuple):
    """The dictionary, the true and the claimed running sums, and the turn.

    Attributes:
      dictionary: value of every key, ``[n_keys]`` int32.
      true_sum: the correct running sum after the turns so far.
      output: the agent's last output (its running-sum state; 0 at reset).
      obs: the current turn's :class:`ExecutionObs`.
      t: number of turns completed.
      failed: whether any step so far was wrong.

    Example:
      >>> import jax, kdgap_sim as kd
      >>> task = kd.envs.make("execution", n_keys=10)
      >>> _, state = task.reset(jax.random.key(0), task.default_params())
      >>> state.dictionary.shape, int(state.output), int(state.t), bool(state.failed)
      ((10,), 0, 0, False)
    """

    dictionary: Array
    true_sum: Array
    output: Array
    obs: ExecutionObs
    t: Array
    failed: Array


class ExecutionFeedback(NamedTuple):
    """The environment's judgement of one output.

    Attributes:
      step_correct: the output is a correct update of the agent's previous output.
      task_correct: every step up to and including this one was correct.
      target: the correct update of the agent's previous output.
      true_sum: the correct running sum after this turn.

    Example:
      >>> import jax, kdgap_sim as kd
      >>> task = kd.envs.make("execution")
      >>> params = task.default_params()
      >>> _, state = task.reset(jax.random.key(0), params)
      >>> wrong = task.correct_update(state) + 1
      >>> _, state, fb = task.step(jax.random.key(1), state, wrong, params)
      >>> bool(fb.step_correct), bool(fb.task_correct), bool(fb.target == wrong - 1)
      (False, False, True)
    """

    step_correct: Array
    task_correct: Array
    target: Array
    true_sum: Array


@dataclasses.dataclass(frozen=True)
class ExecutionTask:
    """The look-up-and-accumulate task (static options; K is traced).

    Args:
      n_keys: size of the dictionary.
      max_keys_per_turn: largest K that params may ask for (fixes array shapes).
      max_value: values are drawn uniformly from ``[-max_value, max_value]``.

    The dictionary is drawn at ``reset``; each turn's keys are drawn uniformly
    with replacement (up to a modulo bias below ``n_keys / 2**32``). Sums are int32: with ``K * max_value * n_steps < 2**31``
    (e.g. K = 10, 99, 10**6 turns) they cannot overflow.

    Example:
      >>> import jax, kdgap_sim as kd
      >>> task = kd.envs.make("execution", max_keys_per_turn=2)
      >>> params = task.default_params()
      >>> obs, state = task.reset(jax.random.key(0), params)
      >>> good = task.correct_update(state)
      >>> _, state, fb = task.step(jax.random.key(1), state, good, params)
      >>> bool(fb.step_correct), bool(fb.task_correct)
      (True, True)
    """

    n_keys: int = 100
    max_keys_per_turn: int = 1
    max_value: int = 99

    def __post_init__(self) -> None:
        validation.check_int("n_keys", self.n_keys, minimum=1)
        validation.check_int("max_keys_per_turn", self.max_keys_per_turn, minimum=1)
        validation.check_int("max_value", self.max_value, minimum=0)

    def default_params(self) -> ExecutionParams:
        """K = ``max_keys_per_turn``."""
        return ExecutionParams(keys_per_turn=jnp.int32(self.max_keys_per_turn))

    def validate_params(self, params: Any, name: str = "task_params") -> None:
        """Eagerly checks type, shape and that K is an integer in ``[1, max_keys_per_turn]``."""
        if not isinstance(params, ExecutionParams):
            raise TypeError(f"{name} must be ExecutionParams, got {type(params).__name__}")
        params.validate(name)
        k = params.keys_per_turn
        if validation.is_tracer(k):
            return
        array = validation.as_numeric_array(f"{name}.keys_per_turn", k)
        if np.any(array != np.round(array)) or np.any(array > self.max_keys_per_turn):
            raise ValueError(
                f"{name}.keys_per_turn must be integers in [1, {self.max_keys_per_turn}] "
                f"(max_keys_per_turn), got {k!r}"
            )

    def _draw_turn(self, key: PRNGKey, dictionary: Array, params: ExecutionParams) -> ExecutionObs:
        # One word of random bits per key slot; ``bits % n_keys`` is uniform up to a
        # bias below n_keys / 2**32 (cheaper than randint, which draws twice).
        bits = jax.random.bits(key, (self.max_keys_per_turn,), jnp.uint32)
        keys = (bits % jnp.uint32(self.n_keys)).astype(jnp.int32)
        used = jnp.arange(self.max_keys_per_turn) < params.keys_per_turn
        return ExecutionObs(
            keys=jnp.where(used, keys, -1),
            values=jnp.where(used, dictionary[keys], 0).astype(jnp.int32),
        )

    def reset(self, key: PRNGKey, params: ExecutionParams) -> tuple[ExecutionObs, ExecutionState]:
        """Draws the dictionary and the first turn; the running sums start at 0."""
        k_dict, k_turn = jax.random.split(key)
        dictionary = jax.random.randint(
            k_dict, (self.n_keys,), -self.max_value, self.max_value + 1, jnp.int32
        )
        obs = self._draw_turn(k_turn, dictionary, params)
        state = ExecutionState(
            dictionary=dictionary, true_sum=jnp.int32(0), output=jnp.int32(0),
            obs=obs, t=jnp.int32(0), failed=jnp.bool_(False),
        )
        return obs, state

    def correct_update(self, state: ExecutionState) -> Array:
        r"""The correct output for this turn given the agent's previous output.

        .. math:: y^\star_t = y_{t-1} + \sum_{k \in \text{turn}_t} v_k
        """
        return state.output + jnp.sum(state.obs.values)

    def step(
        self, key: PRNGKey, state: ExecutionState, output: Array, params: ExecutionParams
    ) -> tuple[ExecutionObs, ExecutionState, ExecutionFeedback]:
        """Judges ``output`` (the claimed running sum) and draws the next turn."""
        output = jnp.asarray(output, jnp.int32)
        turn_sum = jnp.sum(state.obs.values)
        target = state.output + turn_sum
        true_sum = state.true_sum + turn_sum
        step_correct = output == target
        failed = state.failed | ~step_correct
        obs = self._draw_turn(key, state.dictionary, params)
        next_state = ExecutionState(
            dictionary=state.dictionary, true_sum=true_sum, output=output,
            obs=obs, t=state.t + 1, failed=failed,
        )
        feedback = ExecutionFeedback(
            step_correct=step_correct, task_correct=~failed, target=target, true_sum=true_sum
        )
        return obs, next_state, feedback
