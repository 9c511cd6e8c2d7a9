"""Training: RL fine-tuning of actors (RLFT) and answer+confidence agents under binary/RLCR rewards."""

from kdgap_sim.training import checkpoint
from kdgap_sim.training.evaluation import compare, evaluate, format_comparison, paired_interval
from kdgap_sim.training.policy import LearnedActor, PolicyParams, from_reference
from kdgap_sim.training.rlft import (
    RLFTConfig,
    RLFTResult,
    TrainState,
    advantages,
    returns_to_go,
    run_episode,
    sample_bandit_probs,
    train,
    update_step,
)

__all__ = [
    "LearnedActor",
    "PolicyParams",
    "RLFTConfig",
    "RLFTResult",
    "TrainState",
    "advantages",
    "checkpoint",
    "compare",
    "evaluate",
    "format_comparison",
    "from_reference",
    "paired_interval",
    "returns_to_go",
    "run_episode",
    "sample_bandit_probs",
    "train",
    "update_step",
]
