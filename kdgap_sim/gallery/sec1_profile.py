"""theory/THEORY.md section 1: the knowing-doing profile (bsuite-style radar) of the section-1 presets.

Each agent is scored on six axes in [0, 1] by :func:`kdgap_sim.knowing_doing_profile`
on the standard battery (5-armed Bernoulli bandit, probabilities 0.25..0.75):
exploration (final coverage), greediness, frequency bias, follow rate (given a
correct rationale), calibration (1 - Brier of the stated confidence) and
long-horizon drift of the follow rate. The paper's qualitative claims
(Schmied et al. 2025, arXiv 2504.16078) map onto the axes: the 2B-like agent
has strong frequency bias, the 27B-like little; both follow their rationale
far less than the faithful agent (64%, approx.); the greedy actor explores least.
"""

from __future__ import annotations

import jax

import kdgap_sim as kd
from kdgap_sim import plotting
from kdgap_sim.gallery.runner import comparison_table, figure_path
from kdgap_sim.profile import format_profile_table

TITLE = "Knowing-doing profiles (radar) of the LLM-like, UCB and greedy presets"
AGENTS = ("faithful-ucb", "llm-27b-like", "llm-2b-like", "greedy")


def main(quick: bool = True, out_dir: str = "kdgap_gallery") -> dict[str, float]:
    """Profiles every preset of ``AGENTS``; prints the table; saves ``sec1_profile.{png,pdf}``."""
    n_seeds, n_steps = (50, 50) if quick else (500, 100)
    key = jax.random.key(11)
    profiles = {
        name: kd.knowing_doing_profile(key, *kd.agents.profile(name), n_seeds=n_seeds, n_steps=n_steps)
        for name in AGENTS
    }
    print(f"battery: 5-armed Bernoulli bandit, {n_seeds} seeds x {n_steps} trials "
          f"(drift: {4 * n_steps} trials); mean ± s.e.")
    print(format_profile_table(profiles))
    numbers = {f"{axis}_{name}": scores[axis][0] for name, scores in profiles.items() for axis in scores}
    print(comparison_table([
        ("frequency bias, 2B-like", numbers["frequency_bias_llm-2b-like"], "strong (qualitative)"),
        ("frequency bias, 27B-like", numbers["frequency_bias_llm-27b-like"], "little (qualitative)"),
        ("follow rate, 27B-like", numbers["follow_rate_llm-27b-like"], "0.64 (approx.)"),
        ("exploration, greedy actor", numbers["exploration_greedy"], "stagnates (qualitative)"),
    ]))
    fig = plotting.profile_radar(profiles, title=f"knowing-doing profile ({n_seeds} seeds)")
    for path in plotting.save(fig, figure_path(out_dir, "sec1_profile")):
        print(f"wrote {path}")
    return numbers
