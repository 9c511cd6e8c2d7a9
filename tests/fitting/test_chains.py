"""spread_chains and fit's chain methods: groups of vectorized chains over devices."""

import os
import pathlib
import subprocess
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from kdgap_sim.fitting import fit, simulate_log, spread_chains
from kdgap_sim.fitting.chains import chain_method_for


@pytest.fixture(scope="module")
def log():
    return simulate_log(jax.random.key(3), "rw", jnp.array([[0.5, 6.0], [0.3, 4.0]]), n_trials=30)



def test_spread_chains_keeps_chain_order():
    # One group per device, vmap within: chain i's result stays at position i.
    fn = lambda args: (args[0] * 10.0 + jnp.sum(args[1]), args[1][::-1])  # noqa: E731
    args = (jnp.arange(4.0), jnp.arange(12.0).reshape(4, 3))
    out = spread_chains(1)(fn)(args)
    expected = jax.vmap(fn)(args)
    np.testing.assert_array_equal(out[0], expected[0])
    np.testing.assert_array_equal(out[1], expected[1])
    with pytest.raises(ValueError, match="multiple of n_devices"):
        spread_chains(2)(fn)((jnp.arange(3.0), jnp.zeros((3, 3))))


@pytest.mark.slow  # ~20 s; runs in .ci/run's slow stage (default suite < 5 min)
def test_parallel_with_one_device_is_vectorized(log):
    # With fewer devices than chains, "parallel" no longer falls back to numpyro's
    # sequential chains: on one device it runs them vectorized, draw for draw.
    runs = [fit(jax.random.key(5), log, "rw", hierarchical=False, num_warmup=20, num_samples=20,
                num_chains=2, chain_method=method, warn=False)
            for method in ("parallel", "vectorized")]
    np.testing.assert_array_equal(runs[0].posterior["alpha_pos"], runs[1].posterior["alpha_pos"])


@pytest.mark.slow
def test_spread_chains_over_two_host_devices_matches_vectorized(tmp_path):
    # In a fresh interpreter with 2 CPU devices: 4 chains as 2 x 2 give the vectorized draws.
    # "parallel" runs numpyro's MCMC under pmap, "vectorized" one fused program
    # (fitting/sampler.py): float32 rounding (eps 1.2e-7) differs and accumulates over 60 NUTS
    # iterations, measured up to 1.1e-5 relative; another chain (a flipped tree decision) differs
    # by O(1), so 1e-4 still tells the same chains from different ones.
    script = tmp_path / "spread.py"
    script.write_text(
        "import numpyro\n"
        "numpyro.set_host_device_count(2)\n"
        "import jax, numpy as np, kdgap_sim as kd\n"
        "assert jax.local_device_count() == 2\n"
        "log = kd.fitting.simulate_log(jax.random.key(1), 'rw', np.array([[0.3, 4.0], [0.5, 6.0]]), 30)\n"
        "a, b = (kd.fitting.fit(jax.random.key(2), log, 'rw', hierarchical=False, num_warmup=30,\n"
        "                       num_samples=30, num_chains=4, chain_method=m, warn=False)\n"
        "        for m in ('parallel', 'vectorized'))\n"
        "np.testing.assert_allclose(a.posterior['beta'], b.posterior['beta'], rtol=1e-4)\n"
        "print('ok')\n")
    root = pathlib.Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(root)}, timeout=600)
    assert done.returncode == 0 and "ok" in done.stdout, done.stderr[-2000:]


def test_chain_method_for_passes_others_through():
    assert chain_method_for("sequential", 4) == "sequential"
    assert chain_method_for("parallel", 1) == "parallel"
    assert chain_method_for("parallel", 4) == "vectorized"  # one device in this process
