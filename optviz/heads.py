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
from matplotlib.colors import to_rgba
from matplotlib.path import Path
from matplotlib.transforms import Affine2D

from optviz.drawing import START, STAR

BAND = 0.75  # how wide the ring of slices round a star (or a start) is, in head sizes
START_RING = START + 0.3  # the hole of a ring round a start: its ring, and a gap
GROW = 0.15  # a mark of k heads away from a star is 1 + GROW·k head sizes across...
MOST = 2.2  # ...at most
TURNS = 72  # where the first slice starts, in steps of 5 degrees: still while runs settle
_HALF = Affine2D().scale(0.5)  # markers' paths are 1 unit across
HALO = 0.35  # a shared mark's halo is this many head sizes wider than the mark


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
    if not hole:
        return Path.wedge(start, start + 360 / k).transformed(_HALF)
    arc = Path.arc(start, start + 360 / k)
    n = len(arc.vertices)
    # The outer arc, then the inner one backwards (a whole ring: a separate loop).
    joint = Path.MOVETO if k == 1 else Path.LINETO
    vertices = np.concatenate([arc.vertices, arc.vertices[::-1] * hole, [[0, 0]]]) * 0.5
    codes = [*arc.codes, joint, *[Path.CURVE4] * (n - 1), Path.CLOSEPOLY]
    return Path(vertices, codes)


def first_turn(angles: np.ndarray) -> int:
    """Where the first of k slices (in order round the circle) starts so that each lies,
    as near as the slices allow, on the side of its ``angles`` (radians, sorted)."""
    k = len(angles)
    off = angles - 2 * math.pi * (np.arange(k) + 0.5) / k
    mean = math.atan2(np.sin(off).sum(), np.cos(off).sum())
    return round(mean / (2 * math.pi) * TURNS) % TURNS


def gather(px: np.ndarray, paths: np.ndarray, step: int, stars, head: float, starts=()):
    """The marks of heads at ``px`` (k, 2; display pixels, y up) whose lines are ``paths``
    (k, n, 2, as drawn), at ``step``, near ``stars`` and ``starts`` (m, 2), with ``head``
    pixels a head size: heads within a head of a star share a ring round it, and of a start a
    ring round its ring (`START_RING`; at the first step every run is there); heads closer
    than a head to each other a disc among them (`meetings`). Returns per head its mark's
    centre (k, 2), its slice (a marker path, 1 unit across) and the mark's diameter in head
    sizes."""
    px = np.asarray(px, dtype=float).reshape(-1, 2)
    disc = slice_path(1, 0, 0, 0.0)
    centres, slices, sizes = px.copy(), [disc] * len(px), np.ones(len(px))
    stars = np.asarray(stars, dtype=float).reshape(-1, 2)
    starts = np.asarray(starts, dtype=float).reshape(-1, 2)
    others = np.concatenate([px, stars, starts])
    gaps = np.linalg.norm(px[:, None] - others[None], axis=-1)
    gaps[np.arange(len(px)), np.arange(len(px))] = np.inf
    if not (gaps < head).any():  # most frames: every head on its own
        return centres, slices, sizes
    # Heads within a head of a star (or else of a start) make a ring round it; the others
    # meet where they are.
    groups = []
    free = np.ones(len(px), bool)
    to_stars, to_starts = np.split(gaps[:, len(px) :], [len(stars)], axis=1)
    for points, to, hole in ((stars, to_stars, STAR), (starts, to_starts, START_RING)):
        if len(points):
            near = np.where(free & (to.min(1) < head), to.argmin(1), -1)
            for k in np.unique(near[near >= 0]):
                groups.append((np.flatnonzero(near == k), points[k], hole))
            free &= near < 0
    rest = np.flatnonzero(free)
    met = rest[meetings(px[rest], head)]
    groups += [(rest[met == g], None, 0.0) for g in np.unique(met)]
    for members, centre, hole in groups:
        if hole:
            size, hole = hole + 2 * BAND, hole / (hole + 2 * BAND)
        elif len(members) > 1:
            centre, size = px[members].mean(0), min(1 + GROW * len(members), MOST)
        else:
            centre, size = px[members[0]], 1.0
        centres[members], sizes[members] = centre, size
        if len(members) == 1 and not hole:
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


def put(marks, offsets, slices, sizes, head: float, colours, background) -> None:
    """Show heads in the PathCollection ``marks``: at ``offsets`` (in its offset transform),
    each its slice, ``sizes`` head sizes of ``head`` points across, in its colour; a mark that
    heads share on a disc of the ``background`` `HALO` wider, which parts it from the paths
    under it (a slice over its own run's scribble would not show); the largest marks first,
    so that a head passing over a mark shows."""
    first = np.argsort(-sizes, kind="stable")
    shared = np.flatnonzero(sizes[first] > 1)
    under = np.array(list(dict.fromkeys(
        map(tuple, np.column_stack([offsets[first][shared], sizes[first][shared]]).tolist())
    ))).reshape(-1, 3)
    disc = slice_path(1, 0, 0, 0.0)
    marks.set_offsets(np.concatenate([under[:, :2], offsets[first]]).reshape(-1, 2))
    marks.set_paths([disc] * len(under) + [slices[i] for i in first])
    marks.set_sizes(np.concatenate([(under[:, 2] + HALO) * head, sizes[first] * head]) ** 2)
    marks.set_facecolors(np.concatenate([np.tile(to_rgba(background), (len(under), 1)),
                                         np.reshape(colours, (-1, 4))[first]]))
