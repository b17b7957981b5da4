"""Where the words go: direct labels beside the heads they name, clear of each other, of the
marks on the map and of the frame's edge. Pure geometry in pixels (y down), so the frames
(stamped with PIL) and the stills (matplotlib text) put every label in the same place.

A label that still sits beside its head stays where it was in the last frame: words that
hold still are easier to read while the paths move, and a frame whose words did not move
changes in fewer pixels (a smaller GIF). When it must move, it goes where the head's path
(known in advance) lets it stay longest.
"""

from __future__ import annotations

import numpy as np

# Unit directions tried around a head, in order of preference: right, left, above, below,
# then the diagonals; each at several distances.
_DIRECTIONS = np.array(
    [(1, 0), (-1, 0), (0, -1), (0, 1), (1, -1), (-1, -1), (1, 1), (-1, 1)], dtype=float
)
_RINGS = np.array([1.0, 2.2, 3.6, 5.2, 7.0])
# Then boxes above and below the head slid along, the head under one end of the words: a
# head that moves along them stays beside them longer.
_SLID = np.array([(shift, side) for side in (-1, 1) for shift in (-1 / 3, 1 / 3)])
# Last, a column of boxes stacked above and below the head on either side: k rows away.
_COLUMN = np.array(
    [(side, sign * k) for k in range(1, 12) for side in (1, -1) for sign in (1, -1)], dtype=float
)
COVER = 10  # points of a path under a label that count as one more (each 2 px: 20 px of path)
KEEP = (0.5, 3.0)  # a label stays put while its gap to its head is within these radii
WIDER = 5.0  # ...and goes this far out where every place beside its head would hide a path
LOOKAHEAD = 40  # radii of the head's travel ahead that a label's new place is judged over


def candidates(anchor, size, radius: float) -> np.ndarray:
    """Boxes (k, 4) of ``size`` (w, h) beside ``anchor`` at ``radius`` and beyond, preferred
    first; then above and below it slid along; last, a column of boxes stacked above and
    below it on either side."""
    (x, y), (w, h) = anchor, size
    d = (radius * _RINGS[:, None, None] + np.array([w, h]) / 2) * _DIRECTIONS[None]
    slid = [_SLID * (w, radius * ring + h / 2) for ring in _RINGS[:2]]
    column = np.stack([_COLUMN[:, 0] * (radius + w / 2), _COLUMN[:, 1] * h], 1)
    centres = np.concatenate([d.reshape(-1, 2), *slid, column]) + (x, y)
    return np.concatenate([centres - (w / 2, h / 2), centres + (w / 2, h / 2)], 1)


