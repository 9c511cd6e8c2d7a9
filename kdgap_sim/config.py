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
import tempfile
import tomllib
from collections.abc import Mapping
from typing import Any

import jax.numpy as jnp

from kdgap_sim import validation
from kdgap_sim.agents.agent import Agent, AgentParams
from kdgap_sim.agents.profiles import profile
from kdgap_sim.agents.registry import make_agent
from kdgap_sim.envs.base import Environment
from kdgap_sim.envs.registry import make, registered
from kdgap_sim.params import Params
from kdgap_sim.simulate import check_n_seeds

SIMULATION_KEYS = ("seed", "n_steps", "n_seeds", "output", "figure", "env", "agents")
AGENT_KEYS = ("profile", "predictor", "actor", "predictor_options", "actor_options", "params")
# jax.random.key(seed) keeps only the low 32 bits of a seed (without jax_enable_x64).
SEED_LIMIT = 2**32


def read_toml(path: str | pathlib.Path) -> dict[str, Any]:
    """Reads a UTF-8 TOML file; raises ValueError with the file name if it cannot."""
    path = pathlib.Path(path)
    if not path.exists():
        raise ValueError(f"config file {str(path)!r} does not exist")
    if not path.is_file():
        raise ValueError(f"config file {str(path)!r} is not a file")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as err:
        raise ValueError(f"config file {str(path)!r} is not UTF-8 text: {err}") from err
    except tomllib.TOMLDecodeError as err:
        raise ValueError(f"config file {str(path)!r} is not valid TOML: {err}") from err


def check_seed(name: str, value: Any) -> int:
    """Returns ``value`` as an int root seed, raising unless ``0 <= value < 2**32``.

    Larger seeds would be truncated by ``jax.random.key`` (two seeds, one key) or overflow.
    """
    value = validation.check_int(name, value, minimum=0)
    if value >= SEED_LIMIT:
        raise ValueError(f"{name} must be < 2**32 (a 32-bit root seed), got {value}")
    return value


def check_path(name: str, value: Any) -> str:
    """Returns ``value`` if it is a non-empty path string, else raises TypeError naming ``name``."""
    if not isinstance(value, str) or not value:
        raise TypeError(f"{name} must be a path (a non-empty string), got {value!r}")
    return value


def check_output_path(name: str, value: Any, *, folder: bool = False) -> pathlib.Path:
    """Checks, before a run, that a file (or, with ``folder``, a folder) can be written at ``value``.

    The path must not be an existing folder where a file is wanted, or an existing
    file where a folder is wanted; its parent folder is created if missing and must
    be writable. Raises TypeError/ValueError naming ``name`` (a config key or option).
    """
    path = pathlib.Path(check_path(name, value))
    if folder and path.exists() and not path.is_dir():
        raise ValueError(f"{name} {value!r} is an existing file; expected a folder")
    if not folder and path.is_dir():
        raise ValueError(f"{name} {value!r} is an existing folder; expected a file path")
    parent = path if path.is_dir() else path.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryFile(dir=parent).close()
    except OSError as err:
        reason = err.strerror or str(err)
        raise ValueError(f"{name} {value!r}: cannot create or write folder {str(parent)!r} ({reason})") from None
    return path


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
    if not isinstance(env, Environment):
        raise ValueError(
            f"{name}.name {env_id!r} builds {type(env).__name__}, not a bandit environment "
            f"(kd.envs.Environment); simulate and sweep take one of {_environment_ids()}"
        )
    params = replace_params(env.default_params(), param_values, f"{name}.params")
    env.validate_params(params, f"{name}.params")
    return env, params


def _environment_ids() -> list[str]:
    """Registered IDs whose default construction is a :class:`Environment`."""
    ids = []
    for env_id in registered():
        try:
            if isinstance(make(env_id), Environment):
                ids.append(env_id)
        except Exception:  # needs options, or fails on its own: cannot tell, leave it out
            # Only the error message's list of choices is built here; a user's factory that
            # cannot be built without options must not replace the error being reported.
            continue
    return ids


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
        agent.check_env(env, env_params)
        agents[label] = (agent, params)
    return {
        "env": env,
        "env_params": env_params,
        "agents": agents,
        "seed": check_seed("seed", raw.get("seed", 0)),
        "n_steps": validation.check_int("n_steps", raw.get("n_steps", 100), minimum=1),
        "n_seeds": check_n_seeds(raw.get("n_seeds", 1000)),
        "output": None if raw.get("output") is None else check_path("output", raw["output"]),
        "figure": None if raw.get("figure") is None else check_path("figure", raw["figure"]),
    }
