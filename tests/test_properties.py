"""Property tests: random malformed inputs to public entry points raise ValueError/TypeError.

Nothing malformed may reach JAX: each case must fail with a clear error that
names the offending parameter, never with an error from inside a trace.
"""

import math

import jax
import jax.numpy as jnp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jax.experimental import checkify

import kdgap_sim as kd
from kdgap_sim import config

ENV = kd.envs.BernoulliBandit(n_arms=3)
AGENT, PARAMS = kd.agents.profile("llm-2b-like")
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

bad_probability = st.one_of(
    st.floats(min_value=1.0001, max_value=1e6),
    st.floats(max_value=-1e-4, min_value=-1e6),
    st.just(math.nan),
    st.just(math.inf),
)
not_a_number = st.one_of(st.text(max_size=5), st.none(), st.dictionaries(st.text(max_size=2), st.integers(), max_size=2))


@SETTINGS
@given(index=st.integers(0, 2), value=bad_probability)
def test_rollout_rejects_bad_env_probabilities(index, value):
    probs = [0.2, 0.5, 0.8]
    probs[index] = value
    env_params = ENV.default_params().replace(probs=jnp.array(probs))
    with pytest.raises(ValueError, match="probs"):
        kd.rollout(jax.random.key(0), ENV, env_params, AGENT, PARAMS, 5)


@SETTINGS
@given(length=st.integers(0, 6).filter(lambda n: n != 3))
def test_rollout_rejects_wrong_shapes(length):
    env_params = ENV.default_params().replace(probs=jnp.full((length,), 0.5))
    with pytest.raises(ValueError, match="shape"):
        kd.rollout(jax.random.key(0), ENV, env_params, AGENT, PARAMS, 5)


unit_names = ["follow_prob", "rationale_error"]
nonneg_names = ["beta", "kappa", "exploration"]


@SETTINGS
@given(name=st.sampled_from(unit_names + nonneg_names), value=bad_probability)
def test_rollout_rejects_bad_agent_params(name, value):
    if name in nonneg_names and value > 0 and math.isfinite(value):
        value = -value
    with pytest.raises(ValueError, match=name):
        kd.rollout(jax.random.key(0), ENV, ENV.default_params(), AGENT, PARAMS.replace(**{name: value}), 5)


@SETTINGS
@given(name=st.sampled_from(unit_names + nonneg_names), value=not_a_number)
def test_rollout_rejects_non_numeric_params(name, value):
    with pytest.raises(TypeError, match=name):
        kd.rollout(jax.random.key(0), ENV, ENV.default_params(), AGENT, PARAMS.replace(**{name: value}), 5)


@SETTINGS
@given(n_steps=st.one_of(st.integers(max_value=0), st.floats(), st.text(max_size=3), st.none()))
def test_rollout_and_batch_reject_bad_counts(n_steps):
    with pytest.raises((ValueError, TypeError), match="n_steps"):
        kd.rollout(jax.random.key(0), ENV, ENV.default_params(), AGENT, PARAMS, n_steps)
    with pytest.raises((ValueError, TypeError), match="n_seeds"):
        kd.rollout_batch(jax.random.key(0), ENV, ENV.default_params(), AGENT, PARAMS, 5, n_steps)


@SETTINGS
@given(name=st.text(min_size=1, max_size=12).filter(lambda s: s not in kd.envs.registered()))
def test_make_rejects_unknown_names(name):
    with pytest.raises(ValueError, match="unknown environment"):
        kd.envs.make(name)
    with pytest.raises(ValueError, match="unknown"):
        kd.agents.make_agent(name, "greedy")
    with pytest.raises(ValueError, match="unknown"):
        kd.agents.make_agent("ucb", name)


@SETTINGS
@given(n_arms=st.one_of(st.integers(max_value=0), st.floats(allow_nan=True), st.text(max_size=2)))
def test_env_constructors_reject_bad_n_arms(n_arms):
    with pytest.raises((ValueError, TypeError), match="n_arms"):
        kd.envs.BernoulliBandit(n_arms=n_arms)


