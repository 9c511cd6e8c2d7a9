import jax
import jax.numpy as jnp
import numpy as np
import pytest

import kdgap_sim as kd
import importlib

rollout_module = importlib.import_module("kdgap_sim.rollout")


def _tree_equal(a, b):
    leaves_a, leaves_b = jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b)
    return len(leaves_a) == len(leaves_b) and all(
        np.array_equal(np.asarray(x), np.asarray(y)) for x, y in zip(leaves_a, leaves_b)
    )


@pytest.mark.parametrize("profile", [
    "knowing-doing-ucb", "optimistic-rw",
    # the other two take ~10 s each without jit: in the slow stage
    pytest.param("llm-2b-like", marks=pytest.mark.slow), pytest.param("thompson", marks=pytest.mark.slow)])
def test_jit_and_no_jit_give_identical_results(profile, bandit):
    env, env_params = bandit
    agent, params = kd.agents.profile(profile)
    key = jax.random.key(3)
    jitted = kd.rollout(key, env, env_params, agent, params, 30, record="trajectory")
    with jax.disable_jit():
        eager = kd.rollout(key, env, env_params, agent, params, 30, record="trajectory")
    np.testing.assert_array_equal(jitted.action, eager.action)
    np.testing.assert_array_equal(jitted.rationale.action, eager.rationale.action)
    np.testing.assert_allclose(jitted.beliefs, eager.beliefs, rtol=1e-6, atol=1e-7)
    assert _tree_equal(jitted.summary.counts, eager.summary.counts)


def test_same_key_same_result_and_different_keys_differ(bandit, kdg_agent):
    env, env_params = bandit
    agent, params = kdg_agent
    a = kd.rollout(jax.random.key(1), env, env_params, agent, params, 50)
    b = kd.rollout(jax.random.key(1), env, env_params, agent, params, 50)
    c = kd.rollout(jax.random.key(2), env, env_params, agent, params, 50, record="trajectory")
    assert _tree_equal(a, b)
    assert not _tree_equal(a, c.summary)


def test_summary_equals_the_trajectory_summary(bandit, kdg_agent):
    env, env_params = bandit
    agent, params = kdg_agent
    s = kd.rollout(jax.random.key(4), env, env_params, agent, params, 40)
    t = kd.rollout(jax.random.key(4), env, env_params, agent, params, 40, record="trajectory")
    assert _tree_equal(s, t.summary)
    assert int(jnp.sum(t.action == t.rationale.action)) == int(s.follow_count)
    np.testing.assert_allclose(float(jnp.sum(t.regret)), float(s.regret_sum), rtol=1e-5)


def test_batch_seed_i_equals_single_rollout_with_folded_key(bandit, kdg_agent):
    env, env_params = bandit
    agent, params = kdg_agent
    key = jax.random.key(9)
    batch = kd.rollout_batch(key, env, env_params, agent, params, 25, n_seeds=6)
    small = kd.rollout_batch(key, env, env_params, agent, params, 25, n_seeds=3)
    single = kd.rollout(jax.random.fold_in(key, 4), env, env_params, agent, params, 25)
    assert _tree_equal(jax.tree_util.tree_map(lambda x: x[4], batch), single)
    assert _tree_equal(jax.tree_util.tree_map(lambda x: x[:3], batch), small)


def test_forced_actions_are_taken_and_marked(bandit):
    env, env_params = bandit
    agent = kd.agents.Agent(kd.agents.RescorlaWagner(), kd.agents.Greedy())
    forced = jnp.array([2, 2, -1, 0, -1], jnp.int32)
    out = kd.rollout(jax.random.key(0), env, env_params, agent, agent.default_params(), 5,
                     record="trajectory", forced_actions=forced)
    np.testing.assert_array_equal(out.forced, forced >= 0)
    np.testing.assert_array_equal(out.action[forced >= 0], forced[forced >= 0])


