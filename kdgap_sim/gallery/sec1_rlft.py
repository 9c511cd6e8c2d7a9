"""theory/THEORY.md section 1, RL fine-tuning part: RLFT narrows the knowing-doing gap.

Schmied et al. (2025), "LLMs are Greedy Agents: Effects of RL Fine-tuning on
Decision-Making Abilities", arXiv 2504.16078: fine-tuning with a PPO-style
clipped objective, a KL penalty to the reference, a penalty for invalid
outputs and a bonus for untried actions raises coverage, lowers regret and
narrows the gap.

Here (``kdgap_sim.training``, docs/training.md): the reference actor is
greedy, frequency-biased and low-follow: ``RationaleFollowing(FrequencyBiased(20))``
with follow_prob 0.1, beta 20, kappa 3, and 5% invalid outputs, acting on a
UCB (c = 0.2) rationale on 10-armed Bernoulli bandits, p ~ U(0.05, 0.95), 50
trials. It is fine-tuned with PPO-clip + KL (``training.train``) and compared
with its reference on held-out bandits (``training.compare``: same bandits
and keys for both, paired 95% intervals of the differences).
"""

from __future__ import annotations

import jax
import matplotlib.pyplot as plt
import numpy as np

import kdgap_sim as kd
from kdgap_sim import plotting, training
from kdgap_sim.gallery.runner import comparison_table, figure_path

TITLE = "RL fine-tuning of a greedy, frequency-biased actor: follow rate and coverage up, regret down (Schmied et al. 2025)"
SHOWN = ("follow", "coverage", "regret", "gap")
LABELS = {"follow": "follow rate", "coverage": "action coverage C_T", "regret": "cumulative regret",
          "gap": "gap: P(correct, not followed)"}
CLAIMS = {"follow": "raised", "coverage": "raised", "regret": "lowered", "gap": "narrowed"}


def main(quick: bool = True, out_dir: str = "kdgap_gallery") -> dict[str, float]:
    """Trains and evaluates; prints before/after vs the paper; saves ``sec1_rlft.{png,pdf}``."""
    n_updates, n_envs, n_eval = (20, 32, 256) if quick else (60, 64, 1024)
    reference = kd.agents.RationaleFollowing(fallback=kd.agents.FrequencyBiased(context_window=20))
    ref_params = reference.default_params().replace(follow_prob=0.1, beta=20.0, kappa=3.0)
    config = training.RLFTConfig(algorithm="ppo", n_arms=10, n_steps=50, n_envs=n_envs, n_updates=n_updates)
    result = training.train(jax.random.key(11), config, reference, ref_params, invalid_prob=0.05)
    table = training.compare(jax.random.key(987), (result.actor, result.reference_params),
                             (result.actor, result.params), config, n_envs=n_eval)
    numbers: dict[str, float] = {}
    rows = []
    for name in SHOWN:
        row = table[name]
        for field in ("before", "after", "diff", "diff_low", "diff_high"):
            numbers[f"{name}_{field}"] = row[field]
        rows.append((f"{LABELS[name]}: before -> after",
                     f"{row['before']:.3f} -> {row['after']:.3f}", CLAIMS[name] + " (qualitative)"))
        rows.append(("  difference [95% paired interval]",
                     f"{row['diff']:+.3f} [{row['diff_low']:+.3f}, {row['diff_high']:+.3f}]", ""))
    print(f"PPO-clip + KL, {n_updates} updates of {n_envs} bandits; evaluated on {n_eval} held-out "
          "bandits (10 arms, 50 trials)")
    print(comparison_table(rows))

    fig, axes = plt.subplots(1, 2, figsize=(12, 4.3), constrained_layout=True,
                             gridspec_kw={"width_ratios": [1.3, 1]})
    updates = np.arange(1, n_updates + 1)
    ax_regret = axes[0].twinx()
    for i, name in enumerate(("follow", "coverage")):
        axes[0].plot(updates, result.history[name], color=plotting.color(i), label=LABELS[name])
    ax_regret.plot(updates, result.history["regret"], color=plotting.color(2), ls="--",
                   label="regret (right axis)")
    axes[0].set_xlabel("update")
    axes[0].set_ylabel("follow rate / coverage (training batch)")
    ax_regret.set_ylabel("cumulative regret (expected reward)")
    axes[0].set_title("during fine-tuning", loc="left")
    lines = axes[0].get_lines() + ax_regret.get_lines()
    axes[0].legend(lines, [line.get_label() for line in lines], frameon=False, fontsize="small")
    x = np.arange(len(SHOWN))
    width = 0.38
    for j, field in enumerate(("before", "after")):
        values = [table[n][field] / (table["regret"]["before"] if n == "regret" else 1.0) for n in SHOWN]
        axes[1].bar(x + (j - 0.5) * width, values, width, color=plotting.color(j + 3),
                    label={"before": "reference", "after": "fine-tuned"}[field])
    for k, name in enumerate(SHOWN):
        scale = table["regret"]["before"] if name == "regret" else 1.0
        low, high = table[name]["before"] + table[name]["diff_low"], table[name]["before"] + table[name]["diff_high"]
        after = table[name]["after"]
        axes[1].errorbar([k + 0.5 * width], [after / scale], yerr=[[(after - low) / scale], [(high - after) / scale]],
                         fmt="none", color="k", capsize=3)
    axes[1].set_xticks(x, ["follow", "coverage", "regret\n(/ reference)", "gap"])
    axes[1].set_ylabel("held-out mean (bars: paired 95% CI)")
    axes[1].set_title(f"before vs after, {n_eval} held-out bandits", loc="left")
    for ax in axes:
        plotting.style.finish_axes(ax, legend=ax is axes[1])
    fig.suptitle("RL fine-tuning narrows the knowing-doing gap (Schmied et al. 2025)", fontsize=11)
    for path in plotting.save(fig, figure_path(out_dir, "sec1_rlft")):
        print(f"wrote {path}")
    return numbers
