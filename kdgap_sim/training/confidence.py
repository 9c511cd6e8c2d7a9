"""An answer-plus-confidence agent trained under binary, RLCR or log-score reward.

theory/THEORY.md section 6 (Damani et al. 2025, "Beyond Binary Rewards", arXiv
2507.16806). A task has ``n_items`` questions; item ``i`` has ``n_answers``
candidate answers, answer ``j`` being correct with probability ``c_ij``; its
difficulty bin ``b_i`` (the feature the agent sees) fixes how likely its best
answer is to be right. The agent has

- an answer head: logits per item and answer, :math:`\\pi(j \\mid i) = \\mathrm{softmax}_j(\\theta_{ij})`;
- a confidence head: a logit per difficulty bin, :math:`q_i = \\sigma(\\eta_{b_i})`,
  initialised overconfident (``initial_confidence`` = 0.9 by default, as a
  pre-trained model that states high confidence).

Training maximises the expected reward with one optax (Adam) step per batch
of ``samples_per_item`` answers per item. The answer head gets the
score-function (policy-gradient) term with a leave-one-out baseline; the
stated confidence enters the reward directly, so it gets the pathwise gradient
:math:`\\partial R / \\partial q`:

.. math:: \\nabla J = \\hat E\\big[(R - b)\\nabla\\log\\pi(j \\mid i)\\big]
   + \\hat E\\big[\\partial_q R(c, q)\\,\\nabla q\\big].

Under the binary reward :math:`\\partial_q R = 0`: the confidence never moves
from its initial value, so it stays as (over)confident as it started while
accuracy rises. Under RLCR :math:`E[\\partial_q R] = 2(p - q)`, which drives
:math:`q` to the accuracy of its bin: calibrated, at the same accuracy.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from kdgap_sim import validation
from kdgap_sim.metrics.calibration import brier_score, expected_calibration_error
from kdgap_sim.metrics.confidence_logs import binomial_interval
from kdgap_sim.rewards import REWARDS, answer_reward
from kdgap_sim.types import Array, PRNGKey

HISTORY = ("accuracy", "mean_confidence", "ece", "brier", "reward")


class ConfidenceTask(NamedTuple):
    """Items: correctness probabilities ``[n_items, n_answers]`` and difficulty bins ``[n_items]``."""

    correct_probs: Array
    bins: Array
    n_bins: int


class ConfidenceParams(NamedTuple):
    """Answer logits ``[n_items, n_answers]`` and confidence logits ``[n_bins]``."""

    answer_logits: Array
    confidence_logits: Array


def make_task(
    key: PRNGKey, n_items: int = 200, n_answers: int = 4, n_bins: int = 10,
    low: float = 0.1, high: float = 0.95,
) -> ConfidenceTask:
    """Random items: bin ``b`` has best-answer correctness ``low + (high-low)(b+1/2)/n_bins``.

    Each item draws its bin uniformly; its best answer (at a random position)
    has that probability, the others ``U(0, 0.6)`` times it.

    Example:
      >>> import jax
      >>> from kdgap_sim.training import confidence
      >>> task = confidence.make_task(jax.random.key(0), n_items=20)
      >>> task.correct_probs.shape
      (20, 4)
    """
    validation.check_key(key)
    for name, value in (("n_items", n_items), ("n_answers", n_answers), ("n_bins", n_bins)):
        validation.check_int(name, value, minimum=1)
    validation.check_in_domain("low", low, "unit")
    validation.check_in_domain("high", high, "unit")
    k_bin, k_other, k_pos = jax.random.split(key, 3)
    bins = jax.random.randint(k_bin, (n_items,), 0, n_bins)
    best = low + (high - low) * (bins + 0.5) / n_bins
    others = best[:, None] * jax.random.uniform(k_other, (n_items, n_answers), maxval=0.6)
    position = jax.random.randint(k_pos, (n_items,), 0, n_answers)
    probs = jnp.where(jax.nn.one_hot(position, n_answers, dtype=bool), best[:, None], others)
    return ConfidenceTask(correct_probs=probs.astype(jnp.float32), bins=bins.astype(jnp.int32), n_bins=n_bins)


def init_params(task: ConfidenceTask, initial_confidence: float = 0.9) -> ConfidenceParams:
    """Uniform answer policy, every bin stating ``initial_confidence``."""
    validation.check_in_domain("initial_confidence", initial_confidence, "unit")
    q = float(np.clip(initial_confidence, 1e-4, 1 - 1e-4))
    n_items, n_answers = task.correct_probs.shape
    return ConfidenceParams(
        answer_logits=jnp.zeros((n_items, n_answers), jnp.float32),
        confidence_logits=jnp.full((task.n_bins,), np.log(q) - np.log1p(-q), jnp.float32),
    )


def stated_confidence(task: ConfidenceTask, params: ConfidenceParams) -> Array:
    """Each item's stated confidence ``q_i = sigmoid(eta[b_i])``, ``[n_items]``."""
    return jax.nn.sigmoid(params.confidence_logits[task.bins])


def expected_accuracy(task: ConfidenceTask, params: ConfidenceParams) -> Array:
    """Exact accuracy of the answer policy, :math:`\\frac1n\\sum_i\\sum_j \\pi(j|i) c_{ij}`."""
    return jnp.mean(jnp.sum(jax.nn.softmax(params.answer_logits) * task.correct_probs, axis=-1))


