"""Agent-steps per second of ``kd.rollout_batch`` against hand-written baselines.

Agent: 2-armed Bernoulli bandit (p = 0.3, 0.7), asymmetric Rescorla-Wagner
(alpha+ = 0.3, alpha- = 0.1) with a softmax actor (beta = 5), T trials.

Columns, all measured in the same run:
  (a) kdgap      ``kd.rollout_batch(..., record="summary")`` (full summary accumulators);
  (a') kd-regret the same call inside the caller's ``jax.jit``, keeping only ``regret_sum``:
                 XLA drops the accumulators nobody reads, so this is the library computing
                 what the hand-written loops compute (bit-identical regrets: tested);
  (a") kd-traced the call (a) inside the caller's ``jax.jit`` with the env and agent params
                 as traced arguments, all accumulators returned: the parameters are then
                 checked inside the computation (kdgap_sim.traced_checks: domain flags,
                 NaN poisoning, checkify checks); the ratio a"/a is that check's cost.
                 (a) and (a") are timed in turn, so that changes in the machine's load
                 hit both alike; ``--kdgap-only`` measures just these two;
  (b) fused      a hand-written fused JAX scan of the same agent with the same random
                 stream (bit-identical actions: checked below), tracking only regret,
                 drawing with ``jax.random`` (whose CPU lowering of the hash is a rolled loop);
  (b+) fused-fast the same loop drawing the same numbers with ``kdgap_sim.threefry``
                 (the hash written out so XLA fuses it): the fastest hand-written loop
                 for this stream, tracking only regret;
  (b') fused-1rng the jax.random loop drawing all of a trial's uniforms with one
                 ``uniform(fold_in(key, t), (K + 1,))`` call: the cheapest stream one
                 would write by hand with jax.random (a different stream, same distribution);
  (d) one-hash   a ceiling, not the same numbers: the least a loop can do with a
                 counter-based stream of this quality. One Threefry-2x32 hash per
                 agent-trial (its two words: the action's uniform and the chosen arm's
                 outcome), written batch-first over agents, tracking only regret;
  (c) numpy      a NumPy loop over trials, vectorised over agents.

Usage: python benchmarks/rollout_throughput.py [--agents 1000 10000 100000] [--steps 1000] [--devices 2]
       [--vector-width 512] [--kdgap-only]
Writes benchmarks/results/rollout_throughput_<platform>[_<N>dev][_traced][_vw<W>].json.

``--devices N`` (CPU) starts JAX with N host devices
(``--xla_force_host_platform_device_count``), so that ``kd.rollout_batch`` splits
the agents between N cores; the hand-written loops are run with the same
split (their keys laid out over the same devices), the NumPy loop is one
process as always.

``--vector-width W`` (CPU) starts JAX with ``--xla_cpu_prefer_vector_width=W``:
XLA's CPU compiler vectorises for 256-bit registers by default, and on a CPU
with AVX-512 (``grep avx512f /proc/cpuinfo``) 512 lets the loops use all of it.
It changes speed, not results (tests/test_rollout_devices.py checks bit for bit).
The NumPy loop does not depend on it.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import platform
import sys
import time


def _early_option(argv, name: str) -> int:
    """Options that set XLA flags must act before JAX starts, so they are read before the import."""
    for i, arg in enumerate(argv):
        if arg == name and i + 1 < len(argv):
            return int(argv[i + 1])
        if arg.startswith(name + "="):
            return int(arg.split("=", 1)[1])
    return 0


_EARLY_FLAGS = {
    "--devices": "--xla_force_host_platform_device_count={}",
    "--vector-width": "--xla_cpu_prefer_vector_width={}",
}
for _option, _flag in _EARLY_FLAGS.items():
    if _early_option(sys.argv[1:], _option):
        os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " "
                                   + _flag.format(_early_option(sys.argv[1:], _option))).strip()

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

import kdgap_sim as kd  # noqa: E402
from kdgap_sim import threefry  # noqa: E402
from kdgap_sim.rollout import seed_sharding  # noqa: E402

PROBS = (0.3, 0.7)
A_POS, A_NEG, BETA = 0.3, 0.1, 5.0


def kdgap_setup():
    env = kd.envs.BernoulliBandit(n_arms=2)
    env_params = env.default_params().replace(probs=jnp.array(PROBS, jnp.float32))
    agent = kd.agents.Agent(kd.agents.RescorlaWagner(asymmetric=True), kd.agents.Softmax())
    params = agent.default_params().replace(alpha_pos=A_POS, alpha_neg=A_NEG, beta=BETA)
    return env, env_params, agent, params


def run_kdgap(key, n_agents, n_steps, unroll):
    env, env_params, agent, params = kdgap_setup()
    out = kd.rollout_batch(key, env, env_params, agent, params, n_steps, n_agents, unroll=unroll)
    return out.regret_sum


def make_kdgap_regret_only(n_agents, n_steps, unroll):
    """Column (a'): the public call inside a jit that returns only the regret."""
    env, env_params, agent, params = kdgap_setup()

    def run(key):
        return kd.rollout_batch(key, env, env_params, agent, params, n_steps, n_agents, unroll=unroll).regret_sum

    return jax.jit(run)


def make_kdgap_traced(n_agents, n_steps, unroll):
    """Column (a"): the public call inside a jit whose params are traced (checked in the trace)."""
    env, env_params, agent, params = kdgap_setup()

    def run(key, env_params, params):
        return kd.rollout_batch(key, env, env_params, agent, params, n_steps, n_agents, unroll=unroll)

    jitted = jax.jit(run)
    return lambda key: jitted(key, env_params, params)


def _fused_one(key, n_steps, unroll, one_draw, rng=jax.random):
    probs = jnp.array(PROBS, jnp.float32)
    n = probs.shape[0]
    _, trials_key = jax.random.split(key)

    def body(carry, _):
        t, q, regret = carry
        k_t = rng.fold_in(trials_key, t)
        if one_draw:
            u = rng.uniform(k_t, (n + 1,))
            u_act, u_out = u[0], u[1:]
        else:
            u_act = rng.uniform(rng.fold_in(k_t, 1))
            u_out = rng.uniform(rng.fold_in(k_t, 2), (n,))
        p = jax.nn.softmax(BETA * q)
        cdf = jnp.cumsum(p)
        action = jnp.minimum(jnp.sum(cdf <= u_act * cdf[-1]), n - 1)
        onehot = jax.nn.one_hot(action, n, dtype=jnp.float32)
        outcomes = (u_out < probs).astype(jnp.float32)
        error = outcomes - q
        q = q + onehot * jnp.where(error > 0, A_POS, A_NEG) * error
        regret = regret + jnp.max(probs) - jnp.sum(probs * onehot)
        return (t + 1, q, regret), action

    init = (jnp.int32(0), jnp.full((n,), 0.5, jnp.float32), jnp.float32(0.0))
    (_, _, regret), actions = jax.lax.scan(body, init, None, length=n_steps, unroll=unroll)
    return regret, actions


def make_fused(n_steps, unroll, one_draw, with_actions=False, rng=jax.random):
    sharding = seed_sharding()  # the agents split over the devices, as kdgap's

    def run(keys):
        if sharding is not None:
            keys = jax.lax.with_sharding_constraint(keys, sharding)
        regret, actions = jax.vmap(lambda k: _fused_one(k, n_steps, unroll, one_draw, rng))(keys)
        return (regret, actions) if with_actions else regret

    return jax.jit(run)


def make_one_hash(n_steps, unroll):
    """Column (d): one hash per agent-trial, batch-first, regret only (keys as raw words)."""
    sharding = seed_sharding()
    p0, p1 = PROBS

    def to_unit(word):  # 23 random mantissa bits -> [0, 1), as jax.random.uniform does
        return jax.lax.bitcast_convert_type((word >> 9) | jnp.uint32(0x3F800000), jnp.float32) - 1.0

    def run(keys):
        if sharding is not None:
            keys = jax.lax.with_sharding_constraint(keys, sharding)
        words = jax.random.key_data(keys)
        k0, k1 = words[:, 0], words[:, 1]

        def body(carry, t):
            q0, q1, regret = carry
            w0, w1 = threefry.hash_2x32((k0, k1), (jnp.full_like(k0, t), jnp.zeros_like(k0)))
            pick_1 = to_unit(w0) >= 1.0 - jax.nn.sigmoid(BETA * (q1 - q0))
            p_taken = jnp.where(pick_1, p1, p0)
            q_taken = jnp.where(pick_1, q1, q0)
            error = (to_unit(w1) < p_taken).astype(jnp.float32) - q_taken
            q_taken = q_taken + jnp.where(error > 0, A_POS, A_NEG) * error
            q0, q1 = jnp.where(pick_1, q0, q_taken), jnp.where(pick_1, q_taken, q1)
            return (q0, q1, regret + (max(p0, p1) - p_taken)), None

        start = jnp.full(k0.shape, 0.5, jnp.float32)
        init = (start, start, jnp.zeros_like(start))
        return jax.lax.scan(body, init, jnp.arange(n_steps, dtype=jnp.uint32), unroll=unroll)[0][2]

    return jax.jit(run)


def run_numpy(seed, n_agents, n_steps):
    rng = np.random.default_rng(seed)
    probs = np.array(PROBS)
    q = np.full((n_agents, 2), 0.5)
    regret = np.zeros(n_agents)
    rows = np.arange(n_agents)
    for _ in range(n_steps):
        u = rng.random((n_agents, 3))
        logits = BETA * q
        p1 = 1.0 / (1.0 + np.exp(logits[:, 0] - logits[:, 1]))
        action = (u[:, 0] >= 1.0 - p1).astype(np.int64)
        outcome = (u[rows, 1 + action] < probs[action]).astype(np.float64)
        chosen = q[rows, action]
        error = outcome - chosen
        q[rows, action] = chosen + np.where(error > 0, A_POS, A_NEG) * error
        regret += probs.max() - probs[action]
    return regret


def best_time(fn, repeats):
    fn()  # warm-up (compilation)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        jax.block_until_ready(fn())
        times.append(time.perf_counter() - start)
    return min(times)


def best_times_interleaved(fns, repeats):
    """Best time of each of ``fns``, called in turn ``repeats`` times (load drift hits them alike)."""
    for fn in fns:
        fn()  # warm-up (compilation)
    times = [[] for _ in fns]
    for _ in range(repeats):
        for fn, out in zip(fns, times):
            start = time.perf_counter()
            jax.block_until_ready(fn())
            out.append(time.perf_counter() - start)
    return [min(t) for t in times]


def write_results(out, default_name: str, fields: dict) -> None:
    """Writes ``fields`` with the machine's description as JSON to ``out`` or results/<default_name>."""
    device = jax.devices()[0]
    path = pathlib.Path(out or pathlib.Path(__file__).parent / "results" / default_name)
    path.parent.mkdir(parents=True, exist_ok=True)
    machine = {"device": f"{device.platform} ({device.device_kind})", "n_devices": len(jax.devices()),
               "jax": jax.__version__, "host": platform.node(), "cpu_count": os.cpu_count()}
    benchmark = {"benchmark": fields["benchmark"]}  # first in the file, then the machine
    path.write_text(json.dumps({**benchmark, **machine, **fields}, indent=2))
    print(f"wrote {path}")


def check_parity(n_steps=200, n_agents=64):
    """kdgap's actions equal the hand-written fused loop's, bit for bit."""
    env, env_params, agent, params = kdgap_setup()
    key = jax.random.key(0)
    out = kd.rollout_batch(key, env, env_params, agent, params, n_steps, n_agents, record="trajectory")
    keys = kd.seed_keys(key, n_agents)
    _, actions = make_fused(n_steps, 1, False, with_actions=True)(keys)
    _, actions_fast = make_fused(n_steps, 1, False, with_actions=True, rng=threefry)(keys)
    return bool(np.array_equal(np.asarray(out.action), np.asarray(actions))
                and np.array_equal(np.asarray(out.action), np.asarray(actions_fast)))


def print_table(rows, unrolls):
    """The full table of all columns."""
    header = (f"{'agents':>8} {'kdgap':>10} {'kd-traced':>10} {'a2/a':>6} {'kd-regret':>10} {'fused':>10} {'fused-fast':>10} {'fused-1rng':>10} "
              f"{'one-hash':>10} {'numpy':>10} {'a/b':>6} {'a1/b':>6} {'a/b+':>6} {'a/b1':>6} {'a/c':>6} {'a1/c':>6} "
              f"{'d/c':>6}")
    print("agent-steps per second (best over unroll factors " + str(unrolls) + ")")
    print(header)
    for r in rows:
        numpy_text = f"{r['numpy']:10.3g}" if "numpy" in r else f"{'-':>10}"
        ratios_c = " ".join(f"{r[k]:6.1f}" if k in r else f"{'-':>6}" for k in
                            ("ratio_kdgap_vs_numpy", "ratio_kdregret_vs_numpy", "ratio_onehash_vs_numpy"))
        print(f"{r['agents']:>8} {r['kdgap_best']:10.3g} {r['kdtraced_best']:10.3g} "
              f"{r['ratio_kdtraced_vs_kdgap']:6.3f} {r['kdregret_best']:10.3g} {r['fused_best']:10.3g} "
              f"{r['fusedfast_best']:10.3g} {r['fused1rng_best']:10.3g} {r['onehash_best']:10.3g} {numpy_text} "
              f"{r['ratio_kdgap_vs_fused']:6.2f} {r['ratio_kdregret_vs_fused']:6.2f} "
              f"{r['ratio_kdgap_vs_fusedfast']:6.2f} {r['ratio_kdgap_vs_fused1rng']:6.2f} {ratios_c}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--agents", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--unroll", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--numpy-max", type=int, default=100_000, help="largest size for the NumPy loop")
    parser.add_argument("--devices", type=int, default=0,
                        help="CPU host devices to split the agents over (read before JAX starts)")
    parser.add_argument("--vector-width", type=int, default=0, choices=[0, 128, 256, 512],
                        help="XLA CPU's preferred SIMD width in bits (0: XLA's default; read before JAX starts)")
    parser.add_argument("--kdgap-only", action="store_true",
                        help="only columns (a) and (a\"): the cost of checking traced parameters")
    parser.add_argument("--out", default=None)
    args = parser.parse_args(argv)

    device = jax.devices()[0]
    parity = check_parity()
    print(f"device: {device.platform} ({device.device_kind}), jax {jax.__version__}, "
          f"{len(jax.devices())} device(s); kdgap == fused actions: {parity}")
    rows = []
    key = jax.random.key(0)
    for n_agents in args.agents:
        keys = kd.seed_keys(key, n_agents)
        work = n_agents * args.steps
        row = {"agents": n_agents, "steps": args.steps}
        for unroll in args.unroll:
            traced = make_kdgap_traced(n_agents, args.steps, unroll)
            plain_s, traced_s = best_times_interleaved(
                [lambda: run_kdgap(key, n_agents, args.steps, unroll), lambda: traced(key)], args.repeats)
            row[f"kdgap_u{unroll}"], row[f"kdtraced_u{unroll}"] = work / plain_s, work / traced_s
            if args.kdgap_only:
                continue
            regret_only = make_kdgap_regret_only(n_agents, args.steps, unroll)
            row[f"kdregret_u{unroll}"] = work / best_time(lambda: regret_only(key), args.repeats)
            fused = make_fused(args.steps, unroll, False)
            row[f"fused_u{unroll}"] = work / best_time(lambda: fused(keys), args.repeats)
            fused_fast = make_fused(args.steps, unroll, False, rng=threefry)
            row[f"fusedfast_u{unroll}"] = work / best_time(lambda: fused_fast(keys), args.repeats)
            fused1 = make_fused(args.steps, unroll, True)
            row[f"fused1rng_u{unroll}"] = work / best_time(lambda: fused1(keys), args.repeats)
            one_hash = make_one_hash(args.steps, unroll)
            row[f"onehash_u{unroll}"] = work / best_time(lambda: one_hash(keys), args.repeats)
        if n_agents <= args.numpy_max:
            row["numpy"] = work / best_time(lambda: run_numpy(0, n_agents, args.steps), 1)
        best = lambda prefix: max(v for k, v in row.items() if k.startswith(prefix + "_u"))  # noqa: E731
        if args.kdgap_only:
            row["kdgap_best"], row["kdtraced_best"] = best("kdgap"), best("kdtraced")
            row["ratio_kdtraced_vs_kdgap"] = row["kdtraced_best"] / row["kdgap_best"]
            rows.append(row)
            continue
        row["kdgap_best"], row["fused_best"], row["fused1rng_best"] = best("kdgap"), best("fused"), best("fused1rng")
        row["kdregret_best"], row["kdtraced_best"] = best("kdregret"), best("kdtraced")
        row["ratio_kdtraced_vs_kdgap"] = row["kdtraced_best"] / row["kdgap_best"]
        row["fusedfast_best"], row["onehash_best"] = best("fusedfast"), best("onehash")
        row["ratio_kdgap_vs_fused"] = row["kdgap_best"] / row["fused_best"]
        row["ratio_kdregret_vs_fused"] = row["kdregret_best"] / row["fused_best"]
        row["ratio_kdgap_vs_fusedfast"] = row["kdgap_best"] / row["fusedfast_best"]
        row["ratio_kdgap_vs_fused1rng"] = row["kdgap_best"] / row["fused1rng_best"]
        if "numpy" in row:
            row["ratio_kdgap_vs_numpy"] = row["kdgap_best"] / row["numpy"]
            row["ratio_kdregret_vs_numpy"] = row["kdregret_best"] / row["numpy"]
            row["ratio_onehash_vs_numpy"] = row["onehash_best"] / row["numpy"]
        rows.append(row)

    if args.kdgap_only:
        print("agent-steps per second (best over unroll factors " + str(args.unroll) + ")")
        print(f"{'agents':>8} {'kdgap':>10} {'kd-traced':>10} {'a2/a':>6}")
        for r in rows:
            print(f"{r['agents']:>8} {r['kdgap_best']:10.3g} {r['kdtraced_best']:10.3g} "
                  f"{r['ratio_kdtraced_vs_kdgap']:6.3f}")
    if not args.kdgap_only:
        print_table(rows, args.unroll)
    suffix = f"_{len(jax.devices())}dev" if len(jax.devices()) > 1 else ""
    suffix += "_traced" if args.kdgap_only else ""
    suffix += f"_vw{args.vector_width}" if args.vector_width else ""
    write_results(args.out, f"rollout_throughput_{device.platform}{suffix}.json", {
        "benchmark": "rollout_throughput",
        "xla_flags": os.environ.get("XLA_FLAGS", ""),
        "parity_kdgap_equals_fused": parity,
        "load_average_at_end": os.getloadavg(),
        "rows": rows,
    })


if __name__ == "__main__":
    main()
