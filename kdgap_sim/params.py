"""Parameter pytrees: frozen dataclasses with declared domains and flat names.

Every swept or fitted quantity lives in a params pytree. A params class is a
frozen dataclass registered with :func:`jax.tree_util.register_dataclass`, so
it can be ``vmap``-ed, traced and differentiated, and it declares the domain of
each field (``"unit"``, ``"nonnegative"``, ...), checked eagerly by
:meth:`Params.validate`.

Params nest (an agent's params hold its predictor's and its actor's). Every
leaf has a *flat name*, its field name, which must be unique within a tree, so
that a sweep axis or a config can say ``follow_prob`` without knowing where the
field lives::

    params = agent.default_params().replace(follow_prob=0.64, alpha_pos=0.3)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any, ClassVar, TypeVar

import jax
import jax.numpy as jnp

from kdgap_sim import validation

T = TypeVar("T", bound="Params")


class Params:
    """Base class of all params pytrees (use with :func:`params_class`).

    Class attributes:
      domains: maps a field name to a key of :data:`kdgap_sim.validation.DOMAINS`.
        Fields that are themselves :class:`Params` are validated recursively.

    Example:
      >>> import kdgap_sim as kd
      >>> @kd.params_class
      ... class RateParams(kd.Params):
      ...     rate: float = 0.1
      ...     domains = {"rate": "unit"}
      >>> RateParams().replace(rate=0.5).rate
      0.5
      >>> RateParams(rate=2.0).validate()
      Traceback (most recent call last):
      ...
      ValueError: params.rate must be a probability in [0, 1], got 2.0
    """

    domains: ClassVar[dict[str, str]] = {}

    # -- flat names -------------------------------------------------------
    def flat_items(self) -> Iterator[tuple[str, tuple[str, ...], Any]]:
        """Yields ``(flat_name, path, value)`` for every leaf field."""
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if isinstance(value, Params):
                for name, path, leaf in value.flat_items():
                    yield name, (field.name, *path), leaf
            else:
                yield field.name, (field.name,), value

    def flat_names(self) -> tuple[str, ...]:
        """All flat names of this tree, in field order."""
        return tuple(name for name, _, _ in self.flat_items())

    def _paths(self) -> dict[str, tuple[str, ...]]:
        paths: dict[str, tuple[str, ...]] = {}
        for name, path, _ in self.flat_items():
            if name in paths:
                raise ValueError(
                    f"parameter name {name!r} occurs twice in {type(self).__name__} "
                    f"(at {'.'.join(paths[name])} and {'.'.join(path)}); "
                    "replace the nested params object instead"
                )
            paths[name] = path
        return paths

    def get(self, name: str) -> Any:
        """The value of the leaf whose flat name is ``name``."""
        paths = self._paths()
        if name not in paths:
            raise ValueError(
                f"unknown parameter {name!r} for {type(self).__name__}; "
                f"known parameters are {sorted(paths)}"
            )
        node: Any = self
        for part in paths[name]:
            node = getattr(node, part)
        return node

    def replace(self: T, **changes: Any) -> T:
        """Returns a copy with fields changed, by top-level field or flat leaf name.

        Raises:
          ValueError: if a name is unknown or ambiguous.
        """
        top = {f.name for f in dataclasses.fields(self)}
        direct = {k: v for k, v in changes.items() if k in top}
        nested = {k: v for k, v in changes.items() if k not in top}
        result = dataclasses.replace(self, **direct) if direct else self
        if not nested:
            return result
        paths = result._paths()
        unknown = sorted(set(nested) - set(paths))
        if unknown:
            raise ValueError(
                f"unknown parameter(s) {unknown} for {type(self).__name__}; "
                f"known parameters are {sorted(paths)}"
            )
        for name, value in nested.items():
            result = _replace_path(result, paths[name], value)
        return result

    # -- validation -------------------------------------------------------
    def validate(self, prefix: str = "params") -> None:
        """Eagerly checks every concrete leaf against its declared domain.

        Raises:
          TypeError: a leaf is not numeric.
          ValueError: a leaf is NaN, infinite or out of its domain; the message
            names the leaf by its dotted path, e.g. ``params.actor.follow_prob``.
        """
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            name = f"{prefix}.{field.name}"
            if isinstance(value, Params):
                value.validate(name)
                continue
            domain = self.domains.get(field.name, "real")
            validation.check_in_domain(name, value, domain)

    def domain_items(self, prefix: str = "params") -> Iterator[tuple[str, Any, str]]:
        """Yields ``(dotted_name, value, domain)`` for every leaf, nested params included.

        Example:
          >>> import kdgap_sim as kd
          >>> _, params = kd.agents.profile("faithful-ucb")
          >>> [(n, d) for n, _, d in params.domain_items("p") if n.endswith("follow_prob")]
          [('p.actor.follow_prob', 'unit')]
        """
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            name = f"{prefix}.{field.name}"
            if isinstance(value, Params):
                yield from value.domain_items(name)
            else:
                yield name, value, self.domains.get(field.name, "real")

    def as_dict(self) -> dict[str, Any]:
        """Flat mapping from leaf name to value."""
        return {name: value for name, _, value in self.flat_items()}


def _replace_path(node: Any, path: tuple[str, ...], value: Any) -> Any:
    head, *rest = path
    if not rest:
        return dataclasses.replace(node, **{head: value})
    return dataclasses.replace(node, **{head: _replace_path(getattr(node, head), tuple(rest), value)})


def params_class(cls: type[T]) -> type[T]:
    """Class decorator: a frozen dataclass registered as a pytree of its fields.

    All fields are data (traced) fields; static, shape-fixing options belong
    on the predictor, actor or environment object instead.

    Example:
      >>> import kdgap_sim as kd
      >>> @kd.params_class
      ... class RateParams(kd.Params):
      ...     rate: float = 0.1
      ...     domains = {"rate": "unit"}
      >>> RateParams().replace(rate=0.5).rate
      0.5
      >>> import jax
      >>> jax.tree.leaves(RateParams())
      [0.1]
    """
    cls = dataclasses.dataclass(frozen=True)(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    jax.tree_util.register_dataclass(cls, data_fields=names, meta_fields=[])
    return cls


def as_float(value: Any) -> jax.Array:
    """Converts a leaf to a float32 array (keeps tracers as they are)."""
    return jnp.asarray(value, dtype=jnp.float32)


def validate_scalar_params(params: Any, expected: type, name: str) -> None:
    """Checks that ``params`` is an ``expected`` instance whose leaves are scalars in their domains.

    Raises:
      TypeError: wrong params type, or a non-numeric leaf.
      ValueError: a leaf that is not a scalar, or out of its domain (named by its path).
    """
    if not isinstance(params, expected):
        raise TypeError(f"{name} must be {expected.__name__}, got {type(params).__name__}")
    params.validate(name)
    for leaf_name, _, value in params.flat_items():
        validation.check_shape(f"{name}.{leaf_name}", value, ())
