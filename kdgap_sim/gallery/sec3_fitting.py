r"""theory/THEORY.md section 3: optimism bias recovered from choices, and vanishing without agency.

Sources: Lefebvre et al. (2017), Nat. Hum. Behav. 1, 0067 (partial feedback:
:math:`\alpha_c^+ > \alpha_c^-`); Palminteri et al. (2017), PLoS Comput. Biol.
13:e1005684 (full feedback: the unchosen outcome is learned the other way,
:math:`\alpha_u^- > \alpha_u^+`); Chambon et al. (2020), Nat. Hum. Behav. 4:1067
(no asymmetry when the choice is imposed); Schubert et al. (2024), ICML,
arXiv 2402.03969 (the same three results in meta-RL agents and LLMs).

Task (theory/THEORY.md): two arms paying 0.5 or 0, four contexts with reward
probabilities 25/25, 25/75, 75/25, 75/75 %, 24 trials each (96 trials). Each
context is simulated as its own two-armed bandit (values start at
:math:`Q_0 = 0.25`, the mean payoff); the fitted models keep values per context,
so blocked and interleaved orders give the same likelihood.

Synthetic subjects are the library's four-rate learner
(``kd.agents.RescorlaWagner``) with a softmax actor, run by ``kd.rollout``.
Subject parameters are drawn around group medians on the probit scale the fits
use, :math:`\theta_i = l + (u-l)\,\Phi(\Phi^{-1}(\tfrac{m-l}{u-l}) + 0.3\,z_i)`.
The medians (:data:`CONDITIONS`) were chosen for this script: rates of 0.1-0.45
with the signs the papers report; they are not the papers' estimates.

Conditions and fits (hierarchical, NUTS, :func:`kdgap_sim.fitting.fit`):

* ``partial``: chosen outcome only, :math:`\alpha_c^+ = 0.45 > \alpha_c^- = 0.15`;
  fitted with RW± (``asymmetric-rw``).
* ``full``: both outcomes; additionally :math:`\alpha_u^- = 0.45 > \alpha_u^+ = 0.15`;
  fitted with the four-rate model (``full-feedback-rw``).
* ``no_agency``: Chambon et al. (2020)'s design: in every context, forced
  trials (the computer imposes an arm, each arm on half of them, in random
  order; the subject sees the outcome) alternate with free choices. The agent's
  agency switch updates forced trials with one rate for both signs
  (``alpha_forced = 0.3``); free choices keep the optimistic rates. Learning on
  forced trials is measured only through the free choices that follow, so
  each context has 48 trials (24 forced, 24 free) to keep the 96 free choices
  of the other conditions. Fitted with RW± plus two rates on forced trials
  (``make_model("asymmetric-rw", forced_by_sign=True)``: ``alpha_forced_pos``,
  ``alpha_forced_neg``), whose difference should be centred on 0 while the
  free-choice asymmetry is recovered. The prior of that difference is symmetric
  too (90% interval +-0.68), so the script also reports how much narrower the
  posterior interval is: a centre at 0 is only evidence if the data made it.

Reported: the posterior of each group-level asymmetry (difference of the group
medians ``mu_<rate>``) with its central 90% interval, next to the true
difference and the sign the papers report; and, in the figure, subject-level
recovery of the asymmetries.
"""

from __future__ import annotations

import dataclasses
import functools
import warnings
from typing import NamedTuple

import jax
import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from jax.scipy.special import ndtr, ndtri

import kdgap_sim as kd
from kdgap_sim import plotting
from kdgap_sim.envs.bandit import BernoulliBandit
from kdgap_sim.envs.base import Environment
from kdgap_sim.gallery.runner import comparison_table, figure_path
from kdgap_sim.types import Feedback

