"""Heads that meet: one mark, cut into a slice per run.

Runs that end together (most often at a minimum) would hide every head but the top one.
Each head that others covered used to grow into a ring round them; seven runs at one
minimum made a target 160 px across in the talk theme, over the wells and the words. Now
the heads that meet make one mark the size of a head or two, cut into a slice per run, each
slice on the side its run came in from, so that its path runs into it. At a minimum the
mark is a ring of slices just outside the star's halo, and the star stays in sight.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from matplotlib.patches import Wedge
from matplotlib.path import Path
from matplotlib.transforms import Affine2D

from optviz.drawing import STAR

BAND = 0.75  # how wide the ring of slices round a star is, in head sizes
GROW = 0.15  # a mark of k heads away from a star is 1 + GROW·k head sizes across...
MOST = 2.2  # ...at most
TURNS = 72  # where the first slice starts, in steps of 5 degrees: still while runs settle
_HALF = Affine2D().scale(0.5)  # markers' paths are 1 unit across


def meetings(px: np.ndarray, near: float) -> np.ndarray:
    """For points ``px`` (k, 2), a group number per point: the point with the most others
    closer than ``near`` gathers them, then the one with the most of those left, and so on
    (no chains: a group is never wider than ``2·near``)."""
    close = np.linalg.norm(px[:, None] - px[None], axis=-1) < near
    group = np.full(len(px), -1)
    while (group < 0).any():
        free = group < 0
        seed = np.argmax((close & free[None]).sum(1) * free)
        group[close[seed] & free] = seed
    return group


@functools.lru_cache(maxsize=1024)
def slice_path(k: int, i: int, turn: int, hole: float) -> Path:
    """Slice ``i`` of ``k`` of a disc 1 unit across (a marker's path), the first starting
    ``turn`` of `TURNS` of a full turn anticlockwise from the right; with a ``hole`` (a share
    of the diameter) in the middle, a slice of a ring. One slice with no hole is a disc."""
    if k == 1 and not hole:
        return Path.unit_circle().transformed(_HALF)
    start = 360 * turn / TURNS + 360 * i / k
    width = 0.5 * (1 - hole) if hole else None
    return Wedge((0, 0), 0.5, start, start + 360 / k, width=width).get_path()



def first_turn(angles: np.ndarray) -> int:
    """Where the first of k slices (in order round the circle) starts so that each lies,
    as near as the slices allow, on the side of its ``angles`` (radians, sorted)."""
    k = len(angles)
    off = angles - 2 * math.pi * (np.arange(k) + 0.5) / k
    mean = math.atan2(np.sin(off).sum(), np.cos(off).sum())
    return round(mean / (2 * math.pi) * TURNS) % TURNS


def gather(px: np.ndarray, paths: np.ndarray, step: int, stars, head: float):
    """The marks of heads at ``px`` (k, 2; display pixels, y up) whose lines are ``paths``
    (k, n, 2, as drawn), at ``step``, near ``stars`` (m, 2), with ``head`` pixels a head size:
    heads within a head of a star share a ring round it, and heads closer than a head to
    each other a disc among them (`meetings`). Returns per head its mark's centre (k, 2), its
    slice (a marker path, 1 unit across) and the mark's diameter in head sizes."""
    px = np.asarray(px, dtype=float).reshape(-1, 2)
    centres, slices, sizes = px.copy(), [None] * len(px), np.ones(len(px))
    stars = np.asarray(stars, dtype=float).reshape(-1, 2)
    # Heads within a head of a star make a ring round it; the others meet where they are.
    gaps = np.linalg.norm(px[:, None] - stars[None], axis=-1)
    star = np.where((gaps < head).any(1), gaps.argmin(1) if stars.size else 0, -1)
    rest = np.flatnonzero(star < 0)
    group = np.full(len(px), -1)
    group[rest] = rest[meetings(px[rest], head)]
    for members in [np.flatnonzero(star == s) for s in np.unique(star[star >= 0])] + [
        np.flatnonzero(group == g) for g in np.unique(group[rest])
    ]:
        if star[members[0]] >= 0:
            centre = stars[star[members[0]]]
            size, hole = STAR + 2 * BAND, STAR / (STAR + 2 * BAND)
        elif len(members) > 1:
            centre = px[members].mean(0)
            size, hole = min(1 + GROW * len(members), MOST), 0.0
        else:
            centre, size, hole = px[members[0]], 1.0, 0.0
        centres[members], sizes[members] = centre, size
        if len(members) == 1 and not hole:
            slices[members[0]] = slice_path(1, 0, 0, 0.0)
            continue
        reach = size * head / 2
        away = np.array([came_from(paths[m], step, centre, reach) for m in members]) - centre
        angles = np.arctan2(away[:, 1], away[:, 0])
        members = members[np.argsort(angles, kind="stable")]
        turn = first_turn(np.sort(angles))
        for i, m in enumerate(members):
            slices[m] = slice_path(len(members), i, turn, hole)
    return centres, slices, sizes


def came_from(path: np.ndarray, step: int, centre, reach: float, back: int = 4096):
    """The last point of ``path`` (n, 2; pixels) up to ``step`` (looking at most ``back``
    steps back) further than ``reach`` from ``centre``: the side the run came in from (its
    start if it never went further)."""
    seen = path[max(step - back, 0) : step + 1]
    far = np.flatnonzero(np.linalg.norm(seen - centre, axis=1) > reach)
    return seen[far[-1]] if far.size else path[0]


def put(marks, offsets: np.ndarray, slices: list, diameters: np.ndarray, colours) -> None:
    """Show heads in the PathCollection ``marks``: at ``offsets`` (in its offset transform),
    each its slice, ``diameters`` points across, in its colour; the largest marks first, so
    that a head passing over a mark shows."""
    first = np.argsort(-diameters, kind="stable")
    marks.set_offsets(offsets[first].reshape(-1, 2))
    marks.set_paths([slices[i] for i in first])
    marks.set_sizes(diameters[first] ** 2)
    marks.set_facecolors(colours[first])
