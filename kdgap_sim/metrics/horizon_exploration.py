r"""Model-free analysis of the horizon task: directed and random exploration.

Wilson, Geana, White, Ludvig & Cohen (2014), "Humans use directed and random
exploration to solve the explore-exploit dilemma", *J. Exp. Psychol. Gen.*
143(6):2074. For each game only the first free choice is used, with

.. math::
    h = \begin{cases} +1 & \text{6 free trials (long horizon)} \\
                      -1 & \text{1 free trial (short horizon)} \end{cases}

*Unequal* ``[1, 3]`` games: :math:`y = 1` if the first free choice is the arm
sampled once in the forced trials, :math:`\Delta R = m(\text{that arm}) -
m(\text{the other})`. *Equal* ``[2, 2]`` games: :math:`y = 1` if arm 1 is
chosen, :math:`\Delta R = m(1) - m(0)`. The mean :math:`m` is the forced-trial
sample mean (``difference="observed"``) or the generative mean
(``"generative"``, from the log's ``mean_<a>`` columns, ``ChoiceLog.means``).
Each condition is fitted separately by maximum likelihood:

.. math:: \operatorname{logit} P(y = 1) = b_0 + b_1 \Delta R + b_2 h + b_3 \Delta R\, h .

Directed exploration is :math:`b_2` of the unequal fit (a horizon-dependent
preference for the less-known arm), random exploration :math:`-b_3` of the
equal fit (a shallower choice curve in the long horizon); standard errors are
the square roots of the diagonal of the inverse Fisher information
:math:`(X^\top W X)^{-1}`, :math:`W = \mathrm{diag}(p_i(1 - p_i))`, at the estimate.

The fit is Newton's method with step halving on the log-likelihood. A fit that
does not converge (perfect or quasi-complete separation: a player whose first
choice is a deterministic function of :math:`\Delta R` and :math:`h`, or too
few games) is reported, not hidden: its numbers are NaN and the result's
``converged`` is False with a ``message`` saying why.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from kdgap_sim import validation

DIFFERENCES = ("observed", "generative")
SOURCE = "Wilson, Geana, White, Ludvig & Cohen (2014), J. Exp. Psychol. Gen. 143(6)"


class FirstFreeChoices(NamedTuple):
    """One row per game: the regression data of :func:`horizon_exploration`.

    Attributes:
      subject: index of the game's subject in ``log.subjects`` ``[N]``.
      block: the game's block index within its subject ``[N]``.
      unequal: unequal-information ``[1, n_forced - 1]`` game (else equal) ``[N]``.
      h: +1 in a long-horizon game, -1 in a short one ``[N]``.
      y: the first free choice is the once-sampled arm (unequal games) or arm 1
        (equal games) ``[N]``, 0/1.
      dR: mean difference (that arm minus the other; arm 1 minus arm 0) ``[N]``.

    Source: Wilson, Geana, White, Ludvig & Cohen (2014), J. Exp. Psychol. Gen. 143(6).

    Example:
      >>> import jax, kdgap_sim as kd
      >>> from kdgap_sim.envs import horizon_task
      >>> from kdgap_sim.metrics import horizon_play
      >>> env = kd.envs.make("horizon-task")
      >>> agent = kd.agents.Agent(kd.agents.UCB(), kd.agents.Greedy())
      >>> log = horizon_task.to_choice_log(horizon_play.play(jax.random.key(0), env, agent,
      ...                                                    agent.default_params(), n_games=4))
      >>> rows = kd.metrics.first_free_choices(log)
      >>> rows.h.tolist(), rows.unequal.tolist()
      ([-1, -1, -1, -1, 1, 1, 1, 1], [False, True, False, True, False, True, False, True])
    """

    subject: np.ndarray
    block: np.ndarray
    unequal: np.ndarray
    h: np.ndarray
    y: np.ndarray
    dR: np.ndarray


class LogisticFit(NamedTuple):
    """A maximum-likelihood logistic regression (:func:`logistic_fit`).

    Attributes:
      coef: coefficients ``[P]`` (NaN when not converged).
      se: standard errors from the inverse Fisher information ``[P]`` (NaN when not converged).
      converged: whether Newton's method converged to a finite maximum.
      message: why not ("" when converged).
      n: number of observations.
      n_iter: Newton iterations used.

    Example:
      >>> import numpy as np
      >>> from kdgap_sim.metrics.horizon_exploration import logistic_fit
      >>> X = np.column_stack([np.ones(4), [-1.0, 0.0, 1.0, 2.0]])
      >>> logistic_fit(X, np.array([0, 0, 1, 1])).converged  # perfectly separated
      False
    """

    coef: np.ndarray
    se: np.ndarray
    converged: bool
    message: str
    n: int
    n_iter: int


def _sigmoid(eta: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * eta))  # no overflow for large |eta|


def _log_lik(X: np.ndarray, y: np.ndarray, beta: np.ndarray) -> float:
    eta = X @ beta
    return float(np.sum(y * eta - np.logaddexp(0.0, eta)))


def logistic_fit(X: Any, y: Any, *, max_iter: int = 100, tol: float = 1e-10) -> LogisticFit:
    r"""Maximum-likelihood logistic regression :math:`\operatorname{logit} P(y_i = 1) = x_i^\top b` by Newton.

    Newton steps :math:`b \leftarrow b + t\,(X^\top W X)^{-1} X^\top (y - p)` with
    :math:`t` halved until the log-likelihood does not decrease; converged when
    the step's largest entry is below ``tol * (1 + max|b|)``. Standard errors:
    :math:`\sqrt{\mathrm{diag}\,(X^\top W X)^{-1}}` at the estimate. Under
    separation the maximum is at infinity, the steps never shrink, and the fit
    is reported as not converged (coefficients NaN); so are a singular design
    and a single outcome class.

    Source: the model-free analysis of Wilson, Geana, White, Ludvig & Cohen (2014),
    J. Exp. Psychol. Gen. 143(6).

    Raises:
      ValueError: ``X`` is not ``[N, P]`` finite, ``y`` not ``[N]`` of 0/1.

    Example:
      >>> import numpy as np
      >>> from kdgap_sim.metrics.horizon_exploration import logistic_fit
      >>> X = np.column_stack([np.ones(6), [-2.0, -1.0, 0.0, 0.0, 1.0, 2.0]])
      >>> fit = logistic_fit(X, np.array([0, 1, 0, 1, 0, 1]))
      >>> fit.converged, [round(b, 4) for b in fit.coef.tolist()]
      (True, [0.0, 0.4196])
    """
    X = np.asarray(validation.as_numeric_array("X", X), np.float64)
    y = np.asarray(validation.as_numeric_array("y", y), np.float64)
    if X.ndim != 2 or not np.isfinite(X).all():
        raise ValueError(f"X must be a finite [n, n_coef] array, got shape {X.shape}")
    if y.shape != (X.shape[0],) or not np.isin(y, (0.0, 1.0)).all():
        raise ValueError(f"y must be [{X.shape[0]}] of 0/1, got shape {y.shape}")
    n, p = X.shape
    nan = np.full(p, np.nan)

    def failed(message: str, it: int) -> LogisticFit:
        return LogisticFit(nan, nan.copy(), False, message, n, it)

    if n <= p:
        return failed(f"{n} observation(s) for {p} coefficients", 0)
    if y.min() == y.max():
        return failed(f"every outcome is {int(y[0])}: separation (the estimate is infinite)", 0)
    if np.linalg.matrix_rank(X) < p:
        return failed("the design is singular (a column is constant or collinear with others)", 0)
    beta = np.zeros(p)
    ll = _log_lik(X, y, beta)
    for it in range(1, max_iter + 1):
        prob = _sigmoid(X @ beta)
        info = X.T @ (X * (prob * (1.0 - prob))[:, None])
        try:
            step = np.linalg.solve(info, X.T @ (y - prob))
        except np.linalg.LinAlgError:
            return failed("the Fisher information became singular: separation "
                          "(the estimate is infinite)", it)
        if not np.isfinite(step).all():
            return failed("the Newton step is not finite: separation (the estimate is infinite)", it)
        t = 1.0
        while t > 1e-10:
            trial = beta + t * step
            ll_trial = _log_lik(X, y, trial)
            if ll_trial >= ll - 1e-12 * abs(ll):
                break
            t /= 2.0
        beta, ll = trial, ll_trial
        if np.max(np.abs(t * step)) < tol * (1.0 + np.max(np.abs(beta))):
            prob = _sigmoid(X @ beta)
            info = X.T @ (X * (prob * (1.0 - prob))[:, None])
            cov = np.linalg.inv(info)
            se = np.sqrt(np.diag(cov))
            if not (np.isfinite(beta).all() and np.isfinite(se).all()):
                return failed("the estimate or its standard errors are not finite", it)
            return LogisticFit(beta, se, True, "", n, it)
    return failed(f"no convergence in {max_iter} Newton steps: separation or quasi-separation "
                  f"(the likelihood keeps rising as coefficients grow; largest |b| = "
                  f"{np.max(np.abs(beta)):.3g})", max_iter)


class HorizonExploration(NamedTuple):
    r"""Directed and random exploration of a horizon-task log (:func:`horizon_exploration`).

    Attributes:
      directed, directed_se: :math:`b_2` of the unequal-information fit and its standard error.
      random, random_se: :math:`-b_3` of the equal-information fit and its standard error.
      reward_mean, reward_mean_se: mean reward over all logged trials; its
        standard error treats games as independent clusters.
      converged: both fits converged (else the affected numbers are NaN).
      message: why a fit did not converge ("" when both did).
      unequal_fit, equal_fit: the two :class:`LogisticFit` (coefficients
        ``b0, b1, b2, b3`` for intercept, :math:`\Delta R`, :math:`h`, :math:`\Delta R\,h`).
      n_unequal, n_equal: games in each condition.
      difference: ``"observed"`` or ``"generative"``.

    Source: Wilson, Geana, White, Ludvig & Cohen (2014), J. Exp. Psychol. Gen. 143(6).

    Example:
      >>> import kdgap_sim as kd
      >>> kd.metrics.HorizonExploration._fields[:4]
      ('directed', 'directed_se', 'random', 'random_se')
    """

    directed: float
    directed_se: float
    random: float
    random_se: float
    reward_mean: float
    reward_mean_se: float
    converged: bool
    message: str
    unequal_fit: LogisticFit
    equal_fit: LogisticFit
    n_unequal: int
    n_equal: int
    difference: str

    def interval(self, name: str, z: float = 1.96) -> tuple[float, float]:
        """``(estimate - z se, estimate + z se)`` of ``"directed"``, ``"random"`` or ``"reward_mean"``.

        Example:
          >>> import kdgap_sim as kd
          >>> from kdgap_sim.metrics.horizon_exploration import LogisticFit
          >>> fit = LogisticFit(None, None, True, "", 0, 0)
          >>> r = kd.metrics.HorizonExploration(1.0, 0.5, 0.0, 1.0, 50.0, 1.0, True, "", fit, fit,
          ...                                   10, 10, "observed")
          >>> [round(x, 2) for x in r.interval("directed")]
          [0.02, 1.98]
        """
        validation.check_choice("name", name, ("directed", "random", "reward_mean"))
        estimate, se = getattr(self, name), getattr(self, f"{name}_se")
        return (estimate - z * se, estimate + z * se)


def _as_log(log: Any):
    from kdgap_sim.envs.horizon_task import HorizonRollout, to_choice_log
    from kdgap_sim.logs.choice_log import ChoiceLog

    if isinstance(log, HorizonRollout):
        return to_choice_log(log)
    if not isinstance(log, ChoiceLog):
        raise TypeError(f"log must be a kd.fitting.ChoiceLog or the result of "
                        f"kdgap_sim.metrics.horizon_play.play, got {type(log).__name__}")
    return log


def _check_horizons(horizons: Any) -> tuple[int, int]:
    if not (isinstance(horizons, tuple) and len(horizons) == 2):
        raise TypeError(f"horizons must be a tuple (short, long), got {horizons!r}")
    for h in horizons:
        validation.check_int("horizons", h, minimum=1)
    if not horizons[0] < horizons[1]:
        raise ValueError(f"horizons must be (short, long) with short < long, got {horizons}")
    return horizons


def first_free_choices(log: Any, n_forced: int = 4, difference: str = "observed",
                       horizons: tuple[int, int] = (1, 6)) -> FirstFreeChoices:
    r"""The first free choice of every game of a horizon-task log, coded for the regression.

    Each block of the log is a game: ``n_forced`` forced trials (the first
    ``n_forced`` of the block; where the log has forced flags they must say
    so) then ``horizons[0]`` or ``horizons[1]`` free trials. See the module
    docstring for :math:`h`, :math:`y` and :math:`\Delta R`.

    Source: Wilson, Geana, White, Ludvig & Cohen (2014), J. Exp. Psychol. Gen. 143(6).

    Raises:
      TypeError: ``log`` is neither a ChoiceLog nor a horizon-task rollout.
      ValueError: ``difference`` not ``"observed"``/``"generative"``; a log
        without blocks, or not of two actions; ``"generative"`` without the
        log's means; a game of the wrong length, forced flags out of place, or
        forced counts that are neither equal nor ``[1, n_forced - 1]`` (naming
        the subject and block).

    Example:
      >>> import numpy as np, pandas as pd, kdgap_sim as kd
      >>> df = pd.DataFrame({"game": [0] * 5, "trial": [1, 2, 3, 4, 5], "choice": [0, 1, 1, 1, 0],
      ...                    "reward": [50.0, 40.0, 44.0, 42.0, 47.0]})
      >>> log = kd.fitting.ChoiceLog.from_dataframe(df, default_subject="p1")
      >>> rows = kd.metrics.first_free_choices(log)
      >>> rows.unequal.tolist(), rows.h.tolist(), rows.y.tolist(), rows.dR.tolist()  # 50 - 42
      ([True], [-1], [1], [8.0])
    """
    validation.check_choice("difference", difference, DIFFERENCES)
    validation.check_int("n_forced", n_forced, minimum=2)
    short, long = _check_horizons(horizons)
    log = _as_log(log)
    if log.n_actions != 2:
        raise ValueError(f"log must have 2 actions (the horizon task's two arms), it has {log.n_actions}")
    if log.block is None:
        raise ValueError("log has no blocks (games): load it with a block column, e.g. "
                         "columns={'block': 'run'}, or build it with to_choice_log")
    if difference == "generative" and log.means is None:
        raise ValueError("difference='generative' needs the log's generative means "
                         "(mean_<a> columns, ChoiceLog.means); this log has none; use difference='observed'")
    rows: dict[str, list] = {k: [] for k in FirstFreeChoices._fields}
    forced_flags = log.has_forced
    for s in range(log.n_subjects):
        T = int(log.n_trials[s])
        block = log.block[s, :T]
        starts = np.flatnonzero(np.r_[True, block[1:] != block[:-1]])
        ends = np.r_[starts[1:], T]
        for a, b in zip(starts, ends):
            where = f"subject {log.subjects[s]!r}, block {int(block[a])}"
            n_free = int(b - a) - n_forced
            if n_free not in (short, long):
                raise ValueError(f"{where}: a game must have n_forced={n_forced} forced trials and "
                                 f"{short} or {long} free ones (horizons), it has {b - a} trials")
            if forced_flags:
                flags = log.forced[s, a:b]
                if not (flags[:n_forced].all() and not flags[n_forced:].any()):
                    raise ValueError(f"{where}: forced flags must mark exactly the first n_forced="
                                     f"{n_forced} trials, got {flags.astype(int).tolist()}")
            forced_choice = log.choice[s, a:a + n_forced]
            counts = np.bincount(forced_choice, minlength=2)
            unequal = counts[0] != counts[1]
            if unequal and counts.min() != 1:
                raise ValueError(f"{where}: forced choices must sample both arms equally or "
                                 f"[1, {n_forced - 1}], got counts {counts.tolist()}")
            first = a + n_forced
            if difference == "observed":
                rewards = log.reward[s, a:a + n_forced]
                m = np.array([rewards[forced_choice == k].mean() for k in (0, 1)])
            else:
                m = np.asarray(log.means[s, first], np.float64)
                if not np.isfinite(m).all():
                    raise ValueError(f"{where}: generative means are missing (NaN) at the first free trial")
            choice = int(log.choice[s, first])
            if unequal:
                rare = int(np.argmin(counts))
                y, dR = int(choice == rare), float(m[rare] - m[1 - rare])
            else:
                y, dR = int(choice == 1), float(m[1] - m[0])
            for k, v in (("subject", s), ("block", int(block[a])), ("unequal", bool(unequal)),
                         ("h", 1 if n_free == long else -1), ("y", y), ("dR", dR)):
                rows[k].append(v)
    dtypes = {"subject": np.int64, "block": np.int64, "unequal": bool, "h": np.int64,
              "y": np.int64, "dR": np.float64}
    return FirstFreeChoices(**{k: np.asarray(v, dtypes[k]) for k, v in rows.items()})


def design_matrix(dR: Any, h: Any) -> np.ndarray:
    r"""The regression design ``[1, dR, h, dR * h]`` of :func:`horizon_exploration`, ``[N, 4]``.

    Source: Wilson, Geana, White, Ludvig & Cohen (2014), J. Exp. Psychol. Gen. 143(6).

    Example:
      >>> from kdgap_sim.metrics.horizon_exploration import design_matrix
      >>> design_matrix([2.0], [-1]).tolist()
      [[1.0, 2.0, -1.0, -2.0]]
    """
    dR = np.asarray(dR, np.float64)
    h = np.asarray(h, np.float64)
    return np.column_stack([np.ones_like(dR), dR, h, dR * h])


def _reward_mean(log) -> tuple[float, float]:
    mask = log.mask
    reward = np.asarray(log.reward, np.float64)[mask]
    mean = float(reward.mean())
    # cluster-robust SE: games (blocks) as independent clusters
    game = (np.arange(log.n_subjects)[:, None] * (int(log.block.max()) + 1) + log.block)[mask]
    sums = np.bincount(np.unique(game, return_inverse=True)[1], weights=reward - mean)
    n_clusters = len(sums)
    se = float(np.sqrt(np.sum(sums**2) * n_clusters / max(n_clusters - 1, 1)) / reward.size)
    return mean, se


def horizon_exploration(log: Any, n_forced: int = 4, difference: str = "observed",
                        horizons: tuple[int, int] = (1, 6)) -> HorizonExploration:
    r"""Directed exploration, random exploration and mean reward of a horizon-task log.

    Fits, for the unequal ``[1, 3]`` and the equal ``[2, 2]`` games separately,

    .. math:: \operatorname{logit} P(y = 1) = b_0 + b_1 \Delta R + b_2 h + b_3 \Delta R\, h

    by maximum likelihood (:func:`logistic_fit`) on the first free choice of
    every game (:func:`first_free_choices`); directed exploration is
    :math:`b_2` of the unequal fit, random exploration :math:`-b_3` of the
    equal fit, standard errors from the inverse Fisher information. The
    reward mean is over all logged trials (forced ones included), its standard
    error clustered by game. All subjects' games are pooled: pass one
    subject's log for one subject's numbers.

    A fit that does not converge (separation, typically a deterministic
    player with ``difference="observed"``, or too few games) gives NaN for its
    numbers, ``converged=False`` and a ``message`` naming the condition.

    ``log``: a :class:`~kdgap_sim.fitting.ChoiceLog` with blocks (games), or
    the result of :func:`kdgap_sim.metrics.horizon_play.play` (converted by
    :func:`~kdgap_sim.envs.horizon_task.to_choice_log`).

    Source: Wilson, Geana, White, Ludvig & Cohen (2014), J. Exp. Psychol. Gen. 143(6).

    Raises:
      TypeError, ValueError: as :func:`first_free_choices` (naming the parameter).

    Example:
      >>> import jax, kdgap_sim as kd
      >>> from kdgap_sim.envs import horizon_task
      >>> from kdgap_sim.metrics import horizon_play
      >>> env = kd.envs.make("horizon-task")
      >>> agent = kd.agents.Agent(kd.agents.UCB(), kd.agents.Softmax())
      >>> params = agent.default_params().replace(exploration=0.0, beta=0.15)
      >>> out = horizon_play.play(jax.random.key(0), env, agent, params, n_games=200)
      >>> result = kd.metrics.horizon_exploration(out)
      >>> result.converged, abs(result.directed) < 3 * result.directed_se
      (True, True)
      >>> greedy = kd.agents.Agent(kd.agents.UCB(), kd.agents.Greedy())
      >>> out = horizon_play.play(jax.random.key(0), env, greedy,
      ...                         greedy.default_params().replace(exploration=0.0), n_games=50)
      >>> result = kd.metrics.horizon_exploration(out)  # the greedy choice is separable
      >>> result.converged, "separation" in result.message
      (False, True)
    """
    log = _as_log(log)
    rows = first_free_choices(log, n_forced, difference, horizons)
    fits, messages = {}, []
    for name, label, select in (("unequal", f"unequal [1, {n_forced - 1}]", rows.unequal),
                                ("equal", f"equal [{n_forced // 2}, {n_forced // 2}]", ~rows.unequal)):
        if not select.any():
            fit = LogisticFit(np.full(4, np.nan), np.full(4, np.nan), False, "no games", 0, 0)
        else:
            fit = logistic_fit(design_matrix(rows.dR[select], rows.h[select]), rows.y[select])
        if not fit.converged:
            messages.append(f"{label} games: {fit.message}")
        fits[name] = fit
    reward_mean, reward_se = _reward_mean(log)
    unequal, equal = fits["unequal"], fits["equal"]
    return HorizonExploration(
        directed=float(unequal.coef[2]), directed_se=float(unequal.se[2]),
        random=float(-equal.coef[3]), random_se=float(equal.se[3]),
        reward_mean=reward_mean, reward_mean_se=reward_se,
        converged=unequal.converged and equal.converged, message="; ".join(messages),
        unequal_fit=unequal, equal_fit=equal,
        n_unequal=int(rows.unequal.sum()), n_equal=int((~rows.unequal).sum()), difference=difference,
    )
