"""Reproduces the numbers and figures of docs/training.md and docs/calibration.md.

Usage: PYTHONPATH=. python docs/examples/rlft_calibration_study.py [OUT_DIR]   (~3 min of CPU)

Writes OUT_DIR/rlft.json (per training seed and algorithm: paired before/after differences on
1024 held-out bandits), OUT_DIR/confidence.json, and the figures rlft_curves_*.png,
rlft_before_after_*.png, calibration_curves.png and reliability.png.
"""

import json
import pathlib
import sys

import jax
import numpy as np

import kdgap_sim as kd
from kdgap_sim import training
from kdgap_sim.plotting import save
from kdgap_sim.training import confidence, figures

out_dir = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "kdgap_demo/rlft")
out_dir.mkdir(parents=True, exist_ok=True)

reference = kd.agents.RationaleFollowing(fallback=kd.agents.FrequencyBiased(context_window=20))
ref_params = reference.default_params().replace(follow_prob=0.1, beta=20.0, kappa=3.0)
rlft = {}
for algorithm in ("ppo", "reinforce"):
    rows = []
    for seed in range(5):
        config = training.RLFTConfig(algorithm=algorithm, n_updates=60, n_envs=64)
        result = training.train(jax.random.key(100 + seed), config, reference, ref_params, invalid_prob=0.05)
        table = training.compare(jax.random.key(987), (result.actor, result.reference_params),
                                 (result.actor, result.params), config, n_envs=1024)
        rows.append(table)
        print(f"{algorithm} seed {seed}\n{training.format_comparison(table)}\n", flush=True)
        if seed == 0:
            save(figures.rlft_curves(result.history, title=f"RLFT ({algorithm})"),
                 str(out_dir / f"rlft_curves_{algorithm}.png"))
            save(figures.before_after(table), str(out_dir / f"rlft_before_after_{algorithm}.png"))
    rlft[algorithm] = rows
(out_dir / "rlft.json").write_text(json.dumps(rlft, indent=1))

task = confidence.make_task(jax.random.key(0), n_items=200)
histories, predictions, summary = {}, {}, {}
for reward in ("binary", "rlcr", "log-score"):
    params, history = confidence.train_confidence(jax.random.key(1), task, reward, n_updates=300)
    evaluation = confidence.evaluate_confidence(jax.random.key(2), task, params)
    histories[reward] = history
    predictions[reward] = (evaluation["confidence"], evaluation["correct"])
    summary[reward] = {k: v for k, v in evaluation.items() if not isinstance(v, np.ndarray)}
    print(reward, summary[reward], flush=True)
(out_dir / "confidence.json").write_text(json.dumps(summary, indent=1))
save(figures.calibration_curves(histories), str(out_dir / "calibration_curves.png"))
save(figures.reliability_diagram(predictions), str(out_dir / "reliability.png"))
