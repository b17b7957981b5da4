"""Basins of attraction: run every point of an N×N grid of starts and colour each start by where
its run ended, one panel per optimizer.

A start belongs to a known minimum, global or local, when its run ends within `RADIUS` of the
window's span of it; otherwise it "stopped elsewhere" (its last step was shorter than `STILL` of
the span: a minimum the catalogue does not list, or another stationary point), is "still
moving", or "diverged".
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from optviz import limits, presets, runner
from optviz import theme as themes
from optviz.spec import Spec, as_spec

RADIUS = 0.02
STILL = 1e-4
COLOR_BY = ("minimum", "steps")


@dataclasses.dataclass(frozen=True)
class Basins:
    """``classes`` (n_opt, N, N): index of the minimum reached, or one of the three codes
    after them: stopped elsewhere, still moving, diverged (see `class_names`); ``steps``
    (n_opt, N, N): the step since which a run has stayed within the radius of the minimum it
    ends at, -1 where it ends at none. Row i of a panel is y[i], column j is x[j]."""

    surface: object
    specs: tuple[Spec, ...]
    labels: tuple[str, ...]
    x: np.ndarray
    y: np.ndarray
    classes: np.ndarray
    steps: np.ndarray
    n_steps: int

    def figure(self, **style):
        """This map drawn by `draw` (``size``, ``theme``, ``color``)."""
        return draw(self, **style)

    def class_names(self) -> list[str]:
        surface = self.surface
        minima = [f"minimum ({m[0]:.3g}, {m[1]:.3g})" for m in surface.minima]
        local = [f"local minimum ({m[0]:.3g}, {m[1]:.3g})" for m in surface.local_minima]
        return minima + local + ["stopped elsewhere", "still moving", "diverged"]


def grid_starts(bounds, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(x, y, starts)``: the centres of an n×n grid of cells over ``bounds``, row by row."""
    (x0, x1), (y0, y1) = bounds
    x = x0 + (np.arange(n) + 0.5) * (x1 - x0) / n
    y = y0 + (np.arange(n) + 0.5) * (y1 - y0) / n
    X, Y = np.meshgrid(x, y)
    return x, y, np.column_stack([X.ravel(), Y.ravel()])


def basins(
    surface,
    optimizers=None,
    *,
    grid: int = 200,
    steps: int = 300,
    seed: int = 0,
    progress=None,
    l1: float = 0.0,
    l2: float = 0.0,
) -> Basins:
    """Run every start of a ``grid``×``grid`` grid over the surface's window for ``steps`` steps
    with each optimizer (default: the surface's lineup) and classify where each run ended.
    ``progress(1)`` is called as each optimizer's runs are done; ``l1``, ``l2`` add a penalty to
    the surface (see `optviz.run`)."""
    surface = runner.as_surface(surface, l1, l2)
    if not surface.minima:
        raise ValueError(f"basins needs known minima, and {surface.name} lists none")
    grid = limits.whole("grid", grid, 2, limits.MAX_GRID)
    steps = runner.check_steps(steps)
    specs = (
        [runner.complete(as_spec(o), surface) for o in optimizers]
        if optimizers
        else [runner.complete(s, surface) for s in presets.lineup(surface)]
    )
    limits.check_work(steps, grid * grid, len(specs))
    x, y, starts = grid_starts(surface.bounds, grid)
    (x0, x1), (y0, y1) = surface.bounds
    span = max(x1 - x0, y1 - y0)
    radius = RADIUS * span
    # Plain tuples of floats: the minima are a compile-time constant of the runs.
    minima = tuple((float(x), float(y)) for x, y in (*surface.minima, *surface.local_minima))
    elsewhere, moving, diverged = len(minima), len(minima) + 1, len(minima) + 2
    pending = [
        runner.summaries(
            surface, spec, starts, steps=steps, seed=seed, area=False, settle=(minima, radius)
        )
        for spec in specs
    ]
    classes, reached = [], []
    for s in (p.numpy() for p in pending):
        distance = np.linalg.norm(s.final[:, None, :] - np.asarray(minima)[None], axis=-1)
        cls = np.where(distance.min(1) <= radius, distance.argmin(1), elsewhere)
        cls = np.where((cls == elsewhere) & (s.last_move > STILL * span), moving, cls)
        cls = np.where(s.diverged_at >= 0, diverged, cls)
        classes.append(cls.reshape(grid, grid))
        reached.append(np.where(cls < elsewhere, s.settled_at, -1).reshape(grid, grid))
        if progress:
            progress(1)
    return Basins(
        surface,
        tuple(specs),
        tuple(runner.label(s, surface) for s in specs),
        x,
        y,
        np.stack(classes),
        np.stack(reached),
        steps,
    )


