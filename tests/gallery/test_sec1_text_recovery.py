import pytest

import kdgap_sim as kd
from kdgap_sim.gallery import sec1_text_recovery


def test_generating_agent_is_the_fitted_model():
    # Recovery through text tests the pipeline only if the fitted mixture is the generating model.
    agent, params = sec1_text_recovery.agent_and_params(0.7)
    model = kd.fitting.make_model("knowing-doing-mixture")
    assert repr(model.agent.predictor) == repr(agent.predictor)
    assert type(model.agent.actor) is type(agent.actor)
    assert set(model.param_names) <= set(params.flat_names())
    assert float(params.actor.follow_prob) == pytest.approx(0.7)


@pytest.mark.slow
def test_quick_mode_recovers_rho_through_text(tmp_path):
    numbers = sec1_text_recovery.main(quick=True, out_dir=str(tmp_path))
    assert numbers["invalid_rate"] == 0.0  # every noisy style parses
    assert numbers["correlation_true_fitted_rho"] > 0.8
    # 5 intervals at 90%: P(<= 2 cover) = 0.0086 if calibrated.
    assert numbers["coverage_90"] >= 0.6
    assert numbers["observed_minus_rho"] > 0  # the fallback agrees with the rationale by chance
