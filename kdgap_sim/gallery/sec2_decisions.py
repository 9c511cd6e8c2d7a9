"""theory/THEORY.md section 2: accurate on average, wrong where it matters.

Anand, Sawant, Reinhardt, Gros (2025), "All AI Models are Wrong, but Some are
Optimal", arXiv 2501.06086.

1. The protect-or-not example (``kd.decisions.protect_or_not_problem``):
   protecting costs 1, not protecting 100 if the event occurs; 5% of states
   are critical (p = 0.05), the rest have p = 0.001. A predictor saying 0.001
   everywhere has a tiny MSE but pays 2.4x the optimal cost. THEORY's numbers
   were simulated; ours are exact expectations (``kd.decisions.evaluate``), so
   they differ in the third decimal (0.345 vs 0.349, 0.145 vs 0.146).
   Also: the decision-critical states, policy equivalence and decision
   calibration of that predictor.
2. Training by MSE vs by decision loss
   (``decisions.training.sweep_critical_fraction``): a logistic predictor that
   cannot fit the problem exactly; the MSE fit wins on MSE and loses on regret
   as soon as the critical states carry weight: the two objectives rank the
   two predictors in opposite orders.
"""

from __future__ import annotations

import jax
import matplotlib.pyplot as plt
import numpy as np

import kdgap_sim as kd
from kdgap_sim import plotting
from kdgap_sim.decisions import training as decision_training
from kdgap_sim.gallery.runner import comparison_table, figure_path

TITLE = "Low MSE, high regret; MSE vs decision-loss training rank predictors oppositely (Anand et al. 2025)"
FRACTIONS = (0.0, 0.01, 0.02, 0.05, 0.1, 0.2)


def main(quick: bool = True, out_dir: str = "kdgap_gallery") -> dict[str, float]:
    """Runs both parts; prints ours vs THEORY; saves ``sec2_decisions.{png,pdf}``."""
    problem = kd.decisions.protect_or_not_problem(critical_fraction=0.05)
    flat = [0.001, 0.001]
    report = kd.decisions.evaluate(problem, flat)
    critical = kd.decisions.decision_critical_states(problem, flat, error=0.02)
    equivalent = kd.decisions.policy_equivalence(problem, flat).holds
    calibration = kd.decisions.decision_calibration(problem, flat)
    numbers = {
        "mse": report.mse, "expected_cost": report.expected_loss, "optimal_cost": report.optimal_loss,
        "regret": report.regret, "cost_ratio": report.expected_loss / report.optimal_loss,
        "wrong_state_weight": float(critical.wrong.weight), "policy_equivalent": float(equivalent),
        "decision_calibration_gap": float(calibration.gap),
    }
    print("protect-or-not: predictor says 0.001 everywhere (exact expectations)")
    print(comparison_table([
        ("MSE", numbers["mse"], "1.2e-4 (derived)"),
        ("expected cost of acting on it", numbers["expected_cost"], "0.349 (simulated)"),
        ("optimal expected cost", numbers["optimal_cost"], "0.146 (simulated)"),
        ("regret per decision", numbers["regret"], "0.203 (simulated)"),
        ("cost / optimal cost", numbers["cost_ratio"], "2.4x (derived)"),
        ("weight of states decided wrongly", numbers["wrong_state_weight"], "0.05 (critical states)"),
        ("policy equivalent (1 = yes)", int(equivalent), "no"),
        ("decision-calibration gap", numbers["decision_calibration_gap"], "> 0: not calibrated"),
    ]))

    n_steps, n_samples = (400, 5000) if quick else (2000, 20000)
    key = jax.random.key(2)
    rows = decision_training.sweep_critical_fraction(key, FRACTIONS, n_steps=n_steps, n_samples=n_samples)
    at = {row["fraction"]: row for row in rows}
    chosen = at[0.05]
    numbers.update({
        "mse_of_mse_fit": chosen["mse_of_mse_fit"], "mse_of_decision_fit": chosen["mse_of_decision_fit"],
        "regret_of_mse_fit": chosen["regret_of_mse_fit"],
        "regret_of_decision_fit": chosen["regret_of_decision_fit"],
        "share_disagree": float(np.mean([row["disagree"] for row in rows if row["fraction"] > 0])),
        "disagree_at_zero": at[0.0]["disagree"],
    })
    print(f"training a logistic predictor by MSE vs by decision loss ({n_samples} samples, "
          f"{n_steps} Adam steps; critical fraction 0.05)")
    print(comparison_table([
        ("MSE of the MSE fit", numbers["mse_of_mse_fit"], "lower"),
        ("MSE of the decision fit", numbers["mse_of_decision_fit"], "higher"),
        ("regret of the MSE fit", numbers["regret_of_mse_fit"], "higher"),
        ("regret of the decision fit", numbers["regret_of_decision_fit"], "lower"),
        ("share of fractions > 0 where rankings disagree", numbers["share_disagree"],
         "disagree (qualitative)"),
        ("rankings disagree with no critical states", numbers["disagree_at_zero"], "(no reason to)"),
    ]))

    fig, axes = plt.subplots(1, 3, figsize=(14, 4.2), constrained_layout=True)
    q_critical = np.linspace(0.0, 0.1, 201)
    reports = [kd.decisions.evaluate(problem, [0.001, q]) for q in q_critical]
    ax = axes[0]
    ax.plot(q_critical, [r.mse * 1e4 for r in reports], color=plotting.color(0), label="MSE x 1e4")
    ax.plot(q_critical, [r.regret for r in reports], color=plotting.color(1), label="regret per decision")
    ax.axvline(0.05, color="0.5", ls=":", lw=1)
    ax.axvline(0.01, color="0.5", ls="--", lw=1)
    ax.set_xlabel("predicted P(event), critical states (truth 0.05; threshold dashed)")
    ax.set_ylabel("MSE x 1e4 / regret (cost units)")
    ax.set_title("accuracy and regret part at the threshold", loc="left")
    plotting.style.finish_axes(ax, legend=True)

    fractions = np.array([row["fraction"] for row in rows])
    for i, (fit, label) in enumerate((("mse_fit", "trained by MSE"), ("decision_fit", "trained by decision loss"))):
        axes[1].plot(fractions, [row[f"mse_of_{fit}"] for row in rows], marker="o",
                     color=plotting.color(i), label=label)
        axes[2].plot(fractions, [row[f"regret_of_{fit}"] for row in rows], marker="o",
                     color=plotting.color(i), label=label)
    axes[1].set_ylabel("MSE of P(event)")
    axes[1].set_title("MSE ranks the MSE fit first", loc="left")
    axes[2].set_ylabel("regret per decision (cost units)")
    axes[2].set_title("regret ranks the decision fit first", loc="left")
    for ax in axes[1:]:
        ax.set_xlabel("weight of the critical states")
        plotting.style.finish_axes(ax, legend=True)
    fig.suptitle("Accurate on average, wrong where it matters (Anand et al. 2025)", fontsize=11)
    for path in plotting.save(fig, figure_path(out_dir, "sec2_decisions")):
        print(f"wrote {path}")
    return numbers
