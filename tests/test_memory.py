"""Memory estimates before compiling: a batch that cannot fit is refused in one line (kdgap_sim.memory)."""

import importlib

import jax
import numpy as np
import pytest

import kdgap_sim as kd
from kdgap_sim import memory

rollout = importlib.import_module("kdgap_sim.rollout")

ENV = kd.envs.make("bernoulli-bandit", n_arms=3)
AGENT, PARAMS = kd.agents.profile("llm-2b-like")


@pytest.mark.parametrize("record", ["summary", "trajectory"])
def test_seed_bytes_output_equals_the_bytes_of_a_real_result(record):
    out = kd.rollout_batch(jax.random.key(0), ENV, ENV.default_params(), AGENT, PARAMS, 7, 2, record=record)
    real = sum(np.asarray(x).nbytes for x in jax.tree_util.tree_leaves(out)) // 2
    estimate = memory.seed_bytes(ENV, ENV.default_params(), AGENT, PARAMS, 7, record)
    assert estimate["output"] == real
    assert estimate["per_seed"] == memory.OUTPUT_COPIES * real + memory.STATE_COPIES * estimate["state"]


def test_huge_batch_is_refused_before_compiling(monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("compiled a batch that cannot fit")

    monkeypatch.setattr(rollout, "_batch_impl", never)
    with pytest.raises(ValueError, match=r"n_seeds=1000000000 needs about .* at most \d+ seeds fit"):
        kd.rollout_batch(jax.random.key(0), ENV, ENV.default_params(), AGENT, PARAMS, 1000, 10**9,
                         record="trajectory")


def test_the_limit_is_the_number_of_seeds_that_fit():
    args = (ENV, ENV.default_params(), AGENT, PARAMS, 50)
    per_seed = memory.seed_bytes(*args, "trajectory")["per_seed"]
    memory_bytes = 10**9
    fit = int(memory.MEMORY_FRACTION * memory_bytes) // per_seed
    memory.check_batch_fits(*args, fit, "trajectory", memory_bytes=memory_bytes)
    with pytest.raises(ValueError, match=f"at most {fit} seeds fit"):
        memory.check_batch_fits(*args, fit + 1, "trajectory", memory_bytes=memory_bytes)
    # two devices hold twice as many
    memory.check_batch_fits(*args, 2 * fit, "trajectory", n_devices=2, memory_bytes=memory_bytes)


def test_cli_simulate_with_a_billion_seeds_fails_in_one_line(tmp_path, capsys):
    from kdgap_sim import cli

    path = tmp_path / "big.toml"
    path.write_text('n_steps = 100\nn_seeds = 1000000000\n[env]\nname = "bernoulli-bandit"\n'
                    '[agents.a]\nprofile = "greedy"\n')
    assert cli.main(["simulate", str(path)]) != 0
    err = capsys.readouterr().err.strip()
    assert "seeds fit" in err and len(err.splitlines()) == 1 and "RESOURCE_EXHAUSTED" not in err
