"""Where the words go: direct labels beside the heads they name, clear of each other, of the
marks on the map and of the frame's edge. Pure geometry in pixels (y down), so the frames
(stamped with PIL) and the stills (matplotlib text) put every label in the same place.
"""

from __future__ import annotations

import numpy as np

# Unit directions tried around a head, in order of preference: right, left, above, below,
# then the diagonals; each at two distances.
_DIRECTIONS = np.array(
    [(1, 0), (-1, 0), (0, -1), (0, 1), (1, -1), (-1, -1), (1, 1), (-1, 1)], dtype=float
)
_RINGS = (1.0, 2.2, 3.6, 5.2, 7.0)


def _overlap(box, boxes) -> float:
    """The area ``box`` (x0, y0, x1, y1) shares with each of ``boxes`` (k, 4), summed."""
    if len(boxes) == 0:
        return 0.0
    boxes = np.asarray(boxes, dtype=float)
    w = np.minimum(box[2], boxes[:, 2]) - np.maximum(box[0], boxes[:, 0])
    h = np.minimum(box[3], boxes[:, 3]) - np.maximum(box[1], boxes[:, 1])
    return float((np.clip(w, 0, None) * np.clip(h, 0, None)).sum())


def candidates(anchor, size, radius: float):
    """Boxes of ``size`` (w, h) beside ``anchor`` at ``radius`` and beyond, preferred first;
    last, a column of boxes stacked above and below it on either side."""
    (x, y), (w, h) = anchor, size
    for ring in _RINGS:
        for dx, dy in _DIRECTIONS:
            cx = x + dx * (radius * ring + w / 2)
            cy = y + dy * (radius * ring + h / 2)
            yield (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
    for k in range(1, 12):
        for side in (1, -1):
            for sign in (1, -1):
                cx = x + side * (radius + w / 2)
                cy = y + sign * k * h
                yield (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)


def place(anchors, sizes, frame, obstacles=(), radius: float = 6.0, previous=None):
    """A box (x0, y0, x1, y1) per label, beside its anchor: inside ``frame`` (x0, y0, x1, y1),
    overlapping no other label and as little as possible of the ``obstacles`` (boxes of heads,
    stars, text). ``previous`` (the boxes' offsets from their anchors in the last frame) is
    kept where it still fits, so labels do not jump between frames. Returns the boxes and
    their offsets."""
    placed, offsets = [], []
    obstacles = list(obstacles)
    for i, (anchor, size) in enumerate(zip(anchors, sizes)):
        options = [_inside(box, frame) for box in candidates(anchor, size, radius)]
        if previous is not None and previous[i] is not None:
            dx, dy = previous[i]
            x0, y0 = anchor[0] + dx, anchor[1] + dy
            options.insert(0, _inside((x0, y0, x0 + size[0], y0 + size[1]), frame))
        best, best_cost = None, None
        for rank, box in enumerate(options):
            outside = (
                max(frame[0] - box[0], 0)
                + max(box[2] - frame[2], 0)
                + max(frame[1] - box[1], 0)
                + max(box[3] - frame[3], 0)
            )
            conflict = 1e6 * outside + 1e3 * _overlap(box, placed) + 10 * _overlap(box, obstacles)
            if conflict == 0:
                best = box
                break
            if best_cost is None or conflict + rank < best_cost:
                best, best_cost = box, conflict + rank
        placed.append(best)
        offsets.append((best[0] - anchor[0], best[1] - anchor[1]))
    return placed, offsets


def _inside(box, frame):
    """``box`` moved into ``frame`` where it pokes out (a label wider than the frame stays
    at its left edge)."""
    x0, y0, x1, y1 = box
    fits = x1 - x0 <= frame[2] - frame[0]
    dx = max(frame[0] - x0, 0) - max(x1 - frame[2], 0) if fits else frame[0] - x0
    dy = max(frame[1] - y0, 0) - max(y1 - frame[3], 0)
    return (x0 + dx, y0 + dy, x1 + dx, y1 + dy)