def colours(result: Basins, theme: themes.Theme) -> list[str]:
    """One colour per class: the palette for the minima, then greys and the foreground."""
    surface = result.surface
    count = len(surface.minima) + len(surface.local_minima)
    minima = [theme.categories[k % len(theme.categories)] for k in range(count)]
    return minima + [theme.high, theme.low, theme.foreground]


def draw(result: Basins, *, size=(960, 540), theme: str = "light", color: str = "minimum"):
    """A figure with a panel per optimizer, each start coloured by the minimum its run reached
    (``color="minimum"``) or by the steps it took (``color="steps"``), contours on top."""
    from matplotlib import colormaps
    from matplotlib.colors import BoundaryNorm, ListedColormap, LogNorm
    from matplotlib.patches import Patch

    from optviz.drawing import (
        DPI,
        grid_shape,
        mark_minima,
        new_figure,
        surface_grid,
        theme_ticks,
        title,
    )

    if color not in COLOR_BY:
        raise ValueError(f"unknown colouring {color!r}; choose from: {', '.join(COLOR_BY)}")
    w, h = size
    theme = themes.for_size(theme, size)
    figure = new_figure(size, theme, layout=None)
    n = len(result.labels)
    palette = colours(result, theme)
    legend_rows = 0
    if color == "minimum":
        names = result.class_names()
        handles = [
            Patch(facecolor=palette[k], edgecolor=theme.muted, label=names[k])
            for k in np.unique(result.classes)
        ]
        # As many legend columns as the longest label lets fit across (a character ~0.6 em).
        em = theme.font_size * 0.85 * DPI / 72
        ncols = max(1, min(len(handles), math.floor(w / ((0.6 * max(map(len, names)) + 5) * em))))
        legend_rows = math.ceil(len(handles) / ncols)
    frame = _Frame.of(theme, legend_rows, colorbar=color == "steps", dpi=DPI)
    room = (w - frame.left - frame.right, h - frame.top - frame.bottom)
    rows, cols = grid_shape(n, result.surface.bounds, room, (frame.gap_x, frame.gap_y))
    axes = figure.subplots(rows, cols, squeeze=False, sharex=True, sharey=True).ravel()
    for ax in axes[n:]:
        ax.remove()
    axes = axes[:n]
    X, Y, Z = surface_grid(result.surface, result.surface.bounds, n=100)
    (x0, x1), (y0, y1) = result.surface.bounds
    extent = (x0, x1, y0, y1)
    cmap = ListedColormap(palette)
    # Steps span orders of magnitude between optimizers, and most runs arrive early: one log
    # scale for all panels, up to the slowest arrival, not up to the step budget.
    slowest = max(2, int(result.steps.max()))
    steps_norm = LogNorm(1, slowest)
    image = None
    for i, ax in enumerate(axes):
        if color == "minimum":
            ax.imshow(
                result.classes[i],
                origin="lower",
                extent=extent,
                cmap=cmap,
                norm=BoundaryNorm(np.arange(len(palette) + 1) - 0.5, len(palette)),
                interpolation="nearest",
                aspect="equal",
            )
        else:
            # A start already inside a minimum's radius took 0 steps: shown as 1 on the log scale.
            steps = np.ma.masked_where(result.steps[i] < 0, np.maximum(result.steps[i], 1))
            image = ax.imshow(
                steps,
                origin="lower",
                extent=extent,
                cmap=colormaps["viridis"].with_extremes(bad=theme.high),
                norm=steps_norm,
                interpolation="nearest",
                aspect="equal",
            )
        ax.contour(
            X,
            Y,
            Z,
            levels=result.surface.levels,
            colors=theme.foreground,
            linewidths=0.35,
            alpha=0.5,
        )
        mark_minima(ax, result.surface, theme, size=1.7, halo=False)
        theme_ticks(ax, theme, 0.75)
        ax.label_outer()
    grid_box, bar_box = frame.place(figure, axes, cols)
    # A title wider than its panel would run into the next one: smaller type where it must.
    panel_w = axes[0].get_position().width * w
    fits = panel_w / (0.6 * max(map(len, result.labels))) * 72 / DPI
    title_size = min(theme.font_size * 0.9, fits)
    for ax, text in zip(axes, result.labels):
        ax.set_title(text, fontsize=title_size, loc="left", color=theme.foreground)
    if color == "minimum":
        figure.legend(
            handles=handles,
            loc="upper center",
            bbox_to_anchor=(0.5, grid_box[1]),
            ncols=ncols,
            frameon=False,
            fontsize=theme.font_size * 0.85,
            labelcolor=theme.foreground,
        )
    else:
        bar = figure.colorbar(image, cax=figure.add_axes(bar_box))
        ticks = [m * 10**k for k in range(len(str(slowest))) for m in (1, 2, 5)]
        ticks = [t for t in ticks if t <= slowest]
        bar.set_ticks(ticks, labels=[str(t) for t in ticks])
        bar.ax.minorticks_off()
        theme_ticks(bar.ax, theme, 0.75)
        bar.set_label(
            "steps to reach a minimum (grey: never)",
            color=theme.foreground,
            fontsize=theme.font_size * 0.85,
        )
    shown = "basins of attraction" if color == "minimum" else "steps to reach a minimum"
    title(
        figure,
        f"{result.surface.name}: {shown}, {result.classes.shape[1]}² starts, "
        f"{result.n_steps} steps",
        theme,
    )
    return figure


