"""The 3-D view: the surface as a mesh, the paths drawn on it."""

from __future__ import annotations

import numpy as np
from matplotlib.colors import LightSource, LinearSegmentedColormap

from optviz import theme as themes
from optviz.drawing import STAR, surface_grid, theme_ticks
from optviz.trajectories import Trajectories

AZIMUTH, ELEVATION, TURN = -60.0, 35.0, 90.0  # camera; --rotate turns it TURN degrees


DECADES = 2.5  # the 3-D height shows this many decades of f - f* below the top level: more,
# and a narrow valley (Rosenbrock's) is a crack the mesh cannot follow, its floor out of sight
MESH = 110  # points per side of the mesh
LIFT = 0.015  # paths float this share of the height range above the surface
FLOOR_TINT = 0.4  # the surface's lowest colour: this share of the way from ``low`` to relief
NEAR_STAR = 0.015  # a head this share of the window from a minimum (or a head) meets it
RING = 0.8  # a head grows by this many head sizes round each head drawn after it that it meets


def height(surface, loss):
    """The height a loss is drawn at in 3-D: log10(f - f*) where f* is known (the surfaces span
    decades), clipped to the top `DECADES` decades of the contour levels so that the wells show
    as wells, not as spikes of the mesh; the loss itself, clipped to the levels, otherwise."""
    levels = np.asarray(surface.levels)
    if surface.fmin is None:
        return np.clip(loss, levels[0], levels[-1])
    top = levels[-1] - surface.fmin
    floor = max(levels[0] - surface.fmin, top * 10.0**-DECADES)
    return np.log10(np.clip(np.asarray(loss, dtype=float) - surface.fmin, floor, top))


def _corners(A: np.ndarray) -> list[np.ndarray]:
    """The four corners of each cell of grid ``A`` (n, m): four (n - 1, m - 1) arrays."""
    return [A[:-1, :-1], A[1:, :-1], A[:-1, 1:], A[1:, 1:]]


def _no_needles(H: np.ndarray) -> np.ndarray:
    """``H`` (a grid of heights) with every pit narrower than a facet filled: each point is
    raised to the lowest of the highest corners of the facets it belongs to (a closing with a
    2 x 2 element). A well that a whole facet lies in keeps its depth; one that only a grid
    point falls into (Rastrigin's, sampled at 110 points) would be drawn as a needle."""
    highest = np.pad(np.maximum.reduce(_corners(H)), 1, constant_values=np.inf)
    return np.minimum.reduce(_corners(highest))


def _on_mesh(X, Y, H, points) -> np.ndarray:
    """The mesh's height at ``points``, interpolated bilinearly: where a mark sits on the
    surface as drawn."""
    xs, ys = X[0], Y[:, 0]
    out = []
    for x, y in np.asarray(points, dtype=float).reshape(-1, 2):
        i = int(np.clip(np.searchsorted(xs, x) - 1, 0, len(xs) - 2))
        j = int(np.clip(np.searchsorted(ys, y) - 1, 0, len(ys) - 2))
        tx = (x - xs[i]) / (xs[i + 1] - xs[i])
        ty = (y - ys[j]) / (ys[j + 1] - ys[j])
        out.append(
            (1 - tx) * (1 - ty) * H[j, i] + tx * (1 - ty) * H[j, i + 1]
            + (1 - tx) * ty * H[j + 1, i] + tx * ty * H[j + 1, i + 1]
        )
    return np.asarray(out)


