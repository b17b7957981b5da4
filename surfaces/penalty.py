"""Penalties on the parameters: ``A·(|x| + |y|)`` (L1, the lasso) and ``A/2·(x² + y²)`` (L2,
ridge, weight decay) added to any surface.

A penalized surface has no minimum in closed form, so it is found (`surfaces.minima.find`); the
minima of the surface without the penalty are kept as ``ghost_minima``, so that a picture can
show how far the penalty pulled the minimum towards the origin.
"""

from __future__ import annotations

import dataclasses
import functools
import math

from surfaces import minima as found
from surfaces.surface import Penalty, Surface, levels_over, log_levels


def _strength(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{name} must be a number, got {value!r}")
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return float(value)


def penalized(surface: Surface, l1: float = 0.0, l2: float = 0.0) -> Surface:
    r"""``surface`` plus $l_1(|x| + |y|) + \frac{l_2}{2}(x^2 + y^2)$: a new frozen `Surface`
    with its minima found. A surface already penalized gets the strengths added to its own.
    ``ValueError`` for a negative or non-finite strength, and for a surface that has no minimum
    inside its window with the penalty (one unbounded below, such as the saddle with a small
    L2): what would the star mark?"""
    l1, l2 = _strength("l1", l1), _strength("l2", l2)
    return _penalized(surface, l1, l2) if l1 or l2 else surface


@functools.lru_cache(maxsize=64)
def _penalized(surface: Surface, l1: float, l2: float) -> Surface:
    # Cached: the same penalty on the same surface is the same Surface, so runs compiled for it
    # (keyed on the surface's identity) are reused.
    before = surface.penalty
    base = before.base if before else surface
    if before:
        l1, l2 = l1 + before.l1, l2 + before.l2
    penalty = Penalty(base, l1, l2)
    fn = penalty.loss
    result = found.find(fn, base.bounds, smooth=penalty.without("l1"), l1=penalty.l1)
    if result.fmin is None:
        raise ValueError(
            f"{base.formula if base.name == 'formula' else base.name}{penalty.text()} has no "
            "minimum inside its window; a penalty needs a surface bounded below there"
        )
    if base.fmin is not None:
        # The base's levels moved to the new minimum, keeping their spacing.
        top, floor = base.levels[-1] - base.fmin, base.levels[0] - base.fmin
        levels = log_levels(result.fmin, result.fmin + top, len(base.levels), floor)
    else:
        levels = levels_over(found.grid_values(fn, base.bounds))
    return dataclasses.replace(
        base,
        fn=fn,
        title=f"{base.title or base.name}, with {penalty.words()}",
        tex=base.tex + penalty.tex(base.axes) if base.tex else "",
        formula=base.formula + penalty.text(),
        levels=levels,
        reference=base.reference + f"\nWith the penalty{penalty.text()[2:]} added.",
        minima=result.minima,
        fmin=result.fmin,
        local_minima=result.local_minima,
        saddles=(),
        batch_fn=penalty.batch_loss if base.batch_fn else None,
        penalty=penalty,
        ghost_minima=_moved(base.minima or found.find(base.fn, base.bounds).minima, result),
    )


def _moved(before, after: found.Minima) -> tuple:
    """The minima ``before`` that the penalty moved: those not among the minima ``after``."""

    def moved(p):
        return all(math.dist(p, q) > 1e-9 * (1 + math.hypot(*q)) for q in after.minima)

    return tuple(p for p in before if moved(p))
