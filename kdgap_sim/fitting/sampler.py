"""NUTS as one compiled program, stored so that a fit in a new process starts without tracing.

numpyro's ``MCMC.run`` traces its sampler in Python on every call: about 3 s for a
20-subject hierarchical model on a 2-core CPU, most of a fit's start-up once JAX's
persistent compilation cache holds the compiled code. :func:`run_nuts` runs the same
``MCMC.run`` (same kernel, keys, adaptation schedule and collected fields) inside one
``jax.jit`` program. With a cache folder it serialises that program with ``jax.export``
(StableHLO) under ``<folder>/programs/<fingerprint>.jaxexport``; a later process with the
same fingerprint reads it back instead of tracing numpyro, and JAX's compilation cache
supplies the compiled code. Within a process the jitted program is kept in memory, so a
second fit of the same shapes neither traces nor compiles.

The fingerprint is a SHA-256 of everything the program depends on: the jaxpr of one
seeded pass through the model at these shapes (its priors, transforms and likelihood,
constants included), the NUTS settings, the shapes of the starting point and metric, the
versions of jax, jaxlib, numpyro and kdgap_sim, this module's source, the backend and
its device kind. A changed model, setting or library gives another file; a stored file
that cannot be read gives a ``RuntimeWarning`` and the program is traced again.

Draws equal numpyro's ``MCMC(chain_method="vectorized")`` to float rounding over short
runs (tested): one XLA program fuses some operations differently from numpyro's
separately jitted steps, so long runs are another, equally valid realisation.
"""

from __future__ import annotations

import collections
import hashlib
import importlib.metadata
import os
import pathlib
import re
import uuid
import warnings
from typing import Any, Callable, NamedTuple

import jax
import numpy as np
from numpyro.handlers import seed, trace
from numpyro.infer import MCMC, NUTS

__all__ = ["NutsSettings", "fingerprint", "nuts_program", "run_nuts", "sample_nuts"]

PROGRAM_DIR = "programs"
SUFFIX = ".jaxexport"
EXTRA_FIELDS = ("diverging", "num_steps", "accept_prob")
_MEMORY: collections.OrderedDict[str, Callable] = collections.OrderedDict()
_MEMORY_SIZE = 16
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


class NutsSettings(NamedTuple):
    """Static settings of a NUTS run (numpyro's ``NUTS`` and ``MCMC`` arguments).

    Example:
      >>> from kdgap_sim.fitting.sampler import NutsSettings
      >>> NutsSettings(1000, 1000, 4, 0.95, 10)._replace(num_samples=3000).num_samples
      3000
    """

    num_warmup: int
    num_samples: int
    num_chains: int
    target_accept: float
    max_tree_depth: int


def nuts_program(numpyro_fn: Callable, settings: NutsSettings, treedef) -> Callable:
    """``program(key_data, leaves, init_params, inverse_mass) -> (samples, extra)``: one NUTS run.

    ``leaves``/``treedef``: the model's data flattened (``jax.tree_util``);
    ``init_params`` (unconstrained, a leading chain axis) and ``inverse_mass``
    may be None. ``samples`` and ``extra`` (:data:`EXTRA_FIELDS`) are grouped by
    chain, as ``MCMC.get_samples(group_by_chain=True)`` gives them.

    Example:
      >>> import jax, jax.numpy as jnp, numpyro, numpyro.distributions as dist
      >>> from kdgap_sim.fitting.sampler import NutsSettings, nuts_program
      >>> def model(y):
      ...     numpyro.sample("y", dist.Normal(numpyro.sample("m", dist.Normal()), 1.0), obs=y)
      >>> leaves, treedef = jax.tree_util.tree_flatten(jnp.zeros(3))
      >>> program = nuts_program(model, NutsSettings(5, 7, 2, 0.8, 4), treedef)
      >>> samples, extra = jax.jit(program)(jax.random.key_data(jax.random.key(0)), leaves, None, None)
      >>> samples["m"].shape, extra["num_steps"].shape
      ((2, 7), (2, 7))
    """

    def program(key_data, leaves, init_params, inverse_mass):
        arrays = jax.tree_util.tree_unflatten(treedef, leaves)
        kernel = NUTS(numpyro_fn, target_accept_prob=settings.target_accept,
                      max_tree_depth=settings.max_tree_depth, inverse_mass_matrix=inverse_mass)
        mcmc = MCMC(kernel, num_warmup=settings.num_warmup, num_samples=settings.num_samples,
                    num_chains=settings.num_chains, chain_method="vectorized", progress_bar=False)
        mcmc.run(jax.random.wrap_key_data(key_data), arrays, init_params=init_params,
                 extra_fields=EXTRA_FIELDS)
        return mcmc.get_samples(group_by_chain=True), mcmc.get_extra_fields(group_by_chain=True)

    return program


