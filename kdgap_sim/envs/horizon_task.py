r"""The horizon task: two Gaussian arms, four forced trials, then 1 or 6 free choices.

The task of Wilson, Geana, White, Ludvig & Cohen (2014), "Humans use directed
and random exploration to solve the explore-exploit dilemma", *J. Exp.
Psychol. Gen.* 143(6):2074. Each *game* has two arms with Gaussian rewards
(standard deviation 8); one arm's mean is 40 or 60, the other's differs from it
by 4, 8, 12, 20 or 30 (either sign). The first ``n_forced = 4`` trials are
forced: both arms twice (equal information, ``[2, 2]``) or one arm once and the
other three times (unequal information, ``[1, 3]``); then come 1 or 6 free
choices (the horizon). The first free choice measures exploration: directed
exploration is a bias toward the less-known arm that grows with the horizon,
random exploration a choice noise that grows with it
(:func:`kdgap_sim.metrics.horizon_exploration`).

Layout in this library: :class:`HorizonTask` is one game (a two-armed
Gaussian bandit whose arm means are its params, rewards optionally rounded and
clipped); :func:`sample_games` draws the games of one horizon (means and forced
sequence, balanced between the two information conditions);
:func:`kdgap_sim.metrics.horizon_play.play` runs an agent on them (it lives
above the trial loop; ``horizon_task.play`` is its deprecated alias), the forced
trials through the rollout's ``forced_actions`` and the games ``vmap``-ed like
the seeds of :func:`~kdgap_sim.rollout_batch`, with agent params chosen per
horizon, into a :class:`HorizonRollout`; and :func:`to_choice_log` turns that
into a :class:`~kdgap_sim.logs.ChoiceLog` with one block per game.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from kdgap_sim import action_axis, threefry, validation
from kdgap_sim.envs.bandit import BanditState
from kdgap_sim.envs.base import Environment
from kdgap_sim.logs.choice_log import ChoiceLog
from kdgap_sim.params import Params, params_class
from kdgap_sim.types import Array, Feedback, PRNGKey, Trajectory

SOURCE = "Wilson, Geana, White, Ludvig & Cohen (2014), J. Exp. Psychol. Gen. 143(6)"

__all__ = [
    "HorizonGames",
    "HorizonRollout",
    "HorizonTask",
    "HorizonTaskParams",
    "sample_games",
    "to_choice_log",
]


@params_class
class HorizonTaskParams(Params):
    """Params of one game of :class:`HorizonTask`.

    Attributes:
      means: generative mean of each arm, ``[2]`` (:func:`sample_games` draws them).
      noise: reward standard deviation, shared by both arms (8 in Wilson et al. 2014).

    Source: Wilson, Geana, White, Ludvig & Cohen (2014), J. Exp. Psychol. Gen. 143(6).

    Example:
      >>> import kdgap_sim as kd
      >>> params = kd.envs.make("horizon-task").default_params()
      >>> params.means.tolist(), float(params.noise)
      ([40.0, 60.0], 8.0)
    """

    means: Array
    noise: Array = 8.0
    domains = {"means": "real", "noise": "nonnegative"}


def _check_number_tuple(name: str, value: Any, *, minimum_length: int = 1) -> tuple[float, ...]:
    if not isinstance(value, tuple) or len(value) < minimum_length:
        raise TypeError(f"{name} must be a tuple of at least {minimum_length} number(s), got {value!r}")
    for v in value:
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise ValueError(f"{name} must hold finite numbers, got {value!r}")
    return value


@dataclasses.dataclass(frozen=True)
class HorizonTask(Environment):
    r"""One game of the horizon task (Wilson et al. 2014): two Gaussian arms.

    Trial rewards are :math:`r_a = \mathrm{clip}(\mathrm{round}(\mu_a + \sigma\epsilon_a), l, u)`
    with :math:`\epsilon_a \sim N(0, 1)`, the rounding only with ``round_rewards``
    and the clipping only with ``reward_range = (l, u)`` (Wilson et al. showed
    whole numbers between 1 and 100: ``round_rewards=True, reward_range=(1.0, 100.0)``).
    ``expected_rewards`` are the generative means :math:`\mu_a`.

    Static options (they fix the design of the games :func:`sample_games` draws):

    Attributes:
      n_forced: forced trials per game, an even number >= 2 (4): half on each
        arm in equal games, one on one arm in unequal games.
      horizons: the numbers of free trials, ``(short, long)`` (``(1, 6)``).
      base_means: the mean of the reference arm is drawn from these (``(40, 60)``).
      differences: the other arm's mean differs from it by one of these, with
        a random sign (``(4, 8, 12, 20, 30)``).
      round_rewards: round rewards to whole numbers.
      reward_range: ``(low, high)`` to clip rewards to, or None.

    Source: Wilson, Geana, White, Ludvig & Cohen (2014), J. Exp. Psychol. Gen. 143(6).

    Example:
      >>> import jax, kdgap_sim as kd
      >>> env = kd.envs.make("horizon-task", round_rewards=True, reward_range=(1.0, 100.0))
      >>> env.n_actions, env.horizons, env.reward_bounds()
      (2, (1, 6), (1.0, 100.0))
      >>> _, state = env.reset(jax.random.key(0), env.default_params())
      >>> _, _, feedback = env.step(jax.random.key(1), state, 0, env.default_params())
      >>> float(feedback.reward) == round(float(feedback.reward))
      True
    """

    n_forced: int = 4
    horizons: tuple[int, int] = (1, 6)
    base_means: tuple[float, ...] = (40.0, 60.0)
    differences: tuple[float, ...] = (4.0, 8.0, 12.0, 20.0, 30.0)
    round_rewards: bool = False
    reward_range: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        validation.check_int("n_forced", self.n_forced, minimum=2)
        if self.n_forced % 2:
            raise ValueError(f"n_forced must be even (equal games sample each arm n_forced / 2 times), "
                             f"got {self.n_forced}")
        if not (isinstance(self.horizons, tuple) and len(self.horizons) == 2):
            raise TypeError(f"horizons must be a tuple (short, long) of two ints, got {self.horizons!r}")
        for h in self.horizons:
            validation.check_int("horizons", h, minimum=1)
        if not self.horizons[0] < self.horizons[1]:
            raise ValueError(f"horizons must be (short, long) with short < long, got {self.horizons}")
        _check_number_tuple("base_means", self.base_means)
        _check_number_tuple("differences", self.differences)
        validation.check_bool("round_rewards", self.round_rewards)
        if self.reward_range is not None:
            _check_number_tuple("reward_range", self.reward_range, minimum_length=2)
            if len(self.reward_range) != 2 or not self.reward_range[0] < self.reward_range[1]:
                raise ValueError(f"reward_range must be (low, high) with low < high, got {self.reward_range}")

    @property
    def n_actions(self) -> int:
        return 2

    @property
    def n_states(self) -> int:
        return 1

    def n_steps(self, horizon: int) -> int:
        """Trials of a game with ``horizon`` free trials: ``n_forced + horizon``."""
        return self.n_forced + int(horizon)

    def reward_bounds(self, params=None) -> tuple[float, float]:
        if self.reward_range is not None:
            return (float(self.reward_range[0]), float(self.reward_range[1]))
        return (-math.inf, math.inf)

    def default_params(self) -> HorizonTaskParams:
        """Means (40, 60), noise 8 (one game; :func:`sample_games` draws the others)."""
        return HorizonTaskParams(means=jnp.array([40.0, 60.0], jnp.float32), noise=jnp.float32(8.0))

    def validate_params(self, params, name: str = "env_params") -> None:
        super().validate_params(params, name)
        validation.check_shape(f"{name}.means", params.means, (2,))
        validation.check_shape(f"{name}.noise", params.noise, ())

    def reset(self, key: PRNGKey, params: HorizonTaskParams) -> tuple[Array, BanditState]:
        del key
        return jnp.int32(0), BanditState(means=jnp.asarray(params.means, jnp.float32), t=jnp.int32(0))

    def step(self, key, state: BanditState, action, params: HorizonTaskParams):
        outcomes = state.means + params.noise * threefry.normal(key, (2,))
        if self.round_rewards:
            outcomes = jnp.round(outcomes)
        if self.reward_range is not None:
            outcomes = jnp.clip(outcomes, self.reward_range[0], self.reward_range[1])
        reward = action_axis.entry(outcomes, action)
        return jnp.int32(0), BanditState(means=state.means, t=state.t + 1), Feedback(reward, outcomes)

    def expected_rewards(self, state: BanditState, params) -> Array:
        del params
        return state.means


class HorizonGames(NamedTuple):
    """The design of ``G`` games of one horizon (:func:`sample_games`).

    Attributes:
      means: generative arm means ``[G, 2]``.
      unequal: unequal-information ``[1, n_forced - 1]`` games ``[G]`` (else ``[n/2, n/2]``).
      forced_actions: the forced arms in order ``[G, n_forced]``.
      horizon: the number of free trials of these games (static int).

    Example:
      >>> import jax, kdgap_sim as kd
      >>> from kdgap_sim.envs import horizon_task
      >>> from kdgap_sim.metrics import horizon_play
      >>> games = horizon_task.sample_games(jax.random.key(0), kd.envs.make("horizon-task"), 4, 6)
      >>> games.means.shape, games.forced_actions.shape, games.unequal.tolist()
      ((4, 2), (4, 4), [False, True, False, True])
    """

    means: Array
    unequal: Array
    forced_actions: Array
    horizon: int


def _one_game(key: PRNGKey, unequal: Array, *, env: HorizonTask) -> tuple[Array, Array]:
    """Means ``[2]`` and forced arms ``[n_forced]`` of one game (pure; vmap over games)."""
    keys = [threefry.fold_in(key, i) for i in range(5)]
    base = jnp.asarray(env.base_means, jnp.float32)[jax.random.randint(keys[0], (), 0, len(env.base_means))]
    diff = jnp.asarray(env.differences, jnp.float32)[jax.random.randint(keys[1], (), 0, len(env.differences))]
    sign = jnp.where(jax.random.bernoulli(keys[2]), 1.0, -1.0)
    reference = jax.random.randint(keys[3], (), 0, 2)
    means = jnp.where(jnp.arange(2) == reference, base, base + sign * diff)
    n = env.n_forced
    # the arm sampled less (once in unequal games): drawn at random; equal games: n/2 of each
    rare = jax.random.randint(threefry.fold_in(keys[4], 0), (), 0, 2)
    n_rare = jnp.where(unequal, 1, n // 2)
    ordered = jnp.where(jnp.arange(n) < n_rare, rare, 1 - rare)
    forced = jax.random.permutation(threefry.fold_in(keys[4], 1), ordered)
    return means, forced.astype(jnp.int32)


def sample_games(key: PRNGKey, env: HorizonTask, n_games: int, horizon: int) -> HorizonGames:
    """Draws ``n_games`` games with ``horizon`` free trials; even games equal, odd unequal.

    Each game's reference arm (chosen at random) has a mean drawn from
    ``env.base_means``; the other arm's mean differs by one of
    ``env.differences`` with a random sign. The forced arms are shuffled.
    Game ``g`` depends only on ``fold_in(key, g)`` (so a longer list extends a
    shorter one).

    Source: Wilson, Geana, White, Ludvig & Cohen (2014), J. Exp. Psychol. Gen. 143(6).

    Raises:
      TypeError, ValueError: a bad ``key``, ``env``, ``n_games`` or ``horizon``.

    Example:
      >>> import jax, numpy as np, kdgap_sim as kd
      >>> from kdgap_sim.envs import horizon_task
      >>> from kdgap_sim.metrics import horizon_play
      >>> games = horizon_task.sample_games(jax.random.key(1), kd.envs.make("horizon-task"), 100, 1)
      >>> gaps = np.abs(np.diff(np.asarray(games.means), axis=1))[:, 0]
      >>> sorted(set(gaps.tolist()))
      [4.0, 8.0, 12.0, 20.0, 30.0]
      >>> np.bincount(np.asarray(games.forced_actions[1]), minlength=2).tolist() in ([1, 3], [3, 1])
      True
    """
    validation.check_key(key, "key")
    _check_env(env)
    validation.check_int("n_games", n_games, minimum=1)
    validation.check_int("horizon", horizon, minimum=1)
    return _sample_games(key, env, int(n_games), int(horizon))


@functools.partial(jax.jit, static_argnames=("env", "n_games", "horizon"))
def _sample_games(key, env, n_games, horizon):
    keys = jax.vmap(threefry.fold_in, in_axes=(None, 0))(key, jnp.arange(n_games, dtype=jnp.uint32))
    unequal = jnp.arange(n_games) % 2 == 1
    means, forced = jax.vmap(functools.partial(_one_game, env=env))(keys, unequal)
    return HorizonGames(means=means, unequal=unequal, forced_actions=forced, horizon=horizon)


def _check_env(env: Any) -> None:
    if not isinstance(env, HorizonTask):
        raise TypeError(f"env must be a HorizonTask (kd.envs.make('horizon-task')), got {env!r}")


class HorizonRollout(NamedTuple):
    """What :func:`kdgap_sim.metrics.horizon_play.play` returns: per horizon, the games and the agent's trajectories.

    Attributes:
      env: the :class:`HorizonTask`.
      games: one :class:`HorizonGames` per horizon, in ``env.horizons`` order.
      trajectories: one :class:`~kdgap_sim.types.Trajectory` per horizon, leaves
        ``[G, n_forced + horizon, ...]``.

    Example:
      >>> import jax, kdgap_sim as kd
      >>> from kdgap_sim.envs import horizon_task
      >>> from kdgap_sim.metrics import horizon_play
      >>> env = kd.envs.make("horizon-task")
      >>> agent = kd.agents.Agent(kd.agents.UCB(), kd.agents.Greedy())
      >>> out = horizon_play.play(jax.random.key(0), env, agent, agent.default_params(), n_games=6)
      >>> [t.action.shape for t in out.trajectories]
      [(6, 5), (6, 10)]
    """

    env: HorizonTask
    games: tuple[HorizonGames, ...]
    trajectories: tuple[Trajectory, ...]


def to_choice_log(rollout: HorizonRollout, subject: str = "agent"):
    """The games of a :func:`kdgap_sim.metrics.horizon_play.play` result as a
    :class:`~kdgap_sim.logs.ChoiceLog` (one subject).

    One block per game (short-horizon games first, then long ones), forced
    flags on the forced trials, full feedback (``outcomes``) and the generative
    means (``means``), as a released log of the task loaded with ``block`` and
    ``mean_<a>`` columns would have.

    Example:
      >>> import jax, kdgap_sim as kd
      >>> from kdgap_sim.envs import horizon_task
      >>> from kdgap_sim.metrics import horizon_play
      >>> env = kd.envs.make("horizon-task")
      >>> agent = kd.agents.Agent(kd.agents.UCB(), kd.agents.Greedy())
      >>> out = horizon_play.play(jax.random.key(0), env, agent, agent.default_params(), n_games=2)
      >>> log = horizon_task.to_choice_log(out)
      >>> log.n_trials.tolist(), log.block[0, :12].tolist()
      ([30], [0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2])
    """
    if not isinstance(rollout, HorizonRollout):
        raise TypeError(f"rollout must be the HorizonRollout of kdgap_sim.metrics.horizon_play.play, got {type(rollout).__name__}")
    choice, reward, outcomes, forced, block, means = [], [], [], [], [], []
    first = 0
    for design, traj in zip(rollout.games, rollout.trajectories):
        action = np.asarray(traj.action)
        G, T = action.shape
        choice.append(action.reshape(-1))
        reward.append(np.asarray(traj.reward).reshape(-1))
        outcomes.append(np.asarray(traj.outcomes).reshape(-1, 2))
        forced.append(np.asarray(traj.forced).reshape(-1))
        block.append(np.repeat(np.arange(first, first + G), T))
        means.append(np.repeat(np.asarray(design.means), T, axis=0))
        first += G
    cat = lambda xs: np.concatenate(xs)[None]  # noqa: E731
    return ChoiceLog.from_arrays(cat(choice), cat(reward), n_actions=2, outcomes=cat(outcomes),
                                 forced=cat(forced), block=cat(block), means=cat(means),
                                 subjects=[subject])


def __getattr__(name):
    if name == "play":  # moved above the trial loop; an alias for one release
        from kdgap_sim import _moved

        return _moved.attribute(__name__, name, "kdgap_sim.metrics.horizon_play")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
