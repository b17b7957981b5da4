"""Scenes: what a picture of a run shows, drawn with matplotlib on an Agg canvas.

The static parts (contours, minima, legend, titles) are drawn once; per frame only the moving
artists (trails, heads, divergence marks, the step counter, the loss cursor) are redrawn over a
saved copy of the background, and the pixels are read straight from the Agg buffer.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.font_manager import findfont
from matplotlib.lines import Line2D
from PIL import Image, ImageDraw, ImageFont

from optviz import theme as themes
from optviz.drawing import (
    DPI,
    contour_colours,
    draw_surface,
    grid_shape,
    new_figure,
    surface_grid,
    theme_ticks,
    title,
)
from optviz.trajectories import Trajectories
from optviz.view3d import AZIMUTH, ELEVATION, TURN, Paths3D, draw_surface_3d

LAYOUTS = ("overlay", "grid", "3d")
TRAIL_FLOOR = 0.55  # strength of the oldest part of a trail's colour
BANDS = 4  # steps of opacity along a trail


@dataclasses.dataclass(frozen=True)
class Style:
    """How a scene is drawn: pixel ``size`` (w, h), ``layout`` (all paths on one plot, or one
    panel per optimizer), ``theme``, a ``loss_panel`` (loss against step) and the view
    ``bounds`` ((xmin, xmax), (ymin, ymax)), by default the surface's."""

    size: tuple[int, int] = (640, 480)
    layout: str = "overlay"
    theme: str = "light"
    loss_panel: bool = False
    bounds: tuple | None = None
    rotate: bool = False

    def __post_init__(self):
        w, h = self.size
        if not (64 <= w <= 4096 and 64 <= h <= 4096):
            raise ValueError(f"size must be between 64x64 and 4096x4096 pixels, got {w}x{h}")
        if self.layout not in LAYOUTS:
            raise ValueError(f"unknown layout {self.layout!r}; choose from: {', '.join(LAYOUTS)}")
        if self.rotate and self.layout != "3d":
            raise ValueError("rotate turns the camera of the 3d layout; add layout='3d'")
        themes.get(self.theme)
        if self.bounds is not None:
            (x0, x1), (y0, y1) = self.bounds
            if not all(map(math.isfinite, (x0, x1, y0, y1))) or x0 >= x1 or y0 >= y1:
                raise ValueError("bounds must be finite with xmin < xmax and ymin < ymax")


def frame_steps(steps: int, frames: int) -> np.ndarray:
    """The step each of ``frames`` frames shows, evenly spread from 0 to ``steps``."""
    return np.round(np.linspace(0, steps, frames)).astype(int)


def _inside(points: np.ndarray, bounds) -> np.ndarray:
    """``points`` pulled into the view, so a run that left it is marked at its edge."""
    (x0, x1), (y0, y1) = bounds
    pad_x, pad_y = 0.01 * (x1 - x0), 0.01 * (y1 - y0)
    return np.column_stack(
        [
            np.clip(points[:, 0], x0 + pad_x, x1 - pad_x),
            np.clip(points[:, 1], y0 + pad_y, y1 - pad_y),
        ]
    )


def tints(colour: str, theme: themes.Theme) -> list[tuple[float, float, float, float]]:
    """``BANDS`` opaque shades of ``colour``, from itself towards the contour background: how a
    trail fades with age. Opaque, so that a fixed GIF palette holds every one exactly."""
    rgb, low = np.array(to_rgba(colour)[:3]), np.array(to_rgba(theme.low)[:3])
    weights = 1 - (1 - TRAIL_FLOOR) * np.arange(BANDS) / (BANDS - 1)
    return [(*(w * rgb + (1 - w) * low), 1.0) for w in weights]


