"""Metrics of rollouts: exploration, habits, the knowing-doing gap, calibration, the horizon task."""

from kdgap_sim.metrics.calibration import (
    ReliabilityCurve,
    brier_score,
    calibration_report,
    confidence_auroc,
    expected_calibration_error,
    log_score,
    max_calibration_error,
    overconfidence,
    reliability_curve,
)
from kdgap_sim.metrics.confidence_logs import (
    binomial_interval,
    rationale_faithfulness,
    trajectory_faithfulness,
    variation_report,
)
from kdgap_sim.metrics.generation import (
    GenerationAccumulator,
    GenerationSummary,
    GenerationTrajectory,
    generate_tokens,
    source_tokens,
)
from kdgap_sim.metrics.entropy import (
    EntropyRatio,
    entropy_ratio,
    entropy_ratio_grid,
    mean_entropy_per_rollout,
    on_off_policy_entropy,
)
from kdgap_sim.metrics.exploration import (
    action_coverage,
    coverage_curve,
    cumulative_regret,
    greedy_fraction,
    min_frac,
    optimal_action_rate,
    regret_curve,
    suffix_failure,
)
from kdgap_sim.metrics.gap import (
    follow_rate,
    knowing_doing_gap,
    rationale_correct_rate,
    rationale_optimal_rate,
)
from kdgap_sim.metrics.habits import (
    action_entropy,
    frequency_bias,
    frequency_bias_curve,
    repetition_rate,
)
from kdgap_sim.metrics.horizon_exploration import (
    FirstFreeChoices,
    HorizonExploration,
    first_free_choices,
    horizon_exploration,
)
from kdgap_sim.metrics.report import describe, mean_and_se

__all__ = [
    "source_tokens",
    "generate_tokens",
    "GenerationTrajectory",
    "GenerationSummary",
    "GenerationAccumulator",
    "ReliabilityCurve",
    "brier_score",
    "calibration_report",
    "confidence_auroc",
    "expected_calibration_error",
    "log_score",
    "max_calibration_error",
    "overconfidence",
    "reliability_curve",
    "binomial_interval",
    "rationale_faithfulness",
    "trajectory_faithfulness",
    "variation_report",
    "EntropyRatio",
    "FirstFreeChoices",
    "HorizonExploration",
    "first_free_choices",
    "horizon_exploration",
    "action_coverage",
    "action_entropy",
    "coverage_curve",
    "cumulative_regret",
    "describe",
    "entropy_ratio",
    "entropy_ratio_grid",
    "follow_rate",
    "frequency_bias",
    "frequency_bias_curve",
    "greedy_fraction",
    "knowing_doing_gap",
    "mean_and_se",
    "mean_entropy_per_rollout",
    "min_frac",
    "on_off_policy_entropy",
    "optimal_action_rate",
    "rationale_correct_rate",
    "rationale_optimal_rate",
    "regret_curve",
    "repetition_rate",
    "suffix_failure",
]
