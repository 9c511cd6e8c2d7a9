import pytest

from kdgap_sim import verify
from kdgap_sim.registry import Registry
from kdgap_sim.verify import registry


def test_register_run_and_format(monkeypatch):
    monkeypatch.setattr(registry, "_CHECKS", Registry("verify check", callables=False, sort_names=False))
    monkeypatch.setattr(registry, "_loaded", True)

    @verify.register("toy", claim="1 + 1 = 2", formula="1 + 1")
    def toy(key, quick):
        return verify.Measurement(measured=2.0, expected=2.0, tolerance=0.0, passed=True)

    @verify.register("bad", claim="2 = 3", formula="2")
    def bad(key, quick):
        return verify.Measurement(measured=2.0, expected=3.0, tolerance=0.1, passed=False)

    results = verify.run_all(quick=True)
    assert [r.name for r in results] == ["toy", "bad"]
    assert [r.passed for r in results] == [True, False]
    table = verify.format_table(results)
    assert "PASS" in table and "FAIL" in table
    with pytest.raises(ValueError, match="already registered"):
        verify.register("toy", claim="", formula="")(toy)
    with pytest.raises(ValueError, match="unknown verify check"):
        verify.run(["nope"])
    with pytest.raises(TypeError, match=r"selected must be a list of check names.*use \['toy'\]"):
        verify.run("toy")
    with pytest.raises(TypeError, match="quick must be True or False"):
        verify.run(["toy"], quick="yes")
