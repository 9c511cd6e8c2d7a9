import jax
import matplotlib
import jax.numpy as jnp
import numpy as np
import pytest

import kdgap_sim as kd
from kdgap_sim import plotting


def _results():
    rates = {"rationale_correct": (0.9, 0.01), "rationale_optimal": (0.3, 0.02), "follow": (0.6, 0.02),
             "coverage": (1.0, 0.0), "regret": (12.0, 0.5)}
    return {"a": {"metrics": rates, "coverage_curve": np.linspace(0.2, 1.0, 10)},
            "b": {"metrics": rates, "coverage_curve": np.linspace(0.2, 0.5, 10)}}


def test_gap_bars_draw_rationale_optimal_and_follow():
    fig = plotting.gap_bars(_results())
    ax = fig.axes[0]
    heights = sorted({round(p.get_height(), 3) for p in ax.patches})
    assert heights == [0.3, 0.6, 0.9, 1.0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "rationale optimal" in labels and "action follows rationale" in labels


def test_study_figure_has_labelled_panels():
    fig = plotting.study_figure(_results(), "title")
    left, right = fig.axes[0], fig.axes[2]
    assert left.get_ylabel() and right.get_xlabel() == "trial t"
    assert len(right.get_lines()) == 2


@pytest.fixture(scope="module")
def trajectory():
    env = kd.envs.make("bernoulli-bandit", n_arms=3)
    agent, params = kd.agents.profile("knowing-doing-ucb")
    return kd.rollout_batch(jax.random.key(0), env, env.default_params(), agent, params, 15, 6,
                            record="trajectory")


def test_trajectory_curves_match_the_summary(trajectory):
    out = trajectory
    regret = plotting.trajectory_curve(out, "regret")
    assert np.allclose(regret[:, -1], np.asarray(out.summary.regret_sum), atol=1e-5)
    follow = plotting.trajectory_curve(out, "follow")
    assert np.array_equal(follow.sum(-1), np.asarray(out.summary.follow_count))
    coverage = plotting.trajectory_curve(out, "coverage")
    assert np.allclose(coverage, np.asarray(kd.metrics.coverage_curve(out, 15)))
    optimal = plotting.trajectory_curve(out, "optimal_action")
    assert np.array_equal(optimal.sum(-1), np.asarray(out.summary.optimal_count))
    with pytest.raises(ValueError, match="quantity"):
        plotting.trajectory_curve(out, "nope")


def test_optimal_action_curve_counts_every_tied_best_arm():
    """Arms 0 and 1 tie for best: playing either is optimal, in the curve as in the summary."""
    env = kd.envs.make("bernoulli-bandit", n_arms=3)
    params = env.default_params().replace(probs=jnp.array([0.7, 0.7, 0.3]))
    agent, agent_params = kd.agents.profile("faithful-ucb")
    out = kd.rollout_batch(jax.random.key(1), env, params, agent, agent_params, 40, 4, record="trajectory")
    optimal = plotting.trajectory_curve(out, "optimal_action")
    assert np.array_equal(optimal.sum(-1), np.asarray(out.summary.optimal_count))
    played_arm_1 = np.asarray(out.action) == 1
    assert played_arm_1.any() and (optimal[played_arm_1] == 1).all()  # arm 1 is not optimal_action[t]


def test_learning_curves_band_is_the_95_percent_interval(trajectory):
    fig = plotting.learning_curves({"kd": trajectory}, quantity="regret")
    ax = fig.axes[0]
    values = plotting.trajectory_curve(trajectory, "regret")
    assert np.allclose(ax.get_lines()[0].get_ydata(), values.mean(0))
    band = ax.collections[0].get_paths()[0].vertices[:, 1]
    half = 1.96 * values.std(0, ddof=1) / np.sqrt(values.shape[0])
    assert np.isclose(band.max(), (values.mean(0) + half).max())
    with pytest.raises(ValueError, match="n_seeds, T"):
        plotting.learning_curves({"bad": np.ones(5)})


def test_frequency_bias_curves_check_shapes():
    fig = plotting.frequency_bias_curves({"a": [0.2, 0.6, 0.8]}, [0, 5, 10], n_actions=5)
    assert fig.axes[0].get_lines()[1].get_ydata()[0] == pytest.approx(0.2)
    with pytest.raises(ValueError, match="shape"):
        plotting.frequency_bias_curves({"a": [0.2]}, [0, 5])


def test_study_figure_draws_regret_says_95_percent_and_keeps_agent_lines_off_metric_colours():
    fig = plotting.study_figure(_results(), "demo")
    gaps, regret, coverage = fig.axes[:3]
    assert "regret" in regret.get_ylabel() and len(regret.patches) == 2
    title = fig._suptitle.get_text()
    assert "95%" in title and "s.e." not in title
    bar_colours = {matplotlib.colors.to_hex(p.get_facecolor()) for p in gaps.patches}
    line_colours = {matplotlib.colors.to_hex(line.get_color()) for line in coverage.get_lines()}
    assert not bar_colours & line_colours
