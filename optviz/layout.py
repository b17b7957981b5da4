"""Layout: where the map, the loss panel and the words go, placed by hand in pixels so that the
picture is filled. The map keeps equal scales on both axes; rather than leave blank bands, its
window is widened (about its centre) to the shape of the room it gets.
"""

from __future__ import annotations

import dataclasses
import math

from optviz.drawing import DPI

Rect = tuple[float, float, float, float]  # left, bottom, width, height in pixels


@dataclasses.dataclass(frozen=True)
class Margins:
    """Room around a panel, in pixels, from the theme's type size."""

    top: float  # the title and the formula
    left: float  # y tick labels and the axis name
    bottom: float  # x tick labels and the axis name
    right: float
    gap: float  # between panels

    @classmethod
    def of(cls, font_size: float) -> "Margins":
        em = font_size * DPI / 72
        return cls(top=3.3 * em, left=3.9 * em, bottom=3.0 * em, right=0.9 * em, gap=2.0 * em)


def widen(bounds, aspect: float):
    """``bounds`` widened about their centre to ``aspect`` (height / width), never narrowed."""
    (x0, x1), (y0, y1) = bounds
    w, h = x1 - x0, y1 - y0
    if h / w < aspect:
        grow = (aspect * w - h) / 2
        return (x0, x1), (y0 - grow, y1 + grow)
    grow = (h / aspect - w) / 2
    return (x0 - grow, x1 + grow), (y0, y1)


def _fitted(bounds, w: float, h: float) -> float:
    """The area the window ``bounds`` covers when fitted, at equal scales, into w x h."""
    (x0, x1), (y0, y1) = bounds
    if w <= 0 or h <= 0:
        return 0.0
    k = min(w / (x1 - x0), h / (y1 - y0))
    return k * k * (x1 - x0) * (y1 - y0)


def overlay(size, font_size: float, bounds, loss_panel: bool):
    """``(map, loss, bounds)``: the map's and the loss panel's rectangles (the loss None without
    a panel) and the map's window widened to fill its rectangle. The loss panel goes beside a
    tall map and under a wide one, whichever leaves the map more room."""
    W, H = size
    m = Margins.of(font_size)
    inner_w, inner_h = W - m.left - m.right, H - m.top - m.bottom
    options = []
    if not loss_panel:
        options.append(((m.left, m.bottom, inner_w, inner_h), None))
    else:
        side_w = max(0.3 * inner_w, 6 * m.gap)
        map_w = inner_w - side_w - m.left
        options.append(
            (
                (m.left, m.bottom, map_w, inner_h),
                (m.left + map_w + 1.2 * m.left, m.bottom, side_w - 0.2 * m.left, inner_h),
            )
        )
        below_h = max(0.26 * inner_h, 4 * m.gap)
        map_h = inner_h - below_h - m.bottom
        options.append(
            (
                (m.left, m.bottom + below_h + m.bottom, inner_w, map_h),
                (m.left, m.bottom, inner_w, below_h),
            )
        )
    map_rect, loss_rect = max(options, key=lambda o: _fitted(bounds, o[0][2], o[0][3]))
    return map_rect, loss_rect, widen(bounds, map_rect[3] / map_rect[2])


def grid(size, font_size: float, bounds, panels: int, loss_panel: bool):
    """``(maps, loss, bounds, columns)``: a rectangle per panel, row by row, and the loss
    panel's (None without one), for the rows and columns that make the panels largest. Cells
    left empty in the last row hold the loss panel."""
    W, H = size
    m = Margins.of(font_size)
    title = 0.75 * m.gap  # a panel's name above it
    inner_w, inner_h = W - m.left - m.right, H - m.top - m.bottom

    def shape(cols):
        rows = math.ceil((panels + loss_panel) / cols)
        cell_w = (inner_w - (cols - 1) * m.gap) / cols
        cell_h = (inner_h - rows * title - (rows - 1) * m.gap) / rows
        empty = rows * cols - panels
        return _fitted(bounds, cell_w, cell_h) * (1 - 1e-3 * empty), rows, cell_w, cell_h

    cols = max(range(1, panels + loss_panel + 1), key=lambda c: shape(c)[0])
    _, rows, cell_w, cell_h = shape(cols)
    maps = []
    for k in range(panels):
        r, c = divmod(k, cols)
        left = m.left + c * (cell_w + m.gap)
        bottom = m.bottom + (rows - 1 - r) * (cell_h + title + m.gap)
        maps.append((left, bottom, cell_w, cell_h))
    loss = None
    empty = rows * cols - panels
    if empty:
        c0 = panels - (rows - 1) * cols
        left = m.left + c0 * (cell_w + m.gap) + 0.9 * m.left
        loss = (left, m.bottom, W - m.right - left, cell_h)
        if loss[2] < 2.5 * m.gap:
            loss = None
    return maps, loss, widen(bounds, cell_h / cell_w), cols


def fractions(rect: Rect, size) -> Rect:
    """``rect`` in pixels as figure fractions."""
    W, H = size
    x, y, w, h = rect
    return (x / W, y / H, w / W, h / H)
