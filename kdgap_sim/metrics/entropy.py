r"""On-policy vs off-policy output entropy of a token policy (outputs as actions).

Asvin G. and Lindsey (2026), arXiv 2605.25459: post-trained language models
have 3-4x lower output entropy continuing their own generations (on-policy)
than continuing prefilled text (off-policy). The metric is

.. math:: R = \frac{\bar H_{\text{off}}}{\bar H_{\text{on}}},

with :math:`\bar H` the mean next-token entropy over steps and rollouts. Its
standard error is the delta-method error of a ratio of two independent means,
each from the spread of per-rollout mean entropies. When the other policy is
the agent's own, both settings generate the same text distribution and R = 1.
(This lives here rather than in :mod:`kdgap_sim.metrics.habits`, which measures
action habits of bandit agents.)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from kdgap_sim import validation
from kdgap_sim.metrics.report import mean_and_se
from kdgap_sim.agents.surprise import SurpriseTemperatureParams, SurpriseTemperaturePolicy
from kdgap_sim.metrics.generation import GenerationSummary, GenerationTrajectory, generate_tokens
from kdgap_sim.types import PRNGKey


class EntropyRatio(NamedTuple):
    """Mean entropies (nats) with standard errors, and their ratio off / on.

    Example:
      >>> import kdgap_sim as kd
      >>> r = kd.metrics.EntropyRatio(on_policy=0.5, on_policy_se=0.01, off_policy=1.5,
      ...                             off_policy_se=0.02, ratio=3.0, ratio_se=0.07)
      >>> r.ratio, r._fields[:2]
      (3.0, ('on_policy', 'on_policy_se'))
    """

    on_policy: float
    on_policy_se: float
    off_policy: float
    off_policy_se: float
    ratio: float
    ratio_se: float


def mean_entropy_per_rollout(out: Any) -> np.ndarray:
    """Mean next-token entropy of each rollout (nats), from a summary or trajectory.

    Example:
      >>> import jax, kdgap_sim as kd
      >>> policy = kd.agents.SurpriseTemperaturePolicy(vocab_size=8)
      >>> params = policy.default_params(jax.random.key(0)).replace(surprise_gain=1.0)
      >>> out = kd.metrics.generate_tokens(jax.random.key(1), policy, params, 100, n_rollouts=2)
      >>> h = kd.metrics.mean_entropy_per_rollout(out)
      >>> h.shape, bool(((h >= 0) & (h <= 2.0795)).all())  # 0 <= H <= ln 8
      ((2,), True)
    """
    if isinstance(out, GenerationTrajectory):
        out = out.summary
    if not isinstance(out, GenerationSummary):
        raise TypeError(f"expected a GenerationSummary or GenerationTrajectory, got {type(out).__name__}")
    return np.asarray(out.entropy_sum, np.float64) / np.maximum(np.asarray(out.n_steps), 1)


def entropy_ratio(on_policy: Any, off_policy: Any) -> EntropyRatio:
    """Ratio of mean off-policy to mean on-policy entropy, with its delta-method error.

    ``se(R) = R * sqrt((se_off / H_off)**2 + (se_on / H_on)**2)`` (independent runs).

    Example:
      >>> import jax, kdgap_sim as kd
      >>> policy = kd.agents.SurpriseTemperaturePolicy(vocab_size=8)
      >>> params = policy.default_params(jax.random.key(0)).replace(surprise_gain=1.0)
      >>> on = kd.metrics.generate_tokens(jax.random.key(1), policy, params, 100, n_rollouts=2)
      >>> r = kd.metrics.entropy_ratio(on, on)  # the same runs: ratio exactly 1
      >>> r.ratio
      1.0
    """
    on, on_se = mean_and_se(mean_entropy_per_rollout(on_policy))
    off, off_se = mean_and_se(mean_entropy_per_rollout(off_policy))
    if on <= 0:
        raise ValueError(f"on-policy entropy must be positive to form a ratio, got {on}")
    ratio = off / on
    ratio_se = ratio * float(np.sqrt((off_se / off) ** 2 + (on_se / on) ** 2)) if off > 0 else float("nan")
    return EntropyRatio(on, on_se, off, off_se, ratio, ratio_se)


def _check_n_rollouts(n_rollouts: Any) -> None:
    """The ratio's standard error needs the spread over rollouts: at least two."""
    if validation.check_int("n_rollouts", n_rollouts, minimum=1) < 2:
        raise ValueError("n_rollouts must be >= 2 (the ratio's standard error needs two rollouts), got 1")