def sample_answers(key: PRNGKey, task: ConfidenceTask, params: ConfidenceParams, n: int):
    """``n`` answers per item: ``(answers, correct, confidence)``, each ``[n_items, n]``."""
    k_answer, k_correct = jax.random.split(key)
    n_items = task.correct_probs.shape[0]
    answers = jax.random.categorical(k_answer, params.answer_logits[:, None, :], shape=(n_items, n))
    p = jnp.take_along_axis(task.correct_probs, answers, axis=1)
    correct = jax.random.uniform(k_correct, p.shape) < p
    q = jnp.broadcast_to(stated_confidence(task, params)[:, None], p.shape)
    return answers, correct, q


def _objective(params, task, answers, correct, reward_kind):
    q = jnp.broadcast_to(stated_confidence(task, params)[:, None], answers.shape)
    reward = answer_reward(reward_kind, correct, q)
    m = answers.shape[1]
    detached = jax.lax.stop_gradient(reward)
    baseline = (jnp.sum(detached, axis=1, keepdims=True) - detached) / (m - 1)
    log_pi = jnp.take_along_axis(jax.nn.log_softmax(params.answer_logits), answers, axis=1)
    surrogate = jnp.mean((detached - baseline) * log_pi) + jnp.mean(reward)
    return -surrogate, jnp.mean(detached)


@functools.partial(jax.jit, static_argnames=("reward_kind", "samples_per_item", "optimizer"))
def _update(key, params, opt_state, task, *, reward_kind, samples_per_item, optimizer):
    answers, correct, q = sample_answers(key, task, params, samples_per_item)
    grads, reward = jax.grad(_objective, has_aux=True)(params, task, answers, correct, reward_kind)
    updates, opt_state = optimizer.update(grads, opt_state, params)
    flat_q, flat_c = q.ravel(), correct.ravel()
    metrics = {
        "accuracy": jnp.mean(flat_c.astype(jnp.float32)),
        "mean_confidence": jnp.mean(flat_q),
        "ece": expected_calibration_error(flat_q, flat_c),
        "brier": brier_score(flat_q, flat_c),
        "reward": reward,
    }
    return optax.apply_updates(params, updates), opt_state, metrics


def train_confidence(
    key: PRNGKey,
    task: ConfidenceTask,
    reward: str,
    *,
    n_updates: int = 300,
    samples_per_item: int = 8,
    learning_rate: float = 0.1,
    initial_confidence: float = 0.9,
) -> tuple[ConfidenceParams, dict[str, np.ndarray]]:
    """Trains the answer and confidence heads under ``reward`` (``"binary"``, ``"rlcr"``, ``"log-score"``).

    Update ``i`` samples from ``fold_in(key, i)``. Returns the final params and
    the per-update history of :data:`HISTORY` (on each training batch).

    Example:
      >>> import jax
      >>> from kdgap_sim.training import confidence
      >>> task = confidence.make_task(jax.random.key(0), n_items=50)
      >>> params, history = confidence.train_confidence(jax.random.key(1), task, "rlcr", n_updates=5)
      >>> history["ece"].shape
      (5,)
    """
    validation.check_key(key)
    validation.check_choice("reward", reward, REWARDS)
    validation.check_int("n_updates", n_updates, minimum=1)
    validation.check_int("samples_per_item", samples_per_item, minimum=2)
    validation.check_in_domain("learning_rate", learning_rate, "positive")
    optimizer = optax.adam(learning_rate)
    params = init_params(task, initial_confidence)
    opt_state = optimizer.init(params)
    history: dict[str, list[float]] = {name: [] for name in HISTORY}
    for i in range(n_updates):
        params, opt_state, metrics = _update(
            jax.random.fold_in(key, i), params, opt_state, task,
            reward_kind=reward, samples_per_item=samples_per_item, optimizer=optimizer,
        )
        for name in HISTORY:
            history[name].append(float(metrics[name]))
    return params, {name: np.asarray(values) for name, values in history.items()}


def evaluate_confidence(
    key: PRNGKey, task: ConfidenceTask, params: ConfidenceParams, samples_per_item: int = 100,
    n_bins: int = 10, binning: str = "width",
) -> dict[str, float]:
    """Accuracy (with a 95% Wilson interval), ECE, Brier and overconfidence on fresh answers.

    Returns also the raw samples under ``"confidence"`` and ``"correct"`` (flat arrays).
    """
    validation.check_key(key)
    validation.check_int("samples_per_item", samples_per_item, minimum=1)
    _, correct, q = sample_answers(key, task, params, samples_per_item)
    flat_q, flat_c = np.asarray(q).ravel(), np.asarray(correct).ravel()
    n, k = flat_c.size, int(flat_c.sum())
    low, high = binomial_interval(k, n)
    return {
        "n": n,
        "accuracy": k / n,
        "accuracy_low": float(low),
        "accuracy_high": float(high),
        "expected_accuracy": float(expected_accuracy(task, params)),
        "mean_confidence": float(flat_q.mean()),
        "overconfidence": float(flat_q.mean() - k / n),
        "ece": float(expected_calibration_error(flat_q, flat_c, n_bins, binning)),
        "brier": float(brier_score(flat_q, flat_c)),
        "confidence": flat_q,
        "correct": flat_c,
    }