def test_ucb1_regret_between_lai_robbins_and_auer():
    """theory/THEORY.md section 1: Bernoulli (0.5, 0.6), T = 10^4, 50 runs.

    Lai-Robbins term sum D / KL * ln T = 45.1; Auer et al. bound 737.3. The mean
    regret must exceed the lower term and stay below the bound by 4 standard errors.
    """
    env = kd.envs.BernoulliBandit(n_arms=2)
    env_params = env.default_params().replace(probs=jnp.array([0.5, 0.6]))
    agent, params = kd.agents.profile("faithful-ucb")
    t_max = 10_000
    out = kd.rollout_batch(jax.random.key(11), env, env_params, agent, params, t_max, 50)
    regret = np.asarray(out.regret_sum, np.float64)
    mean, se = regret.mean(), regret.std(ddof=1) / np.sqrt(regret.size)
    gap = 0.1
    kl = 0.5 * np.log(0.5 / 0.6) + 0.5 * np.log(0.5 / 0.4)
    lai_robbins = gap / kl * np.log(t_max)
    auer = 8 * np.log(t_max) / gap + (1 + np.pi**2 / 3) * gap
    assert lai_robbins == pytest.approx(45.1, abs=0.1) and auer == pytest.approx(737.3, abs=0.1)
    assert mean - 4 * se > lai_robbins
    assert mean + 4 * se < auer


@pytest.mark.parametrize("profile", ["faithful-ucb", "thompson"])
def test_regret_grows_like_log_t(profile):
    """Regret added per doubling of T is constant under log T growth.

    With R_T = a + b ln T the increment R_2T - R_T = b ln 2 does not depend on T,
    so the ratio of the increment over [4096, 8192] to that over [512, 1024] is 1;
    sqrt(T) growth would give sqrt(8) = 2.83 and linear growth 8. Bernoulli
    (0.2, 0.8), 200 runs. The s.e. of the ratio comes from the per-run increments
    (delta method, treating the two increments as independent, which overstates it).
    We require the ratio to be within 4 s.e. of 1 + 0.15 (pre-asymptotic slack:
    UCB1's bonus still shrinks at T = 512) and to exclude sqrt(8) by 4 s.e.
    """
    env = kd.envs.BernoulliBandit(n_arms=2)
    env_params = env.default_params().replace(probs=jnp.array([0.2, 0.8]))
    agent, params = kd.agents.profile(profile)
    n_runs = 200
    out = kd.rollout_batch(jax.random.key(5), env, env_params, agent, params, 8192, n_runs,
                           record="trajectory")
    curve = np.cumsum(np.asarray(out.regret, np.float64), axis=1)
    early = curve[:, 1023] - curve[:, 511]
    late = curve[:, 8191] - curve[:, 4095]
    ratio = late.mean() / early.mean()
    rel_se = np.sqrt((late.std(ddof=1) / late.mean()) ** 2 + (early.std(ddof=1) / early.mean()) ** 2)
    se = ratio * rel_se / np.sqrt(n_runs)
    assert ratio + 4 * se < np.sqrt(8), (ratio, se)
    assert abs(ratio - 1.0) < 0.15 + 4 * se, (ratio, se)
    assert late.mean() > 0


def test_summary_memory_does_not_grow_with_n_steps(bandit, kdg_agent):
    env, env_params = bandit
    agent, params = kdg_agent
    shapes = []
    for n_steps in (10, 1000):
        lowered = jax.jit(
            lambda k: rollout_module._rollout_impl(
                k, env_params, params, None, env=env, agent=agent, n_steps=n_steps,
                record="summary", unroll=1)
        ).lower(jax.random.key(0))
        shapes.append(jax.tree_util.tree_map(lambda s: s.shape, lowered.out_info))
    assert shapes[0] == shapes[1]


