"""Ceilings for summary-mode rollouts: the best a hand-written loop does with the same work.

``rollout_throughput.py`` compares ``kd.rollout_batch`` with hand-written loops that keep only the
regret. This script asks what the *work* of summary mode costs by itself, with no library code:
the agent of ``rollout_throughput.py`` (2-armed Bernoulli bandit, asymmetric Rescorla-Wagner,
softmax, T trials) written batch-first over agents with every per-agent quantity a scalar per arm,
so that each trial is one elementwise kernel (the best case for XLA's fusion), with two knobs:

  hashes   Threefry-2x32 hashes per agent-trial: hash ``j`` of counter ``(t, j)`` under the
           agent's key, all folded into the two words the trial uses. kdgap's stream costs six
           (trial key, actor key, the action's uniform, environment key, one per arm);
  summary  ``regret``: carry the two values and the regret sum (3 words per agent), as the
           hand-written loops of ``rollout_throughput.py`` do; ``summary``: also carry the
           16 words of kdgap's ``Summary`` for two actions (counts, first steps, last optimal
           step, six event counts, four float sums, the step count), updated every trial.

These loops simulate the same agent as kdgap but are not kdgap's numbers: they are ceilings,
not baselines, and only on an accelerator. On CPU, XLA computes a shared hash again inside each
of its consumers (the reason for ``kdgap_sim.threefry._computed_once``), so there the summary
variants run slower than ``kd.rollout_batch`` itself and bound nothing. With one hash and ``regret`` the loop is ``rollout_throughput.py``'s column (d)
bit for bit (tested). Usage:

  python benchmarks/rollout_ceiling.py --agents 1000000 10000000 [--hashes 1 3 6] [--unroll 1 8]

Writes benchmarks/results/rollout_ceiling_<platform>.json.
"""

from __future__ import annotations

import argparse
import pathlib
import sys
import time

import jax
import jax.numpy as jnp

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from rollout_throughput import A_NEG, A_POS, BETA, PROBS, best_time, write_results  # noqa: E402

import kdgap_sim as kd  # noqa: E402
from kdgap_sim import threefry  # noqa: E402

SUMMARY_WORDS = 16  # kdgap's Summary for two actions: 12 scalars + counts[2] + first_step[2]


def _to_unit(word):
    """23 random mantissa bits -> [0, 1), as ``jax.random.uniform`` maps them."""
    return jax.lax.bitcast_convert_type((word >> 9) | jnp.uint32(0x3F800000), jnp.float32) - 1.0


def _trial_words(k0, k1, t, n_hashes):
    """The two words a trial uses: hash ``(t, 0)``, XOR-ed with hashes ``(t, j)``, ``j < n_hashes``."""
    w0, w1 = threefry.hash_2x32((k0, k1), (jnp.full_like(k0, t), jnp.zeros_like(k0)))
    for j in range(1, n_hashes):  # independent counters, so the hashes can overlap
        h0, h1 = threefry.hash_2x32((k0, k1), (jnp.full_like(k0, t), jnp.full_like(k0, j)))
        w0, w1 = w0 ^ h0, w1 ^ h1
    return w0, w1


def make_ceiling(n_steps: int, n_hashes: int, with_summary: bool, unroll: int):
    """A jitted ``keys -> carry`` loop; the carry's third entry is each agent's regret sum."""
    p0, p1 = PROBS

    def run(keys):
        words = jax.random.key_data(keys)
        k0, k1 = words[:, 0], words[:, 1]

        def body(carry, t):
            q0, q1, regret = carry[:3]
            w0, w1 = _trial_words(k0, k1, t, n_hashes)
            pick_1 = _to_unit(w0) >= 1.0 - jax.nn.sigmoid(BETA * (q1 - q0))
            p_taken = jnp.where(pick_1, p1, p0)
            q_taken = jnp.where(pick_1, q1, q0)
            outcome = (_to_unit(w1) < p_taken).astype(jnp.float32)
            error = outcome - q_taken
            greedy = jnp.where(pick_1, q1 >= q0, q0 >= q1)
            recommended_1 = q1 > q0
            confidence = jnp.maximum(q0, q1)
            q_taken = q_taken + jnp.where(error > 0, A_POS, A_NEG) * error
            new = [jnp.where(pick_1, q0, q_taken), jnp.where(pick_1, q_taken, q1),
                   regret + (max(p0, p1) - p_taken)]
            if with_summary:
                (n, reward, c0, c1, f0, f1, last, optimal, n_greedy, follow, r_correct, r_optimal,
                 correct_follow, conf_sum, brier) = carry[3:]
                step = t.astype(jnp.int32)
                follows = pick_1 == recommended_1
                new += [n + 1, reward + outcome, c0 + ~pick_1, c1 + pick_1,
                        jnp.where((f0 < 0) & ~pick_1, step, f0), jnp.where((f1 < 0) & pick_1, step, f1),
                        jnp.where(pick_1, step, last), optimal + pick_1, n_greedy + greedy,
                        follow + follows, r_correct + 1, r_optimal + recommended_1,
                        correct_follow + follows, conf_sum + confidence,
                        brier + (confidence - outcome) ** 2]
            return tuple(new), None

        zero_f = jnp.zeros(k0.shape, jnp.float32)
        zero_i = jnp.zeros(k0.shape, jnp.int32)
        init = [zero_f + 0.5, zero_f + 0.5, zero_f]
        if with_summary:
            init += [zero_i, zero_f, zero_i, zero_i, zero_i - 1, zero_i - 1, zero_i - 1,
                     zero_i, zero_i, zero_i, zero_i, zero_i, zero_i, zero_f, zero_f]
            assert len(init) - 2 == SUMMARY_WORDS
        steps = jnp.arange(n_steps, dtype=jnp.uint32)
        return jax.lax.scan(body, tuple(init), steps, unroll=unroll)[0]

    return jax.jit(run)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--agents", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--hashes", type=int, nargs="+", default=[1, 3, 6])
    parser.add_argument("--unroll", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", default=None)
    args = parser.parse_args(argv)

    device = jax.devices()[0]
    print(f"device: {device.platform} ({device.device_kind}), jax {jax.__version__}")
    print(f"{'agents':>9} {'hashes':>6} {'carry':>8} {'unroll':>6} {'agent-steps/s':>14} {'first call s':>12}")
    rows = []
    for n_agents in args.agents:
        keys = kd.seed_keys(jax.random.key(0), n_agents)
        for n_hashes in args.hashes:
            for with_summary in (False, True):
                for unroll in args.unroll:
                    loop = make_ceiling(args.steps, n_hashes, with_summary, unroll)
                    start = time.perf_counter()
                    jax.block_until_ready(loop(keys))
                    first = time.perf_counter() - start
                    rate = n_agents * args.steps / best_time(lambda: loop(keys), args.repeats)
                    carry = "summary" if with_summary else "regret"
                    rows.append({"agents": n_agents, "steps": args.steps, "hashes": n_hashes, "carry": carry,
                                 "unroll": unroll, "agent_steps_per_s": rate, "first_call_s": first})
                    print(f"{n_agents:>9} {n_hashes:>6} {carry:>8} {unroll:>6} {rate:14.3g} {first:12.1f}",
                          flush=True)
    write_results(args.out, f"rollout_ceiling_{device.platform}.json",
                  {"benchmark": "rollout_ceiling", "summary_words": SUMMARY_WORDS, "rows": rows})

if __name__ == "__main__":
    main()
