"""Tests of kdgap_sim.plotting.fit: the figure ``kdgap fit`` writes."""

import arviz as az
import numpy as np

import kdgap_sim as kd


def test_posterior_check_figure_draws_the_observed_rates_and_sorted_intervals():
    rng = np.random.default_rng(1)
    choice = rng.integers(0, 2, (4, 6))
    log = kd.fitting.ChoiceLog.from_arrays(choice, rng.random((4, 6)).round(), n_actions=2)
    model = kd.fitting.make_model("rw").for_log(log)
    posterior = {n: rng.random((2, 30, 4)) for n in model.param_names}
    posterior.update({f"mu_{n}": rng.random((2, 30)) for n in model.param_names})
    idata = az.from_dict(posterior=posterior)
    fig = kd.plotting.posterior_check_figure(idata, log, model, {"choice": rng.integers(0, 2, (25, 4, 6))})
    rates, *parameter_axes = fig.axes
    assert len(parameter_axes) == len(model.param_names)
    # the observed line of action 1 is the fraction of subjects choosing it on each trial
    line = [l for l in rates.get_lines() if l.get_label() == "action 1"][0]
    np.testing.assert_allclose(line.get_ydata(), (choice == 1).mean(0))
    # each parameter panel: subjects' posterior means, sorted, and the group mean line
    first = parameter_axes[0]
    means = first.get_lines()[0].get_xdata()
    np.testing.assert_allclose(means, np.sort(posterior[model.param_names[0]].reshape(-1, 4).mean(0)))
    group = [l for l in first.get_lines() if l.get_label().startswith("group")][0]
    np.testing.assert_allclose(group.get_xdata()[0], posterior[f"mu_{model.param_names[0]}"].mean())
