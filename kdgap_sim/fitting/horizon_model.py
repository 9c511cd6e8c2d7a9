r"""Wilson et al. (2014)'s model of the horizon task's first free choice: ``make_model("wilson-horizon")``.

Wilson, Geana, White, Ludvig & Cohen (2014), "Humans use directed and random
exploration to solve the explore-exploit dilemma", *J. Exp. Psychol. Gen.*
143(6):2074. On the first free choice of each game, with horizon
:math:`h \in \{1, 6\}`,

.. math::
    P(\text{choose arm } 1) = \sigma\!\left(\frac{\Delta Q + A_h\,\Delta I + b_h}{\sigma_h}\right),

where :math:`\sigma(x) = 1/(1 + e^{-x})`, :math:`\Delta Q = \bar r_1 - \bar r_0`
is the difference of the forced-trial sample means, :math:`\Delta I = +1` if
arm 1 was sampled less than arm 0 in the forced trials (the unequal ``[1, 3]``
condition, arm 1 the more informative), :math:`-1` if arm 0 was, and 0 in
equal ``[2, 2]`` games. :math:`A_h` is the information bonus (directed
exploration), :math:`\sigma_h` the decision noise (random exploration) and
:math:`b_h` a side bias, each per horizon: six parameters ``A_h1, A_h6,
sigma_h1, sigma_h6, b_h1, b_h6`` (names follow the model's ``horizons``).

Only the first free choice of each game enters the likelihood: the
model's :meth:`~HorizonChoiceModel.log_probs` are 0 for every action on other
trials (they add nothing, and ``posterior_predictive`` draws those trials'
choices uniformly: only its first free choices are the model's). Games are read from the log's forced flags: each
game is ``n_forced`` forced trials followed by ``horizons[0]`` or
``horizons[1]`` free ones (:meth:`~HorizonChoiceModel.for_log` checks it; a
released log without forced flags gets them from its blocks with
:func:`with_forced_trials`). Fitting uses the library's parameterisation and
priors (:mod:`kdgap_sim.fitting.models`), hierarchical or individual, through
:func:`kdgap_sim.fitting.fit`.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from kdgap_sim import threefry, validation
from kdgap_sim.logs.choice_log import ChoiceLog, LogArrays
from kdgap_sim.fitting.model_registry import register_model
from kdgap_sim.fitting.models import ChoiceModel, ParamSpec, Prior
from kdgap_sim.types import Array, PRNGKey

BONUS_BOUNDS = (-30.0, 30.0)
NOISE_BOUNDS = (0.5, 30.0)
BIAS_BOUNDS = (-20.0, 20.0)


def _specs(horizons: tuple[int, int]) -> tuple[ParamSpec, ...]:
    specs = []
    for name, bounds, what in (("A", BONUS_BOUNDS, "information bonus (directed exploration)"),
                               ("sigma", NOISE_BOUNDS, "decision noise (random exploration)"),
                               ("b", BIAS_BOUNDS, "side bias toward arm 1")):
        for h in horizons:
            specs.append(ParamSpec(f"{name}_h{h}", *bounds, (), f"{what}, horizon {h}"))
    return tuple(specs)


def wilson_logit(dQ: Array, dI: Array, A: Array, sigma: Array, b: Array) -> Array:
    r"""The log-odds of choosing arm 1: :math:`(\Delta Q + A\,\Delta I + b) / \sigma`.

    Source: Wilson, Geana, White, Ludvig & Cohen (2014), J. Exp. Psychol. Gen. 143(6).

    Example:
      >>> from kdgap_sim.fitting.horizon_model import wilson_logit
      >>> float(wilson_logit(4.0, 1.0, 6.0, 5.0, 0.0))
      2.0
    """
    return (dQ + A * dI + b) / sigma


def game_features(choice: Array, reward: Array, forced: Array, scored: Array, long_after: int):
    r"""Per trial of one subject: first free choice of a game?, :math:`\Delta Q`, :math:`\Delta I`, long horizon?

    Games are read from the forced flags (a game starts at a forced trial that
    follows a free one or the start); :math:`\Delta Q` and :math:`\Delta I`
    are those of the trial's game (see the module docstring); a game is long
    when it has more than ``long_after`` free (``scored``) trials. Arrays ``[T]``.

    Source: Wilson, Geana, White, Ludvig & Cohen (2014), J. Exp. Psychol. Gen. 143(6).

    Example:
      >>> import jax.numpy as jnp
      >>> from kdgap_sim.fitting.horizon_model import game_features
      >>> forced = jnp.array([True, True, True, True, False])
      >>> first, dQ, dI, long = game_features(jnp.array([0, 1, 1, 1, 0]),
      ...     jnp.array([50.0, 40.0, 44.0, 42.0, 47.0]), forced, ~forced, 1)
      >>> first.tolist(), dQ[4].tolist(), dI[4].tolist(), long[4].tolist()
      ([False, False, False, False, True], -8.0, -1.0, False)
    """
    T = choice.shape[0]
    prev_forced = jnp.concatenate([jnp.zeros((1,), bool), forced[:-1]])
    game = jnp.maximum(jnp.cumsum(forced & ~prev_forced) - 1, 0)
    taken = jax.nn.one_hot(choice, 2, dtype=jnp.float32) * forced[:, None]
    counts = jax.ops.segment_sum(taken, game, T)[game]
    sums = jax.ops.segment_sum(taken * reward[:, None], game, T)[game]
    n_free = jax.ops.segment_sum(scored.astype(jnp.int32), game, T)[game]
    means = sums / jnp.maximum(counts, 1.0)
    dQ = means[:, 1] - means[:, 0]
    dI = jnp.sign(counts[:, 0] - counts[:, 1])
    first = scored & prev_forced
    return first, dQ, dI, n_free > long_after


def _check_game_structure(log: ChoiceLog, n_forced: int, horizons: tuple[int, int]) -> None:
    for s in range(log.n_subjects):
        T = int(log.n_trials[s])
        forced = log.forced[s, :T]
        if not forced[0]:
            raise ValueError(f"subject {log.subjects[s]!r}: the log must start with a game's forced "
                             "trials (trial 1 is free)")
        starts = np.flatnonzero(forced & ~np.r_[False, forced[:-1]])
        for g, (a, b) in enumerate(zip(starts, np.r_[starts[1:], T])):
            n_f = int(forced[a:b].sum())
            n_free = int(b - a) - n_f
            where = f"subject {log.subjects[s]!r}, game {g} (trials {a + 1}-{b})"
            if n_f != n_forced or n_free not in horizons:
                raise ValueError(f"{where}: a game must be n_forced={n_forced} forced trials then "
                                 f"{horizons[0]} or {horizons[1]} free ones, got {n_f} forced and {n_free} free")
            counts = np.bincount(log.choice[s, a:a + n_f], minlength=2)
            if counts[0] != counts[1] and counts.min() != 1:
                raise ValueError(f"{where}: forced trials must sample both arms equally or "
                                 f"[1, {n_forced - 1}], got counts {counts.tolist()}")


def with_forced_trials(log: ChoiceLog, n_forced: int = 4) -> ChoiceLog:
    """``log`` with its forced flags set on the first ``n_forced`` trials of every block (game).

    For released horizon-task logs, which mark games (``block``) but not
    forced trials.

    Source: Wilson, Geana, White, Ludvig & Cohen (2014), J. Exp. Psychol. Gen. 143(6).

    Raises:
      ValueError: the log has no blocks.

    Example:
      >>> import pandas as pd, kdgap_sim as kd
      >>> df = pd.DataFrame({"game": [0] * 5 + [1] * 5, "trial": [1, 2, 3, 4, 5] * 2,
      ...                    "choice": [0, 1, 0, 1, 1] * 2, "reward": [50.0] * 10})
      >>> log = kd.fitting.with_forced_trials(kd.fitting.ChoiceLog.from_dataframe(df, default_subject="p"))
      >>> log.forced.astype(int).tolist()
      [[1, 1, 1, 1, 0, 1, 1, 1, 1, 0]]
    """
    if not isinstance(log, ChoiceLog):
        raise TypeError(f"log must be a ChoiceLog, got {type(log).__name__}")
    validation.check_int("n_forced", n_forced, minimum=1)
    if log.block is None:
        raise ValueError("log has no blocks (games): load it with a block column, e.g. columns={'block': 'run'}")
    T = log.max_trials
    position = np.broadcast_to(np.arange(T), log.block.shape)
    starts = np.ones(log.block.shape, bool)
    starts[:, 1:] = log.block[:, 1:] != log.block[:, :-1]
    within = position - np.maximum.accumulate(np.where(starts, position, 0), axis=1)
    return dataclasses.replace(log, forced=(within < n_forced) & log.mask)


@dataclasses.dataclass(frozen=True)
class HorizonChoiceModel(ChoiceModel):
    r"""Wilson et al. (2014)'s logistic model of the first free choice (see the module docstring).

    .. math:: P(a = 1) = \sigma((\Delta Q + A_h \Delta I + b_h) / \sigma_h)

    Attributes:
      n_forced: forced trials per game.
      horizons: ``(short, long)`` numbers of free trials.

    Source: Wilson, Geana, White, Ludvig & Cohen (2014), J. Exp. Psychol. Gen. 143(6).

    Example:
      >>> import jax, jax.numpy as jnp, pandas as pd, kdgap_sim as kd
      >>> model = kd.fitting.make_model("wilson-horizon")
      >>> model.param_names
      ('A_h1', 'A_h6', 'sigma_h1', 'sigma_h6', 'b_h1', 'b_h6')
      >>> df = pd.DataFrame({"game": [0] * 5, "trial": [1, 2, 3, 4, 5], "choice": [0, 1, 1, 1, 0],
      ...                    "reward": [40.0, 50.0, 46.0, 48.0, 47.0], "forced": [1, 1, 1, 1, 0]})
      >>> log = kd.fitting.ChoiceLog.from_dataframe(df, default_subject="p1")
      >>> one = jax.tree_util.tree_map(lambda x: x[0], log.arrays())
      >>> # arm 0, sampled once, is the informative one (dI = -1): A_h1 = 8 cancels dQ = 48 - 40
      >>> values = jnp.array([8.0, 0.0, 4.0, 4.0, 0.0, 0.0])
      >>> jnp.exp(model.log_probs(values, one))[4].tolist()
      [0.5, 0.5]
    """

    name: str = "wilson-horizon"
    n_forced: int = 4
    horizons: tuple[int, int] = (1, 6)
    params: tuple[ParamSpec, ...] = _specs((1, 6))
    prior: Prior = Prior("probit", 1.0, 0.5)
    description: str = ("Wilson et al. (2014): first free choice, sigmoid((dQ + A_h dI + b_h) / sigma_h), "
                        "information bonus A and decision noise sigma per horizon")
    per_context: bool = False

    def __post_init__(self) -> None:
        validation.check_int("n_forced", self.n_forced, minimum=2)
        if not (isinstance(self.horizons, tuple) and len(self.horizons) == 2):
            raise TypeError(f"horizons must be a tuple (short, long), got {self.horizons!r}")
        for h in self.horizons:
            validation.check_int("horizons", h, minimum=1)
        if not self.horizons[0] < self.horizons[1]:
            raise ValueError(f"horizons must be (short, long) with short < long, got {self.horizons}")
        if tuple(p.name for p in self.params) != tuple(p.name for p in _specs(self.horizons)):
            object.__setattr__(self, "params", _specs(self.horizons))

    def for_log(self, log: ChoiceLog) -> HorizonChoiceModel:
        """Checks ``log``: two actions, forced flags, every game ``n_forced`` forced then 1 or 6 free trials.

        Raises:
          TypeError: ``log`` is not a ChoiceLog.
          ValueError: naming the subject and game that breaks the structure.
        """
        if not isinstance(log, ChoiceLog):
            raise TypeError(f"log must be a ChoiceLog, got {type(log).__name__}")
        if log.n_actions != 2:
            raise ValueError(f"model {self.name!r} is for two arms, the log has {log.n_actions} actions")
        if not log.has_forced:
            raise ValueError(f"model {self.name!r} reads games from forced flags and the log has none; "
                             "for a log with blocks use kd.fitting.with_forced_trials(log, n_forced)")
        _check_game_structure(log, self.n_forced, self.horizons)
        return self

    def _by_horizon(self, values: Array, long: Array) -> tuple[Array, Array, Array]:
        A = jnp.where(long, values[1], values[0])
        sigma = jnp.where(long, values[3], values[2])
        b = jnp.where(long, values[5], values[4])
        return A, sigma, b

    def log_probs(self, values: Array, data: LogArrays, n_contexts: int = 1) -> Array:
        first, dQ, dI, long = game_features(data.choice, data.reward, data.forced, data.scored,
                                            self.horizons[0])
        A, sigma, b = self._by_horizon(values, long)
        logit = wilson_logit(dQ, dI, A, sigma, b)
        both = jnp.stack([jax.nn.log_sigmoid(-logit), jax.nn.log_sigmoid(logit)], axis=-1)
        return jnp.where(first[:, None], both, 0.0)

    def cycle_trials(self) -> int:
        """Trials of one cycle of simulated games: each horizon once in each information condition."""
        return 2 * sum(self.n_forced + h for h in self.horizons)

    def simulate(self, key: PRNGKey, values: Array, task: Any, n_trials: int) -> dict[str, Array]:
        r"""One subject on ``task = (HorizonTask, HorizonTaskParams)``, ``n_trials`` trials.

        ``n_trials`` must be a multiple of :meth:`cycle_trials` (30 for the
        default task): as many games of each horizon, half equal and half
        unequal (:func:`kdgap_sim.envs.horizon_task.sample_games`; short-horizon
        games first). Every free choice, not only the first, follows the model
        with the sample means and information difference so far (rewards from
        ``HorizonTask.step``, rounded and clipped as the task says). Returns
        ``choice``, ``reward``, ``outcomes`` and ``forced``, each ``[n_trials]``.

        Example:
          >>> import jax, jax.numpy as jnp, kdgap_sim as kd
          >>> model = kd.fitting.make_model("wilson-horizon")
          >>> sim = model.simulate(jax.random.key(0), jnp.array([0.0, 5.0, 4.0, 8.0, 0.0, 0.0]),
          ...                      kd.fitting.default_task(model), n_trials=30)
          >>> sim["choice"].shape, sim["forced"][:5].tolist()
          ((30,), [True, True, True, True, False])
        """
        from kdgap_sim.envs.horizon_task import _sample_games

        env, env_params = task
        cycle = self.cycle_trials()
        if n_trials % cycle:
            raise ValueError(f"n_trials must be a multiple of {cycle} (each horizon once in each "
                             f"information condition), got {n_trials}")
        n_games = 2 * (n_trials // cycle)
        pieces = []
        for i, h in enumerate(self.horizons):
            k_h = threefry.fold_in(key, h)
            games = _sample_games(k_h, env, n_games, h)
            keys = jax.vmap(threefry.fold_in, in_axes=(None, 0))(
                threefry.fold_in(k_h, 1), jnp.arange(n_games, dtype=jnp.uint32))
            params_h = (values[i], values[2 + i], values[4 + i])
            play = functools.partial(self._simulate_game, env=env, noise=env_params.noise,
                                     params=params_h, n_free=h)
            pieces.append(jax.vmap(play)(keys, games.means, games.forced_actions))
        return {k: jnp.concatenate([p[k].reshape(-1, *p[k].shape[2:]) for p in pieces]) for k in pieces[0]}

    def _simulate_game(self, key, means, forced_actions, *, env, noise, params, n_free):
        from kdgap_sim.envs.horizon_task import HorizonTaskParams

        A, sigma, b = params
        env_params = HorizonTaskParams(means=means, noise=noise)
        _, state = env.reset(key, env_params)
        n_steps = self.n_forced + n_free
        schedule = jnp.concatenate([forced_actions, jnp.full((n_free,), -1, jnp.int32)])

        def trial(carry, inputs):
            state, counts, sums = carry
            t, forced_action = inputs
            m = sums / jnp.maximum(counts, 1.0)
            logit = wilson_logit(m[1] - m[0], jnp.sign(counts[0] - counts[1]), A, sigma, b)
            free = jax.random.bernoulli(threefry.fold_in(key, 2 * t), jax.nn.sigmoid(logit))
            action = jnp.where(forced_action >= 0, forced_action, free.astype(jnp.int32))
            _, state, feedback = env.step(threefry.fold_in(key, 2 * t + 1), state, action, env_params)
            taken = jax.nn.one_hot(action, 2)
            out = {"choice": action, "reward": feedback.reward, "outcomes": feedback.outcomes,
                   "forced": forced_action >= 0}
            return (state, counts + taken, sums + taken * feedback.reward), out

        carry = (state, jnp.zeros(2), jnp.zeros(2))
        _, out = jax.lax.scan(trial, carry, (jnp.arange(n_steps, dtype=jnp.uint32), schedule))
        return out


def wilson_horizon(n_forced: int = 4, horizons: tuple[int, int] = (1, 6)) -> HorizonChoiceModel:
    """Wilson et al. (2014)'s horizon-task model (:class:`HorizonChoiceModel`).

    Source: Wilson, Geana, White, Ludvig & Cohen (2014), J. Exp. Psychol. Gen. 143(6).

    Example:
      >>> import kdgap_sim as kd
      >>> kd.fitting.make_model("wilson-horizon", horizons=(2, 8)).param_names[:2]
      ('A_h2', 'A_h8')
    """
    return HorizonChoiceModel(n_forced=n_forced, horizons=tuple(horizons), params=_specs(tuple(horizons)))


register_model("wilson-horizon", wilson_horizon)
