"""Domain checks that survive ``jit`` and ``vmap``: traced parameters checked inside the computation.

The eager checks of :mod:`kdgap_sim.validation` need concrete numbers. When a
caller wraps :func:`kdgap_sim.rollout` or :func:`kdgap_sim.rollout_batch` in
``jax.jit``/``jax.vmap``/``jax.grad``, the parameters are tracers and have no
numbers yet, so those checks cannot run. For such calls the rollout computes,
inside the traced computation, whether every traced leaf lies in its declared
domain (:attr:`kdgap_sim.params.Params.domains`), and then:

* **without checkify**: where a parameter is out of its domain the result is
  *poisoned*: every float field is NaN, every integer field -1, and
  ``Summary.invalid_params`` is True, so rates from :mod:`kdgap_sim.metrics`
  are NaN rather than plausible numbers;
* **under** ``jax.experimental.checkify.checkify``: the same condition is a
  checkify check whose message names the parameter, e.g.
  ``agent_params.actor.follow_prob must be a probability in [0, 1], got 1.5``;
  ``err.throw()`` raises it.

Concrete parameters never reach this module (they are checked before
compiling), so calls without tracers cost nothing; traced ones pay a few
scalar comparisons and one select per output.

Example:
  >>> import jax, kdgap_sim as kd
  >>> from jax.experimental import checkify
  >>> env = kd.envs.make("bernoulli-bandit", n_arms=3)
  >>> agent, ap = kd.agents.profile("faithful-ucb")
  >>> run = lambda fp: kd.rollout_batch(jax.random.key(0), env, env.default_params(), agent,
  ...                                   ap.replace(follow_prob=fp), n_steps=5, n_seeds=2)
  >>> out = jax.jit(run)(1.5)
  >>> out.invalid_params.tolist(), float(kd.metrics.follow_rate(out)[0])
  ([True, True], nan)
  >>> err, _ = jax.jit(checkify.checkify(run))(1.5)
  >>> print(err.get().splitlines()[0])
  agent_params.actor.follow_prob must be a probability in [0, 1], got 1.5 (`check` failed)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jax
import jax.numpy as jnp
from jax.experimental import checkify

from kdgap_sim import validation
from kdgap_sim.params import Params
from kdgap_sim.types import Summary, Trajectory


def domain_ok(named: Mapping[str, Any]) -> jax.Array | None:
    """A traced boolean: every *traced* leaf of the named params trees is in its domain.

    Registers one checkify check per traced leaf (a no-op unless the caller
    runs under ``checkify.checkify``). Returns None when no leaf is traced.
    """
    oks = []
    for prefix, tree in named.items():
        if not isinstance(tree, Params):
            continue
        for name, value, domain in tree.domain_items(prefix):
            if not validation.is_tracer(value):
                continue
            ok = validation.in_domain(value, domain)
            checkify.debug_check(ok, f"{name} must be {validation.domain_text(domain)}, got {{value}}",
                                 value=value)
            oks.append(ok)
    if not oks:
        return None
    return all_of(oks)


def actions_ok(forced_actions: Any, n_actions: int) -> jax.Array | None:
    """A traced boolean: traced ``forced_actions`` lie in ``[-1, n_actions - 1]`` (None if concrete)."""
    if forced_actions is None or not validation.is_tracer(forced_actions):
        return None
    ok = jnp.all((forced_actions >= -1) & (forced_actions < n_actions))
    checkify.debug_check(ok, f"forced_actions must lie in [-1, {n_actions - 1}] (-1 = free choice)")
    return ok


def all_of(flags: list[jax.Array]) -> jax.Array:
    """Logical and of traced booleans."""
    result = flags[0]
    for flag in flags[1:]:
        result = result & flag
    return result


def poison(out: Any, ok: jax.Array) -> Any:
    """``out`` where ``ok``; NaN floats, -1 integers and ``invalid_params=True`` where not.

    ``out`` is any rollout result: a :class:`~kdgap_sim.types.Summary`, a
    :class:`~kdgap_sim.types.Trajectory`, or another accumulator's pytree (whose
    leaves are poisoned the same way; it has no ``invalid_params`` flag to set).

    Example:
      >>> import jax.numpy as jnp
      >>> from kdgap_sim.rollout import init_summary
      >>> s = poison(init_summary(2), jnp.bool_(False))
      >>> bool(s.invalid_params), int(s.n_steps), float(s.reward_sum)
      (True, -1, nan)
    """

    def leaf(x):
        x = jnp.asarray(x)
        if jnp.issubdtype(x.dtype, jnp.floating):
            return jnp.where(ok, x, jnp.nan)
        if jnp.issubdtype(x.dtype, jnp.integer):
            return jnp.where(ok, x, -1)
        return x

    def flag(node):
        if isinstance(node, Summary):
            return node._replace(invalid_params=node.invalid_params | ~ok)
        if isinstance(node, Trajectory):
            return node._replace(summary=flag(node.summary))
        return node

    poisoned = jax.tree_util.tree_map(leaf, out)
    return jax.tree_util.tree_map(flag, poisoned, is_leaf=lambda n: isinstance(n, (Summary, Trajectory)))


def guard(out: Any, named: Mapping[str, Any], forced_actions: Any = None, n_actions: int = 0) -> Any:
    """Checks traced parameters (and traced forced actions) and poisons ``out`` where they fail.

    Returns ``out`` unchanged when nothing is traced.
    """
    flags = [flag for flag in (domain_ok(named), actions_ok(forced_actions, n_actions)) if flag is not None]
    if not flags:
        return out
    return poison(out, all_of(flags))
