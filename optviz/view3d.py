"""The 3-D view: the surface as a mesh, the paths drawn on it."""

from __future__ import annotations

import numpy as np

from optviz import theme as themes
from optviz.drawing import contour_colours, surface_grid, theme_ticks
from optviz.runner import evaluate
from optviz.trajectories import Trajectories

AZIMUTH, ELEVATION, TURN = -60.0, 35.0, 90.0  # camera; --rotate turns it TURN degrees


def height(surface, loss):
    """The height a loss is drawn at in 3-D: log10(f - f*) where f* is known (the surfaces span
    decades), the loss itself otherwise; clipped to the range of the contour levels."""
    levels = np.asarray(surface.levels)
    if surface.fmin is None:
        return np.clip(loss, levels[0], levels[-1])
    gaps = np.clip(
        np.asarray(loss, dtype=float) - surface.fmin,
        levels[0] - surface.fmin,
        levels[-1] - surface.fmin,
    )
    return np.log10(gaps)


def draw_surface_3d(ax, surface, bounds, theme: themes.Theme) -> None:
    """The surface as a shaded mesh with its minima, seen from a fixed camera."""
    X, Y, Z = surface_grid(surface, bounds, n=70)
    cmap = contour_colours(theme)
    ax.plot_surface(
        X,
        Y,
        height(surface, Z),
        cmap=cmap,
        linewidth=0.2,
        edgecolor=theme.muted,
        antialiased=True,
        alpha=0.9,
        zorder=1,
    )
    # Stars at the minima as in 2-D: filled at the global ones, hollow at the local ones.
    local = evaluate(surface.fn, surface.local_minima) if surface.local_minima else []
    for points, values, face in (
        (surface.minima, [surface.fmin] * len(surface.minima), theme.foreground),
        (surface.local_minima, local, "none"),
    ):
        for m, value in zip(points, values):
            ax.scatter(
                *m,
                height(surface, value),
                marker="*",
                s=theme.head_size**2 * 3,
                facecolors=face,
                edgecolors=theme.foreground,
                depthshade=False,
                zorder=4,
            )
    (x0, x1), (y0, y1) = bounds
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_zlabel("log10(f − f*)" if surface.fmin is not None else "f")
    ax.view_init(elev=ELEVATION, azim=AZIMUTH)
    ax.set_facecolor(theme.background)
    for axis in (ax.xaxis, ax.yaxis, ax.zaxis):
        axis.set_pane_color(theme.background)
        axis.label.set_color(theme.foreground)
    theme_ticks(ax, theme, 0.7)


class Paths3D:
    """Paths drawn on the surface in 3-D: a line and a head per run; points outside the
    window are left out."""

    def __init__(self, ax, traj: Trajectories, theme: themes.Theme, bounds, animated=True):
        self.traj = traj
        (x0, x1), (y0, y1) = bounds
        xy = traj.params.reshape(-1, traj.params.shape[2], 2)
        inside = (xy[..., 0] >= x0) & (xy[..., 0] <= x1) & (xy[..., 1] >= y0) & (xy[..., 1] <= y1)
        self.xyz = np.where(
            inside[..., None],
            np.concatenate(
                [xy, height(traj.surface, traj.loss.reshape(inside.shape))[..., None]], -1
            ),
            np.nan,
        )
        n_starts = traj.params.shape[1]
        colours = [theme.colour(i) for i in range(len(traj.labels)) for _ in range(n_starts)]
        self.lines = [
            ax.plot([], [], [], color=c, lw=theme.line_width, zorder=5, animated=animated)[0]
            for c in colours
        ]
        self.heads = [
            ax.plot(
                [],
                [],
                [],
                "o",
                color=c,
                ms=theme.head_size,
                mec=theme.background,
                zorder=6,
                animated=animated,
            )[0]
            for c in colours
        ]

    @property
    def artists(self):
        return [*self.lines, *self.heads]

    def update(self, step: int) -> None:
        for line, head, xyz in zip(self.lines, self.heads, self.xyz):
            line.set_data_3d(*xyz[: step + 1].T)
            head.set_data_3d(*xyz[step : step + 1].T)
