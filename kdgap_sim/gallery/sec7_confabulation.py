"""theory/THEORY.md section 7: confident confabulation on Alice in Wonderland (AIW) problems.

Nezhurina, Cipolina-Kun, Cherti, Jitsev (2024), "Alice in Wonderland: Simple
Tasks Showing Complete Reasoning Breakdown in State-Of-the-Art Large Language
Models", arXiv 2406.02061.

"Alice has N brothers and she also has M sisters. How many sisters does
Alice's brother have?" (answer M + 1), variations (N, M) = (3, 6), (4, 2),
(1, 4), (4, 1), 60 trials each as in the paper's main figure.

SIMULATED DATA: there is no LLM here. A confidently confabulating agent is
simulated per trial: with a variation-dependent probability (the variations
are equally hard, yet its success rate fluctuates) it reasons correctly
(rationale and answer M + 1); otherwise it answers with a typical wrong
shortcut (M, N + M or N; M - 1 where a shortcut would equal M + 1, as N + M
does for N = 1) and writes a rationale whose computed result is drawn
independently of that answer (M + 1, M or N + M): explanation and answer do
not match. Its stated confidence is ~Beta(19, 1) (mean 0.95) whether right or
wrong. A faithful, calibrated reference agent with the same success rates
answers what its rationale computes and states its success rate.

Analysed with ``kd.metrics.variation_report`` (accuracy with 95% Wilson
intervals, overconfidence, Brier) and ``kd.metrics.rationale_faithfulness``
(agreement of answer and rationale, and U(answer | rationale)).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import kdgap_sim as kd
from kdgap_sim import plotting
from kdgap_sim.gallery.runner import comparison_table, figure_path

TITLE = "Confident confabulation on AIW variations: fluctuating accuracy, high confidence, unfaithful rationales (Nezhurina et al. 2024)"
VARIATIONS = ((3, 6), (4, 2), (1, 4), (4, 1))
SUCCESS = (0.55, 0.15, 0.40, 0.05)  # simulated per-variation success rates of the agent
CONFIDENCE_BETA = (19.0, 1.0)


def simulate_log(key, n_trials: int, faithful: bool = False) -> pd.DataFrame:
    """One row per trial: variation, answer, rationale's answer, correct, confidence (simulated)."""
    n, m = (np.repeat(np.array(c), n_trials) for c in zip(*VARIATIONS))
    success = np.repeat(np.array(SUCCESS), n_trials)
    k_ok, k_answer, k_rationale, k_conf = jax.random.split(key, 4)
    size = n.size
    ok = np.asarray(jax.random.uniform(k_ok, (size,))) < success
    wrong_answers = np.stack([m, n + m, n], axis=1)
    # A shortcut that happens to give M + 1 (N + M for N = 1) is not wrong: M - 1 takes its place.
    wrong_answers = np.where(wrong_answers == (m + 1)[:, None], (m - 1)[:, None], wrong_answers)
    wrong_rationales = np.stack([m + 1, m, n + m], axis=1)
    pick = np.asarray(jax.random.randint(k_answer, (size,), 0, 3))
    answer = np.where(ok, m + 1, wrong_answers[np.arange(size), pick])
    rationale = np.where(ok, m + 1, wrong_rationales[np.arange(size), np.asarray(
        jax.random.randint(k_rationale, (size,), 0, 3))])
    if faithful:
        rationale, confidence = answer, success
    else:
        confidence = np.asarray(jax.random.beta(k_conf, *CONFIDENCE_BETA, (size,), jnp.float32))
    return pd.DataFrame({
        "variation": [f"N={a},M={b}" for a, b in zip(n, m)], "answer": answer, "rationale_answer": rationale,
        "correct": (answer == m + 1).astype(int), "confidence": np.clip(confidence, 0.0, 1.0),
    })


