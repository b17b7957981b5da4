"""Compiled runs, kept: in memory for the process, and on disk across processes.

Starting a run costs more in tracing and lowering the update rule (about 0.1 s each) than in
running it. Executables are therefore kept by what they depend on (the function, its static
arguments, the shapes and types of the others) and, for catalogue surfaces, also written to the
cache folder (`runner.use_compilation_cache`), keyed as well by the source code of optviz and
surfaces, the jax version and the machine, so a changed program never loads an old executable.
On a later run a kept executable loads in a few milliseconds.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pathlib
import platform
from typing import Callable, NamedTuple

import jax
from jax.experimental import serialize_executable

_MEMORY: dict = {}
_FOLDER: pathlib.Path | None = None


class Job(NamedTuple):
    """One executable wanted: ``jitted(*static, *dynamic)`` with ``static`` hashable."""

    jitted: Callable
    static: tuple
    dynamic: tuple
    out_tree: object  # the result's tree structure, known to the caller
    disk_name: str | None  # a stable name for the static part, or None: memory only


def keep_on_disk(folder) -> None:
    """Write executables to ``folder`` (None: keep them in memory only)."""
    global _FOLDER
    _FOLDER = pathlib.Path(folder) if folder else None


def _shapes(dynamic) -> tuple:
    leaves, tree = jax.tree.flatten(dynamic)
    return str(tree), tuple((tuple(x.shape), str(x.dtype)) for x in leaves)


@functools.cache
def _source_digest() -> str:
    """What a kept executable depends on besides its arguments: the code and the machine."""
    import surfaces

    import optviz

    digest = hashlib.sha256()
    for package in (optviz, surfaces):
        for path in sorted(pathlib.Path(package.__file__).parent.glob("*.py")):
            digest.update(path.read_bytes())
    digest.update(f"{jax.__version__} {jax.lib.__version__} {platform.machine()}".encode())
    digest.update(str(jax.devices()[0].device_kind).encode())
    return digest.hexdigest()


def _disk_path(job: Job) -> pathlib.Path | None:
    if _FOLDER is None or job.disk_name is None:
        return None
    key = repr((job.disk_name, _shapes(job.dynamic), jax.config.jax_enable_x64))
    name = hashlib.sha256((_source_digest() + key).encode()).hexdigest()[:32]
    return _FOLDER / "runs" / f"{name}.xla"


def _load(job: Job, path: pathlib.Path | None):
    if path is None or not path.is_file():
        return None
    in_tree = jax.tree.structure((job.dynamic, {}))
    try:
        return serialize_executable.deserialize_and_load(path.read_bytes(), in_tree, job.out_tree)
    except Exception:  # a damaged or foreign file: compile again
        return None


def _save(compiled, path: pathlib.Path | None) -> None:
    if path is None:
        return
    payload, _, _ = serialize_executable.serialize(compiled)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(payload)
    os.replace(tmp, path)


def executables(jobs: list[Job]) -> list[Callable]:
    """A compiled executable for each job, to be called with the job's dynamic arguments."""
    keys = [(job.jitted, job.static, _shapes(job.dynamic)) for job in jobs]
    for key, job in zip(keys, jobs):
        if key in _MEMORY:
            continue
        path = _disk_path(job)
        executable = _load(job, path)
        if executable is None:
            executable = job.jitted.lower(*job.static, *job.dynamic).compile()
            _save(executable, path)
        _MEMORY[key] = executable
    return [_MEMORY[key] for key in keys]
