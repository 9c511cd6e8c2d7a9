r"""Forward-mode derivatives of per-subject log-likelihoods.

A subject's log-likelihood :math:`\ell_s(\theta_s)` is a ``lax.scan`` over
trials and depends only on the subject's own :math:`P` parameters (2 to 7 for
the registry's models). Reverse-mode autodiff of such a scan stores every
trial's intermediate values and runs a second, backward scan; forward mode
carries the :math:`P` directional derivatives through the one forward scan,

.. math::
    \nabla_{\theta_s} \ell_s = \big(\partial_{e_1} \ell_s, \dots, \partial_{e_P} \ell_s\big),
    \qquad \partial_{e_p} \ell_s = \texttt{jvp}(\ell_s, \theta_s, e_p),

computed with :func:`jax.jvp` batched over the basis vectors :math:`e_p` (the
primal scan runs once). :func:`forward_mode_per_subject` installs this as the
function's :func:`jax.custom_jvp` rule, so reverse-mode callers (NUTS, SVI)
receive the same gradient, and the rule is itself differentiable (Hessians work).

Forward mode does :math:`P` tangents' arithmetic per trial, reverse mode about
two passes' worth plus stored intermediates; which is cheaper depends on whether
the scan's per-iteration overhead or its arithmetic dominates.
Measured on the 2-core CPU (value-and-gradient of the hierarchical RW+- density,
:math:`P = 3`, 100 trials, 2 chains, inside a compiled loop as NUTS runs it;
``benchmarks/fit_speed.py --profile-only --chains 2``, ``docs/fitting.md``
section 7), forward vs reverse, ms: 20 subjects 0.34 vs 0.45, 50: 0.50 vs 0.80,
100: 0.97 vs 1.08, 200: 2.10 vs 1.52, 1,000: 8.8 vs 4.2.
:func:`choose` picks forward mode up to :data:`FORWARD_MAX_SIZE` subject
parameters and reverse mode beyond.

Source: Griewank & Walther (2008), *Evaluating Derivatives*, 2nd ed., SIAM,
ch. 3 (forward mode: cost linear in the number of inputs, no stored trace).
"""

from __future__ import annotations

from typing import Callable

import jax
import jax.numpy as jnp

from kdgap_sim.types import Array

DERIVATIVES = ("auto", "forward", "reverse")

#: ``"auto"`` uses forward mode while ``n_subjects * n_params`` is at most this
#: (the CPU crossover measured above lies between 300 and 600, 100 and 200 subjects of RW+-).
FORWARD_MAX_SIZE = 300


def choose(derivatives: str, n_subjects: int, n_params: int) -> str:
    """``"forward"`` or ``"reverse"``: ``derivatives`` itself, or for ``"auto"`` by size.

    Example:
      >>> from kdgap_sim.fitting.derivatives import choose
      >>> choose("auto", 20, 3), choose("auto", 1000, 3), choose("forward", 1000, 3)
      ('forward', 'reverse', 'forward')
    """
    if derivatives != "auto":
        return derivatives
    return "forward" if n_subjects * n_params <= FORWARD_MAX_SIZE else "reverse"


def forward_mode_per_subject(fn: Callable[[Array, object], Array]) -> Callable[[Array, object], Array]:
    r"""``fn(theta, data) -> scalar`` for one subject, batched over subjects with forward-mode derivatives.

    Returns ``batched(values, arrays) -> [S]`` equal to
    ``jax.vmap(fn)(values, arrays)`` whose derivative with respect to
    ``values`` (``[S, P]``) is computed by :math:`P` forward-mode passes per
    subject (see the module docstring). ``arrays`` is data: its tangents are
    ignored (derivatives with respect to the logged data are zero).

    Example:
      >>> import jax, jax.numpy as jnp
      >>> from kdgap_sim.fitting.derivatives import forward_mode_per_subject
      >>> f = forward_mode_per_subject(lambda th, x: jnp.sum(th**2 * x))
      >>> values, data = jnp.array([[1.0, 2.0], [3.0, 4.0]]), jnp.array([[1.0, 1.0], [2.0, 0.5]])
      >>> f(values, data).tolist()
      [5.0, 26.0]
      >>> jax.grad(lambda v: f(v, data).sum())(values).tolist()  # 2 theta x
      [[2.0, 4.0], [12.0, 4.0]]
    """

    def value_and_jacobian(theta: Array, data) -> tuple[Array, Array]:
        basis = jnp.eye(theta.shape[-1], dtype=theta.dtype)
        return jax.vmap(lambda e: jax.jvp(lambda t: fn(t, data), (theta,), (e,)),
                        out_axes=(None, 0))(basis)

    @jax.custom_jvp
    def batched(values: Array, arrays) -> Array:
        return jax.vmap(fn)(values, arrays)

    @batched.defjvp
    def _rule(primals, tangents):
        values, arrays = primals
        value, jacobian = jax.vmap(value_and_jacobian)(values, arrays)  # [S], [S, P]
        return value, jnp.sum(jacobian * tangents[0], axis=-1)

    return batched
