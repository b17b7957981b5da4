"""The 3-D view: the surface as a mesh, the paths drawn on it."""

from __future__ import annotations

import functools
import math

import numpy as np
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.colors import LightSource, LinearSegmentedColormap, to_rgba
from matplotlib.transforms import IdentityTransform

from optviz import layering
from optviz.labels import coordinate
from optviz.heads import gather, put, slice_path
from optviz import theme as themes
from optviz.drawing import (
    ARROW, DPI, arrow_gap, crossing, edge_marks, last_inside, one_per_pixel, show_marks, spread,
    surface_grid, theme_ticks, turn_of,
)
from optviz.runner import evaluate
from optviz.trajectories import Trajectories

AZIMUTH, ELEVATION, TURN = -60.0, 35.0, 90.0  # camera; --rotate turns it TURN degrees


DECADES = 2.5  # the 3-D height shows this many decades of f - f* below the top level: more,
# and a narrow valley (Rosenbrock's) is a crack the mesh cannot follow, its floor out of sight
WELL = 1.0  # ... a local minimum's well bottoms out this many decades above the floor ...
RESOLVED = 3.0  # ... and a global one is this many facets across (radius) where it flattens
MESH = 110  # points per side of the mesh
LIFT = 0.015  # paths float this share of the height range above the surface
FLOOR_TINT = 0.4  # the surface's lowest colour: this share of the way from ``low`` to relief
EASE = 2.0  # line widths along which a line beside others eases in where it is kept on the mesh
EDGE_STEP = 0.015  # an edge arrow's direction is read this share of the window on from it


def height(surface, loss):
    """The height a loss is drawn at in 3-D: log10(f - f* + c) where f* is known (the surfaces
    span decades), f - f* clipped to the top contour level; the loss itself, clipped to the
    levels, otherwise. The floor c (`well_floor`) rounds off the bottoms of the wells, which
    log10(f - f*) would draw as spikes of the mesh going down without end."""
    levels = np.asarray(surface.levels)
    if surface.fmin is None:
        return np.clip(loss, levels[0], levels[-1])
    gap = np.clip(np.asarray(loss, dtype=float) - surface.fmin, 0.0, levels[-1] - surface.fmin)
    return np.log10(gap + well_floor(surface))


@functools.cache
def well_floor(surface) -> float:
    """The c of the 3-D height log10(f - f* + c), rounded up to two figures: `DECADES`
    decades under the top contour level (not under the lowest level); lower where a local
    minimum lies lower, so that its well bottoms out `WELL` decades above the global one's
    (Goldstein-Price's three, 27 to 837 over f*, would sink into one floor at 3,000); higher
    where the mesh could not follow a global well that deep, so that it rounds off
    `RESOLVED` facets across (Rastrigin's and Ackley's would be needles hanging below the
    surface)."""
    levels = np.asarray(surface.levels) - surface.fmin
    c = levels[-1] * 10.0**-DECADES
    if surface.local_minima:
        local = evaluate(surface.fn, np.asarray(surface.local_minima, float)) - surface.fmin
        c = min(c, float(local.min()) * 10.0**-WELL)
    (x0, x1), (y0, y1) = surface.bounds
    turns = np.linspace(0, 2 * np.pi, 32, endpoint=False)
    ring = RESOLVED * max(x1 - x0, y1 - y0) / MESH * np.column_stack([np.cos(turns), np.sin(turns)])
    for minimum in surface.minima:
        c = max(c, float(np.min(evaluate(surface.fn, ring + minimum))) - surface.fmin)
    c = max(levels[0], c)
    unit = 10.0 ** (math.floor(math.log10(c)) - 1)  # of the second figure, rounding up
    return round(math.ceil(c / unit - 1e-9) * unit, 12)


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
    ax.set_xlabel(coordinate(surface.axes[0]))
    ax.set_ylabel(coordinate(surface.axes[1]))
    known = surface.fmin is not None
    ax.set_zlabel(f"log₁₀(f − f* + {well_floor(surface):g})" if known else "f")
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


class _OnScreen:
    """A collection placed on screen (in figure fractions) inside a 3-D Axes, which asks each
    collection in it for its depth before drawing: it has none, and is drawn in its zorder."""

    def do_3d_projection(self) -> float:
        return 0.0


