"""Scenes: what a picture of a run shows, drawn with matplotlib on an Agg canvas.

The static parts (contours, start marks, titles, axes) are drawn once; per frame only the
moving artists (trails, heads, edge arrows, divergence marks, the loss cursor) and the minima,
which nothing may cover, are redrawn over a saved copy of the background. Words that move
(labels beside the heads, the step counter) are stamped with PIL from the same font, which
costs a fraction of a matplotlib Text; the stills get the same words as matplotlib text.

Every run keeps its own colour (`Theme.run_colours`) and is named beside its head
(`labels.direct_labels`, placed by `placement.place`). Paths are layered by length: the
longest, often a zigzag, lies at the bottom, each shorter one on top of it cased in the
background colour; where a path runs along one drawn above it, it is drawn beside it, so that
it stays visible. Heads that meet (at a minimum) are drawn as concentric rings around it.
"""

from __future__ import annotations

import dataclasses
import functools
import math

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, findfont
from matplotlib.lines import Line2D
from matplotlib.patheffects import withStroke
from PIL import Image, ImageColor, ImageDraw, ImageFont

from optviz import layering, layout, limits, overlays, pacing, rate_strip
from optviz import theme as themes
from optviz.drawing import (
    DPI,
    StepCurves,
    along_edges,
    arrow_gap,
    crossing,
    contour_colours,
    draw_surface,
    edge_marks,
    last_inside,
    mark_minima,
    mark_starts,
    one_per_pixel,
    show_marks,
    new_figure,
    style_panel,
    surface_grid,
    turn_of,
)
from optviz.heads import gather, put
from optviz.labels import coordinate, direct_labels
from optviz.placement import covered, place
from optviz.trajectories import Trajectories
from optviz.view3d import AZIMUTH, ELEVATION, TURN, Paths3D, draw_surface_3d, on_mesh

LAYOUTS = ("overlay", "grid", "3d")
TAIL = 0.85  # strength of the colour of a cloud's trails
CLOUD = 8  # more starts than this per optimizer are drawn as a cloud of heads
LINE_POINTS = 2.0  # labels keep off the paths, sampled this many pixels apart
CLOUD_TAIL = 12  # steps of trail behind each head of a cloud
CLOUD_TAIL_PX = 40  # ... and at most this long on screen: a comet's tail, not a streak
CLOUD_STRIDE = 3  # a cloud's trails join every third step: a quarter of the points to draw


def drawn_points(steps: int, starts: int, optimizers: int, layout: str = "overlay") -> int:
    """The most path points a frame draws (for `limits.check_frames`): whole paths, but only
    short trails for a cloud of more than `CLOUD` starts on a map."""
    tail = CLOUD_TAIL // CLOUD_STRIDE + 1 if starts > CLOUD and layout != "3d" else steps + 1
    return min(tail, steps + 1) * starts * optimizers


@dataclasses.dataclass(frozen=True)
class Style:
    """How a scene is drawn: pixel ``size`` (w, h), ``layout`` (all paths on one plot, a panel
    per optimizer, or 3-D), ``theme``, a ``loss_panel`` (loss against step), the view
    ``bounds`` ((xmin, xmax), (ymin, ymax)), by default the surface's, a camera that turns
    (``rotate``), a ``title`` instead of the surface's, and the pacing: ``pace`` ("motion" or
    "linear") over ``duration`` seconds."""

    size: tuple[int, int] = (640, 480)
    layout: str = "overlay"
    theme: str = "light"
    loss_panel: bool = False
    bounds: tuple | None = None
    rotate: bool = False
    title: str | None = None
    pace: str = "motion"
    duration: float = pacing.DURATION_S
    ridge_path: bool = False

    def __post_init__(self):
        limits.check_size(self.size)
        if self.layout not in LAYOUTS:
            raise ValueError(f"unknown layout {self.layout!r}; choose from: {', '.join(LAYOUTS)}")
        if self.rotate and self.layout != "3d":
            raise ValueError("rotate turns the camera of the 3d layout; add layout='3d'")
        if self.pace not in pacing.PACES:
            raise ValueError(f"unknown pace {self.pace!r}; choose from: {', '.join(pacing.PACES)}")
        if not (isinstance(self.duration, (int, float)) and 4 <= self.duration <= 120):
            raise ValueError(f"duration must be between 4 and 120 seconds, got {self.duration!r}")
        if self.title is not None and len(self.title) > 200:
            raise ValueError("title must be at most 200 characters")
        themes.get(self.theme)
        if self.bounds is not None:
            (x0, x1), (y0, y1) = self.bounds
            if not all(map(math.isfinite, (x0, x1, y0, y1))) or x0 >= x1 or y0 >= y1:
                raise ValueError("bounds must be finite with xmin < xmax and ymin < ymax")


def tail(colour: str, theme: themes.Theme) -> tuple[float, float, float, float]:
    """``colour`` a little towards the contour background, opaque (so that a fixed GIF palette
    holds it exactly): the short trails of a cloud, so that its heads stand out."""
    return themes.mix(theme.low, colour, TAIL)


def _cut(tails: np.ndarray, to_pixels) -> np.ndarray:
    """``tails`` (k, m, 2; oldest point first, the head last) cut to `CLOUD_TAIL_PX` pixels
    from the head (``to_pixels``: the data's transform): the point where a tail reaches that
    length stands for the ones behind it. In early steps a cloud's runs move fast, and long
    streaks would cover the picture (and take most of a frame's time to draw)."""
    ahead = tails[:, 1:] - tails[:, :-1]  # each segment, towards the head
    px = to_pixels.transform(tails.reshape(-1, 2)).reshape(tails.shape)
    length = np.nan_to_num(np.linalg.norm(px[:, 1:] - px[:, :-1], axis=-1), posinf=np.inf)
    behind = np.cumsum(length[:, ::-1], axis=1)[:, ::-1] - length  # from a segment's head end
    with np.errstate(divide="ignore", invalid="ignore"):
        kept = np.clip((CLOUD_TAIL_PX - behind) / length, 0, 1)  # the share of it drawn
    kept = np.where(length > 0, kept, 0)
    # Back from the head, each point moves to where the kept part of its segment ends.
    steps = np.where(kept[..., None] > 0, ahead * kept[..., None], 0)[:, ::-1]
    back = tails[:, -1:] - np.cumsum(steps, axis=1)[:, ::-1]
    return np.concatenate([back, tails[:, -1:]], axis=1)


