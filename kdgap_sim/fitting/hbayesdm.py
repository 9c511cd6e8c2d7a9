r"""hBayesDM's two-armed and four-armed bandit models, parameterised exactly as hBayesDM does.

A user moving from hBayesDM (Ahn, Haines & Zhang 2017, Comput. Psychiatry
1:24-57; Stan files ``commons/stan_files/bandit2arm_delta.stan`` and
``bandit4arm_4par.stan``) gets the same joint density, hence the same
posterior, from the same data. For both models (hierarchical, non-centred):

.. math::
    \mu^{pr} \sim N(0, 1),\quad \sigma \sim N^+(0, 0.2),\quad
    \theta^{pr}_i \sim N(0, 1),\quad
    \theta_i = u\,\Phi_{\approx}(\mu^{pr} + \sigma\,\theta^{pr}_i),

with Stan's :math:`\Phi_{\approx}(x) = \mathrm{logit}^{-1}(0.07056 x^3 + 1.5976 x)`.

``bandit2arm_delta`` (data: subjID, trial, choice in {1, 2}, outcome): ``A``
in [0, 1], ``tau`` in [0, 5], :math:`Q_0 = (0, 0)`,
:math:`P(c_t) = \mathrm{softmax}(\tau Q)`, :math:`Q_c \mathrel{+}= A (o_t - Q_c)`.
It *is* ``Agent(RescorlaWagner(asymmetric=False), Softmax())`` with
``q0 = 0``.

``bandit4arm_4par`` (Seymour et al. 2012, J. Neurosci. 32:5833; data: subjID,
choice in {1..4}, gain, loss with ``los = -abs(loss)``): ``Arew``, ``Apun`` in
[0, 1], ``R``, ``P`` in [0, 30], :math:`Q^r_0 = Q^p_0 = 0`,
:math:`P(c_t) = \mathrm{softmax}(Q^r + Q^p)`; the chosen arm's
:math:`Q^r_c \mathrel{+}= A_{rew}(R\,g_t - Q^r_c)`, every unchosen arm decays,
:math:`Q^r_u \mathrel{+}= A_{rew}(0 - Q^r_u)` (same for :math:`Q^p` with
``Apun``, ``P`` and the loss). Each of :math:`Q^r, Q^p` is a full-feedback
:class:`~kdgap_sim.agents.RescorlaWagner` (one rate for chosen and unchosen)
whose outcome vector is the scaled gain (loss) at the chosen arm and 0 elsewhere.
"""

from __future__ import annotations

import dataclasses
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

from kdgap_sim import validation
from kdgap_sim.agents.actors import Softmax, SoftmaxParams
from kdgap_sim.agents.agent import Agent
from kdgap_sim.agents.predictors import RescorlaWagner, RescorlaWagnerParams
from kdgap_sim.logs.choice_log import ChoiceLog, LogArrays
from kdgap_sim.fitting.model_registry import register_model
from kdgap_sim.fitting.models import AgentModel, ChoiceModel, ParamSpec, Prior
from kdgap_sim.types import Array, Feedback, PRNGKey, Rationale

HBAYESDM_PRIOR = Prior(link="phi_approx", mu_scale=1.0, sigma_scale=0.2)


def bandit2arm_delta() -> AgentModel:
    """hBayesDM ``bandit2arm_delta``: Rescorla-Wagner (``A``) + softmax (``tau``), Q0 = 0.

    Example:
      >>> import kdgap_sim as kd
      >>> model = kd.fitting.bandit2arm_delta()
      >>> model.param_names, model.prior.link, dict(model.fixed)
      (('A', 'tau'), 'phi_approx', {'q0': 0.0})
    """
    return AgentModel(
        name="bandit2arm_delta",
        agent=Agent(RescorlaWagner(asymmetric=False), Softmax()),
        params=(
            ParamSpec("A", 0.0, 1.0, ("alpha_pos",), "learning rate"),
            ParamSpec("tau", 0.0, 5.0, ("beta",), "inverse temperature"),
        ),
        fixed=(("q0", 0.0),),
        prior=HBAYESDM_PRIOR,
        n_actions=2,
        forced_param=None,
        per_context=False,
        description="hBayesDM bandit2arm_delta: RW (A) + softmax (tau), Q0 = 0",
    )


