"""Drawing helpers shared by every picture: figures, titles, and a surface's contours."""

from __future__ import annotations

import functools
import math

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PathCollection
from matplotlib.colors import BoundaryNorm, LinearSegmentedColormap
from matplotlib.figure import Figure
from matplotlib.markers import MarkerStyle
from matplotlib.path import Path
from matplotlib.ticker import MaxNLocator
from matplotlib.patheffects import Normal, Stroke
from matplotlib.transforms import IdentityTransform

from optviz import limits
from optviz import theme as themes
from optviz.regions import mark_regions
from optviz.runner import evaluate

DPI = 100
GRID_POINTS = 240
STAR = 2.3  # a minimum's star (`mark_minima`) with its halo, in head sizes
ARROW_TURNS = 72  # directions an edge arrow can point in (5 degrees apart)
ARROW = 2.5  # an edge arrow's area in square head sizes (it is sqrt(2.5) head sizes long)
START = 1.35  # the start's ring (`mark_starts`), in head sizes


def mark_starts(
    ax, starts: np.ndarray, theme: themes.Theme, cloud: bool = False, heights=None, zorder=7.5,
    animated: bool = False,
):
    """The start's own neutral mark: a ring round each of the (k, 2) ``starts``, over the
    paths that leave it and the heads still there, which make a ring of slices round it
    (`heads.gather`); small, muted and under the paths for a cloud, so that its heads stand
    out. On a 3-D Axes, ``heights`` gives the points' heights. Returns the artist (a scene
    draws it among its moving artists, after the heads)."""
    (ring,) = ax.plot(
        *starts.T, *([] if heights is None else [heights(starts)]), ls="none", marker="o",
        ms=theme.head_size * (0.45 if cloud else START), mfc="none",
        mec=theme.muted if cloud else theme.foreground, mew=0.6 if cloud else 1.0,
        zorder=4 if cloud else zorder, animated=animated,
    )
    return ring


@functools.lru_cache(maxsize=ARROW_TURNS)
def arrow(turn: int) -> Path:
    """A triangle pointing ``turn`` of `ARROW_TURNS` of a full turn anticlockwise from the
    right, its tip at the origin, one unit long."""
    angle = 2 * math.pi * turn / ARROW_TURNS
    c, s = math.cos(angle), math.sin(angle)
    corners = [(0, 0), (-1, 0.36), (-1, -0.36), (0, 0)]  # narrow: it points one way
    return Path([(c * x - s * y, s * x + c * y) for x, y in corners], closed=True)


def turn_of(dx, dy) -> np.ndarray:
    """The `arrow` turn nearest the direction (``dx``, ``dy``)."""
    angles = np.arctan2(dy, dx)
    return np.round(angles / (2 * math.pi) * ARROW_TURNS).astype(int) % ARROW_TURNS


def one_per_pixel(groups: np.ndarray, turns: np.ndarray, pixels: np.ndarray) -> np.ndarray:
    """Of arrows (a cloud can have hundreds), the indices of the first of each optimizer
    (``groups``), direction (``turns``) and pixel, in order."""
    key = np.column_stack([groups, turns, np.round(pixels).astype(int)])
    return np.sort(np.unique(key, axis=0, return_index=True)[1])


def arrow_gap(theme: themes.Theme) -> float:
    """How wide an edge arrow is, with its edge and a pixel to spare, in pixels."""
    return 0.72 * math.sqrt(ARROW) * theme.head_size * DPI / 72 + 2


