"""The `Surface` record: an analytic 2-D loss and the facts needed to draw and check it."""

from __future__ import annotations

import dataclasses
import math
from typing import Callable

import jax.numpy as jnp
import numpy as np

Point = tuple[float, float]
Bounds = tuple[tuple[float, float], tuple[float, float]]


@dataclasses.dataclass(frozen=True)
class Saddle:
    """A critical point that is not an extremum, with the signs of its Hessian's eigenvalues
    (largest first; 0 for a degenerate direction, as in the monkey saddle)."""

    point: Point
    hessian_signs: tuple[int, int]


@dataclasses.dataclass(frozen=True)
class MinimumSet:
    """A curve of global minima (all of value ``fmin``) where a surface has no isolated ones,
    as deep-linear's hyperbola ``w1·w2 = 1``: ``formula`` says which, ``branches`` are polylines
    of exact points on it across the plot window, one per connected piece."""

    formula: str
    branches: tuple[tuple[Point, ...], ...]


@dataclasses.dataclass(frozen=True)
class Plateau:
    """A region where the gradient nearly vanishes: ``|∇f(p)| <= bound`` wherever
    ``contains(p)`` (0 where it vanishes exactly, as in a dead ReLU); ``where`` says so in
    words."""

    where: str
    contains: Callable  # (..., 2) array of points -> boolean array
    bound: float


@dataclasses.dataclass(frozen=True)
class Penalty:
    """``l1·(|x| + |y|) + l2/2·(x² + y²)`` added to the surface ``base``."""

    base: Surface
    l1: float = 0.0
    l2: float = 0.0

    def terms(self, p):
        """The penalty at ``p``."""
        x, y = p
        return self.l1 * (jnp.abs(x) + jnp.abs(y)) + self.l2 / 2 * (x**2 + y**2)

    def loss(self, p):
        """The penalized loss."""
        return self.base.fn(p) + self.terms(p)

    def batch_loss(self, p, idx):
        """The penalized loss on the data points ``idx`` (for a surface fitted on data)."""
        return self.base.batch_fn(p, idx) + self.terms(p)

    def without(self, term: str) -> Callable:
        """The penalized loss without its ``"l1"`` or ``"l2"`` term: what a rule that applies
        that term itself (a proximal step, decoupled weight decay) differentiates."""
        return dataclasses.replace(self, **{term: 0.0}).loss

    def text(self) -> str:
        """``" + 0.5·(|x| + |y|) + 0.1·(x² + y²)/2"``: the terms in plain text."""
        terms = [f"{self.l1:g}·(|x| + |y|)"] if self.l1 else []
        terms += [f"{self.l2:g}·(x² + y²)/2"] if self.l2 else []
        return "".join(" + " + term for term in terms)

    def tex(self, axes: tuple[str, str]) -> str:
        """The terms as mathtext in the coordinates ``axes``, e.g. ``+ 0.5\\,(|w| + |b|)``."""
        a, b = axes
        terms = [rf"{self.l1:g}\,(|{a}| + |{b}|)"] if self.l1 else []
        terms += [rf"\frac{{{self.l2:g}}}{{2}}\,({a}^2 + {b}^2)"] if self.l2 else []
        return "".join(" + " + term for term in terms)

    def words(self) -> str:
        """``"L1 penalty 0.5, L2 penalty 0.1"``, for a title."""
        return ", ".join(f"{n} penalty {v:g}" for n, v in (("L1", self.l1), ("L2", self.l2)) if v)