class Paths:
    """The moving parts of some runs on one 2-D Axes: trails that fade with age, a head at the
    current point, an arrow at the window's edge for a run outside it, and a cross where a run
    diverged. Each kind is one collection for all runs."""

    def __init__(self, ax, traj: Trajectories, rows, colours, theme: themes.Theme, animated=True):
        self.ax, self.traj, self.theme = ax, traj, theme
        self.rows = list(rows)
        self.n_starts = n_starts = traj.params.shape[1]
        self.cloud = n_starts > CLOUD
        self.paths = traj.params[self.rows].reshape(-1, traj.params.shape[2], 2)
        self.colours = np.repeat([to_rgba(colours[i]) for i in self.rows], n_starts, 0)
        self.tails = np.repeat([tail(colours[i], theme) for i in self.rows], n_starts, 0)
        self.order = np.arange(len(self.paths))  # bottom first; set by `layer`
        self.groups = np.arange(len(self.rows))  # the same for a cloud's optimizers
        self.drawn = self.paths  # where the trails are drawn; set by `layer`
        self.screen = None  # ...and in display pixels (y up); set by `layer`
        # Per run, its head's mark: centre (display pixels; NaN outside) and radius (`update`).
        self.marks = np.full((len(self.paths), 2), np.nan), np.zeros(len(self.paths))
        # A cloud's trails are thin: round ends would not show, and cost.
        self.trails = ax.add_collection(
            LineCollection(
                [],
                capstyle="butt" if self.cloud else "round",
                joinstyle="bevel" if self.cloud else "round",
                linewidths=theme.line_width * (0.45 if self.cloud else 1.0),
                zorder=5,
            )
        )
        self.head_area = (theme.head_size * (0.6 if self.cloud else 1.0)) ** 2
        edge = 0.5 if self.cloud else 0.7
        self.heads = ax.scatter(
            [], [], s=[], c=[], edgecolors=theme.background, linewidths=edge, zorder=7
        )
        # A cloud's heads: one marker line per optimizer, which Agg stamps from one picture.
        self.flock = [
            ax.plot(
                [], [], ls="none", marker="o", ms=theme.head_size * 0.6, mfc=colours[i],
                mec=theme.background, mew=edge, zorder=7,
            )[0]
            for i in (self.rows if self.cloud else [])
        ]
        self.heads.set_array(None)  # colours are set directly, not mapped through a colormap
        self.arrows, self.crosses = edge_marks(theme, self.head_area * 2.5, ax.transData)
        ax.add_collection(self.arrows)
        ax.add_collection(self.crosses)
        for artist in self.artists:
            artist.set_animated(animated)
            artist.set_in_layout(False)
        self._style_trails()  # again by `layer`, which orders the runs
        self.stars, self.starts = self._marked()  # again by `layer`, once it is laid out

    @functools.cached_property
    def left(self) -> np.ndarray:
        """Per run and step, the last step at which it was in the window (`last_inside`)."""
        (x0, x1), (y0, y1) = self.ax.get_xlim(), self.ax.get_ylim()
        return last_inside(self.paths, (x0, y0), (x1, y1))

    @property
    def artists(self):
        flock = [self.flock[g] for g in self.groups] if self.cloud else []
        return [self.trails, self.heads, *flock, self.arrows, self.crosses]

    def _marked(self) -> tuple[np.ndarray, np.ndarray]:
        """The known minima (where the stars are) and the starts, in display pixels (y up)."""
        minima = self.traj.surface.minima + self.traj.surface.local_minima
        minima = np.asarray(minima, dtype=float).reshape(-1, 2)
        return self.ax.transData.transform(minima), self.ax.transData.transform(self.traj.starts)

    def _style_trails(self) -> None:
        """The trails' colours and widths, in the order `update` gives their lines: a cloud's
        one per optimizer; else runs bottom first, each cased (`layering.case`)."""
        if self.cloud:
            self.trails.set_color(self.tails[self.groups * self.n_starts])
            return
        layering.case(self.trails, self.colours[self.order], self.theme)

    def layer(self, pixels: np.ndarray) -> None:
        """Order the runs by the length of their paths on screen (``pixels``, y down), the
        longest at the bottom, and draw each beside the runs above it where it goes along them
        (`layering`)."""
        self.stars, self.starts = self._marked()
        lengths = layering.lengths(pixels)
        self.order = np.argsort(-lengths, kind="stable")
        # A cloud's optimizers, the one that travels furthest at the bottom.
        self.groups = np.argsort(-lengths.reshape(len(self.rows), -1).sum(1), kind="stable")
        self._style_trails()
        # Where a cloud's heads of two optimizers coincide (runs that never moved), the one
        # below shows as a ring round the one above.
        for rank, g in enumerate(self.groups if self.flock else []):
            self.flock[g].set_markersize(
                self.theme.head_size * 0.6 * (1 + 0.5 * (len(self.groups) - 1 - rank))
            )
        h = self.ax.figure.bbox.height
        self.screen = pixels * [1, -1] + [0, h]  # display pixels (y up) of the lines as drawn
        if self.cloud or len(self.order) == 1:
            return
        shifted = layering.beside(pixels, layering.offsets(pixels, self.order, self.theme))
        shifted[..., 1] = h - shifted[..., 1]
        self.screen = shifted
        drawn = self.ax.transData.inverted().transform(shifted.reshape(-1, 2))
        self.drawn = drawn.reshape(self.paths.shape)

    def update(self, step: int) -> None:
        if self.cloud:
            # One polyline per optimizer, its starts' short trails separated by NaN (a break).
            back = np.arange(CLOUD_TAIL, -1, -CLOUD_STRIDE)
            n, groups = self.n_starts, self.groups
            tails = _cut(self.drawn[:, np.maximum(step - back, 0)], self.ax.transData)
            tails = tails.reshape(len(self.rows), n, -1, 2)
            tails = np.concatenate([tails, np.full((*tails.shape[:2], 1, 2), np.nan)], 2)
            self.trails.set_segments(list(tails[groups].reshape(len(groups), -1, 2)))
        else:
            lines = [self.drawn[run, : step + 1] for run in self.order]
            self.trails.set_segments([line for line in lines for _ in (0, 1)])
        here = self.paths[:, step]
        inside = self.left[:, step] == step
        if self.cloud:
            n = self.n_starts
            for g, marks in enumerate(self.flock):
                mine = here[g * n : (g + 1) * n][inside[g * n : (g + 1) * n]]
                marks.set_data(mine[:, 0], mine[:, 1])
            self._edges(here, ~inside, step)
            return
        # Heads that meet share one mark, a slice each (`heads.gather`), drawn over the rest.
        shown = self.order[inside[self.order]]
        head_px = self.theme.head_size * DPI / 72
        screen = self.screen  # unless laid out (on given axes), the lines are the paths
        if screen is None:
            screen = self.ax.transData.transform(self.paths.reshape(-1, 2)).reshape(self.paths.shape)
        centres, slices, sizes = gather(
            self.ax.transData.transform(here[shown]), screen[shown], step, self.stars, head_px,
            self.starts,
        )
        put(
            self.heads, self.ax.transData.inverted().transform(centres), slices, sizes,
            self.theme.head_size, self.colours[shown], self.theme.background,
        )
        self.marks = np.full((len(here), 2), np.nan), np.zeros(len(here))
        self.marks[0][shown], self.marks[1][shown] = centres, sizes * head_px / 2
        self._edges(here, ~inside, step)

    def _edges(self, here, outside, step) -> None:
        """Arrows at the edge for runs outside the window, crosses for runs that diverged;
        both wholly inside the window."""
        (x0, x1), (y0, y1) = self.ax.get_xlim(), self.ax.get_ylim()
        box = self.ax.get_window_extent()
        per_px = ((x1 - x0) / box.width, (y1 - y0) / box.height)
        inset = self.theme.head_size * DPI / 72 * 1.3
        pad = np.array([inset * per_px[0], inset * per_px[1]])
        centre = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
        # A run outside is marked where it left the window, pointing to where it is now.
        # Its tip half an arrow's width in from the edge: at the edge, and never cut by it.
        tip = arrow_gap(self.theme) / 2 * np.array(per_px)
        # ...at the end of its line as drawn (beside the lines it ran along), where that crosses
        # the edge.
        every = np.arange(len(here))
        last, gone_at = np.maximum(self.left[:, step], 0), np.minimum(self.left[:, step] + 1, step)
        exits = crossing(
            self.drawn[every, last], self.drawn[every, gone_at], np.array([x0, y0]), np.array([x1, y1])
        )
        clamped = np.where(
            outside[:, None], np.clip(exits, [x0, y0] + tip, [x1, y1] - tip),
            np.clip(here, [x0, y0] + pad, [x1, y1] - pad),
        )
        runs = np.flatnonzero(outside)
        if len(runs) or len(self.arrows.get_offsets()):
            away = (here[runs] - clamped[runs]) / per_px
            turns = turn_of(away[:, 0], away[:, 1])
            where = (clamped[runs] - [x0, y0]) / per_px
            first = one_per_pixel(runs // self.n_starts, turns, where)
            if not self.cloud:  # side by side along the edge, in the order their lines reach it
                where = along_edges(where[first], (box.width, box.height), arrow_gap(self.theme))
                clamped[runs[first]] = np.clip([x0, y0] + where * per_px, [x0, y0] + tip,
                                               [x1, y1] - tip)
            show_marks(self.arrows, clamped[runs[first]], self.colours[runs[first]], turns[first])
        gone = self.traj.diverged_by(step)[self.rows].ravel()
        inward = clamped[gone] + np.sign(centre - clamped[gone]) * pad * outside[gone, None]
        show_marks(self.crosses, np.clip(inward, [x0, y0] + pad, [x1, y1] - pad), self.colours[gone])


def divergence_note(traj: Trajectories, i: int, step: int, label: str | None = None) -> str:
    """``"gd diverged at step 12"`` once it has, else ``""``. On a surface unbounded below,
    leaving the window is going downhill, not diverging, and is said so."""
    at = traj.diverged_at[i]
    gone = at[(at >= 0) & (at <= step)]
    if gone.size == 0:
        return ""
    label = traj.labels[i] if label is None else label
    verb = gone_verb(traj.surface)
    if at.size == 1:
        return f"{label} {verb} at step {int(gone[0])}"
    return f"{label}: {gone.size} of {at.size} runs {verb} (first at step {gone.min()})"


def gone_verb(surface) -> str:
    """What a run that leaves for good does: diverge; on a surface unbounded below, run off
    downhill."""
    return "diverged" if surface.fmin is not None else "ran off downhill"


def stacked(notes: list[str], verb: str) -> str:
    """Divergence ``notes`` (`divergence_note`) narrower: the ``verb`` once, over a line per
    run (``"diverged:\ngd at step 12"``)."""
    return "\n".join([f"{verb}:"] + [" ".join(n.split(f" {verb} ")) for n in notes])


NOTE_CORNERS = ((0.015, 0.015, "left", "bottom"), (0.985, 0.015, "right", "bottom"),
                (0.015, 0.985, "left", "top"), (0.985, 0.985, "right", "top"))
CORNERS = ((0.98, 0.96, "right", "top"), (0.98, 0.04, "right", "bottom"),
           (0.02, 0.96, "left", "top"), (0.02, 0.04, "left", "bottom"))


def quietest_corner(curves, size, steps: int) -> tuple[float, float, str, str]:
    """Of a panel's corners (`CORNERS`: x, y in axes fractions and the text's alignment; top
    right first), the one where a box of ``size`` (axes fractions) is crossed least by the
    ``curves``: each its heights (axes fractions) at steps 0, 1, ..., followed between them,
    on a panel ``steps`` wide."""
    w, h = size
    x = np.linspace(0, steps, 400)
    points = [np.column_stack([t, np.interp(t, np.arange(len(curve)), curve)])
              for curve in curves for t in [x[x <= len(curve) - 1]]]

    def box(corner) -> tuple:
        cx, cy, ha, va = corner
        x0, y0 = (cx - w if ha == "right" else cx) * steps, cy - h if va == "top" else cy
        return (x0, y0, x0 + w * steps, y0 + h)

    return least_crossed(CORNERS, box, np.concatenate(points or [np.empty((0, 2))]))


def least_crossed(corners, box, points: np.ndarray):
    """Of ``corners``, the first whose box (``box(corner)``: x0, y0, x1, y1) holds the fewest
    of the (k, 2) ``points`` (`placement.covered`)."""
    boxes = np.array([box(corner) for corner in corners], dtype=float)
    return corners[int(np.argmin(covered(boxes, points)))]


class LossCurves(StepCurves):
    """Loss against step, log scale above the known minimum, drawn up to the current step,
    with a cursor. Several starts are summarised by their median."""

    def __init__(self, ax, traj: Trajectories, colours, theme: themes.Theme, animated=True):
        self.traj = traj
        self.log = traj.surface.fmin is not None
        y = np.median(traj.surface.gap(traj.loss.astype(float)), axis=1)
        ends = np.where(
            (traj.diverged_at >= 0).any(1),
            np.where(traj.diverged_at < 0, traj.steps + 1, traj.diverged_at).min(1),
            traj.steps + 1,
        )
        finite = y[np.isfinite(y)]
        many = traj.starts.shape[0] > 1
        if self.log:
            top = float(finite.max()) if finite.size else 1.0
            floor = max(float(finite[finite > 0].min()) if (finite > 0).any() else top, top * 1e-12)
            y = np.maximum(y, floor)
            ax.set_yscale("log")
            ax.set_ylim(floor / 2, top * 2)
            height = np.log10(y / (floor / 2)) / math.log10(4 * top / floor)
            from matplotlib.ticker import LogLocator, NullLocator

            decades = math.log10(top * 2) - math.log10(floor / 2)
            ax.yaxis.set_major_locator(LogLocator(numticks=5 if decades > 4 else 6))
            ax.yaxis.set_minor_locator(NullLocator())
            ax.set_ylabel("f − f*")
            what = ("median " if many else "") + "loss above the minimum"
        else:
            # No known minimum (unbounded below, or a formula): a scale that is linear near
            # zero and logarithmic beyond, for losses of either sign, with a few ticks.
            from matplotlib.ticker import MaxNLocator, NullLocator

            lo, hi = float(finite.min()), float(finite.max())
            ax.set_ylim(lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo))
            height = (y - lo + 0.05 * (hi - lo)) / (1.1 * (hi - lo) or 1.0)
            ax.yaxis.set_major_locator(MaxNLocator(5))
            ax.yaxis.set_minor_locator(NullLocator())
            ax.set_ylabel("f")
            what = ("median " if many else "") + "loss"
        ax.set_xlim(0, traj.steps)
        ax.set_xlabel("step")
        style_panel(ax, theme)
        renderer = ax.figure.canvas.get_renderer()
        if ax.yaxis.get_tightbbox(renderer).x0 < 0:  # long tick labels push it off the picture
            what = f"{ax.get_ylabel()}: {what}"
            ax.set_ylabel("")
        # What the panel plots, inside the corner its curves cross least.
        caption = ax.text(
            0, 0, what, transform=ax.transAxes, zorder=3,
            fontsize=theme.font_size * 0.8, color=theme.foreground,
            bbox=dict(boxstyle="square,pad=0.2", lw=0, fc=theme.background),
        )
        words, panel = caption.get_window_extent(renderer), ax.get_window_extent(renderer)
        # Constrained layout may yet shrink the panel: room to spare.
        size = (1.2 * words.width / panel.width + 0.02, 1.2 * words.height / panel.height + 0.02)
        drawn = [h[: int(end)] for h, end in zip(height, ends)]
        x, y_at, ha, va = quietest_corner(drawn, size, traj.steps)
        caption.set(x=x, y=y_at, ha=ha, va=va)
        super().__init__(ax, y, colours, theme, animated, ends)