def spread(tips: np.ndarray, towards: np.ndarray, gap: float) -> np.ndarray:
    """Arrows' ``tips`` (k, 2; pixels) moved apart: each in turn slid across its direction
    (``towards``, k unit vectors) by whole ``gap``s, to one side and the other, to the
    nearest place no tip before it is within ``gap`` of, so that arrows that leave together
    lie side by side."""
    placed = np.empty((0, 2))
    across = towards[:, ::-1] * [-1, 1]
    for tip, side in zip(tips, across):
        for k in range(len(placed) * 2 + 1):  # 0, 1, -1, 2, -2, ... gaps
            here = tip + side * gap * ((k + 1) // 2) * (1 if k % 2 else -1)
            if not (np.linalg.norm(placed - here, axis=1) < gap).any():
                break
        placed = np.vstack([placed, here])
    return placed


def along_edges(tips: np.ndarray, size, gap: float) -> np.ndarray:
    """Arrows' ``tips`` (k, 2; pixels from the lower left of a window ``size`` (w, h) across)
    moved apart along the edge each is nearest, keeping their order along it: each run of
    arrows closer than ``gap`` is spread ``gap`` apart about where they were."""
    tips = np.array(tips, dtype=float)
    w, h = size
    side = np.stack([tips[:, 0], w - tips[:, 0], tips[:, 1], h - tips[:, 1]], 1).argmin(1)
    for s in range(4):
        on = np.flatnonzero(side == s)
        axis = 1 if s < 2 else 0  # along the left and right edges, y; along the others, x
        tips[on, axis] = _apart(tips[on, axis], gap)
    return tips


def _apart(p: np.ndarray, gap: float) -> np.ndarray:
    """Positions ``p`` on a line, in their order, at least ``gap`` apart: neighbours too close
    are merged into groups spaced ``gap`` apart, each centred where its members were."""
    groups = [[i] for i in np.argsort(p, kind="stable")]

    def placed(group):
        return p[group].mean() + (np.arange(len(group)) - (len(group) - 1) / 2) * gap

    k = 0
    while k < len(groups) - 1:
        if placed(groups[k + 1])[0] - placed(groups[k])[-1] < gap - 1e-9:
            groups[k : k + 2] = [groups[k] + groups[k + 1]]
            k = max(k - 1, 0)  # the merged group may now reach the one before it
        else:
            k += 1
    out = np.array(p, dtype=float)
    for group in groups:
        out[group] = placed(group)
    return out


def last_inside(paths: np.ndarray, lo, hi) -> np.ndarray:
    """(k, n): for (k, n, 2) paths, the last step, up to each step, at which each was inside
    the window ``lo``..``hi`` (-1 before it first was); a run is inside where it equals the
    step, and one outside is marked where it left, at the step after."""
    inside = ((paths >= lo) & (paths <= hi)).all(-1)
    steps = np.arange(paths.shape[1])
    return np.maximum.accumulate(np.where(inside, steps, -1), axis=1)


def crossing(a: np.ndarray, b: np.ndarray, lo, hi) -> np.ndarray:
    """Where the steps from ``a`` (k, 2; inside the box ``lo``..``hi``) to ``b`` leave it."""
    ahead = np.nan_to_num(b - a)  # a step that diverged can be infinite
    ahead = ahead / np.maximum(np.abs(ahead).max(-1, keepdims=True) / (hi - lo).max(), 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        to_edge = np.where(ahead > 0, (hi - a) / ahead, np.where(ahead < 0, (lo - a) / ahead, 1))
    return a + np.clip(to_edge.min(-1), 0, 1)[:, None] * ahead


def show_marks(marks, offsets: np.ndarray, colours: np.ndarray, turns=None) -> None:
    """Put the marks of an `edge_marks` collection at ``offsets`` in ``colours`` (arrows
    turned by ``turns``), or hide it when there are none: an empty collection costs a draw
    too."""
    if not len(offsets) and not marks.get_visible():
        return  # none before, none now
    if turns is not None:
        marks.set_paths([arrow(t) for t in turns.tolist()])
    marks.set_offsets(offsets.reshape(-1, 2))
    marks.set_facecolors(colours)
    marks.set_visible(len(offsets) > 0)


def edge_marks(theme: themes.Theme, cross_area: float, offset_transform, kind=PathCollection):
    """Two empty collections (of ``kind``) for the marks of runs that went where the picture
    does not show: arrows at the window's edge (paths from `arrow`) and crosses where runs
    diverged, shaped in points (as markers) at offsets in ``offset_transform``, colours set
    directly."""
    x = MarkerStyle("X")
    arrows = kind(
        [], sizes=[theme.head_size**2 * ARROW], offset_transform=offset_transform,
        edgecolors=theme.background, linewidths=0.8, zorder=8,
    )
    crosses = kind(
        [x.get_path().transformed(x.get_transform())], sizes=[cross_area],
        offset_transform=offset_transform, edgecolors=theme.background, linewidths=1.0, zorder=9,
    )
    for marks in (arrows, crosses):
        marks.set_offsets(np.zeros((0, 2)))
        marks.set_transform(IdentityTransform())
        marks.set_array(None)
        marks.set_in_layout(False)
        marks.set_visible(False)
    return arrows, crosses


def mark_minima(
    ax, surface, theme: themes.Theme, animated: bool = False, size: float = 1.9, halo=True,
    heights=None,
) -> list:
    """A star at each known minimum, with a halo of the background around it: filled at the
    global minima, hollow at the local ones, hollow and muted where the minima were before a
    penalty moved them, ``size`` head sizes wide; ``halo`` parts them from paths and heads
    drawn under them. On a 3-D Axes, ``heights`` gives the (k, 2) points' heights. Returns
    the artists, which a scene draws last so that nothing covers them."""
    artists = []
    for points, face, edge in (
        (surface.minima, theme.foreground, theme.background),
        (surface.local_minima, theme.background, theme.foreground),
        (surface.ghost_minima, "none", theme.muted),
    ):
        if points:
            xy = np.asarray(points, dtype=float).reshape(-1, 2)
            (star,) = ax.plot(
                *xy.T,
                *([] if heights is None else [heights(xy)]),
                marker="*",
                ms=theme.head_size * size,
                mfc=face,
                mec=edge,
                mew=0.9,
                ls="none",
                zorder=20,
                animated=animated,
                path_effects=[
                    Stroke(linewidth=theme.head_size * 0.4, foreground=theme.background),
                    Normal(),
                ]
                if halo
                else [],
            )
            star.set_in_layout(False)
            artists.append(star)
    return artists


def title(figure, text: str, theme: themes.Theme) -> None:
    """The figure's title, bold, at its top-left corner."""
    figure.suptitle(
        text,
        x=0.01,
        ha="left",
        fontsize=theme.font_size * 1.15,
        fontweight="bold",
        color=theme.foreground,
    )


def theme_ticks(ax, theme: themes.Theme, size: float | None = None) -> None:
    """Ticks in the theme's muted colour, their labels in its foreground, at ``size`` times its
    type size (matplotlib's default size when None)."""
    ax.tick_params(
        colors=theme.muted,
        labelcolor=theme.foreground,
        **({} if size is None else {"labelsize": theme.font_size * size}),
    )


def style_panel(ax, theme: themes.Theme) -> None:
    """A plot against step (loss, learning rate) in the theme: background, ticks, axis names
    at 0.85 of its type size, muted spines and a faint grid."""
    ax.set_facecolor(theme.background)
    theme_ticks(ax, theme, 0.8)
    for label in (ax.xaxis.label, ax.yaxis.label):
        label.set_color(theme.foreground)
        label.set_fontsize(theme.font_size * 0.85)
    for spine in ax.spines.values():
        spine.set_color(theme.muted)
    ax.grid(True, color=theme.muted, alpha=0.25, lw=0.5)


class StepCurves:
    """The moving part of a plot against step (the loss panel, the lr(t) strip): curve i of
    ``y`` (n, T) drawn up to the current step, or to ``ends[i]`` where it stops, in
    ``colours[i]``, and a cursor at the step."""

    def __init__(self, ax, y, colours, theme: themes.Theme, animated=True, ends=None):
        self.y = y
        self.ends = np.full(len(y), y.shape[1]) if ends is None else ends
        self.lines = [
            ax.plot([], [], color=colour, lw=theme.line_width * 0.8, animated=animated)[0]
            for colour in colours
        ]
        self.cursor = ax.axvline(0, color=theme.muted, lw=1, animated=animated)
        for artist in self.artists:
            artist.set_in_layout(False)

    @property
    def artists(self):
        return [*self.lines, self.cursor]

    def update(self, step: int) -> None:
        for line, y, end in zip(self.lines, self.y, self.ends):
            end = min(step + 1, int(end))
            line.set_data(np.arange(end), y[:end])
        self.cursor.set_xdata([step, step])


def contour_colours(theme: themes.Theme, n: int = 256):
    """The colormap of the contour fills: ``n`` shades from the theme's low to its high."""
    return LinearSegmentedColormap.from_list("optviz", [theme.low, theme.high], n)


def new_figure(size: tuple[int, int], theme: themes.Theme, layout="constrained") -> Figure:
    """An Agg figure of ``size`` pixels in the theme's background, with constrained layout
    unless ``layout=None`` (the caller places the axes)."""
    w, h = limits.check_size(size)
    figure = Figure(figsize=(w / DPI, h / DPI), dpi=DPI, facecolor=theme.background, layout=layout)
    FigureCanvasAgg(figure)
    return figure


def grid_shape(cells: int, bounds, size, gaps=(0.0, 0.0)) -> tuple[int, int]:
    """Rows and columns for ``cells`` equal-aspect panels that make each panel largest in an
    area of ``size``, with ``gaps`` (x, y) between neighbouring panels."""
    (x0, x1), (y0, y1) = bounds
    aspect = (y1 - y0) / (x1 - x0)

    def panel(cols):
        rows = math.ceil(cells / cols)
        return min(
            (size[0] - (cols - 1) * gaps[0]) / cols,
            (size[1] - (rows - 1) * gaps[1]) / rows / aspect,
        )

    cols = max(range(1, cells + 1), key=panel)
    return math.ceil(cells / cols), cols


def surface_grid(surface, bounds, n: int = GRID_POINTS):
    """``(X, Y, Z)``: the surface evaluated on an ``n``-by-``n`` grid over ``bounds``."""
    (x0, x1), (y0, y1) = bounds
    X, Y = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
    Z = evaluate(surface.fn, np.stack([X, Y], -1).reshape(-1, 2)).astype(float).reshape(n, n)
    return X, Y, Z


FRAGMENT_PX = 30  # contour pieces shorter than this, on screen, are not drawn
LABELLED_PX = 4 * FRAGMENT_PX  # ...nor labelled, if shorter than this
LINE_SPACING_PX = 5.0  # contour lines closer than this are left out (the fill still shows)


def _dense(Z, levels, shape_px) -> np.ndarray:
    """Where contour lines on ``levels`` would come closer than `LINE_SPACING_PX` on screen."""
    index = np.interp(Z, levels, np.arange(len(levels)))
    gy, gx = np.gradient(index)
    n_y, n_x = Z.shape
    per_px = np.hypot(gx * n_x / shape_px[0], gy * n_y / shape_px[1])
    return per_px * LINE_SPACING_PX > 1


def whole_lines(lines, scale, inner) -> list:
    """Drop the pieces of the contour ``lines`` (a ContourSet) shorter than `FRAGMENT_PX` on
    screen (``scale``: pixels per unit along x and y), the dashes that masking crowded lines
    leaves on a narrow valley's walls; return a place to label each level (with
    `label_place`, within ``inner``: lo, hi corners) whose longest piece is long enough to keep
    whole lines either side of it."""
    places, kept = [], []
    for path in lines.get_paths():
        starts = np.flatnonzero(path.codes == Path.MOVETO) if len(path.vertices) else []
        pieces = [path.vertices[a:b] for a, b in zip(starts, [*starts[1:], len(path.vertices)])]
        measured = [(_length(p * scale), p) for p in pieces]
        measured = [(length, p) for length, p in measured if length >= _shortest(p)]
        pieces = [p for _, p in measured]
        kept.append(Path.make_compound_path(*map(Path, pieces)) if pieces else Path(np.empty((0, 2))))
        length, longest = max(measured, key=lambda m: m[0], default=(0.0, None))
        if inner is not None and length >= LABELLED_PX:
            places += [label_place(longest, scale, inner)]
    lines.set_paths(kept)
    return places


def _shortest(piece: np.ndarray) -> float:
    """How long a contour piece must be to be drawn: a closed loop `FRAGMENT_PX`; a piece cut
    open by the masking of crowded lines 2.5 times that (the two caps left of an ellipse
    whose sides were crowded out read as stray marks)."""
    closed = np.allclose(piece[0], piece[-1])
    return FRAGMENT_PX if closed else 2.5 * FRAGMENT_PX


def _length(points: np.ndarray) -> float:
    return float(np.linalg.norm(np.diff(points, axis=0), axis=1).sum())


def label_place(line: np.ndarray, scale, inner) -> tuple[float, float]:
    """Where to label a contour ``line`` (k, 2): as near half-way along it as lies within
    ``inner`` (lo, hi: clear of the frame), one label a level (two branches of one level,
    labelled each, read as "1 1")."""
    steps = np.linalg.norm(np.diff(line * scale, axis=0), axis=1)
    along = np.concatenate([[0.0], np.cumsum(steps)])
    clear = ((line >= inner[0]) & (line <= inner[1])).all(1)
    ranked = np.argsort(np.abs(along - along[-1] / 2) + np.where(clear, 0, np.inf), kind="stable")
    return tuple(line[ranked[0]])


def _round(value: float) -> str:
    """A level as a slide would write it: 1000, 10, 0.01."""
    return f"{value:,.0f}" if abs(value) >= 1 else f"{value:.2g}"


def labelled_levels(surface, levels) -> list[float]:
    """A few round levels to label: whole decades above f* (or round values where f* is not
    known), at most four, spread over the range."""
    lo, hi = levels[0], levels[-1]
    if surface.fmin is not None:
        decades = np.arange(math.ceil(math.log10(lo - surface.fmin)), math.floor(math.log10(hi - surface.fmin)) + 1)
        values = [surface.fmin + 10.0**d for d in decades]
    else:
        ticks = MaxNLocator(5).tick_values(lo, hi)
        values = [v for v in ticks if lo < v < hi]
    if len(values) > 4:
        values = [values[round(k)] for k in np.linspace(0, len(values) - 1, 4)]
    return values


def draw_surface(ax, surface, bounds, theme: themes.Theme, grid=None, shape_px=(400, 400)):
    """A light filled colour ramp on the surface's levels under sparser lines (none where they
    would crowd closer than `LINE_SPACING_PX`), a few labelled round levels, its saddles;
    equal aspect. ``shape_px`` is the size of the map on screen. Negative levels are drawn
    like the others."""
    X, Y, Z = grid if grid is not None else surface_grid(surface, bounds)
    levels = np.asarray(surface.levels)
    cmap = contour_colours(theme, len(levels) + 1)
    norm = BoundaryNorm(levels, cmap.N, extend="both")
    ax.contourf(X, Y, Z, levels=levels, cmap=cmap, norm=norm, extend="both", zorder=0)
    sparse = np.ma.masked_where(_dense(Z, levels, shape_px) | ~np.isfinite(Z), Z)
    marked = labelled_levels(surface, levels)
    # Every other level as a thin line, but none within a level of a labelled one (10.5 and
    # 10 drew the rotated bowl's outer ellipse twice, a pixel or two apart).
    at = np.interp(marked, levels, np.arange(len(levels)))
    thin = [v for i, v in enumerate(levels) if i % 2 == 0 and not (np.abs(at - i) < 1).any()]
    (x0, x1), (y0, y1) = bounds
    scale = np.array([shape_px[0] / (x1 - x0), shape_px[1] / (y1 - y0)])  # pixels per unit
    whole_lines(ax.contour(X, Y, sparse, levels=thin, colors=theme.muted, linewidths=0.5,
                           negative_linestyles="solid", zorder=1), scale, None)
    if marked:
        lines = ax.contour(X, Y, sparse, levels=marked, colors=theme.muted, linewidths=0.9,
                           negative_linestyles="solid", zorder=1)
        margin = 1.5 * theme.font_size * DPI / 72 / scale  # labels an em and a half inside
        inner = (np.array([x0, y0]) + margin, np.array([x1, y1]) - margin)
        places = whole_lines(lines, scale, inner)
        gap = surface.fmin or 0.0
        ax.clabel(lines, fontsize=theme.font_size * 0.7, colors=theme.muted, inline=True,
                  fmt=lambda v: _round(v - gap), manual=places)
    mark_regions(ax, surface, X, Y, theme)
    for s in surface.saddles:
        ax.plot(
            *s.point,
            marker="P",
            ms=theme.head_size,
            color=theme.muted,
            mec=theme.background,
            mew=0.6,
            ls="none",
            zorder=4,
        )
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal", adjustable="box")
    ax.xaxis.set_major_locator(MaxNLocator(6))
    ax.yaxis.set_major_locator(MaxNLocator(6))
    ax.set_facecolor(theme.low)
    theme_ticks(ax, theme, 0.8)
    for spine in ax.spines.values():
        spine.set_color(theme.muted)