def test_one_compilation_for_repeated_calls(bandit, kdg_agent):
    env, env_params = bandit
    agent, params = kdg_agent
    before = rollout_module._rollout_jit._cache_size()
    for seed in range(3):
        kd.rollout(jax.random.key(seed), env, env_params, agent, params.replace(follow_prob=0.1 * seed), 17)
    assert rollout_module._rollout_jit._cache_size() - before == 1


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"n_steps": 0}, ValueError, "n_steps"),
        ({"n_steps": 5.0}, TypeError, "n_steps"),
        ({"record": "everything"}, ValueError, "record"),
        ({"key": 0}, TypeError, "key"),
        ({"env": "bernoulli-bandit"}, TypeError, "env"),
        ({"agent": None}, TypeError, "agent"),
        ({"env_params": "probs"}, TypeError, "env_params"),
        ({"forced_actions": jnp.array([0, 1, 5, 0, 0])}, ValueError, "forced_actions"),
        ({"forced_actions": jnp.array([0, 1])}, ValueError, "forced_actions"),
        ({"unroll": 0}, ValueError, "unroll"),
    ],
)
def test_bad_arguments_raise_before_compilation(monkeypatch, bandit, kdg_agent, kwargs, error, match):
    env, env_params = bandit
    agent, params = kdg_agent

    def must_not_compile(*args, **kw):
        raise AssertionError("compilation reached with bad input")

    monkeypatch.setattr(rollout_module, "_rollout_jit", must_not_compile)
    arguments = dict(key=jax.random.key(0), env=env, env_params=env_params, agent=agent,
                     agent_params=params, n_steps=5)
    arguments.update(kwargs)
    with pytest.raises(error, match=match):
        kd.rollout(**arguments)


def test_bad_param_values_raise_before_compilation(monkeypatch, bandit, kdg_agent):
    env, env_params = bandit
    agent, params = kdg_agent
    monkeypatch.setattr(rollout_module, "_rollout_jit", None)
    with pytest.raises(ValueError, match=r"env_params\.probs"):
        kd.rollout(jax.random.key(0), env, env_params.replace(probs=jnp.array([0.1, 2.0, 0.3])),
                   agent, params, 5)
    with pytest.raises(ValueError, match=r"agent_params\.actor\.follow_prob"):
        kd.rollout(jax.random.key(0), env, env_params, agent, params.replace(follow_prob=-0.5), 5)
    with pytest.raises(ValueError, match="NaN"):
        kd.rollout(jax.random.key(0), env, env_params, agent, params.replace(follow_prob=jnp.nan), 5)


def _benchmark(name: str):
    """The script benchmarks/<name>.py, imported as a module (benchmarks/ is not a package)."""
    import importlib.util
    import pathlib

    path = pathlib.Path(__file__).parents[1] / "benchmarks" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _throughput_benchmark():
    return _benchmark("rollout_throughput")


def test_rollout_matches_the_hand_written_fused_loop_of_the_benchmark():
    """benchmarks/rollout_throughput.py's hand-fused loop (no library code) takes the
    same actions as kd.rollout_batch, bit for bit: the benchmark compares like with like."""
    assert _throughput_benchmark().check_parity(n_steps=60, n_agents=16)


def test_keeping_only_the_regret_inside_jit_changes_no_result():
    """The benchmark's column (a') jits kd.rollout_batch and returns only regret_sum, so XLA drops
    the other accumulators; the regrets must be those of the full summary, bit for bit."""
    bench = _throughput_benchmark()
    key = jax.random.key(5)
    full = np.asarray(bench.run_kdgap(key, 64, 80, 1))
    assert np.array_equal(np.asarray(bench.make_kdgap_regret_only(64, 80, 4)(key)), full)