def _squares(points: np.ndarray, half: float) -> np.ndarray:
    """Boxes (k, 4: x0, y0, x1, y1) of side ``2·half`` (one, or one each) centred on each of
    ``points`` (k, 2)."""
    half = np.reshape(half, (-1, 1))
    return np.concatenate([points - half, points + half], 1)


@dataclasses.dataclass
class Stamp:
    """Words stamped on each frame: their text (lines) and colour, font, and where they go.
    Their pixels are drawn once (`masks`: a ``halo`` of that many pixels in the ``background``
    colour, or with ``boxed`` a background box, then the letters) and pasted at ``box`` on
    every frame."""

    text: str
    colour: str
    font: ImageFont.FreeTypeFont
    background: str
    box: tuple[float, float, float, float] = (0, 0, 0, 0)  # pixels, y down
    halo: int = 2
    boxed: bool = False

    @functools.cached_property
    def masks(self) -> tuple[np.ndarray, np.ndarray]:
        """The halo's (or box's) and the letters' coverage, (h, w) uint8 each."""
        pad = 3 if self.boxed else 0
        bbox = ImageDraw.Draw(Image.new("L", (1, 1))).multiline_textbbox(
            (0, 0), self.text, font=self.font, stroke_width=self.halo
        )
        size = (bbox[2] - bbox[0] + 2 * pad, bbox[3] - bbox[1] + 2 * pad)
        masks = []
        for stroke in (self.halo, 0):
            mask = Image.new("L", size, 255 if self.boxed and not masks else 0)
            ImageDraw.Draw(mask).multiline_text(
                (pad - bbox[0], pad - bbox[1]), self.text, font=self.font, fill=255,
                stroke_width=stroke, stroke_fill=255,
            )
            masks.append(np.asarray(mask))
        return tuple(masks)

    @property
    def size(self) -> tuple[int, int]:
        """Width and height of the stamp's box, its halo included."""
        h, w = self.masks[0].shape
        return (w + 2, h + 2)

    @functools.cached_property
    def inks(self) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
        """The halo's ink, then the letters'; or, where the letters lie wholly on the halo's
        full cover (as a halo round them does), one ink that gives the same pixels in one
        pass: the letters blended on the background where the halo covers, the halo's edge
        elsewhere."""
        halo, letters = self.masks
        inks = _ink(halo, self.background), _ink(letters, self.colour)
        if letters[halo < 255].any():
            return inks
        (stays, adds), (_, letters_adds) = inks
        background = np.array(ImageColor.getrgb(self.background)[:3], np.uint16)
        over = (letters_adds + (255 - letters[..., None]) * background) // 255
        return ((stays, np.where(stays == 0, over * 255 + 127, adds).astype(np.uint16)),)

    def paste(self, pixels: np.ndarray) -> None:
        x, y = round(self.box[0]) + 1, round(self.box[1]) + 1
        for ink in self.inks:
            _blend(pixels, x, y, ink)


