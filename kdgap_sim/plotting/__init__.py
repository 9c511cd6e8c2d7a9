"""Publication-ready matplotlib figures of rollouts, sweeps, fits and profiles.

Every function returns a ``Figure`` (never calls ``plt.show()``), labels its
axes with units, uses the Okabe-Ito colour-blind-safe palette, and
:func:`save` writes it as PNG and PDF.

Example:
  >>> import tempfile, numpy as np
  >>> from kdgap_sim import plotting
  >>> fig = plotting.learning_curves({"agent": np.random.default_rng(0).random((8, 20))},
  ...                                ylabel="reward per trial")
  >>> paths = plotting.save(fig, tempfile.mkdtemp() + "/curve")
  >>> [p.rsplit(".", 1)[1] for p in paths]
  ['png', 'pdf']
"""

from kdgap_sim.plotting.bandit import (
    CURVE_QUANTITIES,
    coverage_curves,
    frequency_bias_curves,
    gap_bars,
    learning_curves,
    regret_bars,
    study_figure,
    trajectory_curve,
)
from kdgap_sim.plotting.fit import posterior_check_figure
from kdgap_sim.plotting.calibration import ReliabilityBins, reliability_bins, reliability_diagram
from kdgap_sim.plotting.profile import profile_radar
from kdgap_sim.plotting.recovery import interval_from_samples, recovery_figure, recovery_scatter
from kdgap_sim.plotting.style import OKABE_ITO, agent_style, color, mean_and_interval, save
from kdgap_sim.plotting.sweep import heatmap

__all__ = [
    "CURVE_QUANTITIES",
    "OKABE_ITO",
    "ReliabilityBins",
    "agent_style",
    "color",
    "coverage_curves",
    "frequency_bias_curves",
    "gap_bars",
    "heatmap",
    "interval_from_samples",
    "learning_curves",
    "mean_and_interval",
    "posterior_check_figure",
    "profile_radar",
    "recovery_figure",
    "recovery_scatter",
    "regret_bars",
    "reliability_bins",
    "reliability_diagram",
    "save",
    "study_figure",
    "trajectory_curve",
]