class GainLossTask(NamedTuple):
    """A bandit whose arms give a gain of +1 with ``p_gain`` and a loss of -1 with ``p_loss``.

    Example:
      >>> import jax, jax.numpy as jnp, kdgap_sim as kd
      >>> task = kd.fitting.GainLossTask(p_gain=jnp.array([0.6, 0.45, 0.35, 0.5]),
      ...                                p_loss=jnp.array([0.3, 0.45, 0.5, 0.25]))
      >>> sim = kd.fitting.bandit4arm_4par().simulate(
      ...     jax.random.key(0), jnp.array([0.3, 0.3, 5.0, 5.0]), task, n_trials=10)
      >>> sim["choice"].shape, bool((sim["reward"] == sim["gain"] + sim["loss"]).all())
      ((10,), True)
    """

    p_gain: Array
    p_loss: Array


def check_gain_loss_task(task: GainLossTask, n_actions: int = 4) -> None:
    """Raises unless ``task.p_gain`` and ``task.p_loss`` are ``[n_actions]`` probabilities.

    Example:
      >>> import kdgap_sim as kd
      >>> from kdgap_sim.fitting.hbayesdm import check_gain_loss_task
      >>> check_gain_loss_task(kd.fitting.GainLossTask(p_gain=[0.5, 0.5, 0.5, 1.5], p_loss=[0.1] * 4))
      Traceback (most recent call last):
      ...
      ValueError: task.p_gain must be a probability in [0, 1], got [0.5, 0.5, 0.5, 1.5]
    """
    for name in ("p_gain", "p_loss"):
        value = getattr(task, name)
        validation.check_shape(f"task.{name}", value, (n_actions,))
        validation.check_in_domain(f"task.{name}", value, "unit")


