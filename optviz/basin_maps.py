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

from optviz import presets, runner
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


def basins(surface, optimizers=None, *, grid: int = 200, steps: int = 300, seed: int = 0) -> Basins:
    """Run every start of a ``grid``×``grid`` grid over the surface's window for ``steps`` steps
    with each optimizer (default: the surface's lineup) and classify where each run ended."""
    surface = runner.as_surface(surface)
    if not surface.minima:
        raise ValueError(f"basins needs known minima, and {surface.name} lists none")
    if isinstance(grid, bool) or not isinstance(grid, int) or not 2 <= grid <= 2000:
        raise ValueError(f"grid must be a whole number from 2 to 2000, got {grid!r}")
    specs = (
        [runner.complete(as_spec(o), surface) for o in optimizers]
        if optimizers
        else [runner.complete(s, surface) for s in presets.lineup(surface)]
    )
    x, y, starts = grid_starts(surface.bounds, grid)
    (x0, x1), (y0, y1) = surface.bounds
    span = max(x1 - x0, y1 - y0)
    radius = RADIUS * span
    minima = (*surface.minima, *surface.local_minima)
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
    minima = [theme.colour(i) for i in range(len(surface.minima) + len(surface.local_minima))]
    return minima + [theme.high, theme.low, theme.foreground]


def draw(result: Basins, *, size=(960, 540), theme: str = "light", color: str = "minimum"):
    """A figure with a panel per optimizer, each start coloured by the minimum its run reached
    (``color="minimum"``) or by the steps it took (``color="steps"``), contours on top."""
    from matplotlib import colormaps
    from matplotlib.colors import BoundaryNorm, ListedColormap, LogNorm
    from matplotlib.patches import Patch

    from optviz.drawing import DPI, grid_shape, mark_minima, new_figure, surface_grid, title

    if color not in COLOR_BY:
        raise ValueError(f"unknown colouring {color!r}; choose from: {', '.join(COLOR_BY)}")
    w, h = size
    theme = themes.for_size(theme, size)
    figure = new_figure(size, theme)
    n = len(result.labels)
    rows, cols = grid_shape(n, result.surface.bounds, (w, h * 0.85))
    axes = figure.subplots(rows, cols, squeeze=False, sharex=True, sharey=True).ravel()
    X, Y, Z = surface_grid(result.surface, result.surface.bounds, n=100)
    (x0, x1), (y0, y1) = result.surface.bounds
    extent = (x0, x1, y0, y1)
    palette = colours(result, theme)
    cmap = ListedColormap(palette)
    # Steps span orders of magnitude between optimizers, and most runs arrive early: one log
    # scale for all panels, up to the slowest arrival, not up to the step budget.
    slowest = max(2, int(result.steps.max()))
    steps_norm = LogNorm(1, slowest)
    image = None
    for i, ax in enumerate(axes):
        if i >= n:
            ax.set_visible(False)
            continue
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
        mark_minima(ax, result.surface, theme)
        ax.set_title(
            result.labels[i], fontsize=theme.font_size * 0.9, loc="left", color=theme.foreground
        )
        ax.tick_params(
            colors=theme.muted, labelcolor=theme.foreground, labelsize=theme.font_size * 0.75
        )
        ax.label_outer()
    if color == "minimum":
        present = np.unique(result.classes)
        handles = [
            Patch(facecolor=palette[k], edgecolor=theme.muted, label=result.class_names()[k])
            for k in present
        ]
        # As many columns as the longest label lets fit across (a character is ~0.6 em).
        em = theme.font_size * 0.85 * DPI / 72
        entry = (0.6 * max(len(h.get_label()) for h in handles) + 5) * em
        figure.legend(
            handles=handles,
            loc="outside lower center",
            ncols=max(1, min(len(handles), math.floor(w / entry))),
            frameon=False,
            fontsize=theme.font_size * 0.85,
            labelcolor=theme.foreground,
        )
    else:
        bar = figure.colorbar(image, ax=list(axes[:n]), shrink=0.8)
        ticks = [m * 10**k for k in range(len(str(slowest))) for m in (1, 2, 5)]
        ticks = [t for t in ticks if t <= slowest]
        bar.set_ticks(ticks, labels=[str(t) for t in ticks])
        bar.ax.minorticks_off()
        bar.set_label("steps to reach a minimum (log scale; grey: never)", color=theme.foreground)
    shown = "basins of attraction" if color == "minimum" else "steps to reach a minimum"
    title(
        figure,
        f"{result.surface.name}: {shown}, {result.classes.shape[1]}² starts, "
        f"{result.n_steps} steps",
        theme,
    )
    return figure