def test_the_benchmarks_other_loops_simulate_the_same_agent():
    """The one-hash ceiling and the NumPy loop draw other numbers, but the same agent: their mean
    regret over 4,000 agents x 100 trials agrees with kd.rollout_batch's."""
    bench = _throughput_benchmark()
    n_agents, n_steps = 4000, 100
    key = jax.random.key(11)
    regrets = {
        "kdgap": np.asarray(bench.run_kdgap(key, n_agents, n_steps, 1)),
        "one-hash": np.asarray(bench.make_one_hash(n_steps, 1)(kd.seed_keys(key, n_agents))),
        "numpy": bench.run_numpy(11, n_agents, n_steps),
    }
    assert regrets["kdgap"].mean() > 1.0  # the agent is not trivially optimal: the comparison has teeth
    # Agents are independent, so each mean has standard error sd / sqrt(n); a difference beyond
    # 4 combined standard errors has probability < 1e-4 if the loops simulate the same agent.
    for name in ("one-hash", "numpy"):
        diff = regrets[name].mean() - regrets["kdgap"].mean()
        se = np.sqrt(regrets[name].var(ddof=1) / n_agents + regrets["kdgap"].var(ddof=1) / n_agents)
        assert abs(diff) < 4 * se, (name, diff, se)


def test_the_ceiling_benchmark_runs_the_one_hash_agent_and_counts_every_trial():
    """benchmarks/rollout_ceiling.py: with one hash and the regret only, its loop is column (d)
    of rollout_throughput.py bit for bit; carrying the summary changes no regret; more hashes
    change the numbers drawn; the carried counts add up to the number of trials."""
    ceiling = _benchmark("rollout_ceiling")
    n_agents, n_steps = 32, 50
    keys = kd.seed_keys(jax.random.key(3), n_agents)
    one_hash = np.asarray(_throughput_benchmark().make_one_hash(n_steps, 1)(keys))
    regret_only = ceiling.make_ceiling(n_steps, 1, False, 1)(keys)
    with_summary = ceiling.make_ceiling(n_steps, 1, True, 4)(keys)
    assert len(regret_only) == 3 and len(with_summary) == 3 + ceiling.SUMMARY_WORDS - 1
    assert np.array_equal(np.asarray(regret_only[2]), one_hash)
    assert np.array_equal(np.asarray(with_summary[2]), one_hash)
    n, counts = np.asarray(with_summary[3]), np.asarray(with_summary[5]) + np.asarray(with_summary[6])
    assert (n == n_steps).all() and (counts == n_steps).all()
    assert not np.array_equal(np.asarray(ceiling.make_ceiling(n_steps, 3, False, 1)(keys)[2]), one_hash)


class _BatchedActor(kd.agents.Greedy):
    """A user actor written for a batch: returns shape (1,) instead of one action."""

    def act(self, key, state, beliefs, rationale, params):
        return jnp.argmax(beliefs)[None]


class _FloatActor(kd.agents.Greedy):
    def act(self, key, state, beliefs, rationale, params):
        return jnp.argmax(beliefs).astype(jnp.float32)


class _ShortOutcomesBandit(kd.envs.BernoulliBandit):
    """A user environment whose outcomes drop the last arm."""

    def step(self, key, state, action, params):
        obs, state, feedback = super().step(key, state, action, params)
        return obs, state, feedback._replace(outcomes=feedback.outcomes[:-1])


@pytest.mark.parametrize("actor, message", [
    (_BatchedActor(), r"_BatchedActor.act\(...\) must be one action per agent"),
    (_FloatActor(), r"_FloatActor.act\(...\) must be an integer action"),
])
def test_a_component_breaking_the_one_agent_contract_is_named(actor, message):
    # chex's static asserts at the top of the trial (STYLE.md 8): caught while tracing, with
    # the component's name, instead of a shape error deep inside lax.scan.
    env = kd.envs.BernoulliBandit(n_arms=3)
    agent = kd.agents.Agent(kd.agents.UCB(), actor)
    with pytest.raises(TypeError, match=message):
        kd.rollout(jax.random.key(0), env, env.default_params(), agent, agent.default_params(), 5)


def test_an_environment_with_wrong_outcomes_is_named():
    env = _ShortOutcomesBandit(n_arms=3)
    agent, params = kd.agents.profile("greedy")
    with pytest.raises(TypeError, match=r"_ShortOutcomesBandit.step\(...\).outcomes .* \[n_actions\] = \[3\]"):
        kd.rollout_batch(jax.random.key(0), env, env.default_params(), agent, params, 5, 2)