@dataclasses.dataclass(frozen=True)
class RewardPunishmentModel(ChoiceModel):
    """hBayesDM ``bandit4arm_4par``: separate reward and punishment values (see module docstring).

    Example:
      >>> import jax, jax.numpy as jnp, pandas as pd, kdgap_sim as kd
      >>> df = pd.DataFrame({"subjID": [1, 1], "choice": [1, 3],
      ...                    "gain": [1.0, 0.0], "loss": [0.0, -1.0]})
      >>> log = kd.fitting.ChoiceLog.from_dataframe(df, n_actions=4)
      >>> model = kd.fitting.RewardPunishmentModel().for_log(log)
      >>> one = jax.tree_util.tree_map(lambda x: x[0], log.arrays())
      >>> probs = jnp.exp(model.log_probs(jnp.array([0.5, 0.5, 2.0, 2.0]), one))
      >>> probs[0].tolist()  # Q^r = Q^p = 0 before the first outcome
      [0.25, 0.25, 0.25, 0.25]
      >>> int(probs[1].argmax())  # arm 0 (choice 1) was rewarded
      0
    """

    name: str = "bandit4arm_4par"
    params: tuple[ParamSpec, ...] = (
        ParamSpec("Arew", 0.0, 1.0, (), "reward learning rate"),
        ParamSpec("Apun", 0.0, 1.0, (), "punishment learning rate"),
        ParamSpec("R", 0.0, 30.0, (), "reward sensitivity"),
        ParamSpec("P", 0.0, 30.0, (), "punishment sensitivity"),
    )
    prior: Prior = HBAYESDM_PRIOR
    description: str = "hBayesDM bandit4arm_4par: reward/punishment RW with fictive decay + softmax"
    per_context: bool = False
    learner: RescorlaWagner = RescorlaWagner(asymmetric=False, feedback="full")
    actor: Softmax = Softmax()

    def for_log(self, log: ChoiceLog) -> RewardPunishmentModel:
        if log.n_actions != 4:
            raise ValueError(
                f"model {self.name!r} is defined for 4 actions, the log has {log.n_actions} "
                f"({log.coding_note or 'coding given'}); if the log's coding was misread, pass "
                "choice_base= / n_actions= (CLI: --choice-base, --n-actions)")
        if not log.has_gain_loss:
            raise ValueError(f"model {self.name!r} needs 'gain' and 'loss' columns")
        if log.has_forced:
            raise ValueError(f"model {self.name!r} cannot fit logs with forced trials")
        return self

    def _rw_params(self, rate: Array) -> RescorlaWagnerParams:
        return RescorlaWagnerParams(alpha_pos=rate, alpha_unchosen_pos=rate, q0=0.0)

    def _step(self, carry, choice, gain, loss, values):
        rew_state, pun_state = carry
        a_rew, a_pun, r_sens, p_sens = values[0], values[1], values[2], values[3]
        obs = jnp.int32(0)
        q_sum = (self.learner.beliefs(rew_state, obs, None)
                 + self.learner.beliefs(pun_state, obs, None))
        no_rationale = Rationale(jnp.int32(0), jnp.float32(0.0), jnp.bool_(True))
        probs = self.actor.action_probs(None, q_sum, no_rationale, SoftmaxParams(beta=1.0))
        chosen = jax.nn.one_hot(choice, q_sum.shape[-1], dtype=jnp.float32)
        forced = jnp.bool_(False)
        rew_state = self.learner.update(rew_state, obs, choice, Feedback(r_sens * gain, chosen * r_sens * gain),
                                        forced, self._rw_params(a_rew))
        pun_state = self.learner.update(pun_state, obs, choice, Feedback(p_sens * loss, chosen * p_sens * loss),
                                        forced, self._rw_params(a_pun))
        return (rew_state, pun_state), probs

    def _init(self, n: int):
        state = self.learner.init(n, self._rw_params(0.0))
        return state, state

    def log_probs(self, values: Array, data: LogArrays, n_contexts: int = 1) -> Array:
        def trial(carry, x):
            carry, probs = self._step(carry, x.choice, x.gain, x.loss, values)
            return carry, jnp.log(jnp.maximum(probs, jnp.finfo(jnp.float32).tiny))

        _, log_probs = jax.lax.scan(trial, self._init(data.outcomes.shape[-1]), data)
        return log_probs

    def simulate(self, key: PRNGKey, values: Array, task: Any, n_trials: int) -> dict[str, Array]:
        """One subject on a :class:`GainLossTask`; choices drawn with ``Softmax.act``."""
        check_gain_loss_task(task)
        n = task.p_gain.shape[-1]

        def trial(carry, t):
            k = jax.random.fold_in(key, t)
            k_choice, k_gain, k_loss = jax.random.split(k, 3)
            rew_state, pun_state = carry
            q_sum = rew_state.q + pun_state.q
            no_rationale = Rationale(jnp.int32(0), jnp.float32(0.0), jnp.bool_(True))
            choice = self.actor.act(k_choice, None, q_sum, no_rationale, SoftmaxParams(beta=1.0))
            gain = (jax.random.uniform(k_gain) < task.p_gain[choice]).astype(jnp.float32)
            loss = -(jax.random.uniform(k_loss) < task.p_loss[choice]).astype(jnp.float32)
            carry, _ = self._step(carry, choice, gain, loss, values)
            return carry, (choice, gain, loss)

        _, (choice, gain, loss) = jax.lax.scan(trial, self._init(n), jnp.arange(n_trials))
        return {"choice": choice, "reward": gain + loss, "gain": gain, "loss": loss}


def bandit4arm_4par() -> RewardPunishmentModel:
    """hBayesDM ``bandit4arm_4par``: ``Arew``, ``Apun`` in [0, 1]; ``R``, ``P`` in [0, 30].

    Example:
      >>> import kdgap_sim as kd
      >>> model = kd.fitting.bandit4arm_4par()
      >>> [(p.name, p.low, p.high) for p in model.params]
      [('Arew', 0.0, 1.0), ('Apun', 0.0, 1.0), ('R', 0.0, 30.0), ('P', 0.0, 30.0)]
    """
    return RewardPunishmentModel()


register_model("bandit2arm_delta", bandit2arm_delta)
register_model("bandit4arm_4par", bandit4arm_4par)