class _ScreenLines(_OnScreen, LineCollection):
    pass


class _ScreenMarks(_OnScreen, PathCollection):
    pass


class Paths3D:
    """Paths drawn on the surface in 3-D: a line and a head per run. The lines are laid out on
    screen, from where the camera looks, as on the map (`layering`): the longest at the bottom,
    each cased, drawn beside the lines above it where it goes along them, on the side where
    the surface is. As on the map, a run that leaves the window leaves its line at the
    window's edge, where an arrow points where it went, and a cross marks a run that
    diverged."""

    def __init__(
        self, ax, traj: Trajectories, colours, theme: themes.Theme, mesh, animated=True,
        cloud=False,
    ):
        self.ax, self.traj, self.theme, self.cloud = ax, traj, theme, cloud
        (x0, x1), (y0, y1) = mesh[0][0, [0, -1]], mesh[1][[0, -1], 0]
        lo, hi = np.array([x0, y0]), np.array([x1, y1])
        self.centre, self.lo, self.hi = (lo + hi) / 2, lo, hi
        xy = traj.params.reshape(-1, traj.params.shape[2], 2)
        self.left = last_inside(xy, lo, hi)
        self.inside = inside = self.left == np.arange(xy.shape[1])
        # On the surface as drawn: where the mesh's flat facets lie above the true height
        # (inside a well), on the facets; lifted a little, so that the mesh never hides it.
        z = height(traj.surface, traj.loss.reshape(inside.shape))
        z = np.maximum(z, _on_mesh(*mesh, xy.reshape(-1, 2)).reshape(z.shape))
        lift = _lift(traj.surface)
        self.heads_at = np.where(
            inside[..., None], np.concatenate([xy, z[..., None] + lift], -1), np.nan
        )
        # The line of a run that leaves goes on to the edge; there its arrow will be.
        runs, after = np.nonzero(~inside[:, 1:] & inside[:, :-1])
        edge = crossing(xy[runs, after], xy[runs, after + 1], lo, hi)
        self.line_at = self.heads_at.copy()
        self.line_at[runs, after + 1] = np.column_stack([edge, _on_mesh(*mesh, edge) + lift])
        # Heads that meet share a mark, a slice each, round the star of a minimum they are at
        # (`heads.gather`); the stars are where `mark_minima` draws them.
        minima = np.asarray(traj.surface.minima + traj.surface.local_minima, float).reshape(-1, 2)
        self.stars_at = np.column_stack([minima, _on_mesh(*mesh, minima) + lift])
        self.starts_at = np.column_stack([traj.starts, _on_mesh(*mesh, traj.starts) + lift])
        self.mesh = np.stack([mesh[0], mesh[1], mesh[2] + lift], -1)
        self.xy, self.probe = xy, EDGE_STEP * max(x1 - x0, y1 - y0)
        self.n_starts = n_starts = traj.params.shape[1]
        self.colours = np.array([to_rgba(c) for c in colours for _ in range(n_starts)])
        on_screen = ax.figure.transFigure
        self.heads = _ScreenMarks(
            [], offset_transform=on_screen, transform=IdentityTransform(),
            edgecolors=theme.background, linewidths=0.7, zorder=12,
        )
        self.trails = _ScreenLines(
            [], capstyle="round", joinstyle="round", linewidths=theme.line_width, zorder=11,
            transform=on_screen,
        )
        self.arrows, self.crosses = edge_marks(
            theme, theme.head_size**2 * ARROW, on_screen, kind=_ScreenMarks
        )
        for marks in (self.trails, self.heads, self.arrows, self.crosses):
            ax.add_collection(marks, autolim=False)
            marks.set_animated(animated)
            marks.set_in_layout(False)
        self.arrows.set_zorder(13)  # over the heads, under the stars
        self.crosses.set_zorder(14)
        self.camera = None  # where the camera was when the lines were laid out

    @property
    def artists(self):
        return [self.trails, self.heads, self.arrows, self.crosses]

    def _lay_out(self) -> None:
        """Place the lines on screen, once for each place of the camera; their order, and how
        far out each is drawn where it goes along others, are set from where it looks first
        (a turning camera keeps them)."""
        camera = (self.ax.elev, self.ax.azim)
        if camera == self.camera:
            return
        px = self._screen(self.line_at).reshape(*self.line_at.shape[:2], 2)
        if self.camera is None:
            self.order = np.argsort(-layering.lengths(px), kind="stable")
            self.out = None if self.cloud else layering.offsets(px, self.order, self.theme)
            if self.out is not None:
                seen = self._seen()
                self.out = self._kept_on(seen, px, self.out * self._side(seen, px, self.out))
            if self.cloud:
                self.trails.set_color(self.colours[self.order])
            else:
                layering.case(self.trails, self.colours[self.order], self.theme)
        if self.out is not None:
            px = layering.beside(px, self.out)
        self.drawn = px / self.ax.figure.bbox.size
        self.stars, self.starts = self._screen(self.stars_at), self._screen(self.starts_at)
        self.camera = camera

    def update(self, step: int) -> None:
        self._lay_out()
        copies = (0,) if self.cloud else (0, 1)  # a line and its casing
        self.trails.set_segments(
            [self.drawn[run, : step + 1] for run in self.order for _ in copies]
        )
        shown = self.order[self.inside[self.order, step]]
        size = self.ax.figure.bbox.size
        here = self._screen(self.heads_at[shown, step])
        if self.cloud:  # small heads, as on the map
            slices, sizes = [slice_path(1, 0, 0, 0.0)] * len(here), np.full(len(here), 0.6)
        else:
            here, slices, sizes = gather(
                here, self.drawn[shown] * size, step, self.stars, self.theme.head_size * DPI / 72,
                self.starts,
            )
        put(
            self.heads, here / size, slices, sizes, self.theme.head_size, self.colours[shown],
            self.theme.background,
        )
        self._edges(step)

    def _side(self, seen, px: np.ndarray, out: np.ndarray) -> int:
        """1 to draw lines that go along others out to the left of them (as on the map), -1
        to the right: the side where fewer of the points moved out leave the surface as
        ``seen`` (`_seen`): a valley's floor seen from above is the lower edge of the mesh on
        screen, and lines moved below it would hang in the air."""
        moved = (out > 0) & np.isfinite(px[..., 0])  # a run's line ends where it left
        off = [np.count_nonzero(~seen(layering.beside(px, side * out)[moved])) for side in (1, -1)]
        return -1 if off[1] < off[0] else 1

    def _kept_on(self, seen, px: np.ndarray, out: np.ndarray) -> np.ndarray:
        """``out`` cut to half, or to nothing, where it would move a point of a line off the
        surface as ``seen`` (a loop round a well's bottom, which is the mesh's lower edge on
        screen), eased back in over `EASE` line widths along the line either side."""
        on = seen(px.reshape(-1, 2)).reshape(out.shape)
        keep = np.ones_like(out)
        for share in (0.5, 0.0):
            off = on & ~seen(layering.beside(px, out * keep).reshape(-1, 2)).reshape(out.shape)
            keep[off] = share
        reach = EASE * layering.width(self.theme)
        for run, path in enumerate(px):
            cut = np.flatnonzero(keep[run] < 1)
            if len(cut):
                along = layering.travelled(path)
                away = np.abs(along[:, None] - along[cut]) / reach
                least = keep[run, cut] + (1 - keep[run, cut]) * np.clip(away, 0, 1)
                keep[run] = least.min(1)
        return out * keep

    def _seen(self):
        """A test of whether (k, 2) screen pixels lie on the mesh as seen now. Seen from above,
        a height field covers one span of each column of pixels on screen, from the lowest to
        the highest point where the edges of its facets cross that column."""
        grid = self._screen(self.mesh).reshape(*self.mesh.shape[:2], 2)
        a = np.concatenate([grid[:-1].reshape(-1, 2), grid[:, :-1].reshape(-1, 2)])
        b = np.concatenate([grid[1:].reshape(-1, 2), grid[:, 1:].reshape(-1, 2)])
        leftmost = a[:, :1] <= b[:, :1]
        a, b = np.where(leftmost, a, b), np.where(leftmost, b, a)  # each edge from its left end
        first, columns = np.ceil(a[:, 0]), int(np.ceil(grid[..., 0].max()))
        low, high = np.full(columns + 2, np.inf), np.full(columns + 2, -np.inf)
        for k in range(int(np.max(b[:, 0] - first)) + 1):
            x = first + k
            ok = x <= b[:, 0]
            t = (x[ok] - a[ok, 0]) / np.maximum(b[ok, 0] - a[ok, 0], 1e-9)
            y = a[ok, 1] + t * (b[ok, 1] - a[ok, 1])
            at = np.clip(x[ok].astype(int), 0, columns + 1)
            np.minimum.at(low, at, y)
            np.maximum.at(high, at, y)

        def seen(points: np.ndarray) -> np.ndarray:
            x = np.nan_to_num(points[:, 0], nan=-1.0)  # a break (NaN) is on no column
            at = np.clip(np.round(x).astype(int), 0, columns + 1)
            return (low[at] <= points[:, 1]) & (points[:, 1] <= high[at])

        return seen

    def _across_edge(self, edge: np.ndarray) -> np.ndarray:
        """Unit vectors on screen across the window's edge at each of the (k, 3) ``edge``
        points: arrows slid along the edge stay at the surface's border (`spread`)."""
        on_x = np.abs(edge[:, :1] - [self.lo[0], self.hi[0]]).min(1) <= np.abs(
            edge[:, 1:2] - [self.lo[1], self.hi[1]]).min(1)
        step = np.where(on_x[:, None], [0.0, self.probe, 0.0], [self.probe, 0.0, 0.0])
        along = self._screen(edge + step) - self._screen(edge)
        along /= np.maximum(np.linalg.norm(along, axis=-1, keepdims=True), 1e-9)
        return along[:, ::-1] * [-1, 1]

    def _screen(self, xyz: np.ndarray) -> np.ndarray:
        """Points (..., 3) as (k, 2) display pixels, seen from where the camera is now."""
        from mpl_toolkits.mplot3d import proj3d  # loaded with the 3-D axes; maps need not

        xs, ys, _ = proj3d.proj_transform(*np.asarray(xyz).reshape(-1, 3).T, self.ax.get_proj())
        return self.ax.transData.transform(np.column_stack([xs, ys]))

    def _edges(self, step: int) -> None:
        """An arrow at the edge where each run outside the window left it, pointing (level, on
        screen) to where it is now; a cross beside it, or on the head, where a run diverged."""
        out = ~self.inside[:, step] & (self.left[:, step] >= 0)
        runs = np.flatnonzero(out)
        edge = self.line_at[runs, self.left[runs, step] + 1]
        away = self.xy[runs, step] - edge[:, :2]
        away /= np.maximum(np.linalg.norm(away, axis=-1, keepdims=True), 1e-300)
        tip = self._screen(edge)
        ahead = self._screen(edge + np.column_stack([away * self.probe, np.zeros(len(runs))]))
        towards = ahead - tip
        towards /= np.maximum(np.linalg.norm(towards, axis=-1, keepdims=True), 1e-9)
        turns = turn_of(towards[:, 0], towards[:, 1])
        size = self.ax.figure.bbox.size
        first = one_per_pixel(runs // self.n_starts, turns, tip)
        if not self.cloud:  # at the end of the line as drawn; along the edge if they left together
            tip = self.drawn[runs, self.left[runs, step] + 1] * size
            tip[first] = spread(tip[first], self._across_edge(edge[first]), arrow_gap(self.theme))
        show_marks(self.arrows, tip[first] / size, self.colours[runs[first]], turns[first])
        # A cross beside its arrow (half-way along it, on the side of the window's centre).
        gone = self.traj.diverged_by(step).ravel()
        head = self.theme.head_size * DPI / 72
        side = towards[:, ::-1] * [-1, 1]
        centre = self._screen(np.column_stack([np.tile(self.centre, (len(runs), 1)), edge[:, 2]]))
        marks = np.full((len(out), 2), np.nan)
        inward = np.sign(((centre - tip) * side).sum(-1, keepdims=True) + 1e-12)
        marks[runs] = tip - towards * 0.8 * head * np.sqrt(ARROW) + side * inward * 1.5 * head
        shown = gone & self.inside[:, step]
        marks[shown] = self._screen(self.heads_at[shown, step])
        gone &= shown | out
        show_marks(self.crosses, marks[gone] / size, self.colours[gone])
