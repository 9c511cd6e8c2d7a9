"""Where NUTS chains run: groups of vectorized chains spread over JAX devices.

numpyro runs chains vectorized on one device, one per device (``pmap``), or
sequentially; with fewer devices than chains its ``"parallel"`` falls back to
sequential chains. :func:`spread_chains` runs equal groups of vectorized
chains on each device (``pmap`` of ``vmap``), so 4 chains use both cores of a
2-core machine made 2 CPU devices by ``numpyro.set_host_device_count(2)``.
"""

from __future__ import annotations

import jax

from kdgap_sim import validation


def spread_chains(n_devices: int):
    """A numpyro ``chain_method``: chains split into ``n_devices`` groups, ``pmap`` of ``vmap``.

    ``MCMC(..., chain_method=spread_chains(d))`` runs ``num_chains / d``
    vectorized chains on each of ``d`` devices (e.g. CPU cores made devices
    by ``numpyro.set_host_device_count``). Every chain runs the algorithm
    ``chain_method="vectorized"`` runs, with the same keys; only the compiled
    program differs, so draws agree to float rounding over short runs and
    long runs give a different, equally valid realisation.

    Example:
      >>> import jax, jax.numpy as jnp, kdgap_sim as kd
      >>> run = kd.fitting.spread_chains(1)(lambda args: (args[0] * 2.0, args[1] + 1.0))
      >>> out = run((jnp.arange(4.0), jnp.zeros((4, 3))))
      >>> out[0].tolist(), out[1].shape
      ([0.0, 2.0, 4.0, 6.0], (4, 3))
    """
    validation.check_int("n_devices", n_devices, minimum=1)

    def transform(fn):
        def run(args):
            n_chains = jax.tree_util.tree_leaves(args)[0].shape[0]
            if n_chains % n_devices:
                raise ValueError(f"num_chains ({n_chains}) must be a multiple of n_devices ({n_devices})")
            grouped = jax.tree_util.tree_map(
                lambda x: x.reshape(n_devices, n_chains // n_devices, *x.shape[1:]), args)
            out = jax.pmap(jax.vmap(fn), devices=jax.local_devices()[:n_devices])(grouped)
            return jax.tree_util.tree_map(lambda x: x.reshape(n_chains, *x.shape[2:]), out)

        return run

    return transform


def chain_method_for(chain_method: str, num_chains: int):
    """numpyro's ``chain_method`` for :func:`~kdgap_sim.fitting.fit`'s.

    ``"parallel"`` with fewer JAX devices than chains becomes
    :func:`spread_chains` over the largest number of devices that divides
    ``num_chains`` (``"vectorized"`` on one device) instead of numpyro's
    fallback to sequential chains; everything else is passed through.

    Example:
      >>> import kdgap_sim as kd
      >>> kd.fitting.chains.chain_method_for("vectorized", 4)
      'vectorized'
      >>> kd.fitting.chains.chain_method_for("parallel", 4)  # one CPU device here
      'vectorized'
    """
    n_devices = jax.local_device_count()
    if chain_method != "parallel" or num_chains == 1 or n_devices >= num_chains:
        return chain_method
    usable = max(d for d in range(1, n_devices + 1) if num_chains % d == 0)
    return "vectorized" if usable == 1 else spread_chains(usable)
