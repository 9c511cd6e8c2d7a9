"""Tests of kdgap_sim.training.policy: the learnable actor and its exact reference initialisation."""

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import kdgap_sim as kd
from kdgap_sim.agents.actors import push_action
from kdgap_sim.training import LearnedActor, from_reference
from kdgap_sim.types import Rationale


def _context(actor, actions, n=5):
    history = actor.init(n)
    for a in actions:
        history = push_action(history, jnp.int32(a))
    return history


@pytest.mark.parametrize("reference,params", [
    (kd.agents.RationaleFollowing(fallback=kd.agents.FrequencyBiased(context_window=7)),
     {"follow_prob": 0.3, "beta": 20.0, "kappa": 3.0}),
    (kd.agents.RationaleFollowing(fallback=kd.agents.Softmax()), {"follow_prob": 0.64, "beta": 4.0}),
    (kd.agents.FrequencyBiased(context_window=4), {"beta": 2.0, "kappa": 1.5}),
])
def test_from_reference_reproduces_the_reference_exactly(reference, params):
    ref_params = reference.default_params().replace(**params)
    learned, learned_params = from_reference(reference, ref_params)
    rng = np.random.default_rng(0)
    for _ in range(5):
        beliefs = jnp.asarray(rng.uniform(size=5), jnp.float32)
        rationale = Rationale(jnp.int32(rng.integers(5)), jnp.float32(0.7), jnp.bool_(True))
        actions = rng.integers(0, 5, rng.integers(0, 9))
        h_ref, h_new = _context(reference, actions), _context(learned, actions)
        np.testing.assert_allclose(
            learned.action_probs(h_new, beliefs, rationale, learned_params),
            reference.action_probs(h_ref, beliefs, rationale, ref_params), atol=1e-6)


def test_invalid_outputs_and_mlp():
    reference = kd.agents.RationaleFollowing(fallback=kd.agents.FrequencyBiased())
    learned, params = from_reference(reference, reference.default_params(), invalid_prob=0.2,
                                     hidden=3, key=jax.random.key(0))
    history = learned.init(4)
    beliefs = jnp.array([0.1, 0.2, 0.3, 0.4])
    rationale = Rationale(jnp.int32(1), jnp.float32(0.2), jnp.bool_(True))
    out = jnp.exp(learned.output_log_probs(history, beliefs, rationale, params))
    assert out.shape == (5,) and float(out[-1]) == pytest.approx(0.2, rel=1e-5)
    assert float(jnp.sum(out)) == pytest.approx(1.0, abs=1e-6)
    probs = learned.action_probs(history, beliefs, rationale, params)
    np.testing.assert_allclose(probs, out[:4] + 0.05, atol=1e-6)
    # The MLP starts with a zero output layer but a non-zero first layer, and changes the policy once trained.
    assert np.abs(params.hidden_weights).sum() > 0
    moved = dataclasses.replace(params, output_weights=jnp.ones(3))
    assert not np.allclose(learned.action_probs(history, beliefs, rationale, moved), probs)
    with pytest.raises(ValueError, match="key"):
        from_reference(reference, reference.default_params(), hidden=2)


def test_learned_actor_runs_in_core_rollout_and_validates():
    learned = LearnedActor(context_window=10)
    agent = kd.agents.Agent(kd.agents.UCB(), learned)
    env = kd.envs.make("bernoulli-bandit", n_arms=4)
    out = kd.rollout(jax.random.key(0), env, env.default_params(), agent, agent.default_params(), 30)
    assert int(out.n_steps) == 30
    bad = agent.default_params()
    bad = dataclasses.replace(bad, actor=dataclasses.replace(bad.actor, action_weights=jnp.zeros(3)))
    with pytest.raises(ValueError, match="action_weights"):
        kd.rollout(jax.random.key(0), env, env.default_params(), agent, bad, 30)
    with pytest.raises(ValueError, match="supports"):
        from_reference(kd.agents.Greedy(), kd.agents.Greedy().default_params())
    with pytest.raises(ValueError, match="invalid_prob"):
        from_reference(kd.agents.Softmax(), kd.agents.Softmax().default_params(), invalid_prob=1.0)
