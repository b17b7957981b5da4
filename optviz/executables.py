"""Compiled runs kept on disk, keyed by what they compute, so that a new process skips tracing.

jax's persistent cache (`runner.use_compilation_cache`) saves the compiling, but a new process
still traces and lowers every run to find its entry: about 0.15 s an optimizer, most of a
short render's run. Here the compiled executable itself is kept (`jax.experimental.
serialize_executable`), under a key made of everything that decides it: the source of optviz
and of the catalogue, the versions of Python, jax and jaxlib, the platform and jax's flags,
the surface (catalogue surfaces only, by name), the rule (ours only, by name), its static
hyper-parameters, the number of steps, and the structure, shapes and types of the arguments.
Anything else (a surface or optimizer of the caller's own, a formula) is traced as usual.

The entries live in ``runs/`` beside jax's cache, in the same trust: a file there is loaded as
compiled code. They are written whole (a temporary file renamed) and one that cannot be read
is compiled again and replaced.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pathlib
import pickle
import sys
import tempfile

import jax
import numpy as np
import surfaces as catalogue

_LOADED: dict[str, object] = {}


@functools.lru_cache(maxsize=1)
def _source_digest() -> str:
    """A digest of every Python file of optviz and of the catalogue."""
    digest = hashlib.sha256()
    for package in (pathlib.Path(__file__).parent, pathlib.Path(catalogue.__file__).parent):
        for path in sorted(package.rglob("*.py")):
            digest.update(str(path.relative_to(package.parent)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _surface_key(surface) -> str | None:
    """The catalogue name of ``surface`` if it is the catalogue's own, else None."""
    try:
        return surface.name if catalogue.get(surface.name) is surface else None
    except ValueError:
        return None


def key(surface, rule, static, steps, args) -> str | None:
    """The key of the run of ``rule`` on ``surface`` with ``static`` hyper-parameters, ``steps``
    and the dynamic ``args``, or None where it cannot be named (see the module's notes)."""
    name = _surface_key(surface)
    if name is None or not isinstance(rule, str):
        return None
    leaves, tree = jax.tree_util.tree_flatten(args)
    kinds = [(type(a).__name__, np.shape(a), str(getattr(a, "dtype", ""))) for a in leaves]
    import jaxlib

    parts = (
        _source_digest(), sys.version_info[:2], jax.__version__, jaxlib.__version__,
        jax.default_backend(), jax.config.jax_enable_x64, os.environ.get("XLA_FLAGS", ""),
        name, rule, repr(static), steps, str(tree), kinds,
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def _folder() -> pathlib.Path | None:
    """Where the entries go: ``runs/`` in jax's cache directory, if there is one."""
    cache = jax.config.jax_compilation_cache_dir
    return pathlib.Path(cache) / "runs" if cache else None


def _load(path: pathlib.Path):
    try:
        with open(path, "rb") as file:
            serialized, in_tree, out_tree = pickle.load(file)
        from jax.experimental.serialize_executable import deserialize_and_load

        return deserialize_and_load(serialized, in_tree, out_tree)
    except Exception:  # missing, cut short or from another build: compiled again
        return None


def _store(path: pathlib.Path, compiled) -> None:
    from jax.experimental.serialize_executable import serialize

    try:
        data = pickle.dumps(serialize(compiled))
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(data)
            os.replace(name, path)
        except BaseException:
            os.unlink(name)
            raise
    except (OSError, ValueError, NotImplementedError):
        pass  # a read-only cache, or an executable that cannot be kept: traced next time


def call(jitted, surface, rule, static, steps, *args):
    """``jitted(surface, rule, static, steps, *args)``, from the executable kept on disk where
    there is one (compiled and kept there otherwise); traced as usual where the run cannot be
    named or no cache directory is set."""
    folder = _folder()
    name = key(surface, rule, static, steps, args) if folder is not None else None
    if name is None:
        return jitted(surface, rule, static, steps, *args)
    path = folder / f"{name}.run"
    compiled = _LOADED.get(name) or _load(path)
    if compiled is not None:
        try:
            result = jax.block_until_ready(compiled(*args))
            _LOADED[name] = compiled
            return result
        except jax.errors.JaxRuntimeError:  # from another build after all: compiled again
            pass
    # Compiled afresh, past jax's own cache: an executable it gave back keeps too little of
    # itself to run in another process ("Function ... not found").
    from jax.experimental.compilation_cache import compilation_cache

    previous = jax.config.jax_enable_compilation_cache
    jax.config.update("jax_enable_compilation_cache", False)
    compilation_cache.reset_cache()  # jax decides once whether to use its cache: again
    try:
        compiled = jitted.lower(surface, rule, static, steps, *args).compile()
    finally:
        jax.config.update("jax_enable_compilation_cache", previous)
        compilation_cache.reset_cache()
    _store(path, compiled)
    _LOADED[name] = compiled
    return compiled(*args)
