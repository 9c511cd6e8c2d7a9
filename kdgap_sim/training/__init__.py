"""Training: RL fine-tuning of actors (RLFT) and answer+confidence agents under binary/RLCR rewards.

Figures live in :mod:`kdgap_sim.plotting.training` (imported on demand: it loads matplotlib).
"""

from kdgap_sim.training import checkpoint, confidence
from kdgap_sim.training.evaluation import compare, evaluate, format_comparison, paired_interval
from kdgap_sim.training.objectives import advantages, loss_fn, returns_to_go
from kdgap_sim.training.policy import LearnedActor, PolicyParams, from_reference
from kdgap_sim.training.rlft import RLFTResult, TrainState, train, update_step
from kdgap_sim.training.setting import RLFTConfig, predictor_params_of, run_episode, sample_bandit_probs

__all__ = [
    "LearnedActor",
    "PolicyParams",
    "RLFTConfig",
    "RLFTResult",
    "TrainState",
    "advantages",
    "checkpoint",
    "confidence",
    "compare",
    "evaluate",
    "format_comparison",
    "from_reference",
    "loss_fn",
    "paired_interval",
    "predictor_params_of",
    "returns_to_go",
    "run_episode",
    "sample_bandit_probs",
    "train",
    "update_step",
]
