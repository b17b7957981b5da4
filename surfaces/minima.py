"""Minima found numerically, for surfaces no formula gives them for (penalized ones, formulas):
a dense grid over the window, then Newton's method in double precision from its lowest cells.

An L1 term ``A·(|x| + |y|)`` has kinks on the axes, where Newton's method does not apply. The
axes cut the plane into nine pieces (each coordinate negative, zero or positive); on each the
loss is the smooth part ``g`` plus the linear ``A·s·p`` for the piece's signs ``s``, with the
zero coordinates held at 0. So every piece is polished on its own, and a point counts where it
lies on its piece and is a minimum there: the Hessian on the free coordinates is positive
semi-definite and, on each zero coordinate, ``|∂g/∂x_i| <= A`` (the subgradient condition of the
lasso; Tibshirani 1996). The lowest such point is the minimum.
"""

from __future__ import annotations

import itertools
from typing import Callable, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

GRID = 201  # points per side of the grid
CANDIDATES = 12  # the lowest grid cells polished
NEWTON_STEPS = 40
HALVINGS = 40  # backtracking: step sizes 1, 1/2, ... 2^-39
# The pieces of the plane by (free?, sign) per coordinate; without L1 only the whole plane.
_PIECES = tuple(itertools.product(((1, -1), (0, 0), (1, 1)), repeat=2))


class Minima(NamedTuple):
    """What `find` found: the global minima, their value, and the other local minima."""

    minima: tuple[tuple[float, float], ...]
    fmin: float | None
    local_minima: tuple[tuple[float, float], ...]


def _newton(fn, g, l1: float):
    """``polish(p, free, signs) -> (p, still, ∇g, ∇²g, fn)`` at the end of damped Newton on
    ``g(p) + l1·signs·p`` over the ``free`` coordinates (the others held at 0), with
    backtracking (Armijo); ``still`` is the length of its last step. Negative curvature is
    shifted away, so each step goes downhill. One compiled call for all points."""
    grad, hess = jax.grad(g), jax.hessian(g)
    trials = 0.5 ** jnp.arange(HALVINGS)

    def polish(p, free, signs):
        def h(q):
            return g(q) + l1 * jnp.dot(signs, q)

        def step(_, carry):
            p, _ = carry
            gr = (grad(p) + l1 * signs) * free
            H = hess(p) * jnp.outer(free, free) + jnp.diag(1.0 - free)
            (a, b), (_, c) = H
            low = (a + c) / 2 - jnp.sqrt(((a - c) / 2) ** 2 + b**2)  # the smaller eigenvalue
            shift = jnp.maximum(1e-10 * (1.0 + jnp.abs(a) + jnp.abs(b) + jnp.abs(c)) - low, 0.0)
            a, c = a + shift, c + shift
            d = -jnp.array([c * gr[0] - b * gr[1], a * gr[1] - b * gr[0]]) / (a * c - b**2) * free
            q = p[None] + trials[:, None] * d[None]
            hq = jax.vmap(h)(q)
            ok = jnp.isfinite(hq) & (hq <= h(p) + 1e-4 * trials * jnp.dot(gr, d))
            moved = jnp.any(ok)
            new = jnp.where(moved, q[jnp.argmax(ok)], p)
            return new, jnp.linalg.norm(new - p)

        p, still = jax.lax.fori_loop(0, NEWTON_STEPS, step, (p * free, jnp.inf))
        return p, still, grad(p), hess(p), fn(p)

    return jax.jit(jax.vmap(polish))


def _grid_candidates(values: np.ndarray, k: int) -> np.ndarray:
    """Flat indices of the ``k`` lowest cells of the (n, n) grid no neighbour is below."""
    padded = np.pad(values, 1, constant_values=np.inf)
    n = values.shape[0]
    low = np.isfinite(values)
    for dy, dx in itertools.product((-1, 0, 1), repeat=2):
        if dy or dx:
            low &= values <= padded[1 + dy : 1 + dy + n, 1 + dx : 1 + dx + n]
    cells = np.flatnonzero(low)
    return cells[np.argsort(values.ravel()[cells])][:k]