def on_off_policy_entropy(
    key: PRNGKey,
    policy: SurpriseTemperaturePolicy,
    params: SurpriseTemperatureParams,
    source_params: SurpriseTemperatureParams,
    n_steps: int,
    n_rollouts: int,
    *,
    burn_in: int = 0,
) -> EntropyRatio:
    """Runs the agent on its own samples (``fold_in(key, 0)``) and on the source's text
    (``fold_in(key, 1)``) and returns :func:`entropy_ratio`.

    Example:
      >>> import jax, kdgap_sim as kd
      >>> policy = kd.agents.SurpriseTemperaturePolicy(vocab_size=8)
      >>> base = policy.default_params(jax.random.key(0))
      >>> r = kd.metrics.on_off_policy_entropy(jax.random.key(1), policy,
      ...     base.replace(surprise_gain=0.5), base, 200, 50, burn_in=50)
      >>> r.ratio > 1
      True
    """
    _check_n_rollouts(n_rollouts)
    on, off = _both(key, policy, params, source_params, n_steps, n_rollouts, burn_in)
    return entropy_ratio(on, off)


def _both(key, policy, params, source_params, n_steps, n_rollouts, burn_in):
    """On-policy generations from ``fold_in(key, 0)``, off-policy ones from ``fold_in(key, 1)``."""
    on = generate_tokens(jax.random.fold_in(key, 0), policy, params, n_steps, n_rollouts, burn_in=burn_in)
    off = generate_tokens(jax.random.fold_in(key, 1), policy, params, n_steps, n_rollouts,
                          source_params=source_params, burn_in=burn_in)
    return on, off


_SCALAR_FIELDS = ("temperature", "surprise_gain", "surprise_ref", "surprise_rate")


def entropy_ratio_grid(
    key: PRNGKey,
    policy: SurpriseTemperaturePolicy,
    params: SurpriseTemperatureParams,
    source_params: SurpriseTemperatureParams,
    axes: Mapping[str, Sequence[float]],
    n_steps: int,
    n_rollouts: int,
    *,
    burn_in: int = 0,
) -> dict[str, np.ndarray]:
    """The entropy ratio on a two-parameter grid of the agent's params.

    Every grid point uses the same keys (common random numbers) and the same
    source text, so differences between points are not sampling noise in the
    keys. All points run in one ``vmap`` over :func:`on_off_policy_entropy`'s
    generations; the source text, which does not vary, is generated once.

    Args:
      axes: two entries ``{name: values}`` naming scalar fields of ``params``
        (e.g. ``surprise_gain`` and ``temperature``); the first is the x axis.

    Returns:
      ``{x_name: [nx], y_name: [ny], "ratio", "ratio_se", "on_policy",
      "off_policy": [ny, nx]}``.

    Example:
      >>> import jax, kdgap_sim as kd
      >>> policy = kd.agents.SurpriseTemperaturePolicy(vocab_size=4)
      >>> base = policy.default_params(jax.random.key(0))
      >>> grid = kd.metrics.entropy_ratio_grid(
      ...     jax.random.key(1), policy, base, base,
      ...     {"surprise_gain": [0.0, 1.0], "temperature": [0.5, 1.0, 2.0]}, 20, 4)
      >>> grid["ratio"].shape
      (3, 2)
    """
    validation.check_key(key)
    policy.validate_params(params, "params")
    policy.validate_params(source_params, "source_params")
    validation.check_int("n_steps", n_steps, minimum=1)
    _check_n_rollouts(n_rollouts)
    validation.check_int("burn_in", burn_in, minimum=0)
    if len(axes) != 2:
        raise ValueError(f"axes must name exactly two parameters, got {list(axes)}")
    (x_name, x_values), (y_name, y_values) = axes.items()
    x_values = validation.as_numeric_array(x_name, x_values).astype(np.float32).ravel()
    y_values = validation.as_numeric_array(y_name, y_values).astype(np.float32).ravel()
    for name, values in ((x_name, x_values), (y_name, y_values)):
        if name not in _SCALAR_FIELDS:
            raise ValueError(f"axis {name!r} must be a scalar field of {type(params).__name__}")
        for value in values:
            policy.validate_params(params.replace(**{name: value}), f"params[{name}={value}]")
    yy, xx = np.meshgrid(y_values, x_values, indexing="ij")
    n_points = xx.size
    broadcast = {
        name: jnp.broadcast_to(jnp.asarray(params.get(name), jnp.float32), (n_points,))
        for name in _SCALAR_FIELDS
    }
    broadcast.update({x_name: jnp.asarray(xx.ravel()), y_name: jnp.asarray(yy.ravel())})
    in_axes = SurpriseTemperatureParams(logits=None, **{name: 0 for name in _SCALAR_FIELDS})
    run = lambda p: _both(key, policy, p, source_params, n_steps, n_rollouts, burn_in)  # noqa: E731
    on, off = jax.vmap(run, in_axes=(in_axes,))(params.replace(**broadcast))
    shape = (y_values.size, x_values.size)
    fields = {"ratio": [], "ratio_se": [], "on_policy": [], "off_policy": []}
    for i in range(n_points):
        pick = lambda tree: jax.tree_util.tree_map(lambda leaf: leaf[i], tree)  # noqa: E731
        r = entropy_ratio(pick(on), pick(off))
        for name in fields:
            fields[name].append(getattr(r, name))
    result = {x_name: x_values, y_name: y_values}
    result.update({name: np.asarray(v).reshape(shape) for name, v in fields.items()})
    return result