class Paths:
    """The moving parts of some optimizers' runs on one Axes: trails that fade with age, a
    head at the current point, and a cross where a run diverged. Each kind is one collection
    for all runs, so a frame draws three artists however many runs there are."""

    def __init__(self, ax, traj: Trajectories, rows, theme: themes.Theme, bounds, animated=True):
        self.traj, self.rows, self.bounds = traj, list(rows), bounds
        n_starts = traj.params.shape[1]
        # Age bands are whole multiples of `width` steps, counted from the start, so between
        # two band edges only the newest piece of a trail changes from frame to frame.
        self.width = max(1, round(traj.steps / 8 / BANDS))
        self.shades = np.repeat([tints(theme.colour(i), theme) for i in self.rows], n_starts, 0)
        self.rgba = self.shades[:, 0]
        self.trails = ax.add_collection(
            LineCollection(
                [], linewidths=theme.line_width, capstyle="round", joinstyle="round", zorder=5
            )
        )
        size = theme.head_size**2
        self.heads = ax.scatter(
            [], [], s=size, c=[], edgecolors=theme.background, linewidths=1.0, zorder=7
        )
        self.crosses = ax.scatter(
            [],
            [],
            s=size * 3,
            c=[],
            marker="X",
            edgecolors=theme.background,
            linewidths=1.0,
            zorder=8,
            clip_on=False,
        )
        self.paths = traj.params[self.rows].reshape(-1, traj.params.shape[2], 2)
        self.diverged_at = traj.diverged_at[self.rows].ravel()
        for marks in (self.heads, self.crosses):
            marks.set_array(None)  # colours are set directly, not mapped through a colormap
        for artist in self.artists:
            artist.set_animated(animated)
            artist.set_in_layout(False)

    @property
    def artists(self):
        return [self.trails, self.heads, self.crosses]

    def update(self, step: int) -> None:
        # Each band is one polyline per run, oldest first, so a frame draws a few paths
        # rather than a segment per step.
        top = step // self.width * self.width
        edges = [step] + [max(top - k * self.width, 0) for k in range(BANDS - 1)] + [0]
        chunks, colours = [], []
        for band in reversed(range(BANDS)):
            lo, hi = edges[band + 1], edges[band]
            if hi > lo:
                chunks.extend(self.paths[:, lo : hi + 1])
                colours.extend(self.shades[:, band])
        self.trails.set_segments(chunks)
        self.trails.set_color(colours)
        here = self.paths[:, step]
        self.heads.set_offsets(here)
        self.heads.set_facecolors(self.rgba)
        gone = (self.diverged_at >= 0) & (self.diverged_at <= step)
        self.crosses.set_offsets(_inside(here[gone], self.bounds))
        self.crosses.set_facecolors(self.rgba[gone])


def divergence_note(traj: Trajectories, i: int, step: int) -> str:
    """``"gd lr=1.5 diverged at step 12"`` once it has, else ``""``. On a surface unbounded
    below, leaving the window is going downhill, not diverging, and is said so."""
    at = traj.diverged_at[i]
    gone = at[(at >= 0) & (at <= step)]
    if gone.size == 0:
        return ""
    verb = "diverged" if traj.surface.fmin is not None else "ran off downhill"
    if at.size == 1:
        return f"{traj.labels[i]} {verb} at step {int(gone[0])}"
    return f"{traj.labels[i]}: {gone.size} of {at.size} runs {verb} (first at step {gone.min()})"


class LossCurves:
    """Loss against step, log scale above the known minimum, drawn up to the current step,
    with a cursor. Several starts are summarised by their median."""

    def __init__(self, ax, traj: Trajectories, theme: themes.Theme, animated=True):
        self.traj = traj
        self.log = traj.surface.fmin is not None
        self.y = np.median(traj.surface.gap(traj.loss.astype(float)), axis=1)
        self.ends = np.where(
            (traj.diverged_at >= 0).any(1),
            np.where(traj.diverged_at < 0, traj.steps + 1, traj.diverged_at).min(1),
            traj.steps + 1,
        )
        finite = self.y[np.isfinite(self.y)]
        if self.log:
            top = float(finite.max()) if finite.size else 1.0
            floor = max(float(finite[finite > 0].min()) if (finite > 0).any() else top, top * 1e-12)
            self.y = np.maximum(self.y, floor)
            ax.set_yscale("log")
            ax.set_ylim(floor / 2, top * 2)
            ax.set_ylabel("f − f*" if traj.starts.shape[0] == 1 else "median f − f*")
        else:
            # No known minimum (unbounded below, or a formula): a scale that is linear near
            # zero and logarithmic beyond, for losses of either sign.
            lo, hi = float(finite.min()), float(finite.max())
            ax.set_yscale("symlog", linthresh=max(1e-3, 1e-3 * max(abs(lo), abs(hi))))
            ax.set_ylim(lo - 0.1 * abs(lo), hi + 0.1 * abs(hi) + 1e-3)
            ax.set_ylabel("f" if traj.starts.shape[0] == 1 else "median f")
        ax.set_xlim(0, traj.steps)
        ax.set_xlabel("step")
        ax.set_facecolor(theme.background)
        theme_ticks(ax, theme, 0.8)
        ax.xaxis.label.set_color(theme.foreground)
        ax.yaxis.label.set_color(theme.foreground)
        for spine in ax.spines.values():
            spine.set_color(theme.muted)
        ax.grid(True, color=theme.muted, alpha=0.25, lw=0.5)
        self.lines = [
            ax.plot([], [], color=theme.colour(i), lw=theme.line_width * 0.8, animated=animated)[0]
            for i in range(len(traj.labels))
        ]
        self.cursor = ax.axvline(0, color=theme.muted, lw=1, animated=animated)
        for artist in self.artists:
            artist.set_in_layout(False)

    @property
    def artists(self):
        return [*self.lines, self.cursor]

    def update(self, step: int) -> None:
        for i, line in enumerate(self.lines):
            end = min(step + 1, int(self.ends[i]))
            line.set_data(np.arange(end), self.y[i, :end])
        self.cursor.set_xdata([step, step])