def _ink(mask: np.ndarray, colour) -> tuple[np.ndarray, np.ndarray]:
    """``colour`` through ``mask`` (coverage 0-255, (h, w)), ready for `_blend`: how much of
    the picture stays (255 - coverage) and what the colour adds (rounding included), uint16
    (h, w, 1) and (h, w, 3)."""
    coverage = mask[..., None].astype(np.uint16)
    return 255 - coverage, coverage * np.array(ImageColor.getrgb(colour)[:3], np.uint16) + 127


def _blend(pixels: np.ndarray, x: int, y: int, ink: tuple[np.ndarray, np.ndarray]) -> None:
    """Paint an `_ink` over ``pixels`` (h, w, 4 uint8), its top left corner at pixel (x, y),
    clipped to the picture: (picture * (255 - coverage) + colour * coverage) / 255, which
    stays below 2 ** 16."""
    stays, adds = ink
    h, w = pixels.shape[:2]
    x0, y0 = max(x, 0), max(y, 0)
    x1, y1 = min(x + stays.shape[1], w), min(y + stays.shape[0], h)
    if x0 >= x1 or y0 >= y1:
        return
    part = slice(y0 - y, y1 - y), slice(x0 - x, x1 - x)
    region = pixels[y0:y1, x0:x1, :3]
    blended = region * stays[part]
    blended += adds[part]
    blended //= 255
    region[:] = blended


