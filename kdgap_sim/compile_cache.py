"""JAX's persistent compilation cache for the ``kdgap`` command.

A repeated ``kdgap`` command reads its compiled rollouts from disk instead of
compiling them again. The cache lives where the platform keeps caches:
``$XDG_CACHE_HOME/kdgap_sim/jax`` (default ``~/.cache/kdgap_sim/jax``) on Linux,
``~/Library/Caches/kdgap_sim/jax`` on macOS, ``%LOCALAPPDATA%\\kdgap_sim\\jax`` on
Windows. ``KDGAP_COMPILE_CACHE=0`` (or ``kdgap --no-compile-cache``) turns it off;
``KDGAP_COMPILE_CACHE=/some/dir`` puts it elsewhere. A folder that cannot be
written gives a warning and the command runs without the cache.
"""

from __future__ import annotations

import os
import pathlib
import sys
import uuid
import warnings

ENV_VAR = "KDGAP_COMPILE_CACHE"
# JAX caches only compilations that took at least this long. Its default, 1 s, skips most of
# a command's programs: `kdgap demo` compiles 33, 5 of them over 0.1 s; caching all of them
# (a few hundred kB) halves a repeated demo (13.2 s -> 6.6 s on a loaded 2-core machine).
MIN_COMPILE_SECS = 0.0
_OFF = {"0", "off", "false", "no"}


def default_cache_dir() -> pathlib.Path:
    """The platform's cache folder for kdgap_sim's compiled programs.

    Example:
        >>> from kdgap_sim.compile_cache import default_cache_dir
        >>> default_cache_dir().name
        'jax'
    """
    home = pathlib.Path.home()
    if sys.platform == "win32":
        base = pathlib.Path(os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = home / "Library" / "Caches"
    else:
        base = pathlib.Path(os.environ.get("XDG_CACHE_HOME") or home / ".cache")
    return base / "kdgap_sim" / "jax"


def _writable(path: pathlib.Path) -> str | None:
    """None if files can be created in ``path`` (made if missing), else the reason."""
    try:
        if path.exists() and not path.is_dir():
            return "it is not a folder"
        path.mkdir(parents=True, exist_ok=True)
        probe = path / f".probe-{uuid.uuid4().hex}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as err:
        return err.strerror or str(err)
    return None


def enable_compile_cache(path: str | os.PathLike | None = None) -> pathlib.Path | None:
    """Turns on JAX's persistent compilation cache; returns its folder, or None if off.

    ``path`` None means ``$KDGAP_COMPILE_CACHE`` if set (``0`` turns the cache off),
    else :func:`default_cache_dir`. A folder that cannot be created or written
    gives a ``RuntimeWarning`` and returns None: the program runs, compiling as usual.
    Entries JAX cannot read (a corrupted file) are recompiled by JAX itself.

    Example:
        >>> import tempfile
        >>> from kdgap_sim.compile_cache import enable_compile_cache
        >>> folder = enable_compile_cache(tempfile.mkdtemp())
        >>> folder.is_dir()
        True
    """
    if path is None:
        setting = os.environ.get(ENV_VAR, "").strip()
        if setting.lower() in _OFF:
            return None
        path = setting or default_cache_dir()
    folder = pathlib.Path(path).expanduser()
    reason = _writable(folder)
    if reason is not None:
        warnings.warn(
            f"compilation cache off: cannot write to {folder} ({reason}); set {ENV_VAR}=0 "
            "to silence this, or point it at a writable folder",
            RuntimeWarning, stacklevel=2,
        )
        return None
    import jax

    jax.config.update("jax_compilation_cache_dir", str(folder))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", MIN_COMPILE_SECS)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    return folder


_ENSURED: list[pathlib.Path | None] = []


def ensure_compile_cache() -> pathlib.Path | None:
    """:func:`enable_compile_cache` once per process, unless the user chose otherwise.

    Library calls that compile large programs (``kd.fitting.fit``) call this so a
    second fit in a new process reads its compiled sampler from disk. It leaves a
    cache folder the user set in JAX (``jax_compilation_cache_dir``) alone, honours
    ``KDGAP_COMPILE_CACHE`` (``0`` = off), and warns at most once.

    Example:
        >>> from kdgap_sim.compile_cache import ensure_compile_cache
        >>> ensure_compile_cache() == ensure_compile_cache()   # decided once per process
        True
    """
    if _ENSURED:
        return _ENSURED[0]
    import jax

    configured = jax.config.jax_compilation_cache_dir
    if configured:
        folder: pathlib.Path | None = pathlib.Path(configured)
    else:
        folder = enable_compile_cache()
    _ENSURED.append(folder)
    return folder