@SETTINGS
@given(key=st.from_regex(r"[a-z][a-z0-9_]{0,7}", fullmatch=True).filter(lambda k: k not in config.SIMULATION_KEYS))
def test_config_rejects_unknown_top_level_keys(tmp_path_factory, key):
    path = tmp_path_factory.mktemp("cfg") / "c.toml"
    path.write_text(f'{key} = 1\n[env]\nname = "bernoulli-bandit"\n[agents.a]\nprofile = "greedy"\n')
    with pytest.raises(ValueError, match=key):
        config.load_simulation(path)


@SETTINGS
@given(repeats=st.lists(st.integers(max_value=-1), min_size=1, max_size=3))
def test_frequency_bias_curve_rejects_negative_repeats(repeats):
    with pytest.raises(ValueError, match="repeats"):
        kd.metrics.frequency_bias_curve(jax.random.key(0), AGENT, PARAMS, 3, repeats)


# -- traced parameters: checked inside jit/vmap (kdgap_sim.traced_checks) -------------------------

_TRACED_RUNS = {}


def _traced_run(name):
    """One jitted rollout_batch per parameter name, the parameter's value traced."""
    if name not in _TRACED_RUNS:
        def run(value):
            return kd.rollout_batch(jax.random.key(0), ENV, ENV.default_params(), AGENT,
                                    PARAMS.replace(**{name: value}), n_steps=6, n_seeds=3)
        _TRACED_RUNS[name] = (jax.jit(run), jax.jit(checkify.checkify(run)))
    return _TRACED_RUNS[name]


def _out_of_domain(name, value):
    if name in nonneg_names and value > 0 and math.isfinite(value):
        return -value
    return value


@SETTINGS
@given(name=st.sampled_from(unit_names + nonneg_names), value=bad_probability)
def test_traced_bad_agent_params_poison_the_result(name, value):
    value = _out_of_domain(name, value)
    out = _traced_run(name)[0](value)
    assert bool(jnp.all(out.invalid_params))
    assert bool(jnp.all(jnp.isnan(out.reward_sum))) and bool(jnp.all(out.n_steps == -1))
    assert bool(jnp.all(jnp.isnan(kd.metrics.follow_rate(out))))


@SETTINGS
@given(name=st.sampled_from(unit_names + nonneg_names), value=bad_probability)
def test_traced_bad_agent_params_fail_checkify_naming_the_parameter(name, value):
    value = _out_of_domain(name, value)
    err, _ = _traced_run(name)[1](value)
    with pytest.raises(ValueError, match=f"agent_params\\..*{name} must be"):
        err.throw()


@SETTINGS
@given(name=st.sampled_from(unit_names), value=st.floats(0.0, 1.0))
def test_traced_good_agent_params_match_the_eager_run(name, value):
    out = _traced_run(name)[0](value)
    err, _ = _traced_run(name)[1](value)
    err.throw()  # no error
    eager = kd.rollout_batch(jax.random.key(0), ENV, ENV.default_params(), AGENT,
                             PARAMS.replace(**{name: jnp.float32(value)}), n_steps=6, n_seeds=3)
    assert not bool(jnp.any(out.invalid_params))
    assert out.follow_count.tolist() == eager.follow_count.tolist()


@SETTINGS
@given(index=st.integers(0, 2), value=bad_probability)
def test_traced_bad_env_probabilities_poison_each_vmapped_point(index, value):
    probs = jnp.array([[0.2, 0.5, 0.8], [0.2, 0.5, 0.8]]).at[1, index].set(value)
    run = _TRACED_RUNS.setdefault("probs", jax.jit(jax.vmap(
        lambda p: kd.rollout(jax.random.key(0), ENV, ENV.default_params().replace(probs=p), AGENT, PARAMS, 5))))
    out = run(probs)
    assert out.invalid_params.tolist() == [False, True]
    assert math.isnan(float(out.regret_sum[1])) and not math.isnan(float(out.regret_sum[0]))
