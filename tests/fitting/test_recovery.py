"""kd.fitting.recovery gathers the simulation and recovery modules under their old names."""

import kdgap_sim as kd
from kdgap_sim.fitting import recovery, recovery_models, recovery_parameters, simulation


def test_recovery_reexports_the_split_modules():
    assert recovery.parameter_recovery is recovery_parameters.parameter_recovery
    assert recovery.RecoveryResult is recovery_parameters.RecoveryResult
    assert recovery.model_recovery is recovery_models.model_recovery
    for name in ("Population", "default_task", "population_at", "sample_population",
                 "simulate_arrays", "simulate_log"):
        assert getattr(recovery, name) is getattr(simulation, name)
        assert getattr(kd.fitting, name) is getattr(simulation, name)
    assert sorted(recovery.__all__) == sorted(
        ["Population", "RecoveryResult", "default_task", "model_recovery", "parameter_recovery",
         "population_at", "sample_population", "simulate_arrays", "simulate_log"])