TITLE = "Optimism bias recovered by hierarchical fitting; it vanishes without agency (Palminteri 2017, Chambon 2020)"
CONTEXTS = ((0.25, 0.25), (0.25, 0.75), (0.75, 0.25), (0.75, 0.75))
PAYOFF = 0.5
Q0 = 0.25
SPREAD = 0.3  # subjects' standard deviation around the group median, probit scale
INTERVAL = 0.9
# Group medians mu_<rate> = Phi(mu_pr), mu_pr ~ N(0, 1), are uniform on [0, 1]; the difference D of two
# has P(|D| > d) = (1 - d)^2, so its central 90% prior interval is +-(1 - sqrt(0.1)).
PRIOR_HALF_WIDTH = 1 - np.sqrt(1 - INTERVAL)


class Condition(NamedTuple):
    """One experimental condition: feedback, trials per context, design, truth and fitted model."""

    feedback: str
    trials_per_context: int
    forced: bool
    group: dict[str, float]  # true group medians of the agent's params
    model: str
    asymmetries: tuple[tuple[str, str, str, str, str], ...]  # (rate a, rate b, key, label, paper)


CONDITIONS = {
    "partial": Condition(
        "partial", 24, False, {"alpha_pos": 0.45, "alpha_neg": 0.15, "beta": 8.0}, "asymmetric-rw",
        (("alpha_pos", "alpha_neg", "chosen", "a_c+ - a_c-", "> 0 (Lefebvre 2017)"),)),
    "full": Condition(
        "full", 24, False,
        {"alpha_pos": 0.45, "alpha_neg": 0.15, "alpha_unchosen_pos": 0.15, "alpha_unchosen_neg": 0.45,
         "beta": 8.0}, "full-feedback-rw",
        (("alpha_pos", "alpha_neg", "chosen", "a_c+ - a_c-", "> 0 (Palminteri 2017)"),
         ("alpha_unchosen_neg", "alpha_unchosen_pos", "unchosen", "a_u- - a_u+", "> 0 (Palminteri 2017)"))),
    "no_agency": Condition(
        "partial", 48, True, {"alpha_pos": 0.45, "alpha_neg": 0.15, "alpha_forced": 0.3, "beta": 8.0},
        "asymmetric-rw",
        (("alpha_pos", "alpha_neg", "free", "free choices: a+ - a-", "> 0 (Chambon 2020)"),
         ("alpha_forced_pos", "alpha_forced_neg", "forced", "forced trials: a+ - a-", "~ 0 (Chambon 2020)"))),
}
BOUNDS = {"beta": (0.0, 20.0)}  # rates: [0, 1], as in kd.fitting's native models


@dataclasses.dataclass(frozen=True)
class PayoffBandit(Environment):
    """A Bernoulli bandit whose outcomes pay ``payoff`` instead of 1 (THEORY's 0.5 or 0).

    Example:
      >>> import jax, jax.numpy as jnp
      >>> from kdgap_sim.gallery.sec3_fitting import PayoffBandit
      >>> env = PayoffBandit()
      >>> params = env.default_params().replace(probs=jnp.array([1.0, 0.0]))
      >>> obs, state = env.reset(jax.random.key(0), params)
      >>> env.step(jax.random.key(1), state, 0, params)[2].outcomes.tolist()
      [0.5, 0.0]
    """

    payoff: float = PAYOFF
    base: BernoulliBandit = BernoulliBandit(n_arms=2)

    @property
    def n_actions(self) -> int:
        return self.base.n_actions

    def default_params(self):
        return self.base.default_params()

    def validate_params(self, params, name: str = "env_params") -> None:
        self.base.validate_params(params, name)

    def reset(self, key, params):
        return self.base.reset(key, params)

    def step(self, key, state, action, params):
        obs, state, feedback = self.base.step(key, state, action, params)
        return obs, state, Feedback(feedback.reward * self.payoff, feedback.outcomes * self.payoff)

    def expected_rewards(self, state, params):
        return self.payoff * self.base.expected_rewards(state, params)


def draw_subjects(key, group: dict[str, float], n_subjects: int) -> dict[str, np.ndarray]:
    """Subject parameters around the group medians (probit scale, sd ``SPREAD``): ``{name: [S]}``."""
    out = {}
    for i, (name, median) in enumerate(group.items()):
        low, high = BOUNDS.get(name, (0.0, 1.0))
        z = jax.random.normal(jax.random.fold_in(key, i), (n_subjects,))
        out[name] = np.asarray(low + (high - low) * ndtr(ndtri((median - low) / (high - low)) + SPREAD * z))
    return out


