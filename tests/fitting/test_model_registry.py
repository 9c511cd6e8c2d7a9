"""The registry of named choice models: names, options, bounds, registration."""

import pytest

from kdgap_sim.fitting import MODELS, AgentModel, make_model, register_model


def test_every_native_and_hbayesdm_model_is_registered_and_builds():
    for name in ("rw", "asymmetric-rw", "full-feedback-rw", "confirmation-rw", "perseveration-rw",
                 "frequency-rw", "knowing-doing", "bandit2arm_delta", "bandit4arm_4par"):
        assert name in MODELS
        assert make_model(name).name == name
    assert make_model("asymmetric-rw").param_names == ("alpha_pos", "alpha_neg", "beta")
    assert isinstance(make_model("rw"), AgentModel)


def test_a_model_object_passes_through_and_refuses_options():
    model = make_model("rw")
    assert make_model(model) is model
    with pytest.raises(ValueError, match="options can only be given with a model name"):
        make_model(model, q0=0.2)


def test_bad_names_options_and_bounds_are_errors():
    with pytest.raises(ValueError, match="unknown model 'nope'"):
        make_model("nope")
    with pytest.raises(ValueError, match="bad options \\['colour'\\] for model 'rw'"):
        make_model("rw", colour="red")
    with pytest.raises(ValueError, match="bounds given for \\['kappa'\\]"):
        make_model("rw", bounds={"kappa": (0, 1)})
    with pytest.raises(ValueError, match="low < high"):
        make_model("rw", bounds={"beta": (5, 1)})
    assert make_model("rw", bounds={"beta": (0.0, 50.0)}).params[1].high == 50.0


def test_register_model_adds_a_factory():
    register_model("test-rw", lambda: make_model("asymmetric-rw", q0=0.25))
    try:
        assert make_model("test-rw").param_names == ("alpha_pos", "alpha_neg", "beta")
    finally:
        del MODELS["test-rw"]
    assert "test-rw" not in MODELS