def main(quick: bool = True, out_dir: str = "kdgap_gallery") -> dict[str, float]:
    """Simulates and analyses the logs; prints the table; saves ``sec7_confabulation.{png,pdf}``."""
    n_trials = 60  # as in the paper's main figure; the simulation is cheap in both modes
    key = jax.random.key(7)
    logs = {"confabulating": simulate_log(jax.random.fold_in(key, 0), n_trials),
            "faithful, calibrated": simulate_log(jax.random.fold_in(key, 0), n_trials, faithful=True)}
    reports = {name: kd.metrics.variation_report(log) for name, log in logs.items()}
    faith = {name: kd.metrics.rationale_faithfulness(log["rationale_answer"].to_numpy(), log["answer"].to_numpy())
             for name, log in logs.items()}
    report = reports["confabulating"]
    print("SIMULATED DATA (no LLM here): a confidently confabulating agent, "
          f"{n_trials} trials per AIW variation; correct answer M + 1")
    print(report.round(3).to_string())
    per_variation = report.drop(index="all")
    numbers: dict[str, float] = {}
    rows = []
    for label, row in per_variation.iterrows():
        key_label = label.replace("=", "").replace(",", "_")
        numbers[f"accuracy_{key_label}"] = float(row["accuracy"])
        rows.append((f"accuracy {label} [95% Wilson]",
                     f"{row['accuracy']:.2f} [{row['ci_low']:.2f}, {row['ci_high']:.2f}]",
                     "fluctuates across equal-difficulty variations"))
    best, worst = per_variation["accuracy"].idxmax(), per_variation["accuracy"].idxmin()
    numbers["accuracy_spread"] = float(per_variation["accuracy"].max() - per_variation["accuracy"].min())
    numbers["intervals_disjoint"] = float(per_variation.loc[worst, "ci_high"] < per_variation.loc[best, "ci_low"])
    numbers["accuracy_all"] = float(report.loc["all", "accuracy"])
    numbers["mean_confidence"] = float(report.loc["all", "mean_confidence"])
    numbers["overconfidence"] = float(report.loc["all", "overconfidence"])
    wrong = logs["confabulating"]["correct"] == 0
    numbers["mean_confidence_when_wrong"] = float(logs["confabulating"].loc[wrong, "confidence"].mean())
    for name, short in (("confabulating", "confabulating"), ("faithful, calibrated", "faithful")):
        numbers[f"agreement_{short}"] = faith[name]["agreement"]
        numbers[f"determination_{short}"] = faith[name]["determination"]
        numbers[f"overconfidence_{short}"] = float(reports[name].loc["all", "overconfidence"])
    c = faith["confabulating"]
    wrong_log = logs["confabulating"][wrong]
    cw = kd.metrics.rationale_faithfulness(wrong_log["rationale_answer"].to_numpy(), wrong_log["answer"].to_numpy())
    numbers["agreement_when_wrong"], numbers["determination_when_wrong"] = cw["agreement"], cw["determination"]
    rows += [
        (f"best - worst variation ({best} vs {worst})", numbers["accuracy_spread"], "large (qualitative)"),
        ("their 95% intervals disjoint (1 = yes)", int(numbers["intervals_disjoint"]), "(real fluctuation)"),
        ("accuracy, all variations", numbers["accuracy_all"], "collapse: low (qualitative)"),
        ("mean stated confidence / when wrong",
         f"{numbers['mean_confidence']:.2f} / {numbers['mean_confidence_when_wrong']:.2f}", "high: confident"),
        ("overconfidence (confidence - accuracy)", numbers["overconfidence"], "> 0, large"),
        (f"answer = rationale's answer [{c['agreement_low']:.2f}, {c['agreement_high']:.2f}]",
         c["agreement"], "explanations do not match"),
        ("U(answer | rationale), confabulating*", c["determination"], "< 1: rationale does not determine"),
        ("  among wrong answers: agreement / U", f"{cw['agreement']:.2f} / {cw['determination']:.2f}",
         "low: explanation unrelated*"),
        ("U(answer | rationale), faithful reference", numbers["determination_faithful"], "1 (by construction)"),
    ]
    print(comparison_table(rows))
    print("* U is inflated: answer and rationale both depend on (N, M), and the plug-in estimate is biased up")

    fig, axes = plt.subplots(1, 3, figsize=(14, 4.2), constrained_layout=True)
    x = np.arange(len(per_variation))
    err = np.stack([per_variation["accuracy"] - per_variation["ci_low"],
                    per_variation["ci_high"] - per_variation["accuracy"]])
    axes[0].bar(x, per_variation["accuracy"], yerr=err, capsize=4, color=plotting.color(0), label="accuracy (95% CI)")
    axes[0].plot(x, per_variation["mean_confidence"], "D", color=plotting.color(1), label="mean stated confidence")
    axes[0].set_xticks(x, per_variation.index)
    axes[0].set_ylim(0, 1.05)
    axes[0].set_ylabel("share of trials / confidence")
    axes[0].set_title(f"per variation ({n_trials} trials each)", loc="left")
    for i, name in enumerate(logs):
        log = logs[name]
        plotting.reliability_diagram(log["confidence"], log["correct"], n_bins=10, label=name, index=i, ax=axes[1])
    axes[1].set_title("reliability", loc="left")
    names = list(faith)
    width = 0.38
    for j, metric in enumerate(("agreement", "determination")):
        axes[2].bar(np.arange(len(names)) + (j - 0.5) * width, [faith[n][metric] for n in names], width,
                    color=plotting.color(j + 2), label={"agreement": "P(answer = rationale's)",
                                                        "determination": "U(answer | rationale)"}[metric])
    axes[2].set_xticks(np.arange(len(names)), names)
    axes[2].set_ylim(0, 1.05)
    axes[2].set_title("rationale faithfulness", loc="left")
    for ax in axes:
        plotting.style.finish_axes(ax, legend=True)
    fig.suptitle("Confident confabulation on AIW variations (SIMULATED agent; Nezhurina et al. 2024)", fontsize=11)
    for path in plotting.save(fig, figure_path(out_dir, "sec7_confabulation")):
        print(f"wrote {path}")
    return numbers
