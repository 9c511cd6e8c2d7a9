"""Grids of parameter values: named axes, product and zip, every value validated up front.

A :class:`Grid` is an ordered list of *dimensions*. A dimension holds one axis
(``Grid(follow_prob=[...])``) or several axes of equal length that vary
together (``Grid.zip(alpha_pos=[...], alpha_neg=[...])``). Grids multiply
(``g1 * g2``) into their outer product. An axis name is ``seed`` or the flat
name of an environment or agent parameter (``probs``, ``follow_prob``); prefix
it with ``env.`` or ``agent.`` when both trees have a leaf of that name. An
axis over a vector-valued parameter (``probs``) takes one vector per value.

Grid points are numbered in C order over the dimensions (the last dimension
varies fastest); a point's *flat index* fixes its random key,
``fold_in(root, flat_index)``, so results never depend on how the grid is
chunked or distributed.

Example:
  >>> import kdgap_sim as kd
  >>> grid = kd.sweep.Grid(follow_prob=[0.2, 0.6, 1.0], seed=range(4))
  >>> grid.shape, grid.size
  ((3, 4), 12)
  >>> grid.point(5)
  {'follow_prob': 0.6, 'seed': 1}
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from kdgap_sim import validation

SEED = "seed"
MAX_POINTS = 2**31 - 1  # flat indices are folded into keys as int32


@dataclasses.dataclass(frozen=True)
class Dim:
    """One dimension of a grid: a name, a length and the axes varying along it.

    Attributes:
      name: the dimension's name (an axis name, or the zipped names joined by ``+``).
      axes: axis name -> values, an array whose leading axis has the dimension's length.
    """

    name: str
    axes: Mapping[str, np.ndarray]

    @property
    def size(self) -> int:
        return len(next(iter(self.axes.values())))


def _as_values(name: str, values: Any) -> np.ndarray:
    if isinstance(values, range):
        values = list(values)
    if np.isscalar(values) or (isinstance(values, np.ndarray) and values.ndim == 0):
        raise ValueError(
            f"grid axis {name!r} must be a sequence of values (e.g. [0.1, 0.2] or range(8)), "
            f"got the scalar {values!r}"
        )
    array = validation.as_numeric_array(f"grid axis {name!r}", values)
    if array.ndim == 0 or array.shape[0] == 0:
        raise ValueError(f"grid axis {name!r} must have at least one value, got {values!r}")
    return array


def _check_name(name: Any) -> str:
    if not isinstance(name, str) or not name:
        raise TypeError(f"grid axis names must be non-empty strings, got {name!r}")
    return name


class Grid:
    """Named axes over env params, agent params and ``seed``; the outer product of its dims.

    Args:
      **axes: axis name -> sequence of values; each axis is its own dimension,
        in the order given (the last varies fastest).

    Example:
      >>> import kdgap_sim as kd
      >>> g = kd.sweep.Grid.zip(alpha_pos=[0.1, 0.3], alpha_neg=[0.3, 0.1]) * kd.sweep.Grid(seed=range(8))
      >>> g.dim_names, g.shape
      (('alpha_pos+alpha_neg', 'seed'), (2, 8))
    """

    def __init__(self, **axes: Any) -> None:
        self._dims: tuple[Dim, ...] = tuple(
            Dim(_check_name(name), {name: _as_values(name, values)}) for name, values in axes.items()
        )
        self._check_unique()

    @classmethod
    def _from_dims(cls, dims: Iterable[Dim]) -> Grid:
        grid = cls.__new__(cls)
        grid._dims = tuple(dims)
        grid._check_unique()
        return grid

    @classmethod
    def zip(cls, *, dim: str | None = None, **axes: Any) -> Grid:
        """One dimension along which all ``axes`` vary together (equal lengths required).

        Args:
          dim: name of the dimension; defaults to the axis names joined by ``+``.
          **axes: axis name -> sequence of values.
        """
        if not axes:
            raise ValueError("Grid.zip needs at least one axis")
        arrays = {_check_name(name): _as_values(name, values) for name, values in axes.items()}
        lengths = {name: len(values) for name, values in arrays.items()}
        if len(set(lengths.values())) > 1:
            raise ValueError(f"zipped grid axes must have equal lengths, got {lengths}")
        name = "+".join(arrays) if dim is None else _check_name(dim)
        return cls._from_dims([Dim(name, arrays)])

    def __mul__(self, other: Grid) -> Grid:
        if not isinstance(other, Grid):
            return NotImplemented
        return Grid._from_dims((*self._dims, *other._dims))

    def _check_unique(self) -> None:
        if len(set(self.axis_names)) != len(self.axis_names):
            raise ValueError(f"grid axis names must be unique, got {self.axis_names}")
        for d in self._dims:
            others = [name for other in self._dims if other is not d for name in (other.name, *other.axes)]
            if d.name in others:
                raise ValueError(f"grid dimension {d.name!r} appears twice (as a dimension or axis name)")
        if self.size > MAX_POINTS:
            raise ValueError(f"a grid may have at most {MAX_POINTS} points, got {self.size}")

    # -- shape --------------------------------------------------------------
    @property
    def dims(self) -> tuple[Dim, ...]:
        return self._dims

    @property
    def dim_names(self) -> tuple[str, ...]:
        return tuple(d.name for d in self._dims)

    @property
    def axis_names(self) -> tuple[str, ...]:
        return tuple(name for d in self._dims for name in d.axes)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(d.size for d in self._dims)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64)) if self._dims else 1

    def with_seed(self) -> Grid:
        """This grid, with a one-value ``seed`` dimension appended if it has none."""
        if SEED in self.axis_names:
            return self
        return self * Grid(seed=[0])

    def point(self, flat_index: int) -> dict[str, Any]:
        """The axis values of the point with this flat index (C order)."""
        validation.check_int("flat_index", flat_index, minimum=0)
        if flat_index >= self.size:
            raise ValueError(f"flat_index must be < {self.size}, got {flat_index}")
        indices = np.unravel_index(flat_index, self.shape)
        return {
            name: values[i].tolist()
            for d, i in zip(self._dims, indices)
            for name, values in d.axes.items()
        }

    def __repr__(self) -> str:
        parts = [f"{d.name}[{d.size}]" for d in self._dims]
        return f"Grid({' x '.join(parts)} = {self.size} points)"

    # -- validation ---------------------------------------------------------
    def resolve(self, env: Any, agent: Any, env_params: Any, agent_params: Any) -> dict[str, tuple[str, str]]:
        """Checks every axis and value; returns axis -> ``(tree, flat_name)``, tree "env"/"agent"/"seed".

        Raises:
          ValueError, TypeError: an unknown or ambiguous axis name, two axes over
            the same parameter (``follow_prob`` and ``agent.follow_prob``), an axis
            over a parameter the agent ignores, or a bad value; the message names
            the axis and the index of the first bad value.
        """
        env_names = set(env_params.flat_names())
        agent_names = set(agent_params.flat_names())
        used = set(agent.used_params)
        targets: dict[str, tuple[str, str]] = {}
        for d in self._dims:
            for name, values in d.axes.items():
                tree, leaf = _target(name, env_names, agent_names)
                twin = next((other for other, target in targets.items() if target == (tree, leaf)), None)
                if twin is not None:
                    raise ValueError(
                        f"grid axes {twin!r} and {name!r} both name the {tree} parameter {leaf!r}; "
                        "keep one of them"
                    )
                if tree == "agent" and leaf not in used:
                    raise ValueError(
                        f"grid axis {name!r} names a parameter that {agent!r} ignores; "
                        f"its used parameters are {sorted(used)}"
                    )
                if tree == "env":
                    env_used = getattr(env, "used_params", None)
                    if env_used is not None and leaf not in env_used:
                        raise ValueError(f"grid axis {name!r} names a parameter that {env!r} ignores")
                if tree == SEED:
                    _check_seeds(values)
                elif tree == "env":
                    _check_values(name, values, env_params, leaf, env.validate_params, "env_params")
                else:
                    _check_values(name, values, agent_params, leaf, agent.validate_params, "agent_params")
                targets[name] = (tree, leaf)
        return targets

    def cast(self, env_params: Any, agent_params: Any, targets: Mapping[str, tuple[str, str]]) -> Grid:
        """This grid with each axis in the dtype its parameter runs in (int32 or float32; seeds int64)."""
        dims = []
        for d in self._dims:
            axes = {}
            for name, values in d.axes.items():
                tree, leaf = targets[name]
                if tree == SEED:
                    axes[name] = values.astype(np.int64)
                else:
                    base = (env_params if tree == "env" else agent_params).get(leaf)
                    axes[name] = values.astype(leaf_dtype(base))
            dims.append(Dim(d.name, axes))
        return Grid._from_dims(dims)


def _target(name: str, env_names: set[str], agent_names: set[str]) -> tuple[str, str]:
    if name == SEED:
        return SEED, SEED
    for prefix, names in (("env.", env_names), ("agent.", agent_names)):
        if name.startswith(prefix):
            leaf = name[len(prefix):]
            if leaf not in names:
                raise ValueError(f"unknown grid axis {name!r}: {prefix[:-1]} params have {sorted(names)}")
            return prefix[:-1], leaf
    in_env, in_agent = name in env_names, name in agent_names
    if in_env and in_agent:
        raise ValueError(
            f"grid axis {name!r} is ambiguous (an env and an agent parameter); "
            f"write 'env.{name}' or 'agent.{name}'"
        )
    if not (in_env or in_agent):
        raise ValueError(
            f"unknown grid axis {name!r}; expected 'seed', an env parameter {sorted(env_names)} "
            f"or an agent parameter {sorted(agent_names)}"
        )
    return ("env" if in_env else "agent"), name


def _check_seeds(values: np.ndarray) -> None:
    if values.ndim != 1 or not np.issubdtype(values.dtype, np.integer):
        raise TypeError(f"grid axis 'seed' must be a 1-D sequence of integers, got dtype {values.dtype}")
    bad = np.flatnonzero(values < 0)
    if bad.size:
        raise ValueError(f"grid axis 'seed' index {bad[0]}: seeds must be >= 0, got {values[bad[0]]}")
    unique, counts = np.unique(values, return_counts=True)
    if (counts > 1).any():
        raise ValueError(f"grid axis 'seed' has repeated value {unique[counts > 1][0]}")


def leaf_dtype(base: Any) -> np.dtype:
    """The dtype an axis over this parameter is stored in: int32 for integer leaves, else float32."""
    return np.dtype(np.int32) if np.issubdtype(np.asarray(base).dtype, np.integer) else np.dtype(np.float32)


def _check_values(name, values, params, leaf, validate, tree_name) -> None:
    base = np.asarray(params.get(leaf))
    if values.shape[1:] != base.shape:
        raise ValueError(
            f"grid axis {name!r}: each value must have the shape of {tree_name} {leaf!r}, "
            f"{base.shape}, got values of shape {values.shape[1:]}"
        )
    for i, value in enumerate(values.astype(leaf_dtype(base))):
        try:
            validate(params.replace(**{leaf: value}), tree_name)
        except (ValueError, TypeError) as err:
            raise type(err)(f"grid axis {name!r} index {i} (value {value.tolist()!r}): {err}") from None