def _shapes(tree: Any) -> list:
    return [(tuple(np.shape(x)), str(getattr(x, "dtype", None) or np.asarray(x).dtype))
            for x in jax.tree_util.tree_leaves(tree)]


def _versions() -> list[str]:
    names = ("jax", "jaxlib", "numpyro", "kdgap_sim")
    out = []
    for name in names:
        try:
            out.append(f"{name}={importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            out.append(f"{name}=?")
    return out


def fingerprint(numpyro_fn: Callable, leaves: list, treedef, settings: NutsSettings,
                init_params: Any = None, inverse_mass: Any = None) -> str:
    """SHA-256 (hex) naming the program :func:`nuts_program` builds for these inputs.

    Hashes the jaxpr of one seeded pass through the model (every site's value
    and log-density; object addresses removed) with its constants, the
    settings, the shapes and dtypes of data, starting point and metric,
    library versions, this module's source, the backend and device kind.

    Example:
      >>> import jax, jax.numpy as jnp, numpyro, numpyro.distributions as dist
      >>> from kdgap_sim.fitting.sampler import NutsSettings, fingerprint
      >>> def model(y):
      ...     numpyro.sample("y", dist.Normal(numpyro.sample("m", dist.Normal()), 1.0), obs=y)
      >>> leaves, treedef = jax.tree_util.tree_flatten(jnp.zeros(3))
      >>> a = fingerprint(model, leaves, treedef, NutsSettings(5, 7, 2, 0.8, 4))
      >>> a == fingerprint(model, leaves, treedef, NutsSettings(5, 7, 2, 0.9, 4)), len(a)
      (False, 64)
    """

    def one_pass(key_data, leaves):
        sites = trace(seed(numpyro_fn, jax.random.wrap_key_data(key_data))).get_trace(
            jax.tree_util.tree_unflatten(treedef, leaves))
        out = {}
        for name, site in sites.items():
            if site["type"] == "sample":
                out[name] = (site["value"], site["fn"].log_prob(site["value"]))
            elif site["type"] == "deterministic":
                out[name] = site["value"]
        return out

    closed = jax.make_jaxpr(one_pass)(jax.random.key_data(jax.random.key(0)), leaves)
    digest = hashlib.sha256()
    digest.update(_ADDRESS.sub("", str(closed.jaxpr)).encode())
    for const in closed.consts:
        value = np.asarray(const)
        digest.update(f"{value.shape}{value.dtype}".encode())
        digest.update(value.tobytes())
    device = jax.devices()[0]
    parts = [repr(tuple(settings)), repr(_shapes(leaves)), repr(_shapes(init_params)),
             repr(_shapes(inverse_mass)), repr(EXTRA_FIELDS), *_versions(), jax.default_backend(),
             device.device_kind, str(jax.config.jax_enable_x64)]
    digest.update("\n".join(parts).encode())
    digest.update(pathlib.Path(__file__).read_bytes())
    return digest.hexdigest()


def _read(path: pathlib.Path) -> Callable | None:
    from jax import export

    try:
        return jax.jit(export.deserialize(bytearray(path.read_bytes())).call)
    except Exception as err:  # a truncated or foreign file: any parse error means "not usable"
        warnings.warn(f"stored NUTS program {path} cannot be read ({type(err).__name__}: {err}); "
                      "tracing it again", RuntimeWarning, stacklevel=4)
        return None


def _export_and_write(program: Callable, args: tuple, path: pathlib.Path) -> Callable:
    from jax import export

    exported = export.export(jax.jit(program))(*args)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
        partial.write_bytes(exported.serialize())
        os.replace(partial, path)
    except OSError as err:
        warnings.warn(f"cannot store the NUTS program in {path.parent} ({err.strerror or err}); "
                      "the next process traces it again", RuntimeWarning, stacklevel=4)
    return jax.jit(exported.call)


def _serialisable() -> bool:
    try:
        import flatbuffers  # noqa: F401  (jax.export's serialisation needs it)
    except ImportError:
        return False
    return True


def run_nuts(key, arrays: Any, numpyro_fn: Callable, settings: NutsSettings, *,
             init_params: Any = None, inverse_mass: Any = None,
             store: pathlib.Path | None = None) -> tuple[dict, dict, str]:
    """Runs NUTS as one program; returns ``(samples, extra, source)``, grouped by chain.

    ``source`` says where the program came from: ``"memory"`` (this process
    ran it before), ``"stored"`` (read from ``store``), ``"exported"`` (traced
    and written to ``store``) or ``"traced"`` (``store`` None: not kept on disk).
    ``store``: a cache folder (e.g. the compilation cache's); programs go in its
    ``programs/`` subfolder.

    Example:
      >>> import jax, jax.numpy as jnp, numpyro, numpyro.distributions as dist
      >>> from kdgap_sim.fitting.sampler import NutsSettings, run_nuts
      >>> def model(y):
      ...     numpyro.sample("y", dist.Normal(numpyro.sample("m", dist.Normal()), 1.0), obs=y)
      >>> settings = NutsSettings(5, 7, 2, 0.8, 4)
      >>> _, _, first = run_nuts(jax.random.key(0), jnp.zeros(3), model, settings)
      >>> samples, _, second = run_nuts(jax.random.key(1), jnp.ones(3), model, settings)
      >>> first, second, samples["m"].shape
      ('traced', 'memory', (2, 7))
    """
    leaves, treedef = jax.tree_util.tree_flatten(arrays)
    args = (jax.random.key_data(key), leaves, init_params, inverse_mass)
    name = fingerprint(numpyro_fn, leaves, treedef, settings, init_params, inverse_mass)
    if store is not None and not _serialisable():
        store = None
    run = _MEMORY.get(name)
    source = "memory"
    if run is None:
        program = nuts_program(numpyro_fn, settings, treedef)
        path = None if store is None else pathlib.Path(store) / PROGRAM_DIR / f"{name}{SUFFIX}"
        run = _read(path) if path is not None and path.is_file() else None
        source = "stored"
        if run is None and path is not None:
            run, source = _export_and_write(program, args, path), "exported"
        elif run is None:
            run, source = jax.jit(program), "traced"
        _MEMORY[name] = run
        while len(_MEMORY) > _MEMORY_SIZE:
            _MEMORY.popitem(last=False)
    _MEMORY.move_to_end(name)
    samples, extra = run(*args)
    return samples, extra, source


def sample_nuts(key, arrays: Any, numpyro_fn: Callable, settings: NutsSettings, *,
                chain_method: Any = "vectorized", progress_bar: bool = False, init_params: Any = None,
                inverse_mass: Any = None, store: pathlib.Path | None = None) -> tuple[dict, dict, str]:
    """NUTS draws ``(samples, extra, source)`` grouped by chain: :func:`run_nuts` where it applies.

    Vectorized chains (or one chain) without a progress bar run as one stored
    program (:func:`run_nuts`); other chain methods (``pmap`` over devices,
    sequential chains) and numpyro's progress bar (a host callback, which
    ``jax.export`` cannot serialise) run numpyro's ``MCMC`` as it is
    (``source`` ``"numpyro"``). ``chain_method``: numpyro's, as
    :func:`~kdgap_sim.fitting.chains.chain_method_for` resolves it.

    Example:
      >>> import jax, jax.numpy as jnp, numpyro, numpyro.distributions as dist
      >>> from kdgap_sim.fitting.sampler import NutsSettings, sample_nuts
      >>> def model(y):
      ...     numpyro.sample("y", dist.Normal(numpyro.sample("m", dist.Normal()), 1.0), obs=y)
      >>> samples, extra, source = sample_nuts(jax.random.key(0), jnp.zeros(3), model,
      ...                                      NutsSettings(5, 7, 2, 0.8, 4), chain_method="sequential")
      >>> source, samples["m"].shape
      ('numpyro', (2, 7))
    """
    if progress_bar or (settings.num_chains > 1 and chain_method != "vectorized"):
        kernel = NUTS(numpyro_fn, target_accept_prob=settings.target_accept,
                      max_tree_depth=settings.max_tree_depth, inverse_mass_matrix=inverse_mass)
        mcmc = MCMC(kernel, num_warmup=settings.num_warmup, num_samples=settings.num_samples,
                    num_chains=settings.num_chains, chain_method=chain_method, progress_bar=progress_bar)
        mcmc.run(key, arrays, init_params=init_params, extra_fields=EXTRA_FIELDS)
        return mcmc.get_samples(group_by_chain=True), mcmc.get_extra_fields(group_by_chain=True), "numpyro"
    return run_nuts(key, arrays, numpyro_fn, settings, init_params=init_params,
                    inverse_mass=inverse_mass, store=store)