def _overlap(boxes: np.ndarray, others: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Per box of ``boxes`` (k, 4), the area it shares with each of ``others`` (m, 4) times
    its weight (m,), summed."""
    lo, hi = _hull(boxes)
    can = ((others[:, 2:] > lo) & (others[:, :2] < hi)).all(1)  # the others that can
    others, weights = others[can], weights[can]
    if len(others) == 0:
        return np.zeros(len(boxes))
    w = np.minimum(boxes[:, None, 2], others[None, :, 2]) - np.maximum(
        boxes[:, None, 0], others[None, :, 0]
    )
    h = np.minimum(boxes[:, None, 3], others[None, :, 3]) - np.maximum(
        boxes[:, None, 1], others[None, :, 1]
    )
    return (np.clip(w, 0, None) * np.clip(h, 0, None)) @ weights


def _inside(boxes: np.ndarray, frame) -> np.ndarray:
    """``boxes`` (k, 4) moved into ``frame`` where they poke out (a label wider than the frame
    stays at its left edge)."""
    x0, y0, x1, y1 = boxes.T
    fits = x1 - x0 <= frame[2] - frame[0]
    dx = np.where(
        fits, np.maximum(frame[0] - x0, 0) - np.maximum(x1 - frame[2], 0), frame[0] - x0
    )
    dy = np.maximum(frame[1] - y0, 0) - np.maximum(y1 - frame[3], 0)
    return boxes + np.stack([dx, dy, dx, dy], 1)


def _gaps(boxes: np.ndarray, points: np.ndarray) -> np.ndarray:
    """(k, m): the distance from each of ``points`` (m, 2) to the nearest point of each of
    ``boxes`` (k, 4)."""
    x, y = points[None, :, 0], points[None, :, 1]
    dx = np.maximum(np.maximum(boxes[:, None, 0] - x, x - boxes[:, None, 2]), 0)
    dy = np.maximum(np.maximum(boxes[:, None, 1] - y, y - boxes[:, None, 3]), 0)
    return np.hypot(dx, dy)


def _near(boxes: np.ndarray, points: np.ndarray, reach: float) -> np.ndarray:
    """Which of ``points`` (m, 2) lie within ``reach`` of the box round all ``boxes`` (k, 4):
    the only ones that can be within ``reach`` of any of them (a cheap pass before `_gaps`)."""
    lo, hi = _hull(boxes, reach)
    return ((points >= lo) & (points <= hi)).all(1)


def _hull(boxes: np.ndarray, margin: float = 0.0):
    """The lower-left and upper-right corners of the box round all ``boxes`` (k, 4), grown by
    ``margin`` on every side."""
    return boxes[:, :2].min(0) - margin, boxes[:, 2:].max(0) + margin


def _gap(box, point) -> float:
    """The distance from ``point`` to the nearest point of ``box``."""
    return float(_gaps(np.asarray([box], dtype=float), np.asarray([point], dtype=float))[0, 0])


def _beside(gaps: np.ndarray, radius: float) -> np.ndarray:
    return (gaps >= KEEP[0] * radius) & (gaps <= KEEP[1] * radius)


def lifetime(boxes: np.ndarray, path: np.ndarray, radius: float, heads=None) -> np.ndarray:
    """Per box (k, 4), how far (pixels travelled) the anchor can go along ``path`` (m, 2; its
    places from now on) while the box stays beside it and no head of ``heads`` (n, m, 2, in
    step with ``path``) runs into it; inf if that holds for `LOOKAHEAD` radii of travel or to
    the end of the path."""
    travel = np.concatenate([[0], np.cumsum(np.linalg.norm(np.diff(path, axis=0), axis=1))])
    n = int(np.searchsorted(travel, LOOKAHEAD * radius)) + 1
    stride = max(1, n // 200)
    path, travel = path[:n:stride], travel[:n:stride]
    away = ~_beside(_gaps(boxes, path), radius)
    if heads is not None and len(heads):
        ahead = np.asarray(heads)[:, :n:stride]  # every head at once
        points = ahead.reshape(-1, 2)
        look = np.flatnonzero(_near(boxes, points, KEEP[0] * radius))
        near = np.zeros((len(boxes), len(points)), bool)
        near[:, look] = _gaps(boxes, points[look]) < KEEP[0] * radius
        away |= near.reshape(len(boxes), len(ahead), -1).any(1)
    first = np.where(away.any(1), away.argmax(1), len(path))
    return np.append(travel, np.inf)[first]


def covered(boxes: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Per box (k, 4), how many of ``points`` (m, 2) lie in it."""
    points = points[_near(boxes, points, 0.0)]
    x, y = points[None, :, 0], points[None, :, 1]
    return (
        (boxes[:, None, 0] <= x) & (x <= boxes[:, None, 2])
        & (boxes[:, None, 1] <= y) & (y <= boxes[:, None, 3])
    ).sum(1)


def _conflicts(options, frame, placed, obstacles) -> np.ndarray:
    """How badly each box of ``options`` pokes out of ``frame``, overlaps the ``placed``
    labels and the ``obstacles``: 0 where it does none of these."""
    outside = (
        np.maximum(frame[0] - options[:, 0], 0)
        + np.maximum(options[:, 2] - frame[2], 0)
        + np.maximum(frame[1] - options[:, 1], 0)
        + np.maximum(options[:, 3] - frame[3], 0)
    )
    others = np.concatenate([np.reshape(placed, (-1, 4)), obstacles])
    weights = np.repeat([1e3, 10.0], [len(others) - len(obstacles), len(obstacles)])
    return 1e6 * outside + _overlap(options, others, weights)


def place(
    anchors, sizes, frame, obstacles=(), radius=6.0, previous=None, paths=None, heads=None,
    lines=None, wide=None,
):
    """A box (x0, y0, x1, y1) per label, beside its anchor: inside ``frame`` (x0, y0, x1, y1),
    overlapping no other label and as little as possible of the ``obstacles`` (boxes of heads,
    stars, text).

    ``previous`` (what the last call returned second) keeps each label where it was while it
    still sits beside its anchor and fits. The others take, of the places beside their anchor
    that fit, the one that lasts longest (`lifetime`) along their ``paths`` (per label, its
    anchor's places from now on) clear of the ``heads`` (every head's places from now on);
    where none fits, they stay as close as they were put, or take the first free place in
    `candidates`' order, or the one that conflicts least. Of the places that fit, those over
    fewest of the points ``lines`` (m, 2: points spread along the drawn paths, `COVER` pixels
    of path each) come first, and where every one hides a path, one a little further out
    (`WIDER`; for the labels ``wide`` allows, not those beside an arrow at the window's
    edge) that hides none: words never hide a path where they need not. Returns the boxes
    and what to pass as ``previous`` next time."""
    obstacles = np.asarray(obstacles, dtype=float).reshape(-1, 4)
    n = len(anchors)
    boxes, memory = [None] * n, [None] * n
    last = [None] * n
    if previous is not None:
        before = np.array([box for box, _, _ in previous], dtype=float)
        last = [float(g) for g in _gaps(before, np.asarray(anchors, dtype=float)).diagonal()]
        # Last frame's boxes did not overlap each other: those that still fit stay (one put
        # further out, to keep off the paths, while its head has not moved off from it by
        # half a radius: a head that drifts by a pixel does not move its words).
        gaps, put = np.array(last), np.array([far for _, _, far in previous])
        beside = _beside(gaps, radius) | (
            (gaps > KEEP[1] * radius) & (gaps <= put + KEEP[0] * radius)
        )
        stay = beside & (_conflicts(before, frame, [], obstacles) == 0)
        for i in np.flatnonzero(stay):
            boxes[i], memory[i] = before[i], previous[i]
    placed = np.array([b for b in boxes if b is not None]).reshape(-1, 4)
    for i, (anchor, size) in enumerate(zip(anchors, sizes)):
        if boxes[i] is not None:
            continue
        options = [candidates(anchor, size, radius)]
        if last[i] is not None:
            box, (dx, dy), far = previous[i]
            x0, y0 = anchor[0] + dx, anchor[1] + dy
            options.insert(0, np.array([box, (x0, y0, x0 + size[0], y0 + size[1])]))
        options = _inside(np.concatenate(options), frame)
        conflict = _conflicts(options, frame, placed, obstacles)
        free = np.flatnonzero(conflict == 0)
        gaps = _gaps(options[free], np.array([anchor]))[:, 0]
        near = free[_beside(gaps, radius)]
        if near.size:
            hidden = np.zeros(len(near)) if lines is None else covered(options[near], lines)
            least = near[hidden // COVER == hidden.min() // COVER]  # of these, the longest lived
            life = np.zeros(len(least))
            if paths is not None:
                life = lifetime(options[least], np.asarray(paths[i], dtype=float), radius, heads)
            best = least[np.argmax(life)]
            # Every place beside it hides a path: a place a little further out that hides none.
            wider = free[(gaps > KEEP[1] * radius) & (gaps <= WIDER * radius)]
            if hidden.min() >= COVER and wider.size and (wide is None or wide[i]):
                clear = wider[covered(options[wider], lines) < COVER]
                best = clear[0] if clear.size else best
        elif last[i] is not None and conflict[0] == 0 and last[i] <= far + KEEP[0] * radius:
            best = 0  # no room beside its anchor, and no further from it than it was put
        elif free.size:
            best = free[0]
        else:
            best = np.argmin(conflict + np.arange(len(options)))
        box = options[best]
        placed = np.concatenate([placed, box[None]])
        far = far if best == 0 and last[i] is not None else _gap(box, anchor)
        boxes[i], memory[i] = box, (tuple(box), (box[0] - anchor[0], box[1] - anchor[1]), far)
    return [tuple(map(float, box)) for box in boxes], memory