@dataclasses.dataclass(frozen=True)
class _Frame:
    """Where a basin map's panels go, in pixels: margins for the title and panel titles, the
    outer tick labels, and the legend rows or colour bar, and the gaps between panels.
    Constrained layout would find the same, but in a third of a second: most of the time it
    takes to draw a basin map."""

    pad: float
    tick: float  # a tick's length and its label's pad
    label: float  # tick labels' size
    top: float
    bottom: float
    below: float  # from a panel's lower edge to the bottom of its tick labels
    gap_x: float
    gap_y: float
    bar: tuple[float, float]  # the colour bar's width, and the room its labels take
    colorbar: bool

    @classmethod
    def of(cls, theme, legend_rows: int, colorbar: bool, dpi: float) -> _Frame:
        pt = dpi / 72
        size = theme.font_size * pt
        pad, tick, label = 0.6 * size, 7 * pt, 0.75 * size
        below = 1.4 * label + tick
        panel_title = 1.6 * 0.9 * size
        return cls(
            pad=pad,
            tick=tick,
            label=label,
            top=pad + 1.7 * 1.15 * size + panel_title,
            bottom=pad + below + legend_rows * 1.7 * 0.85 * size,
            below=below,
            gap_x=max(tick, 1.3 * label) + pad,  # end tick labels ("5", "−5") meet here
            gap_y=panel_title + tick,
            bar=(1.6 * size, 0.62 * label * 4 + tick + 2 * 0.85 * size),
            colorbar=colorbar,
        )

    @property
    def left(self) -> float:
        return self.pad + 0.62 * self.label * 5 + self.tick  # room for tick labels like "−1.5"

    @property
    def right(self) -> float:
        return self.pad + (self.pad + sum(self.bar) if self.colorbar else 0)

    def place(self, figure, axes, cols: int):
        """Place ``axes`` (equal-aspect panels, row by row) as large as the figure allows,
        centred in the room the margins leave, and trim the figure to them; returns the point
        under the middle of their tick labels and the colour bar's box, in figure fractions."""
        w, h = (figure.get_size_inches() * figure.dpi).tolist()
        rows = math.ceil(len(axes) / cols)
        (x0, x1), (y0, y1) = axes[0].get_xlim(), axes[0].get_ylim()
        aspect = (y1 - y0) / (x1 - x0)
        room_w = w - self.left - self.right - (cols - 1) * self.gap_x
        room_h = h - self.top - self.bottom - (rows - 1) * self.gap_y
        panel_w = max(1.0, min(room_w / cols, room_h / rows / aspect))
        panel_h = panel_w * aspect
        grid_w = cols * panel_w + (cols - 1) * self.gap_x
        grid_h = rows * panel_h + (rows - 1) * self.gap_y
        # Trimmed: the picture is as tall or as wide as its panels need, no blank bands.
        trimmed_w = min(w, self.left + self.right + grid_w + 2)
        trimmed_h = min(h, self.top + self.bottom + grid_h + 2)
        if (trimmed_w, trimmed_h) != (w, h):
            w, h = round(trimmed_w), round(trimmed_h)
            figure.set_size_inches(w / figure.dpi, h / figure.dpi)
        x = self.left + (w - self.left - self.right - grid_w) / 2
        y = self.bottom + (h - self.top - self.bottom - grid_h) / 2
        for i, ax in enumerate(axes):
            r, c = divmod(i, cols)
            px, py = x + c * (panel_w + self.gap_x), y + (rows - 1 - r) * (panel_h + self.gap_y)
            ax.set_position([px / w, py / h, panel_w / w, panel_h / h])
        bar = ((x + grid_w + self.pad) / w, y / h, self.bar[0] / w, grid_h / h)
        return ((x + grid_w / 2) / w, (y - self.below) / h), bar
