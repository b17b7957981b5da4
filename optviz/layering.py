"""Layering: the order paths are drawn in, and where a path that runs along others is drawn
beside them, like lines on a transit map.

Runs are drawn longest first (a zigzag at the bottom), each cased in the background colour, so
that a short or slow path lies on top and shows. Where a path goes along paths drawn above it,
it is drawn one line's width (and casing) further out for each. Positions are screen pixels:
the map's, or the 3-D view's projection.
"""

from __future__ import annotations

import numpy as np
from matplotlib.colors import to_rgba

from optviz import theme as themes
from optviz.drawing import DPI, START

CASING_PX = 1.5  # the background-coloured edge around each trail
SPACING = 0.5  # paths are compared at points this many line widths apart along them...
SAMPLES = 600  # ... and at most this many along each (a longer path's points spread out)
ALONGSIDE = 8  # points in a row within a line width of another path make a shared stretch


def lengths(pixels: np.ndarray) -> np.ndarray:
    """The length on screen of each of the (k, n, 2) paths; breaks (NaN) do not count."""
    return np.nansum(np.linalg.norm(np.diff(pixels, axis=1), axis=-1), axis=1)


def width(theme: themes.Theme) -> float:
    """A trail's width with its casing, in pixels: how far apart paths side by side are."""
    return theme.line_width * DPI / 72 + 2 * CASING_PX


def case(trails, colours, theme: themes.Theme) -> None:
    """Style a LineCollection whose segments are each trail twice, bottom first: wide in the
    background colour (its casing), then in its own colour (``colours``, bottom first)."""
    lw, casing = theme.line_width, to_rgba(theme.background)
    trails.set_color([c for colour in colours for c in (casing, colour)])
    trails.set_linewidths([lw + 2 * CASING_PX * 72 / DPI, lw] * len(colours))


def offsets(pixels: np.ndarray, order: np.ndarray, theme: themes.Theme) -> np.ndarray:
    """(k, n): how far out to the side each of the (k, n, 2) paths, drawn in ``order`` (bottom
    first), is drawn at each point, in pixels: one `width` for each path drawn above it that it
    goes along there, and never more than its length so far (or still to go) plus the start
    ring's radius, so that paths that leave one start together fan out from its ring, and
    paths that end together run into their heads' mark (`heads`). Paths are compared at
    points evenly spread along them (`SPACING`, `SAMPLES`), not at their steps: a few long
    steps lie along another path as surely as many short ones, and a path of a million steps
    costs no more than one of a thousand."""
    lw, ring = width(theme), START / 2 * theme.head_size * DPI / 72
    spread = [along_path(path, SPACING * lw) for path in pixels]
    amounts = np.zeros(pixels.shape[:2])
    for k, run in enumerate(order[:-1]):
        points, at, so_far = spread[run]
        along = sum(_alongside(points, spread[o][0], lw) for o in order[k + 1 :])
        ends = np.minimum(so_far, so_far[-1] - so_far) + ring
        amounts[run] = np.minimum(np.interp(so_far, at, along) * lw, ends)
    return amounts


def along_path(path: np.ndarray, spacing: float) -> tuple:
    """Points evenly spread along ``path`` (n, 2; pixels): ``spacing`` apart, or further
    apart to stay within `SAMPLES`; how far along the path each lies; and how far along it
    each of its own n points lies. Breaks (NaN) have no length."""
    so_far = travelled(path)
    total = so_far[-1]
    at = np.linspace(0.0, total, min(int(total / spacing), SAMPLES - 1) + 1)
    points = np.column_stack([np.interp(at, so_far, path[:, i]) for i in (0, 1)])
    return points, at, so_far


def travelled(path: np.ndarray) -> np.ndarray:
    """How far along ``path`` (n, 2; pixels) each of its points lies; breaks (NaN) have no
    length."""
    steps = np.nan_to_num(np.linalg.norm(np.diff(path, axis=0), axis=-1))
    return np.concatenate([[0.0], np.cumsum(steps)])


def beside(pixels: np.ndarray, amounts: np.ndarray) -> np.ndarray:
    """The (k, n, 2) paths moved ``amounts`` (k, n; pixels, from `offsets`) out to the left of
    their direction of travel."""
    return pixels + np.stack([_normals(path) for path in pixels]) * amounts[..., None]


def _smooth(values: np.ndarray, width: int) -> np.ndarray:
    """A moving average of ``values`` (along axis 0) over ``width`` points, ends held."""
    if len(values) < 2:
        return values.astype(float)
    padded = np.concatenate([values[:1].repeat(width, 0), values, values[-1:].repeat(width, 0)])
    kernel = np.ones(2 * width + 1) / (2 * width + 1)
    if values.ndim == 1:
        return np.convolve(padded, kernel, "valid")
    return np.stack([np.convolve(padded[:, i], kernel, "valid") for i in range(values.shape[1])], 1)


def _alongside(path: np.ndarray, other: np.ndarray, lw: float) -> np.ndarray:
    """Per point of ``path`` (pixels, evenly spread), 1 where it runs along ``other`` (within
    ``lw`` of it for at least `ALONGSIDE` points in a row), eased in and out; crossings do
    not count."""
    gap = path[:, None].astype(np.float32) - other[None].astype(np.float32)
    near = ((gap**2).sum(-1) < lw**2).any(1)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], near.astype(int), [0]])))
    stretch = np.zeros(len(path))
    for lo, hi in zip(edges[::2], edges[1::2]):
        if hi - lo >= ALONGSIDE:
            stretch[lo:hi] = 1.0
    return np.clip(_smooth(stretch, 2) * 1.5, 0, 1)


def _normals(path: np.ndarray) -> np.ndarray:
    """Unit normals (left of the direction of travel, on screen) of a smoothed ``path``; 0 at
    its breaks (NaN)."""
    direction = np.gradient(_smooth(path, 3), axis=0)
    norm = np.linalg.norm(direction, axis=1, keepdims=True)
    return np.where(norm > 1e-9, direction[:, ::-1] * [1, -1] / np.maximum(norm, 1e-9), 0)
