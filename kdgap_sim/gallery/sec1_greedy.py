"""theory/THEORY.md section 1: greedy LLM-like agents, the knowing-doing gap, coverage, frequency bias.

Schmied et al. (2025), "LLMs are Greedy Agents", arXiv 2504.16078. Setting: a
10-armed Bernoulli bandit (probabilities evenly spaced 0.25..0.75, best arm
last), horizon 50 (approx. the paper's). Agents (``kd.agents.profile``):

- ``llm-2b-like``: rationale (UCB1) wrong 13% of the time, followed 40%, else
  a softmax with strong frequency bias (copies its context);
- ``llm-27b-like``: same rationale, followed 64%, weak frequency bias;
- ``knowing-doing-ucb``: correct UCB1 rationale followed 64%, else greedy;
- ``faithful-ucb``: UCB1, always followed; ``greedy``: acts greedily on means.

Printed: rationale correctness and follow rate (paper: 87% vs 64%, approx.),
the share of arms never tried (paper: up to 55%), and the frequency bias of the
2B-like vs the 27B-like agent (paper: strong vs little). The RL fine-tuning
part of the section (closing the gap) is a separate script.
"""

from __future__ import annotations

import jax
import matplotlib.pyplot as plt
import numpy as np

import kdgap_sim as kd
from kdgap_sim import plotting
from kdgap_sim.gallery.runner import comparison_table, figure_path

TITLE = "Greedy LLM-like agents: 87%-vs-64% gap, coverage stagnation, frequency bias (Schmied et al. 2025)"
AGENTS = ("llm-2b-like", "llm-27b-like", "knowing-doing-ucb", "faithful-ucb", "greedy")
N_ARMS = 10
N_STEPS = 50
REPEATS = tuple(range(0, 21, 2))
BIAS_AGENTS = ("llm-2b-like", "llm-27b-like", "faithful-ucb")


def main(quick: bool = True, out_dir: str = "kdgap_gallery") -> dict[str, float]:
    """Runs the section-1 study; prints ours vs the paper's numbers; saves ``sec1_greedy.{png,pdf}``."""
    n_seeds = 200 if quick else 2000
    key = jax.random.key(1)
    env = kd.envs.make("bernoulli-bandit", n_arms=N_ARMS)
    env_params = env.default_params()
    results, regret, coverage, bias_curves = {}, {}, {}, {}
    for name in AGENTS:
        agent, params = kd.agents.profile(name)
        out = kd.rollout_batch(key, env, env_params, agent, params, N_STEPS, n_seeds, record="trajectory")
        results[name] = {m: kd.metrics.mean_and_se(v) for m, v in kd.metrics.describe(out).items()}
        regret[name] = plotting.trajectory_curve(out, "regret")
        coverage[name] = {"coverage_curve": plotting.trajectory_curve(out, "coverage").mean(0)}
        if name in BIAS_AGENTS:
            curve = kd.metrics.frequency_bias_curve(jax.random.fold_in(key, 1), agent, params, N_ARMS, REPEATS)
            bias_curves[name] = np.asarray(curve)

    def bias(name: str) -> float:
        return float(bias_curves[name][-1] - bias_curves[name][0])

    numbers = {
        "rationale_correct_27b": results["llm-27b-like"]["rationale_correct"][0],
        "follow_given_correct_27b": results["llm-27b-like"]["follow_given_correct"][0],
        "follow_given_correct_2b": results["llm-2b-like"]["follow_given_correct"][0],
        "never_tried_greedy": 1.0 - results["greedy"]["coverage"][0],
        "never_tried_27b": 1.0 - results["llm-27b-like"]["coverage"][0],
        "frequency_bias_2b": bias("llm-2b-like"),
        "frequency_bias_27b": bias("llm-27b-like"),
        "regret_greedy": results["greedy"]["regret"][0],
        "regret_faithful": results["faithful-ucb"]["regret"][0],
    }
    print(f"{N_ARMS}-armed Bernoulli bandit, T = {N_STEPS}, {n_seeds} seeds")
    print(comparison_table([
        ("rationale correct (27B-like)", numbers["rationale_correct_27b"], "0.87 (approx.)"),
        ("follows correct rationale (27B-like)", numbers["follow_given_correct_27b"], "0.64 (approx.)"),
        ("follows correct rationale (2B-like)", numbers["follow_given_correct_2b"], "lower than 27B"),
        ("arms never tried (greedy actor)", numbers["never_tried_greedy"], "up to 0.55 (approx.)"),
        ("arms never tried (27B-like)", numbers["never_tried_27b"], "stagnates (qualitative)"),
        ("frequency bias f(20) - f(0), 2B-like", numbers["frequency_bias_2b"], "strong (qualitative)"),
        ("frequency bias f(20) - f(0), 27B-like", numbers["frequency_bias_27b"], "little (qualitative)"),
    ]))
    print("note: the 27B-like follow rate exceeds its follow_prob 0.64 because the fallback "
          "sometimes picks the rationale's arm by itself; its UCB rationales, followed 64% of "
          "the time, keep its coverage high, so coverage stagnation here comes from the greedy actor.")

    fig, axes = plt.subplots(2, 2, figsize=(11, 7.4), constrained_layout=True)
    plotting.gap_bars(results, ax=axes[0, 0])
    plotting.coverage_curves(coverage, ax=axes[0, 1])
    plotting.learning_curves(regret, ylabel="cumulative regret (expected reward)", ax=axes[1, 0])
    plotting.frequency_bias_curves(
        bias_curves, REPEATS, n_actions=N_ARMS, ax=axes[1, 1],
    )
    fig.suptitle(f"Knowing-doing gap of LLM-like agents ({N_ARMS}-armed bandit, T = {N_STEPS}, "
                 f"{n_seeds} seeds)", fontsize=11)
    for path in plotting.save(fig, figure_path(out_dir, "sec1_greedy")):
        print(f"wrote {path}")
    return numbers