def _agent(condition: Condition):
    predictor = kd.agents.RescorlaWagner(asymmetric=True, feedback=condition.feedback)
    return kd.agents.Agent(predictor, kd.agents.Softmax())


@functools.partial(jax.jit, static_argnames=("agent", "n_trials"))
def _block(key, probs, values, forced_actions, *, agent, n_trials):
    """One subject in one context: ``kd.rollout`` on a :class:`PayoffBandit` (``forced_actions``: -1 = free)."""
    env = PayoffBandit()
    params = agent.default_params().replace(q0=Q0, **values)
    return kd.rollout(key, env, env.default_params().replace(probs=probs), agent, params, n_trials,
                      record="trajectory", forced_actions=forced_actions)


def simulate_log(key, condition: Condition, truth: dict[str, np.ndarray]) -> kd.fitting.ChoiceLog:
    """Runs every subject in every context with ``kd.rollout``; returns the validated choice log."""
    agent = _agent(condition)
    n_subjects, n_trials = len(next(iter(truth.values()))), condition.trials_per_context
    n_contexts = len(CONTEXTS)
    if condition.forced:  # odd trials free; even trials impose each arm on half of them, random order
        arms = jnp.arange(n_trials // 2) % 2
        keys = jax.random.split(jax.random.fold_in(key, 1), n_subjects * n_contexts)
        orders = np.asarray(jax.vmap(lambda k: jax.random.permutation(k, arms))(keys))
        orders = orders.reshape(n_subjects, n_contexts, -1)
        forced = np.stack([orders, np.full_like(orders, -1)], axis=-1).reshape(n_subjects, n_contexts, -1)
    else:
        forced = np.full((n_subjects, n_contexts, n_trials), -1, np.int32)
    blocks = []
    for s in range(n_subjects):  # a loop of one compiled block: compiles faster than vmap(vmap(rollout))
        keys = kd.seed_keys(jax.random.fold_in(key, s + 2), n_contexts)
        values = {k: np.float32(v[s]) for k, v in truth.items()}
        blocks.append([_block(keys[c], np.asarray(CONTEXTS[c], np.float32), values, forced[s, c],
                              agent=agent, n_trials=n_trials) for c in range(n_contexts)])
    out = jax.tree.map(lambda *x: np.stack(x).reshape(n_subjects, n_contexts, *x[0].shape), *sum(blocks, []))
    shape = (n_subjects * n_contexts * n_trials,)
    data = {
        "subject": np.repeat(np.arange(n_subjects), n_contexts * n_trials),
        "trial": np.tile(np.arange(1, n_contexts * n_trials + 1), n_subjects),
        "context": np.tile(np.repeat(np.arange(n_contexts), n_trials), n_subjects),
        "choice": np.asarray(out.action).reshape(shape),
        "reward": np.asarray(out.reward).reshape(shape),
        "forced": np.asarray(out.forced).reshape(shape).astype(int),
    }
    if condition.feedback == "full":
        for a in range(2):
            data[f"outcome_{a}"] = np.asarray(out.outcomes[..., a]).reshape(shape)
    return kd.fitting.ChoiceLog.from_dataframe(pd.DataFrame(data), n_actions=2, choice_base=0,
                                               source=f"simulated {condition.feedback}")


def fit_condition(key, condition: Condition, log, settings: dict):
    """Hierarchical NUTS fit of the condition's model; convergence warnings are kept for the report."""
    model = kd.fitting.make_model(condition.model, q0=Q0, forced_by_sign=condition.forced)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", kd.fitting.FitWarning)
        return kd.fitting.fit(key, log, model, hierarchical=True, **settings)


def _draws(idata, name: str) -> np.ndarray:
    return np.asarray(idata.posterior[name]).reshape(-1, *idata.posterior[name].shape[2:])


def asymmetry_summary(idata, condition: Condition, truth: dict[str, np.ndarray]) -> dict[str, dict]:
    """Per asymmetry: group-level posterior (mean, 90% interval, P(> 0)), truth, subject recovery."""
    true_group = {**condition.group}
    if condition.forced:
        true_group.update(alpha_forced_pos=condition.group["alpha_forced"],
                          alpha_forced_neg=condition.group["alpha_forced"])
        truth = {**truth, "alpha_forced_pos": truth["alpha_forced"], "alpha_forced_neg": truth["alpha_forced"]}
    out = {}
    for a, b, key, label, paper in condition.asymmetries:
        group = _draws(idata, f"mu_{a}") - _draws(idata, f"mu_{b}")
        mean, low, high = plotting.interval_from_samples(group, INTERVAL, axis=0)
        subjects = _draws(idata, a) - _draws(idata, b)  # [draws, subjects]
        s_mean, s_low, s_high = plotting.interval_from_samples(subjects, INTERVAL, axis=0)
        out[label] = {
            "key": key, "mean": float(mean), "low": float(low), "high": float(high),
            "prob_positive": float((group > 0).mean()), "true": true_group[a] - true_group[b],
            "paper": paper, "subject_true": truth[a] - truth[b],
            "subject_mean": s_mean, "subject_low": s_low, "subject_high": s_high,
        }
    return out


def _forest(ax, results: dict[str, dict[str, dict]]) -> None:
    rows = [(cond, label, r) for cond, per in results.items() for label, r in per.items()]
    for y, (cond, label, r) in enumerate(rows):
        color = plotting.color(list(results).index(cond))
        ax.plot([r["low"], r["high"]], [y, y], color=color, lw=2.5)
        ax.plot(r["mean"], y, "o", color=color, ms=6, label="posterior mean, 90% CrI" if y == 0 else None)
        ax.plot(r["true"], y, "x", color="black", ms=8, mew=2, label="true" if y == 0 else None)
    ax.axvline(0, color="0.5", lw=1, ls=":")
    ax.set_yticks(range(len(rows)), [f"{cond}: {label}" for cond, label, _ in rows])
    ax.invert_yaxis()
    ax.set_xlabel("group-level asymmetry (difference of median rates)")
    ax.set_title("group asymmetries: posterior vs truth", loc="left")
    plotting.style.finish_axes(ax, legend=True)


def _no_agency_panel(ax, per: dict[str, dict]) -> None:
    """Per subject: free-choice and forced-trial asymmetries (90% CrI) against the free one's truth."""
    free, forced = per.values()
    x = free["subject_true"]
    for offset, (r, name, index) in enumerate(((free, "free choices", 2), (forced, "forced trials", 4))):
        ax.errorbar(x + 0.004 * offset, r["subject_mean"],
                    yerr=[r["subject_mean"] - r["subject_low"], r["subject_high"] - r["subject_mean"]],
                    fmt="o", ms=3, lw=0.8, color=plotting.color(index), label=f"{name} (true: "
                    + ("x = y" if offset == 0 else "0") + ")")
    span = [x.min(), x.max()]
    ax.plot(span, span, color="0.4", ls=":", lw=1)
    ax.axhline(0, color="0.5", lw=1, ls=":")
    ax.set_xlabel("true free-choice asymmetry a+ - a- of the subject")
    ax.set_ylabel("posterior mean (90% CrI)")
    ax.set_title("no agency, per subject: a+ - a- on free vs forced trials", loc="left")
    plotting.style.finish_axes(ax, legend=True)


def main(quick: bool = True, out_dir: str = "kdgap_gallery") -> dict[str, float]:
    """Simulates, fits and reports the three conditions; saves ``sec3_fitting.{png,pdf}``."""
    key = jax.random.key(31)
    n_subjects = 8 if quick else 24
    settings = dict(num_warmup=100, num_samples=100, num_chains=1, max_tree_depth=6) if quick else \
        dict(num_warmup=500, num_samples=500, num_chains=2)
    numbers: dict[str, float] = {}
    results: dict[str, dict[str, dict]] = {}
    rows = []
    for c, (name, condition) in enumerate(CONDITIONS.items()):
        k_truth, k_sim, k_fit = jax.random.split(jax.random.fold_in(key, c), 3)
        truth = draw_subjects(k_truth, condition.group, n_subjects)
        log = simulate_log(k_sim, condition, truth)
        idata = fit_condition(k_fit, condition, log, settings)
        attrs = idata.posterior.attrs
        results[name] = asymmetry_summary(idata, condition, truth)
        numbers[f"{name}_n_divergent"] = float(attrs["n_divergent"])
        numbers[f"{name}_min_ess_bulk"] = float(attrs["min_ess_bulk"])
        numbers[f"{name}_fit_seconds"] = float(attrs["fit_seconds"])
        for label, r in results[name].items():
            slug = f"{name}_{r['key']}_asymmetry"
            for field in ("mean", "low", "high", "prob_positive", "true"):
                numbers[f"{slug}_{field}"] = r[field]
            rows.append((f"{name}: {label}, true {r['true']:+.2f} -> posterior [90% CrI]",
                         f"{r['mean']:+.3f} [{r['low']:+.3f}, {r['high']:+.3f}]", r["paper"]))
        rhat = attrs["max_rhat"]
        print(f"{name}: {log}; {condition.model}{' (forced_by_sign)' if condition.forced else ''}, "
              f"{attrs['n_chains']:.0f} chain(s) x ({settings['num_warmup']} + {settings['num_samples']}), "
              f"{attrs['fit_seconds']:.1f} s, divergences {attrs['n_divergent']:.0f}, "
              f"min bulk ESS {attrs['min_ess_bulk']:.0f}" + (f", max R-hat {rhat:.3f}" if np.isfinite(rhat) else ""))
    print(f"{n_subjects} simulated subjects per condition; group medians: "
          + "; ".join(f"{n}: " + ", ".join(f"{k}={v:g}" for k, v in c.group.items()) for n, c in CONDITIONS.items()))
    print(comparison_table(rows))
    forced = results["no_agency"]["forced trials: a+ - a-"]
    numbers["forced_interval_width_over_prior"] = (forced["high"] - forced["low"]) / (2 * PRIOR_HALF_WIDTH)
    print(f"prior 90% interval of every group asymmetry: +-{PRIOR_HALF_WIDTH:.3f} (difference of two uniform "
          f"medians); the forced-trial posterior interval is "
          f"{numbers['forced_interval_width_over_prior']:.2f} of its width: the data, not the symmetric prior, "
          "centre it on 0")
    signs_ok = all(r["low"] > 0 if r["true"] > 0 else r["low"] <= 0 <= r["high"]
                   for per in results.values() for r in per.values())
    numbers["all_signs_as_paper"] = float(signs_ok)
    print(("every 90% interval has the paper's sign (excludes 0 where the paper finds an asymmetry, "
           "covers 0 without agency)") if signs_ok else
          "NOT every 90% interval has the paper's sign" + (" (quick mode: few subjects, short chains; "
                                                             "run without --quick)" if quick else ""))

    fig, axes = plt.subplots(2, 2, figsize=(11, 8), constrained_layout=True)
    _forest(axes[0, 0], results)
    for ax, (name, i) in zip(axes.ravel()[1:3], [("partial", 0), ("full", 1)]):
        label, r = list(results[name].items())[i]
        plotting.recovery_scatter(r["subject_true"], r["subject_mean"], r["subject_low"], r["subject_high"],
                                  f"{name}: {label}", INTERVAL, ax=ax, index=list(CONDITIONS).index(name))
    _no_agency_panel(axes[1, 1], results["no_agency"])
    fig.suptitle("Asymmetric learning rates recovered from simulated choices (hierarchical NUTS)", fontsize=11)
    for path in plotting.save(fig, figure_path(out_dir, "sec3_fitting")):
        print(f"wrote {path}")
    plt.close(fig)
    return numbers
