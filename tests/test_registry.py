"""Tests of kdgap_sim.registry: the one registry mechanism behind envs, agents, models and checks."""

import functools

import pytest

import kdgap_sim as kd
from kdgap_sim.registry import Registry


def _square(side=1.0):
    return side * side


def test_register_build_and_names():
    shapes = Registry("shape", {"square": _square}, aliases={"box": "square"})
    assert shapes.build("square", {"side": 3.0}) == 9.0
    assert shapes.build("box", {}) == 1.0  # an alias resolves, and is not a name of its own
    assert shapes.names() == ("square",) and len(shapes) == 1 and "box" not in shapes
    shapes.register("cube", lambda side=1.0: side ** 3)
    assert shapes.names() == ("cube", "square")  # sorted
    ordered = Registry("step", {"b": _square, "a": _square}, sort_names=False)
    assert ordered.names() == ("b", "a")  # registration order


def test_errors_name_the_kind_and_list_what_is_known():
    shapes = Registry("shape", {"square": _square})
    with pytest.raises(ValueError, match=r"unknown shape 'circle'; known: \['square'\]"):
        shapes.build("circle", {})
    with pytest.raises(ValueError, match=r"unknown shape 3"):
        shapes.get_entry(3)
    with pytest.raises(ValueError, match=r"unknown option\(s\) \['radius'\] for shape 'square'; allowed: \['side'\]"):
        shapes.build("square", {"radius": 2.0})
    with pytest.raises(ValueError, match="already registered"):
        shapes.register("square", _square)
    with pytest.raises(TypeError, match="name must be a non-empty string"):
        shapes.register("", _square)
    with pytest.raises(TypeError, match="must be callable"):
        shapes.register("dot", 0.0)
    with pytest.raises(KeyError):
        shapes["circle"]  # mapping access keeps mapping semantics


def test_a_factory_taking_kwargs_checks_its_own_options():
    anything = Registry("thing", {"echo": lambda **options: options})
    assert anything.build("echo", {"x": 1}) == {"x": 1}


def test_mapping_writes_replace_and_delete():
    shapes = Registry("shape", {"square": _square})
    shapes["square"] = functools.partial(_square, 2.0)
    assert shapes.build("square", {}) == 4.0
    del shapes["square"]
    assert "square" not in shapes
    values = Registry("colour", callables=False)
    values.register("red", "#ff0000")
    assert values.get_entry("red") == "#ff0000"


def test_the_four_library_registries_are_registries():
    # One mechanism: environments, predictors, actors, fitting models and verify checks.
    from kdgap_sim.envs.registry import _REGISTRY
    from kdgap_sim.verify.registry import _CHECKS

    for registry in (_REGISTRY, kd.agents.PREDICTORS, kd.agents.ACTORS, kd.fitting.MODELS, _CHECKS):
        assert isinstance(registry, Registry)
    with pytest.raises(ValueError, match="unknown model 'nope'; known: "):
        kd.fitting.make_model("nope")
    assert kd.fitting.make_model("knowing-doing-mixture").name == kd.fitting.make_model("knowing-doing").name
