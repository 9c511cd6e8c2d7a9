"""String IDs for things a config can name: one registry mechanism for the whole library.

Environments (``kd.envs.make``), predictors and actors (``kd.agents.make_*``),
fitting models (``kd.fitting.make_model``) and verify checks are each a
:class:`Registry`: a mapping from a name to a factory (or, for checks, to the
check itself) with one set of rules. A name is a non-empty string; registering a
taken name is an error unless ``overwrite=True``; an unknown name or an option
the factory does not take is a ``ValueError`` that lists what is known or
allowed. The pattern is gymnax's ``registration.py`` (``make``/``register`` over
string IDs, errors for bad ones).
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator, Mapping, MutableMapping
from typing import Any, Optional


class Registry(MutableMapping):
    """Named entries of one ``kind`` (``"environment"``, ``"model"``, ...), with optional aliases.

    A ``Registry`` is a mutable mapping: ``registry[name]`` reads (``KeyError`` if
    unknown), ``registry[name] = factory`` registers or replaces, ``del registry[name]``
    removes. :meth:`get_entry` and :meth:`build` are the lookups with the library's
    error messages; :meth:`register` refuses to replace unless asked.

    Args:
      kind: what the entries are, used in messages ("unknown environment 'x'").
      entries: initial ``name -> entry``.
      aliases: ``old name -> name``, resolved by :meth:`get_entry` and :meth:`build`.
      callables: whether entries must be callable (factories); ``False`` for registries of
        other objects.
      sort_names: :meth:`names` sorted (``True``) or in registration order.

    Example:
      >>> from kdgap_sim.registry import Registry
      >>> shapes = Registry("shape", {"square": lambda side=1.0: side * side})
      >>> shapes.build("square", {"side": 3.0})
      9.0
      >>> shapes.build("circle", {})
      Traceback (most recent call last):
      ...
      ValueError: unknown shape 'circle'; known: ['square']
      >>> shapes.build("square", {"radius": 2.0})
      Traceback (most recent call last):
      ...
      ValueError: unknown option(s) ['radius'] for shape 'square'; allowed: ['side']
    """

    def __init__(self, kind: str, entries: Optional[Mapping[str, Any]] = None, *,
                 aliases: Optional[Mapping[str, str]] = None, callables: bool = True, sort_names: bool = True):
        self.kind, self.callables, self.sort_names = kind, callables, sort_names
        self.aliases: dict[str, str] = dict(aliases or {})
        self._entries: dict[str, Any] = {}
        for name, entry in (entries or {}).items():
            self.register(name, entry)

    def register(self, name: str, entry: Any, *, overwrite: bool = False) -> None:
        """Adds ``entry`` under ``name``.

        Raises:
          TypeError: ``name`` is not a non-empty string, or ``entry`` is not callable in a
            registry of factories.
          ValueError: ``name`` is taken and ``overwrite`` is False.

        Example:
          >>> from kdgap_sim.registry import Registry
          >>> colours = Registry("colour", callables=False)
          >>> colours.register("red", "#ff0000")
          >>> colours.register("red", "#f00")
          Traceback (most recent call last):
          ...
          ValueError: colour 'red' is already registered (pass overwrite=True to replace it)
        """
        if not isinstance(name, str) or not name:
            raise TypeError(f"a {self.kind} name must be a non-empty string, got {name!r}")
        if self.callables and not callable(entry):
            raise TypeError(f"the factory of {self.kind} {name!r} must be callable, got {entry!r}")
        if name in self._entries and not overwrite:
            raise ValueError(f"{self.kind} {name!r} is already registered (pass overwrite=True to replace it)")
        self._entries[name] = entry

    def names(self) -> tuple[str, ...]:
        """The registered names (sorted, or in registration order)."""
        return tuple(sorted(self._entries)) if self.sort_names else tuple(self._entries)

    def get_entry(self, name: str) -> Any:
        """The entry of ``name`` (aliases resolved); ``ValueError`` listing the known names if unknown."""
        name = self.aliases.get(name, name) if isinstance(name, str) else name
        if not isinstance(name, str) or name not in self._entries:
            raise ValueError(f"unknown {self.kind} {name!r}; known: {list(self.names())}")
        return self._entries[name]

    def build(self, name: str, options: Mapping[str, Any]) -> Any:
        """``factory(**options)`` for the factory of ``name``, after checking the option names.

        A factory that takes ``**kwargs`` accepts any option names (it checks them itself).
        """
        factory = self.get_entry(name)
        parameters = inspect.signature(factory).parameters
        if not any(p.kind is p.VAR_KEYWORD for p in parameters.values()):
            unknown = sorted(set(options) - set(parameters))
            if unknown:
                raise ValueError(f"unknown option(s) {unknown} for {self.kind} {name!r}; "
                                 f"allowed: {sorted(parameters)}")
        return factory(**options)

    def __getitem__(self, name: str) -> Any:
        return self._entries[name]

    def __setitem__(self, name: str, entry: Any) -> None:
        self.register(name, entry, overwrite=True)

    def __delitem__(self, name: str) -> None:
        del self._entries[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}, names={list(self.names())})"


__all__ = ["Registry"]
