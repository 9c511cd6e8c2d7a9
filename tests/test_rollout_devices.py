"""rollout_batch over several devices, or with XLA's CPU vectorised for wider registers: the same
result per seed, bit for bit, as on one device with XLA's defaults."""

import os
import subprocess
import sys
import textwrap

import jax
import pytest

import kdgap_sim as kd

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Runs in its own process: the number of CPU devices is fixed when JAX starts.
WORKER = textwrap.dedent("""
    import jax, numpy as np
    import kdgap_sim as kd
    assert jax.local_device_count() == 2, jax.devices()
    env = kd.envs.make("bernoulli-bandit", n_arms=3)
    agent, params = kd.agents.profile("knowing-doing-ucb")
    for n_seeds in (8, 7):  # even and uneven splits
        for record in ("summary", "trajectory"):
            run = lambda d: kd.rollout_batch(jax.random.key(5), env, env.default_params(), agent, params,
                                             40, n_seeds, record=record, devices=d)
            one, two = run(1), run(2)
            leaves_one, leaves_two = jax.tree_util.tree_leaves(one), jax.tree_util.tree_leaves(two)
            assert len(leaves_one) == len(leaves_two)
            for a, b in zip(leaves_one, leaves_two):
                assert a.shape[0] == n_seeds and np.array_equal(np.asarray(a), np.asarray(b)), (n_seeds, record)
            counts = two.counts if record == "summary" else two.summary.counts
            if n_seeds == 8:  # the seeds really were split between the devices
                assert len(counts.sharding.device_set) == 2, counts.sharding
            # and seed i of the batch is rollout(fold_in(key, i))
            single = kd.rollout(jax.random.fold_in(jax.random.key(5), 3), env, env.default_params(),
                                agent, params, 40)
            got = one.counts[3] if record == "summary" else one.summary.counts[3]
            assert np.array_equal(np.asarray(got), np.asarray(single.counts))
    print("ok")
""")


@pytest.mark.slow  # ~20 s; runs in .ci/run's slow stage (default suite < 5 min)
def test_two_devices_give_the_same_seeds_bit_for_bit():
    env = dict(os.environ, PYTHONPATH=ROOT, XLA_FLAGS="--xla_force_host_platform_device_count=2",
               JAX_PLATFORMS="cpu")
    result = subprocess.run([sys.executable, "-c", WORKER], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().endswith("ok")


# Digests of every leaf of a few rollouts, printed by a process started with the given XLA flags.
DIGEST_WORKER = textwrap.dedent("""
    import hashlib, jax, numpy as np
    import kdgap_sim as kd
    env = kd.envs.make("bernoulli-bandit", n_arms=5)
    for profile in ("knowing-doing-ucb", "greedy"):
        agent, params = kd.agents.profile(profile)
        for record in ("summary", "trajectory"):
            out = kd.rollout_batch(jax.random.key(7), env, env.default_params(), agent, params, 60, 33,
                                   record=record)
            digest = hashlib.sha256()
            for leaf in jax.tree_util.tree_leaves(out):
                digest.update(np.asarray(leaf).tobytes())
            print(profile, record, digest.hexdigest())
""")


def _digests(xla_flags):
    env = dict(os.environ, PYTHONPATH=ROOT, XLA_FLAGS=xla_flags, JAX_PLATFORMS="cpu")
    result = subprocess.run([sys.executable, "-c", DIGEST_WORKER], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 4, result.stdout
    return lines


@pytest.mark.slow  # ~20 s; runs in .ci/run's slow stage (default suite < 5 min)
def test_wider_cpu_vectors_give_the_same_rollouts_bit_for_bit():
    # docs/howto-simulate.md suggests --xla_cpu_prefer_vector_width=512 on CPUs with AVX-512 for
    # speed; it must not change any result. (On a CPU without AVX-512 XLA keeps narrower vectors and
    # the two runs compile alike; the check is then weaker but still true.)
    assert _digests("") == _digests("--xla_cpu_prefer_vector_width=512")


def test_seed_sharding_is_none_on_one_device_and_checks_devices():
    from kdgap_sim.rollout import seed_sharding

    assert seed_sharding(1) is None
    with pytest.raises(ValueError, match="devices"):
        seed_sharding(jax.local_device_count() + 1)
    with pytest.raises(ValueError, match="devices"):
        seed_sharding(0)
    with pytest.raises(TypeError, match="devices"):
        seed_sharding(1.5)


def test_rollout_batch_rejects_bad_devices_before_compiling():
    env = kd.envs.make("bernoulli-bandit", n_arms=2)
    agent, params = kd.agents.profile("greedy")
    with pytest.raises(ValueError, match="devices"):
        kd.rollout_batch(jax.random.key(0), env, env.default_params(), agent, params, 5, 4,
                         devices=jax.local_device_count() + 1)