def _grid(bounds) -> np.ndarray:
    (x0, x1), (y0, y1) = bounds
    axes = np.linspace(x0, x1, GRID), np.linspace(y0, y1, GRID)
    return np.stack(np.meshgrid(*axes), -1).reshape(-1, 2)


def grid_values(fn: Callable, bounds) -> np.ndarray:
    """``fn`` in double precision on a `GRID`-by-`GRID` grid over ``bounds``, finite values
    only (for contour levels)."""
    with jax.enable_x64(True):
        values = np.asarray(jax.jit(jax.vmap(fn))(jnp.asarray(_grid(bounds))))
    return values[np.isfinite(values)]


def find(fn: Callable, bounds, *, smooth: Callable | None = None, l1: float = 0.0) -> Minima:
    """The minima of ``fn`` inside ``bounds``, to about 1e-9 of the window where it is smooth.

    ``fn = smooth + l1·(|x| + |y|)`` when ``l1 > 0`` (``smooth`` then required). Minima are
    points inside the window; when the window's lowest point is not one (the loss falls off
    its edge) there is no global minimum: ``fmin`` is None and every minimum found is local.
    """
    (x0, x1), (y0, y1) = bounds
    span = max(x1 - x0, y1 - y0)
    with jax.enable_x64(True):
        points = _grid(bounds)
        values = np.asarray(jax.jit(jax.vmap(fn))(jnp.asarray(points))).reshape(GRID, GRID)
        starts = points[_grid_candidates(values, CANDIDATES)]
        if starts.size == 0:
            return Minima((), None, ())
        g = smooth if l1 else fn
        pieces = _PIECES if l1 else (((1, 0), (1, 0)),)
        free = np.array([[f for f, _ in piece] for piece in pieces], dtype=float)
        signs = np.array([[s for _, s in piece] for piece in pieces], dtype=float)
        p0 = np.repeat(starts, len(pieces), 0)
        free, signs = np.tile(free, (len(starts), 1)), np.tile(signs, (len(starts), 1))
        p, still, grads, hessians, f = map(np.asarray, _newton(fn, g, l1)(p0, free, signs))
    tol = 1e-9 * span
    scale = 1.0 + np.abs(hessians).max(axis=(1, 2))
    restricted = hessians * free[:, :, None] * free[:, None, :]
    curvature = np.linalg.eigvalsh(restricted)
    valid = (
        np.isfinite(f)
        & (still <= 1e-6 * span)
        & np.all(signs * p >= -tol, axis=1)
        & np.all((free == 1) | (np.abs(grads) <= l1 * (1 + 1e-9) + 1e-9 * scale[:, None]), axis=1)
        & (curvature.min(axis=1) >= -1e-7 * scale)
        & (p[:, 0] > x0) & (p[:, 0] < x1) & (p[:, 1] > y0) & (p[:, 1] < y1)
    )  # fmt: skip
    kept: list[tuple[float, tuple[float, float]]] = []
    for i in np.argsort(np.where(valid, f, np.inf)):
        if not valid[i]:
            break
        if all(np.hypot(*(p[i] - np.array(q))) > 1e-5 * span for _, q in kept):
            kept.append((float(f[i]), (float(p[i, 0]) + 0.0, float(p[i, 1]) + 0.0)))  # no -0
    if not kept:
        return Minima((), None, ())
    fmin = kept[0][0]
    close = 1e-9 * (1.0 + abs(fmin))
    if float(np.nanmin(values)) < fmin - close:
        return Minima((), None, tuple(q for _, q in kept))
    return Minima(
        tuple(q for v, q in kept if v <= fmin + close),
        fmin,
        tuple(q for v, q in kept if v > fmin + close),
    )
