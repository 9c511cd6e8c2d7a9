"""TOML configs for the ``kdgap`` command: parsed, validated, turned into objects.

Unknown keys anywhere are errors. A simulation config::

    seed = 0
    n_steps = 100
    n_seeds = 1000
    output = "results.json"      # optional: metrics as JSON
    figure = "results.png"       # optional

    [env]
    name = "bernoulli-bandit"
    n_arms = 5                   # static options of the environment
    [env.params]                 # traced params (optional; defaults otherwise)
    probs = [0.2, 0.3, 0.4, 0.5, 0.7]

    [agents.knowing-doing]       # one table per agent, keyed by a label
    predictor = "ucb"
    actor = "rationale-following"
    actor_options = { fallback = "greedy" }
    params = { follow_prob = 0.64 }

    [agents.greedy]
    profile = "greedy"           # or a named preset (kd.agents.profile_names())
"""

from __future__ import annotations

import pathlib
import tomllib
from collections.abc import Mapping
from typing import Any

import jax.numpy as jnp

from kdgap_sim import validation
from kdgap_sim.agents.agent import Agent, AgentParams
from kdgap_sim.agents.profiles import profile
from kdgap_sim.agents.registry import make_agent
from kdgap_sim.envs.base import Environment
from kdgap_sim.envs.registry import make
from kdgap_sim.params import Params

SIMULATION_KEYS = ("seed", "n_steps", "n_seeds", "output", "figure", "env", "agents")
AGENT_KEYS = ("profile", "predictor", "actor", "predictor_options", "actor_options", "params")


def read_toml(path: str | pathlib.Path) -> dict[str, Any]:
    """Reads a TOML file; raises ValueError with the file name on a syntax error."""
    path = pathlib.Path(path)
    if not path.is_file():
        raise ValueError(f"config file {str(path)!r} does not exist")
    try:
        return tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as err:
        raise ValueError(f"config file {str(path)!r} is not valid TOML: {err}") from err


def _table(name: str, value: Any) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be a table, got {value!r}")
    return value


def replace_params(params: Params, values: Mapping[str, Any], name: str) -> Params:
    """``params.replace(**values)`` with list values turned into float32 arrays."""
    values = dict(_table(name, values))
    known = params.flat_names()
    validation.check_unknown_keys(name, values, known)
    converted = {}
    for key, value in values.items():
        array = validation.as_numeric_array(f"{name}.{key}", value)
        converted[key] = jnp.asarray(array, jnp.float32) if array.ndim else float(array)
    return params.replace(**converted)


def build_env(spec: Mapping[str, Any], name: str = "env") -> tuple[Environment, Params]:
    """Builds ``(env, env_params)`` from an ``[env]`` table and validates the params."""
    spec = dict(_table(name, spec))
    if "name" not in spec:
        raise ValueError(f"{name}.name is required (one of kd.envs.registered())")
    env_id = spec.pop("name")
    param_values = spec.pop("params", {})
    env = make(env_id, **spec)
    params = replace_params(env.default_params(), param_values, f"{name}.params")
    env.validate_params(params, f"{name}.params")
    return env, params


def build_agent(spec: Mapping[str, Any], name: str = "agent") -> tuple[Agent, AgentParams]:
    """Builds ``(agent, agent_params)`` from an agent table and validates the params."""
    spec = _table(name, spec)
    validation.check_unknown_keys(name, spec, AGENT_KEYS)
    if "profile" in spec:
        extra = sorted(set(spec) - {"profile", "params"})
        if extra:
            raise ValueError(f"{name}: 'profile' cannot be combined with {extra}")
        agent, params = profile(spec["profile"])
    else:
        for required in ("predictor", "actor"):
            if required not in spec:
                raise ValueError(f"{name}.{required} is required (or give {name}.profile)")
        agent = make_agent(
            spec["predictor"], spec["actor"],
            _table(f"{name}.predictor_options", spec.get("predictor_options", {})),
            _table(f"{name}.actor_options", spec.get("actor_options", {})),
        )
        params = agent.default_params()
    params = replace_params(params, spec.get("params", {}), f"{name}.params")
    agent.validate_params(params, f"{name}.params")
    return agent, params


def load_simulation(path: str | pathlib.Path) -> dict[str, Any]:
    """Parses and validates a simulation config; returns built objects and run options."""
    raw = read_toml(path)
    validation.check_unknown_keys("config", raw, SIMULATION_KEYS)
    if "env" not in raw:
        raise ValueError("config needs an [env] table")
    if "agents" not in raw or not raw["agents"]:
        raise ValueError("config needs at least one [agents.<label>] table")
    env, env_params = build_env(raw["env"])
    agents = {}
    for label, spec in _table("agents", raw["agents"]).items():
        agent, params = build_agent(spec, f"agents.{label}")
        agent.check_n_actions(env.n_actions)
        agents[label] = (agent, params)
    return {
        "env": env,
        "env_params": env_params,
        "agents": agents,
        "seed": validation.check_int("seed", raw.get("seed", 0), minimum=0),
        "n_steps": validation.check_int("n_steps", raw.get("n_steps", 100), minimum=1),
        "n_seeds": validation.check_int("n_seeds", raw.get("n_seeds", 1000), minimum=1),
        "output": raw.get("output"),
        "figure": raw.get("figure"),
    }