def draw_surface_3d(ax, surface, bounds, theme: themes.Theme):
    """The surface as a shaded mesh with its minima at the bottoms of their wells, seen from a
    fixed camera; paths are drawn after it, on top. Returns the mesh (X, Y, height)."""
    X, Y, Z = surface_grid(surface, bounds, n=MESH)
    H = _no_needles(height(surface, Z))
    ax.computed_zorder = False
    # Shaded as if lit from the upper left, so the wells read as wells without mesh lines.
    light = LightSource(azdeg=315, altdeg=45)
    # From a tint of the relief at the bottom, not the map's ``low``, which is all but the
    # background's colour: the floor of a valley, where the paths end, would vanish.
    floor = themes.mix(theme.low, theme.relief, FLOOR_TINT)
    ramp = LinearSegmentedColormap.from_list("optviz-3d", [floor, theme.relief])
    shades = light.shade(H, cmap=ramp, blend_mode="soft", vert_exag=0.3)
    ax.plot_surface(
        X, Y, H, facecolors=shades, linewidth=0, antialiased=True,
        rcount=MESH, ccount=MESH, shade=False, zorder=1,
    )
    ax.set_box_aspect(None, zoom=1.15)
    (x0, x1), (y0, y1) = bounds
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_xlabel(surface.axes[0])
    ax.set_ylabel(surface.axes[1])
    ax.set_zlabel("log₁₀(f − f*)" if surface.fmin is not None else "f")
    ax.view_init(elev=ELEVATION, azim=AZIMUTH)
    ax.set_facecolor(theme.background)
    for axis in (ax.xaxis, ax.yaxis, ax.zaxis):
        axis.set_pane_color(theme.background)
        axis.label.set_color(theme.foreground)
    theme_ticks(ax, theme, 0.7)
    return X, Y, H


def _lift(surface) -> float:
    """How far above the mesh paths and stars are drawn: `LIFT` of the height range."""
    levels = height(surface, np.asarray(surface.levels))
    return LIFT * float(levels.max() - levels.min())


def on_mesh(mesh, surface):
    """The heights of (k, 2) points on ``mesh`` (X, Y, height) as the paths are drawn: on its
    facets, lifted (a star at a minimum then sits where a head that reaches it is)."""
    return lambda points: _on_mesh(*mesh, points) + _lift(surface)


class Paths3D:
    """Paths drawn on the surface in 3-D: a line and a head per run; points outside the
    window are left out."""

    def __init__(self, ax, traj: Trajectories, colours, theme: themes.Theme, mesh, animated=True):
        self.traj = traj
        (x0, x1), (y0, y1) = mesh[0][0, [0, -1]], mesh[1][[0, -1], 0]
        xy = traj.params.reshape(-1, traj.params.shape[2], 2)
        inside = (xy[..., 0] >= x0) & (xy[..., 0] <= x1) & (xy[..., 1] >= y0) & (xy[..., 1] <= y1)
        # On the surface as drawn: where the mesh's flat facets lie above the true height
        # (inside a well), on the facets; lifted a little, so that the mesh never hides it.
        z = height(traj.surface, traj.loss.reshape(inside.shape))
        z = np.maximum(z, _on_mesh(*mesh, xy.reshape(-1, 2)).reshape(z.shape))
        z = z + _lift(traj.surface)
        self.xyz = np.where(inside[..., None], np.concatenate([xy, z[..., None]], -1), np.nan)
        # Heads that meet nest as rings (see `update`), and a head at a minimum grows into a
        # ring round its star, which is drawn over it.
        minima = np.asarray(traj.surface.minima + traj.surface.local_minima, float).reshape(-1, 2)
        self.xy, self.near = xy, NEAR_STAR * max(x1 - x0, y1 - y0)
        gaps = np.linalg.norm(xy[:, :, None] - minima[None, None], axis=-1)
        self.on_star = (gaps < self.near).any(-1)
        self.head_size = theme.head_size
        n_starts = traj.params.shape[1]
        colours = [c for c in colours for _ in range(n_starts)]
        self.lines = [
            ax.plot([], [], [], color=c, lw=theme.line_width, zorder=11, animated=animated)[0]
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
                zorder=12,
                animated=animated,
            )[0]
            for c in colours
        ]

    @property
    def artists(self):
        return [*self.lines, *self.heads]

    def update(self, step: int) -> None:
        here = self.xy[:, step]
        # Heads drawn later (on top) that a head meets: it grows into a ring round them.
        above = np.triu(np.linalg.norm(here[:, None] - here[None], axis=-1) < self.near, 1).sum(1)
        # As on the map, a head on a star is a ring just outside the star and its halo.
        sizes = 1 + RING * above + (STAR + 0.2) * self.on_star[:, step]
        for line, head, xyz, size in zip(self.lines, self.heads, self.xyz, sizes):
            line.set_data_3d(*xyz[: step + 1].T)
            head.set_data_3d(*xyz[step : step + 1].T)
            head.set_markersize(self.head_size * size)
