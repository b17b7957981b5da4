"""A catalogue of analytic 2-D loss surfaces: frozen data, no optimizers, no drawing."""

from __future__ import annotations

import difflib

from surfaces.catalogue import CATALOGUE
from surfaces.penalty import penalized
from surfaces.surface import (
    MinimumSet,
    Penalty,
    Plateau,
    Saddle,
    Surface,
    levels_over,
    linear_levels,
    log_levels,
)

__all__ = [
    "MinimumSet",
    "Penalty",
    "Plateau",
    "Saddle",
    "Surface",
    "get",
    "names",
    "penalized",
    "levels_over",
    "linear_levels",
    "log_levels",
]

_BY_NAME = {surface.name: surface for surface in CATALOGUE}


def names() -> list[str]:
    """The catalogue's surface names, in catalogue order."""
    return list(_BY_NAME)


def get(name: str) -> Surface:
    """The surface called ``name``; ``ValueError`` naming close matches when there is none."""
    try:
        return _BY_NAME[name]
    except KeyError:
        close = difflib.get_close_matches(name, _BY_NAME, n=3)
        hint = f"did you mean {' or '.join(repr(c) for c in close)}? " if close else ""
        raise ValueError(
            f"unknown surface {name!r}; {hint}choose from: {', '.join(_BY_NAME)}"
        ) from None
