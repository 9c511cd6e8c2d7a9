import jax
import jax.numpy as jnp
import numpy as np
import pytest

import kdgap_sim as kd
from kdgap_sim.agents.actors import empty_history, push_action, sample_from_probs
from kdgap_sim.types import Rationale

RAT = Rationale(action=jnp.int32(2), confidence=jnp.float32(0.5), correct=jnp.bool_(True))
BELIEFS = jnp.array([1.0, 0.0, 0.0])


def test_rationale_following_follows_at_rho_within_three_standard_errors():
    """Fallback (greedy on beliefs) picks action 0, the rationale says 2: the action
    equals the rationale only when the actor follows. n = 20000 draws, binomial s.e."""
    actor = kd.agents.RationaleFollowing(fallback=kd.agents.Greedy())
    params = actor.default_params().replace(follow_prob=0.64)
    history = actor.init(3)
    keys = jax.random.split(jax.random.key(0), 20000)
    actions = jax.vmap(lambda k: actor.act(k, history, BELIEFS, RAT, params))(keys)
    follow = float(jnp.mean(actions == 2))
    se = np.sqrt(0.64 * 0.36 / keys.shape[0])
    assert abs(follow - 0.64) < 3 * se
    assert set(np.unique(np.asarray(actions))) == {0, 2}


@pytest.mark.parametrize(
    ("actor", "change", "expected"),
    [
        (kd.agents.Greedy(), {}, [1.0, 0.0, 0.0]),
        (kd.agents.Softmax(), {"beta": 2.0}, np.exp([2.0, 0.0, 0.0]) / np.exp([2.0, 0.0, 0.0]).sum()),
        (kd.agents.EpsilonGreedy(), {"epsilon": 0.3}, [0.7 + 0.1, 0.1, 0.1]),
        (kd.agents.RationaleFollowing(), {"follow_prob": 0.25}, [0.75, 0.0, 0.25]),
    ],
)
def test_action_probs_by_hand(actor, change, expected):
    params = actor.default_params().replace(**change)
    probs = actor.action_probs(actor.init(3), BELIEFS, RAT, params)
    np.testing.assert_allclose(probs, expected, rtol=1e-6, atol=1e-7)


def test_greedy_splits_ties_uniformly():
    probs = kd.agents.Greedy().action_probs(empty_history(3, 0), jnp.array([1.0, 1.0, 0.0]), RAT, None)
    np.testing.assert_allclose(probs, [0.5, 0.5, 0.0])


def test_frequency_biased_bonus_by_hand():
    actor = kd.agents.FrequencyBiased(context_window=4)
    params = actor.default_params().replace(beta=0.0, kappa=1.5)
    history = actor.init(2)
    for a in [1, 1, 1]:
        history = actor.update(history, jnp.int32(a))
    probs = actor.action_probs(history, jnp.zeros(2), RAT, params)
    expected = np.array([1.0, 4.0**1.5]) / (1.0 + 4.0**1.5)
    np.testing.assert_allclose(probs, expected, rtol=1e-6)


def test_history_ring_buffer_evicts_oldest():
    h = empty_history(3, 2)
    for a in [0, 1, 2]:
        h = push_action(h, jnp.int32(a))
    np.testing.assert_array_equal(h.counts, [0, 1, 1])


def test_inverse_cdf_sampling_frequencies():
    probs = jnp.array([0.2, 0.0, 0.5, 0.3])
    u = jax.random.uniform(jax.random.key(3), (40000,))
    actions = np.asarray(jax.vmap(lambda x: sample_from_probs(x, probs))(u))
    freq = np.bincount(actions, minlength=4) / actions.size
    se = np.sqrt(np.asarray(probs) * (1 - np.asarray(probs)) / actions.size)
    assert freq[1] == 0.0
    assert np.all(np.abs(freq - np.asarray(probs)) <= 4 * se + 1e-12)


def test_actor_param_validation():
    actor = kd.agents.RationaleFollowing(fallback=kd.agents.Softmax())
    with pytest.raises(ValueError, match=r"actor\.fallback\.beta"):
        actor.validate_params(actor.default_params().replace(beta=-1.0))
    with pytest.raises(ValueError, match="follow_prob"):
        actor.validate_params(actor.default_params().replace(follow_prob=jnp.nan))
    with pytest.raises(TypeError, match="fallback"):
        kd.agents.RationaleFollowing(fallback="greedy")
    with pytest.raises(ValueError, match="context_window"):
        kd.agents.FrequencyBiased(context_window=0)
