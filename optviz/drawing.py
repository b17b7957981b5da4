"""Drawing helpers shared by every picture: figures, titles, and a surface's contours."""

from __future__ import annotations

import math

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import BoundaryNorm, LinearSegmentedColormap
from matplotlib.figure import Figure

from optviz import theme as themes
from optviz.runner import evaluate

DPI = 100
GRID_POINTS = 240


def mark_minima(ax, surface, theme: themes.Theme) -> None:
    """A star at each known minimum: filled at the global ones, hollow at the local ones."""
    for points, face, edge in (
        (surface.minima, theme.foreground, theme.background),
        (surface.local_minima, "none", theme.foreground),
    ):
        for m in points:
            ax.plot(
                *m,
                marker="*",
                ms=theme.head_size * 1.7,
                mfc=face,
                mec=edge,
                mew=0.8,
                ls="none",
                zorder=4,
            )


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


def contour_colours(theme: themes.Theme, n: int = 256):
    """The colormap of the contour fills: ``n`` shades from the theme's low to its high."""
    return LinearSegmentedColormap.from_list("optviz", [theme.low, theme.high], n)


def new_figure(size: tuple[int, int], theme: themes.Theme, layout="constrained") -> Figure:
    """An Agg figure of ``size`` pixels in the theme's background, with constrained layout
    unless ``layout=None`` (the caller places the axes)."""
    w, h = size
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


def draw_surface(ax, surface, bounds, theme: themes.Theme, grid=None) -> None:
    """Filled contours on the surface's levels, its known minima and saddles, equal aspect."""
    X, Y, Z = grid if grid is not None else surface_grid(surface, bounds)
    levels = np.asarray(surface.levels)
    cmap = contour_colours(theme, len(levels) + 1)
    norm = BoundaryNorm(levels, cmap.N, extend="both")
    ax.contourf(X, Y, Z, levels=levels, cmap=cmap, norm=norm, extend="both")
    ax.contour(X, Y, Z, levels=levels, colors=theme.muted, linewidths=0.4, alpha=0.8)
    mark_minima(ax, surface, theme)
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
    (x0, x1), (y0, y1) = bounds
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal", adjustable="box")
    ax.set_facecolor(theme.low)
    theme_ticks(ax, theme, 0.8)
    for spine in ax.spines.values():
        spine.set_color(theme.muted)