class Scene:
    """A figure of ``traj`` in ``style``; ``frame(step)`` gives its pixels at that step."""

    def __init__(self, traj: Trajectories, style: Style = Style(), *, animated: bool = True):
        self.traj, self.style = traj, style
        self.theme = theme = themes.for_size(style.theme, style.size)
        self.bounds = style.bounds or traj.surface.bounds
        import matplotlib

        with matplotlib.rc_context(
            {
                "font.size": theme.font_size,
                "text.color": theme.foreground,
                "axes.titlecolor": theme.foreground,
            }
        ):
            self.figure = new_figure(style.size, theme)
            self.canvas = self.figure.canvas
            self._build(animated)
            self.canvas.draw()
            # Fix the layout now: later draws must not move the axes under the blitted artists.
            self.figure.set_layout_engine("none")
            self._place_counter()
        self.background = self.canvas.copy_from_bbox(self.figure.bbox) if animated else None

    def _place_counter(self) -> None:
        """Put the step counter above the top-right corner of the plot, and measure the box
        that frames stamp it into."""
        right = max(ax.get_position().x1 for ax in self.figure.axes if ax.get_visible())
        if self.title_ax is not None:
            top = max(ax.get_position().y1 for ax in self.figure.axes if ax.get_visible())
            y = top + 0.6 * self.theme.font_size / 72 * DPI / self.style.size[1]
        else:  # in the grid, on the title's line
            y = 1 - 1.3 * self.theme.font_size / 72 * DPI / self.style.size[1]
        self.counter.set_position((right, min(y, 0.99)))
        self.counter.set_text(f"step {self.traj.steps} / {self.traj.steps}")
        box = self.counter.get_window_extent(self.canvas.get_renderer())
        h = self.style.size[1]
        self.counter_box = (
            int(box.x0) - 4,
            int(h - box.y1) - 2,
            int(box.x1) + 2,
            int(h - box.y0) + 2,
        )
        self.counter_anchor = (
            box.x1,
            h - self.counter.get_transform().transform(self.counter.get_position())[1],
        )
        font = self.counter.get_fontproperties()
        self.counter_font = ImageFont.truetype(findfont(font), round(font.get_size() * DPI / 72))

    def _build(self, animated: bool) -> None:
        traj, theme, style = self.traj, self.theme, self.style
        n = len(traj.labels)
        grid = surface_grid(traj.surface, self.bounds) if style.layout != "3d" else None
        self.paths, self.notes = [], []
        if style.layout in ("overlay", "3d"):
            three_d = style.layout == "3d"
            projection = "3d" if three_d else None
            if style.loss_panel:
                cells = self.figure.add_gridspec(1, 2, width_ratios=[1.35, 1])
                ax = self.figure.add_subplot(cells[0], projection=projection)
                loss_ax = self.figure.add_subplot(cells[1])
            else:
                ax, loss_ax = self.figure.add_subplot(projection=projection), None
            if three_d:
                draw_surface_3d(ax, traj.surface, self.bounds, theme)
                self.paths.append(Paths3D(ax, traj, theme, self.bounds, animated))
            else:
                draw_surface(ax, traj.surface, self.bounds, theme, grid)
                self.paths.append(Paths(ax, traj, range(n), theme, self.bounds, animated))
            self.ax = ax
            self._legend()
            self.title_ax = ax
            note_axes = [(ax, range(n))]
        else:
            cells = n + style.loss_panel
            rows, cols = grid_shape(cells, self.bounds, style.size)
            axes = self.figure.subplots(rows, cols, squeeze=False).ravel()
            note_axes = []
            for i in range(n):
                ax = axes[i]
                if i:
                    ax.sharex(axes[0])
                    ax.sharey(axes[0])
                draw_surface(ax, traj.surface, self.bounds, theme, grid)
                ax.set_title(
                    traj.labels[i],
                    color=theme.colour(i),
                    fontsize=theme.font_size * 0.9,
                    loc="left",
                )
                self.paths.append(Paths(ax, traj, [i], theme, self.bounds, animated))
                note_axes.append((ax, [i]))
            loss_ax = axes[n] if style.loss_panel else None
            for ax in axes[cells:]:
                ax.set_visible(False)
            self.title_ax = None
        self.loss = LossCurves(loss_ax, traj, theme, animated) if loss_ax is not None else None
        for ax, rows in note_axes:
            text = ax.text2D if hasattr(ax, "text2D") else ax.text  # 3-D axes place 2-D text so
            self.notes.append(
                (
                    rows,
                    text(
                        0.02,
                        0.02,
                        "",
                        transform=ax.transAxes,
                        ha="left",
                        va="bottom",
                        fontsize=theme.font_size * 0.85,
                        color=theme.foreground,
                        zorder=9,
                        animated=animated,
                        in_layout=False,
                        bbox=dict(boxstyle="round,pad=0.25", lw=0, fc=theme.background, alpha=0.75),
                    ),
                )
            )
        name = traj.surface.name if traj.surface.name != "formula" else traj.surface.formula
        title(self.figure, name, theme)
        self.counter = self.figure.text(
            0.99,
            0.985,
            "",
            ha="right",
            va="baseline",
            fontsize=theme.font_size,
            color=theme.muted,
            animated=animated,
            in_layout=False,
        )

    def _legend(self) -> None:
        theme, traj = self.theme, self.traj
        handles = [
            Line2D(
                [],
                [],
                color=theme.colour(i),
                lw=theme.line_width,
                marker="o",
                ms=theme.head_size * 0.8,
                mec=theme.background,
            )
            for i in range(len(traj.labels))
        ]
        # Below the plot or beside it, whichever leaves the plot more room at its aspect.
        (x0, x1), (y0, y1) = self.bounds
        w, h = self.style.size
        px = theme.font_size * DPI / 72  # font size in pixels; a label character is ~half
        entry = px * (0.5 * max(map(len, traj.labels)) + 3)
        ncols = min(len(handles), max(1, int((w - 2 * px) // entry)))
        side = w - entry - 6 * px, h - 5 * px
        below = w - 6 * px, h - px * (6 + 1.6 * math.ceil(len(handles) / ncols))
        aspect = (y1 - y0) / (x1 - x0)
        area = lambda box: min(box[0], box[1] / aspect) ** 2 * aspect  # noqa: E731
        wide = self.style.loss_panel or area(below) > area(side)
        ncols = ncols if wide else 1
        legend = self.figure.legend(
            handles,
            traj.labels,
            loc="outside lower center" if wide else "outside right upper",
            ncols=ncols,
            frameon=False,
            fontsize=theme.font_size * 0.85,
            handlelength=1.6,
            labelcolor=theme.foreground,
        )
        legend.set_in_layout(True)

    @property
    def artists(self):
        moving = [a for p in self.paths for a in p.artists]
        moving += [text for _, text in self.notes] + [self.counter]
        return moving + (self.loss.artists if self.loss else [])

    def show(self, step: int) -> None:
        """Set every moving artist to its state at ``step``."""
        for paths in self.paths:
            paths.update(step)
        for rows, text in self.notes:
            notes = [divergence_note(self.traj, i, step) for i in rows]
            text.set_text("\n".join(note for note in notes if note))
            text.set_visible(any(notes))
        self.counter.set_text(f"step {step} / {self.traj.steps}")
        if self.loss:
            self.loss.update(step)

    def frame(self, step: int) -> np.ndarray:
        """The picture at ``step`` as an (h, w, 3) uint8 array."""
        self.show(step)
        if self.style.rotate:
            # The camera moves, so nothing is static: the whole figure is drawn again.
            self.ax.view_init(elev=ELEVATION, azim=AZIMUTH + TURN * step / max(self.traj.steps, 1))
            self.canvas.draw()
        else:
            self.canvas.restore_region(self.background)
        for artist in self.artists:
            if artist is not self.counter:
                self.figure.draw_artist(artist)
        w, h = self.style.size
        image = Image.frombuffer("RGBA", (w, h), self.canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        image = image.convert("RGB")
        # A matplotlib Text costs more per frame than everything else in it: the counter is
        # stamped with PIL, from the same font at the same size and place.
        draw = ImageDraw.Draw(image)
        draw.rectangle(self.counter_box, fill=self.theme.background)
        draw.text(
            self.counter_anchor,
            self.counter.get_text(),
            font=self.counter_font,
            fill=self.theme.muted,
            anchor="rs",
        )
        return np.asarray(image)

    def finish(self, step: int | None = None) -> Figure:
        """The figure at ``step`` (default: the last) with every artist in it, for vector and
        still output."""
        self.show(self.traj.steps if step is None else step)
        for artist in self.artists:
            artist.set_animated(False)
        return self.figure

    @property
    def colours(self) -> list[str]:
        """Every exact colour the scene draws with (for fixed palettes)."""
        theme, levels = self.theme, self.traj.surface.levels
        cmap = contour_colours(theme, len(levels) + 1)
        fills = [cmap(k) for k in range(cmap.N)]
        shades = [c for i in range(len(self.traj.labels)) for c in tints(theme.colour(i), theme)]
        return [theme.background, theme.foreground, theme.muted, *fills, *shades]