class Scene:
    """A figure of ``traj`` in ``style``; ``frame(step)`` gives its pixels at that step."""

    def __init__(self, traj: Trajectories, style: Style = Style(), *, animated: bool = True):
        self.traj, self.style = traj, style
        self.theme = theme = themes.for_size(style.theme, style.size)
        self.colours = theme.run_colours(traj.specs)
        self.names = direct_labels(traj.specs)
        import matplotlib

        with matplotlib.rc_context(
            {
                "font.size": theme.font_size,
                "text.color": theme.foreground,
                "axes.titlecolor": theme.foreground,
            }
        ):
            self.figure = new_figure(style.size, theme, layout=None)
            self.canvas = self.figure.canvas
            self._build(animated)
            self.canvas.draw()
        self._measure()
        self.background = self.canvas.copy_from_bbox(self.figure.bbox) if animated else None

    # --- building -----------------------------------------------------------------------------

    def _build(self, animated: bool) -> None:
        traj, theme, style = self.traj, self.theme, self.style
        n = len(traj.labels)
        bounds = style.bounds or traj.surface.bounds
        self.paths, self.stars, self.maps, self.extras = [], [], [], []
        self.start_rings = []  # drawn after the heads (`mark_starts`)
        loss_ax = None
        if style.layout == "3d":
            ax = self.figure.add_axes((0.0, 0.12, 1.0, 0.8), projection="3d")  # see _legend
            mesh = draw_surface_3d(ax, traj.surface, bounds, theme)
            heights = on_mesh(mesh, traj.surface)
            self.start_rings.append(mark_starts(
                ax, traj.starts, theme, cloud=len(traj.starts) > CLOUD, heights=heights,
                zorder=12.5, animated=animated,
            ))
            self.paths.append(
                Paths3D(ax, traj, self.colours, theme, mesh, animated, cloud=len(traj.starts) > CLOUD)
            )
            self.stars += mark_minima(ax, traj.surface, theme, animated, heights=heights)
            self.ax = ax
            self.bounds = bounds
        elif style.layout == "overlay":
            map_rect, loss_rect, self.bounds = layout.overlay(
                style.size, theme.font_size, bounds, style.loss_panel
            )
            ax = self._map(map_rect, range(n), animated)
            ax.set_xlabel(coordinate(traj.surface.axes[0]), labelpad=1)
            ax.set_ylabel(coordinate(traj.surface.axes[1]), labelpad=1, rotation=0)
            self.ax = ax
            if loss_rect is not None:
                loss_ax = self.figure.add_axes(layout.fractions(loss_rect, style.size))
        else:
            rects, loss_rect, self.bounds, cols = layout.grid(
                style.size, theme.font_size, bounds, n, style.loss_panel
            )
            for i, rect in enumerate(rects):
                ax = self._map(rect, [i], animated, share=self.maps[0] if self.maps else None)
                ax.set_title(
                    traj.labels[i],
                    color=self.colours[i],
                    fontsize=theme.font_size * 0.9,
                    loc="left",
                    fontweight="bold",
                    pad=2,
                )
                if i % cols:
                    ax.tick_params(labelleft=False)
                if i + cols < n:
                    ax.tick_params(labelbottom=False)
            self.ax = self.maps[0]
            if loss_rect is not None:
                loss_ax = self.figure.add_axes(layout.fractions(loss_rect, style.size))
        self.loss = (
            LossCurves(loss_ax, traj, self.colours, theme, animated) if loss_ax is not None else None
        )
        self.rates = rate_strip.attach(loss_ax, traj, self.colours, theme, animated)
        if self.loss:
            self.extras += overlays.on_loss(loss_ax, traj, self.colours, theme, animated)
        self._titles()
        if style.layout == "3d":
            self._legend()
        # Placed by `_note`.
        self.notes = (self.ax.text if style.layout != "3d" else self.ax.text2D)(
            0, 0, "", transform=self.ax.transAxes,
            fontsize=theme.font_size * 0.8, color=theme.foreground, animated=animated,
            in_layout=False, zorder=25,
            bbox=dict(boxstyle="square,pad=0.3", lw=0, fc=theme.background),
        )

    def _map(self, rect, rows, animated, share=None):
        """A contour map of the surface at ``rect`` with the runs of ``rows`` on it."""
        traj, theme = self.traj, self.theme
        ax = self.figure.add_axes(layout.fractions(rect, self.style.size), sharex=share, sharey=share)
        grid = getattr(self, "_grid", None)
        if grid is None:
            grid = self._grid = surface_grid(traj.surface, self.bounds)
        draw_surface(ax, traj.surface, self.bounds, theme, grid, shape_px=rect[2:])
        self.extras += overlays.on_map(ax, traj, self.colours, theme, self.style.ridge_path, animated)
        for label in (ax.xaxis.label, ax.yaxis.label):
            label.set_color(theme.foreground)
        self.start_rings.append(
            mark_starts(ax, traj.starts, theme, cloud=len(traj.starts) > CLOUD, animated=animated)
        )
        self.paths.append(Paths(ax, traj, rows, self.colours, theme, animated))
        self.stars += mark_minima(ax, traj.surface, theme, animated=animated)
        self.maps.append(ax)
        return ax

    def _titles(self) -> None:
        """The title (the surface's display name, or ``style.title``) and the formula as math
        under it, at the top left; the step counter at the top right."""
        theme, surface = self.theme, self.traj.surface
        em = theme.font_size * DPI / 72 / self.style.size[1]
        text = self.style.title if self.style.title is not None else (surface.title or surface.name)
        if surface.name == "formula" and self.style.title is None:
            text = ""
        top = 1 - 0.35 * em
        self.counter = self.figure.text(
            0.988, top, f"step {self.traj.steps} / {self.traj.steps}", ha="right", va="top",
            fontsize=theme.font_size, color=theme.muted, in_layout=False,
        )
        box, h = self.counter.get_window_extent(self.canvas.get_renderer()), self.style.size[1]
        self.counter_box = (box.x0 - 4, h - box.y1 - 2, box.x1 + 2, h - box.y0 + 2)
        title = self.figure.text(
            0.012, top, text, ha="left", va="top", fontsize=theme.font_size * 1.2,
            fontweight="bold", color=theme.foreground,
        )
        # The title stops an em short of the step counter (its words as stamped can come out
        # a little wider than matplotlib's).
        w = self.style.size[0]
        self._shrink_to_width(title, (self.counter_box[0] - em * self.style.size[1]) / w - 0.012)
        if surface.tex:
            formula = self.figure.text(
                0.012, top - (1.45 * em if text else 0), f"${surface.tex}$", ha="left", va="top",
                fontsize=theme.font_size * (0.9 if text else 1.1), color=theme.foreground,
            )
            self._shrink_to_width(formula, 0.75)
        self.counter.set_text("")

    def _shrink_to_width(self, text, share: float) -> None:
        """Make ``text`` no wider than ``share`` of the figure (type does not scale exactly
        with its size, so it is measured again)."""
        renderer = self.canvas.get_renderer()
        for _ in range(3):
            width = text.get_window_extent(renderer).width
            if width <= share * self.style.size[0]:
                return
            text.set_fontsize(text.get_fontsize() * share * self.style.size[0] / width * 0.99)

    def _legend(self) -> None:
        """For the 3-D view, where words beside the heads would float: a legend under it, its
        runs named as the map names them, in as many columns (at most 4) as fit the width, and
        the view between it and the title's words (a surface's far corner, or a start on it,
        would cover a long formula)."""
        theme = self.theme
        handles = [
            Line2D([], [], color=c, lw=theme.line_width, marker="o", ms=theme.head_size * 0.8,
                   mec=theme.background)
            for c in self.colours
        ]
        renderer = self.figure.canvas.get_renderer()
        for ncols in range(min(len(handles), 4), 0, -1):
            legend = self.figure.legend(
                handles, self.names, loc="lower center", ncols=ncols, frameon=False,
                fontsize=theme.font_size * 0.85, labelcolor=theme.foreground,
            )
            box = legend.get_window_extent(renderer)
            if box.width <= 0.98 * self.figure.bbox.width or ncols == 1:
                break
            legend.remove()
        # The view above it, raised until its tick labels (which hang below the box) clear it.
        bottom, height = box.y1 / self.figure.bbox.height + 0.02, self.figure.bbox.height
        words = [t.get_window_extent(renderer).y0 for t in self.figure.texts if t.get_text()]
        top = min(words + [height - self.counter_box[3]]) / height - 0.01  # counter: y down
        for _ in range(3):
            self.ax.set_position((0.0, bottom, 1.0, top - bottom))
            below = box.y1 + 4 - self.ax.get_tightbbox(renderer).y0
            if below <= 0:
                break
            bottom += below / height

    # --- measuring, once the layout is fixed --------------------------------------------------

    def _font(self, size: float, bold: bool = False) -> ImageFont.FreeTypeFont:
        props = FontProperties(size=size, weight="bold" if bold else "normal")
        return ImageFont.truetype(findfont(props), round(size * DPI / 72))

    def _measure(self) -> None:
        """Pixel paths of every run (for layering, pacing and labels), and the fonts and boxes
        of the words stamped on frames."""
        self.pixels = []
        for paths in self.paths:
            if isinstance(paths, Paths):
                px = self._down(paths.ax.transData.transform(paths.paths.reshape(-1, 2)))
                px = px.reshape(paths.paths.shape)
                paths.layer(px)
                self.pixels.append(px)
        self.label_font = self._font(self.theme.font_size * 0.95, bold=True)
        self.stamps: list[Stamp] = []
        self.kept = None  # where the labels were in the last frame (`placement.place`)
        self.anchors = None  # where each label's head is at each step, once asked
        # The words on the map (contour levels, regions), which labels keep off too.
        renderer = self.canvas.get_renderer()
        self.map_words = np.array([
            (e.x0, self.style.size[1] - e.y1, e.x1, self.style.size[1] - e.y0)
            for ax in dict.fromkeys(p.ax for p in self.paths if isinstance(p, Paths))
            for text in ax.texts if text is not self.notes and text.get_text()
            for e in [text.get_window_extent(renderer)]
        ]).reshape(-1, 4)
        # Points along the whole of every path as drawn, which labels keep off where they can.
        self.lines = np.concatenate([np.empty((0, 2))] + [
            self._down(layering.along_path(line, LINE_POINTS)[0])
            for paths in self.paths if isinstance(paths, Paths) and not paths.cloud
            for line in paths.screen
        ])
        if self.style.layout == "overlay":
            for i, name in enumerate(self.names):
                self.stamps.append(
                    Stamp(name, self.colours[i], self.label_font, self.theme.background)
                )
        self.counter_font = self._font(self.counter.get_fontsize())
        self.note_font = self._font(self.notes.get_fontsize())
        self.noted = []  # the divergence notes shown
        self.note = self._note([])

    def _down(self, display: np.ndarray) -> np.ndarray:
        """Display pixels (k, 2; y up, as matplotlib's) as picture pixels (y down): a copy."""
        down = np.array(display, dtype=float)
        down[:, 1] = self.style.size[1] - down[:, 1]
        return down

    def _note(self, notes: list[str]) -> Stamp:
        """The divergence ``notes``, boxed, in the corner of the map that the paths (and the
        arrows at its edge) cross least, the lower left first, a line each or, where that
        crosses fewer, stacked narrower (`stacked`); in 3-D, where tick labels hang below, the
        upper left. `notes`, their matplotlib text for stills, is moved there too."""
        height = self.style.size[1]

        def stamp(text):
            return Stamp(
                text, self.theme.foreground, self.note_font, self.theme.background, halo=0,
                boxed=True,
            )

        def box(note, corner) -> tuple:
            (w, h), (cx, cy, ha, va) = note.size, corner
            x, y = self.ax.transAxes.transform((cx, cy))
            left, y = (x - 1 if ha == "left" else x - w + 1), height - y  # y down
            top = y - 1 if va == "top" else y - h + 1
            return (left, top, left + w, top + h)

        note, corner = stamp("\n".join(notes)), NOTE_CORNERS[2]
        if notes and self.pixels:
            extent = self.ax.get_window_extent()
            frame = (extent.x0, height - extent.y1), (extent.x1, height - extent.y0)
            points = np.clip(self.pixels[0].reshape(-1, 2), *frame)
            forms = [note, stamp(stacked(notes, gone_verb(self.traj.surface)))]
            options = [(form, c) for form in forms for c in NOTE_CORNERS]
            note, corner = least_crossed(options, lambda o: box(*o), points)
        cx, cy, ha, va = corner
        self.notes.set_position((cx, cy))
        self.notes.set_horizontalalignment(ha)
        self.notes.set_verticalalignment(va)
        note.box = box(note, corner)
        return note

    def travel(self) -> np.ndarray:
        """How far, in pixels, the heads have moved on screen by each step (for pacing)."""
        if not self.pixels:
            return np.arange(self.traj.steps + 1, dtype=float)
        total = np.zeros(self.traj.steps + 1)
        for paths, px in zip([p for p in self.paths if isinstance(p, Paths)], self.pixels):
            box = paths.ax.get_window_extent()
            h = self.style.size[1]
            total += pacing.motion(px, (box.x0, h - box.y1, box.x1, h - box.y0))
        return total

    # --- per frame ---------------------------------------------------------------------------

    @property
    def artists(self):
        moving = [a for p in self.paths for a in p.artists] + self.start_rings + [self.notes]
        moving += self.loss.artists if self.loss else []
        moving += self.rates.artists if self.rates else []
        moving += [a for extra in self.extras for a in extra.artists]
        return moving + self.stars

    def show(self, step: int) -> None:
        """Set every moving artist to its state at ``step``."""
        for paths in self.paths:
            paths.update(step)
        notes = [
            divergence_note(self.traj, i, step, self.names[i]) for i in range(len(self.names))
        ]
        notes = [n for n in notes if n]
        if notes != self.noted:
            self.noted = notes
            self.note = self._note(notes)
        self.notes.set_text(self.note.text)
        self.notes.set_visible(bool(notes))
        if self.loss:
            self.loss.update(step)
        if self.rates:
            self.rates.update(step)
        for extra in self.extras:
            extra.update(step)
        self._place_labels(step)

    def _place_labels(self, step: int) -> None:
        if not self.stamps:
            return
        h = self.style.size[1]
        box = self.ax.get_window_extent()
        frame = (box.x0 + 2, h - box.y1 + 2, box.x1 - 2, h - box.y0 - 2)
        if self.anchors is None:
            # A label names all the starts of its optimizer: it goes beside their median; the
            # label of a run outside the window, beside its arrow, where it left.
            px, left = self.pixels[0], self.paths[0].left
            marked = np.minimum(left + 1, np.arange(px.shape[1]))  # the step itself, inside
            px = np.take_along_axis(px, marked[..., None], axis=1)
            px = px.reshape(len(self.stamps), -1, *px.shape[1:])
            self.anchors = np.clip(np.median(px, axis=1), frame[:2], frame[2:])
            # Which labels name runs in the window (the others sit beside their arrows).
            inside = left == np.arange(left.shape[1])
            self.inside = inside.reshape(len(self.stamps), -1, inside.shape[1]).all(1)
        # A label keeps clear of the heads (of a cloud, of the heads where labels point), the
        # stars, and the arrows and crosses at the window's edge.
        heads = (self.anchors if self.paths[0].cloud else self.pixels[0])[:, step:]
        r = self.theme.head_size * DPI / 72
        edge = [m.get_offsets() for m in (self.paths[0].arrows, self.paths[0].crosses)]
        edge = self.ax.transData.transform(np.concatenate(edge).reshape(-1, 2))
        centres, radii = self.paths[0].marks
        marked = radii > 0
        obstacles = np.concatenate([
            _squares(heads[:, 0], r),
            _squares(self._down(centres[marked]), np.maximum(radii[marked], r)),
            _squares(self._down(self.paths[0].stars), 1.3 * r),
            _squares(self._down(edge), 1.2 * r),
            [self.counter_box],
            self.map_words,
            [self.note.box] if self.note.text else np.empty((0, 4)),
        ])
        sizes = [stamp.size for stamp in self.stamps]
        boxes, self.kept = place(
            self.anchors[:, step], sizes, frame, obstacles, r * 1.2, self.kept,
            self.anchors[:, step:], heads, self.lines, self.inside[:, step],
        )
        for stamp, b in zip(self.stamps, boxes):
            stamp.box = b

    def frame(self, step: int) -> np.ndarray:
        """The picture at ``step`` as an (h, w, 3) uint8 array."""
        return np.ascontiguousarray(self.rgba(step)[..., :3])

    def rgba(self, step: int) -> np.ndarray:
        """The picture at ``step`` as an (h, w, 4) uint8 array, opaque: the canvas's own
        layout, which encoders take without converting it."""
        if self.style.rotate:
            # The camera moves (before the marks that are placed on screen are), so nothing is
            # static: the whole figure is drawn again.
            self.ax.view_init(elev=ELEVATION, azim=AZIMUTH + TURN * step / max(self.traj.steps, 1))
        self.show(step)
        if self.style.rotate:
            self.canvas.draw()
        else:
            self.canvas.restore_region(self.background)
        for artist in self.artists:
            if artist is not self.notes:  # stamped, as the labels are
                self.figure.draw_artist(artist)
        pixels = np.array(self.canvas.buffer_rgba())
        for stamp in self.stamps + ([self.note] if self.note.text else []):
            stamp.paste(pixels)
        self._stamp_counter(pixels, step)
        return pixels

    @functools.cached_property
    def _counter_words(self) -> tuple[np.ndarray, float]:
        """The counter's fixed words ``step`` and `` / N`` drawn once, as a mask of
        `counter_box`, and where the right edge of its number goes."""
        font, total = self.counter_font, f" / {self.traj.steps}"
        x0, y0, x1, y1 = (round(v) for v in self.counter_box)
        words = Image.new("L", (x1 - x0 + 1, y1 - y0 + 1))
        draw = ImageDraw.Draw(words)
        right = x1 - x0 - 2
        draw.text((right, 2), total, font=font, fill=255, anchor="rt")
        right -= font.getlength(total)
        draw.text((right - font.getlength(str(self.traj.steps)), 2), "step ", font=font,
                  fill=255, anchor="rt")
        return np.asarray(words), right

    def _stamp_counter(self, pixels: np.ndarray, step: int) -> None:
        """``step n / N`` at the top right: the number right-aligned between words that keep
        their place, so that from frame to frame only its digits change."""
        words, right = self._counter_words
        number = Image.new("L", words.shape[::-1])
        ImageDraw.Draw(number).text(
            (right, 2), str(step), font=self.counter_font, fill=255, anchor="rt"
        )
        x0, y0 = (round(v) for v in self.counter_box[:2])
        h, w = words.shape
        pixels[max(y0, 0) : y0 + h, max(x0, 0) : x0 + w, :3] = ImageColor.getrgb(
            self.theme.background
        )[:3]
        _blend(pixels, x0, y0, _ink(np.maximum(words, np.asarray(number)), self.theme.muted))

    def finish(self, step: int | None = None) -> Figure:
        """The figure at ``step`` (default: the last) with every artist in it, the words as
        matplotlib text, for vector and still output."""
        step = self.traj.steps if step is None else step
        self.show(step)
        for artist in self.artists:
            artist.set_animated(False)
        w, h = self.style.size
        for stamp in self.stamps:
            x0, y0, *_ = stamp.box
            self.figure.text(
                (x0 + 1) / w, 1 - (y0 + 1) / h, stamp.text, ha="left", va="top",
                fontsize=self.label_font.size * 72 / DPI, fontweight="bold", color=stamp.colour,
                path_effects=[withStroke(linewidth=3, foreground=self.theme.background)],
                zorder=30,
            )
        self.counter.set_text(f"step {step} / {self.traj.steps}")
        return self.figure

    @property
    def palette(self) -> list:
        """Every exact colour the scene draws with (for fixed palettes), and the blends that
        the edges of letters and contour lines take."""
        theme, levels = self.theme, self.traj.surface.levels
        cmap = contour_colours(theme, len(levels) + 1)
        fills = [cmap(k) for k in range(cmap.N)]
        clouds = any(p.cloud for p in self.paths if isinstance(p, Paths))
        tails = [tail(colour, theme) for colour in self.colours] if clouds else []
        # The edges of letters (foreground on background) and of contour lines (muted on the
        # middle of the fill ramp): without them, they would take the nearest run's colour.
        edges = [themes.mix(theme.background, theme.foreground, w) for w in (1 / 3, 2 / 3)]
        edges += [themes.mix(fills[len(fills) // 2], theme.muted, w) for w in (1 / 3, 2 / 3)]
        return [theme.background, theme.foreground, theme.muted, *fills, *self.colours, *tails,
                *edges]
