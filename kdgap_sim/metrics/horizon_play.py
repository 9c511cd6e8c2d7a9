"""Playing the horizon task: an agent on many games of each horizon, through the one trial loop.

Wilson, Geana, White, Ludvig & Cohen (2014), J. Exp. Psychol. Gen. 143(6):2074.
The task and its games are :mod:`kdgap_sim.envs.horizon_task`; :func:`play`
runs an agent on them (forced trials as ``forced_actions``, games ``vmap``-ed)
and returns a :class:`~kdgap_sim.envs.horizon_task.HorizonRollout`, which
:func:`~kdgap_sim.envs.horizon_task.to_choice_log` turns into a log for
:mod:`kdgap_sim.metrics.horizon_exploration`.
"""

from __future__ import annotations

import functools
from typing import Any

import jax
import jax.numpy as jnp

from kdgap_sim import validation
from kdgap_sim.envs.horizon_task import HorizonRollout, HorizonTask, HorizonTaskParams, sample_games
from kdgap_sim.rollout import _rollout_impl, validate_rollout_inputs
from kdgap_sim.types import PRNGKey

__all__ = ["play"]


@functools.partial(jax.jit, static_argnames=("env", "agent", "n_steps"))
def _play_impl(keys, env_params, agent_params, forced, *, env, agent, n_steps):
    run = functools.partial(_rollout_impl, env=env, agent=agent, n_steps=n_steps, record="trajectory",
                            unroll=1)
    return jax.vmap(run, in_axes=(0, 0, None, 0))(keys, env_params, agent_params, forced)


def play(key: PRNGKey, env: HorizonTask, agent: Any, agent_params: Any, n_games: int, *,
         noise: float = 8.0) -> HorizonRollout:
    """Runs ``agent`` on ``n_games`` games of each horizon of ``env`` (a fresh agent per game).

    ``agent_params`` is one params object for every horizon, or a dict
    ``{horizon: params}`` with an entry for each of ``env.horizons``: an agent
    whose information bonus or softmax temperature is set per horizon (the
    horizon of a game is known to the player in Wilson et al.'s task). Game
    ``g`` of horizon ``h`` is drawn by :func:`sample_games` from
    ``fold_in(key, h)`` and played by :func:`~kdgap_sim.rollout` with the key
    ``fold_in(fold_in(key, h), 2**31 + g)``, its first ``n_forced`` trials
    forced (``forced_actions``) and the games ``vmap``-ed in one ``jit``.

    Source: Wilson, Geana, White, Ludvig & Cohen (2014), J. Exp. Psychol. Gen. 143(6).

    Raises:
      TypeError, ValueError: bad arguments (a dict without every horizon, or
        params the agent refuses), before compilation.

    Example:
      >>> import jax, kdgap_sim as kd
      >>> from kdgap_sim.metrics import horizon_play
      >>> env = kd.envs.make("horizon-task")
      >>> agent = kd.agents.Agent(kd.agents.UCB(), kd.agents.Softmax())
      >>> by_horizon = {1: agent.default_params().replace(beta=0.2),
      ...               6: agent.default_params().replace(beta=0.05)}
      >>> out = horizon_play.play(jax.random.key(0), env, agent, by_horizon, n_games=4)
      >>> bool(out.trajectories[1].forced[:, :4].all()), bool(out.trajectories[1].forced[:, 4:].any())
      (True, False)
    """
    validation.check_key(key, "key")
    if not isinstance(env, HorizonTask):
        raise TypeError(f"env must be a HorizonTask (kd.envs.make('horizon-task')), got {env!r}")
    validation.check_int("n_games", n_games, minimum=1)
    validation.check_in_domain("noise", noise, "nonnegative")
    if isinstance(agent_params, dict):
        missing = sorted(set(env.horizons) - set(agent_params))
        extra = sorted(set(agent_params) - set(env.horizons), key=str)
        if missing or extra:
            raise ValueError(f"agent_params must have one entry per horizon {list(env.horizons)}; "
                             f"missing {missing}, unknown {extra}")
        by_horizon = dict(agent_params)
    else:
        by_horizon = {h: agent_params for h in env.horizons}
    env_params = env.default_params().replace(noise=jnp.float32(noise))
    for h in env.horizons:
        validate_rollout_inputs(key, env, env_params, agent, by_horizon[h], env.n_steps(h),
                                "trajectory", None, 1)
    games, trajectories = [], []
    for h in env.horizons:
        k_h = jax.random.fold_in(key, h)
        design = sample_games(k_h, env, int(n_games), int(h))
        keys = jax.vmap(jax.random.fold_in, in_axes=(None, 0))(
            k_h, jnp.arange(n_games, dtype=jnp.uint32) + jnp.uint32(2**31))
        params = HorizonTaskParams(means=design.means, noise=jnp.full((n_games,), noise, jnp.float32))
        forced = jnp.concatenate(
            [design.forced_actions, jnp.full((n_games, h), -1, jnp.int32)], axis=1)
        out = _play_impl(keys, params, by_horizon[h], forced, env=env, agent=agent,
                         n_steps=env.n_steps(h))
        games.append(design)
        trajectories.append(out)
    return HorizonRollout(env=env, games=tuple(games), trajectories=tuple(trajectories))
