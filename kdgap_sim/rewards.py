"""Rewards for answers with a stated confidence: binary, RLCR (Brier) and log score.

An agent answers and states a confidence :math:`q \\in [0, 1]` that its answer
is correct. With :math:`c = \\mathbb{1}[\\text{correct}]`:

- binary reward :math:`R = c` (confidence earns nothing, so it is unanchored);
- RLCR reward :math:`R = c - (q - c)^2` (correctness plus a Brier term);
- log-score reward :math:`R = c + c \\log q + (1 - c) \\log(1 - q)`.

If the chosen answer is right with probability :math:`p`, the expected RLCR
reward :math:`p - [p(1-q)^2 + (1-p)q^2]` is maximised at :math:`q = p` with
value :math:`p^2`, which increases in :math:`p`: answering well and stating the
true probability are jointly optimal. The log-score optimum :math:`p - H(p)` is
not monotone in :math:`p` (below :math:`p = 1/(1+e)`), so an unbounded rule
breaks that guarantee (theory/THEORY.md section 6).

Source: Damani et al. (2025), "Beyond Binary Rewards" (RLCR), arXiv 2507.16806.

All functions are elementwise ``jnp`` functions (``jit``/``vmap``/``grad``
friendly); concrete inputs are validated eagerly.
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from kdgap_sim import validation
from kdgap_sim.types import Array

#: Confidences are clipped to ``[LOG_EPS, 1 - LOG_EPS]`` inside logarithms.
LOG_EPS = 1e-6

__all__ = [
    "LOG_EPS",
    "REWARDS",
    "answer_reward",
    "binary_reward",
    "expected_log_score_reward",
    "expected_rlcr_reward",
    "log_score_reward",
    "rlcr_reward",
]


def _check_confidence(name: str, value: Any) -> None:
    validation.check_in_domain(name, value, "unit")


def _check_correct(name: str, value: Any) -> None:
    if validation.is_tracer(value):
        return
    array = validation.as_numeric_array(name, value)
    if not ((array == 0) | (array == 1)).all():
        raise ValueError(f"{name} must be 0/1 or boolean, got values {sorted(set(array.ravel().tolist()))[:5]}")


def _as_outcome(correct: Any) -> Array:
    return jnp.asarray(correct).astype(jnp.float32)


def binary_reward(correct: Any) -> Array:
    """Binary correctness reward :math:`R = \\mathbb{1}[\\text{correct}]`.

    Example:
      >>> import kdgap_sim as kd
      >>> float(kd.rewards.binary_reward(True))
      1.0
    """
    _check_correct("correct", correct)
    return _as_outcome(correct)


def rlcr_reward(correct: Any, confidence: Any) -> Array:
    """RLCR reward :math:`R = c - (q - c)^2`: correctness minus the Brier score.

    Source: Damani et al. (2025), arXiv 2507.16806, eq. for RLCR.

    Example:
      >>> import kdgap_sim as kd
      >>> round(float(kd.rewards.rlcr_reward(True, 0.8)), 4)
      0.96
      >>> round(float(kd.rewards.rlcr_reward(False, 0.8)), 4)
      -0.64
    """
    _check_correct("correct", correct)
    _check_confidence("confidence", confidence)
    c = _as_outcome(correct)
    q = jnp.asarray(confidence, jnp.float32)
    return c - (q - c) ** 2


def log_score_reward(correct: Any, confidence: Any) -> Array:
    """Log-score variant :math:`R = c + c\\log q + (1-c)\\log(1-q)` (``q`` clipped to ``[1e-6, 1-1e-6]``).

    Example:
      >>> import kdgap_sim as kd
      >>> round(float(kd.rewards.log_score_reward(True, 0.5)), 4)
      0.3069
    """
    _check_correct("correct", correct)
    _check_confidence("confidence", confidence)
    c = _as_outcome(correct)
    q = jnp.clip(jnp.asarray(confidence, jnp.float32), LOG_EPS, 1.0 - LOG_EPS)
    return c + c * jnp.log(q) + (1.0 - c) * jnp.log1p(-q)


def expected_rlcr_reward(p: Any, confidence: Any) -> Array:
    """:math:`E[R] = p - [p(1-q)^2 + (1-p)q^2]` when the answer is right with probability ``p``.

    Example:
      >>> import kdgap_sim as kd
      >>> round(float(kd.rewards.expected_rlcr_reward(0.7, 0.7)), 4)  # = 0.7 ** 2
      0.49
    """
    _check_confidence("p", p)
    _check_confidence("confidence", confidence)
    p = jnp.asarray(p, jnp.float32)
    q = jnp.asarray(confidence, jnp.float32)
    return p - (p * (1.0 - q) ** 2 + (1.0 - p) * q**2)


def expected_log_score_reward(p: Any, confidence: Any) -> Array:
    """:math:`E[R] = p + p\\log q + (1-p)\\log(1-q)`; at ``q = p`` this is :math:`p - H(p)`.

    Example:
      >>> import kdgap_sim as kd
      >>> round(float(kd.rewards.expected_log_score_reward(0.01, 0.01)), 3)
      -0.046
    """
    _check_confidence("p", p)
    _check_confidence("confidence", confidence)
    p = jnp.asarray(p, jnp.float32)
    q = jnp.clip(jnp.asarray(confidence, jnp.float32), LOG_EPS, 1.0 - LOG_EPS)
    return p + p * jnp.log(q) + (1.0 - p) * jnp.log1p(-q)


REWARDS = ("binary", "rlcr", "log-score")


def answer_reward(kind: str, correct: Any, confidence: Any) -> Array:
    """The reward named ``kind`` (one of :data:`REWARDS`) of an answer with a confidence.

    Example:
      >>> import kdgap_sim as kd
      >>> [round(float(kd.rewards.answer_reward(kind, 1, 0.5)), 4) for kind in kd.rewards.REWARDS]
      [1.0, 0.75, 0.3069]
    """
    validation.check_choice("kind", kind, REWARDS)
    if kind == "binary":
        _check_confidence("confidence", confidence)
        return binary_reward(correct) + 0.0 * jnp.asarray(confidence, jnp.float32)
    if kind == "rlcr":
        return rlcr_reward(correct, confidence)
    return log_score_reward(correct, confidence)