@dataclasses.dataclass(frozen=True, eq=False)
class Surface:
    """A loss ``fn(p) -> scalar`` of one point ``p = (x, y)``, written with ``jax.numpy``.

    ``bounds`` is the plot window ``((xmin, xmax), (ymin, ymax))``; ``minima`` the known global
    minima, all of value ``fmin``; ``local_minima`` the other minima in the window where there
    are a few (the traps an optimizer can end in); ``start`` a starting point that makes the
    surface instructive;
    ``levels`` the contour levels (log-spaced above ``fmin`` where the range is wide);
    ``formula`` the loss in plain text; ``reference`` the formula in LaTeX and where it comes
    from; ``title`` the name a slide shows, ``tex`` the formula as matplotlib mathtext (without
    dollar signs) and ``axes`` the names of the two coordinates.

    A tiny network's loss (``neuron-*``, ``deep-linear``) also has ``fans``, the (fan-in,
    fan-out) of the layer each coordinate is the weight of (Xavier and He initialization scale
    by them), and may have a ``plateau`` and, instead of isolated minima, a ``minimum_set``.

    A surface fitted on data (``linreg``, the neurons) also has ``n_data`` and
    ``batch_fn(p, idx)``, the loss on the data points ``idx`` only, so that stochastic optimizers
    can draw real mini-batches.

    A line fitted on data also has ``data``, its `surfaces.regression.Regression`.

    A surface with a penalty added (`surfaces.penalty.penalized`) carries it in ``penalty``, and
    the minima it had without it in ``ghost_minima``, so that a picture can show the shift.

    Surfaces compare and hash by identity, so a jitted function can take one as a static argument.
    """

    name: str
    fn: Callable
    formula: str
    bounds: Bounds
    start: Point
    levels: tuple[float, ...]
    reference: str
    minima: tuple[Point, ...] = ()
    fmin: float | None = None
    local_minima: tuple[Point, ...] = ()
    saddles: tuple[Saddle, ...] = ()
    n_data: int | None = None
    batch_fn: Callable | None = None
    title: str = ""
    tex: str = ""
    axes: tuple[str, str] = ("x", "y")
    fans: tuple[tuple[int, int], tuple[int, int]] | None = None
    plateau: Plateau | None = None
    minimum_set: MinimumSet | None = None
    data: object = None
    penalty: Penalty | None = None
    ghost_minima: tuple[Point, ...] = ()

    def __post_init__(self):
        try:
            (x0, x1), (y0, y1) = self.bounds
            finite = all(map(math.isfinite, (x0, x1, y0, y1)))
        except (TypeError, ValueError):
            finite = False
        if not finite or not (x0 < x1 and y0 < y1):
            raise ValueError(
                f"{self.name}: bounds must be ((xmin, xmax), (ymin, ymax)), finite numbers with "
                f"xmin < xmax and ymin < ymax, got {self.bounds!r}"
            )
        if not callable(self.fn):
            raise TypeError(f"{self.name}: fn must be a function of one point, got {self.fn!r}")

    def gap(self, loss):
        """``loss - fmin``: how far above the known minimum; the loss itself where none is known."""
        return loss - self.fmin if self.fmin is not None else loss


def log_levels(fmin: float, top: float, n: int = 20, floor: float = 1e-3) -> tuple[float, ...]:
    """``n`` levels ``fmin + d`` with ``d`` log-spaced from ``floor`` to ``top - fmin``."""
    lo, hi = math.log10(floor), math.log10(top - fmin)
    return tuple(fmin + 10 ** (lo + (hi - lo) * i / (n - 1)) for i in range(n))


def levels_over(values) -> tuple[float, ...]:
    """Contour levels for a surface whose values over its window are ``values`` (finite, not
    all equal): log-spaced above the lowest where most values lie near it (bowls, valleys),
    evenly spaced otherwise (saddles)."""
    lo, hi = float(np.min(values)), float(np.max(values))
    skewed = (float(np.median(values)) - lo) / (hi - lo) < 0.35
    return log_levels(lo, hi, 20, (hi - lo) * 1e-4) if skewed else linear_levels(lo, hi, 21)


def linear_levels(lo: float, hi: float, n: int = 21) -> tuple[float, ...]:
    """``n`` evenly spaced levels from ``lo`` to ``hi``, for surfaces unbounded below."""
    return tuple(lo + (hi - lo) * i / (n - 1) for i in range(n))
