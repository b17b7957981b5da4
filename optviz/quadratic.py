"""What theory says on a quadratic surface: the best constant step sizes, the convergence rates
they reach, and where the runs diverge.

On f(x) = ½ (x − x*)ᵀ H (x − x*) + f* with the eigenvalues λ of H between μ and L (condition
number κ = L/μ), gradient descent and heavy-ball momentum are linear maps on each eigenvector
(Polyak 1964; Goh, "Why Momentum Really Works", Distill 2017). Heavy ball, v ← β·v + g,
x ← x − lr·v, moves each eigen-coordinate by the roots z of

    z² − (1 + β − lr·λ)·z + β = 0,

so its rate (the factor by which the distance to x* shrinks per step) is the largest |z| over
the eigenvalues, and it converges iff 0 < lr·λ < 2(1 + β) for every λ. Gradient descent is the
case β = 0: rate max |1 − lr·λ|, converging iff lr < 2/L. The best rates are

- gradient descent, lr = 2/(L + μ): rate (κ − 1)/(κ + 1);
- heavy ball (Polyak), lr = (2/(√L + √μ))², β = ((√κ − 1)/(√κ + 1))²: rate (√κ − 1)/(√κ + 1).
"""

from __future__ import annotations

import functools
import math
from typing import NamedTuple

import jax
import numpy as np

from optviz import runner

THEORY = ("gd", "momentum")  # the rules the formulas above describe
_PROBES = ((0.0, 0.0), (0.3, -0.2), (-0.4, 0.35), (0.45, 0.4))  # fractions of the window


class Best(NamedTuple):
    """A rule's best constant hyper-parameters on a quadratic and the rate they reach."""

    lr: float
    beta: float
    rate: float


def curvatures(surface) -> np.ndarray | None:
    """The eigenvalues of ``surface``'s Hessian, smallest first, if the surface is a convex
    quadratic (its Hessian positive definite and the same at a few points spread over its
    window, to 1e-4), the case the formulas here describe; else None."""
    return _curvatures(runner.as_surface(surface))


@functools.lru_cache(maxsize=None)
def _curvatures(surface) -> np.ndarray | None:
    (x0, x1), (y0, y1) = surface.bounds
    centre, half = np.array([(x0 + x1) / 2, (y0 + y1) / 2]), np.array([x1 - x0, y1 - y0]) / 2
    points = centre + np.array(_PROBES) * half
    hessians = runner.evaluate(jax.hessian(surface.fn), points).astype(float)
    if not np.all(np.isfinite(hessians)):
        return None
    scale = np.abs(hessians[0]).max()
    if scale == 0 or np.abs(hessians - hessians[0]).max() > 1e-4 * scale:
        return None
    eigenvalues = np.linalg.eigvalsh((hessians[0] + hessians[0].T) / 2)
    return eigenvalues if eigenvalues[0] > 0 else None


def heavy_ball_rate(lr, beta, curvatures) -> np.ndarray:
    """max over λ in ``curvatures`` of the largest |z| with z² − (1 + β − lr·λ)z + β = 0, for
    arrays ``lr`` and ``beta`` (broadcast together); gradient descent is β = 0."""
    lr, beta = np.broadcast_arrays(np.asarray(lr, dtype=float), np.asarray(beta, dtype=float))
    b = 1 + beta[..., None] - lr[..., None] * np.asarray(curvatures, dtype=float)
    root = np.sqrt((b * b - 4 * beta[..., None]).astype(complex))
    return np.maximum(abs((b + root) / 2), abs((b - root) / 2)).max(axis=-1)


def threshold(beta: float, curvatures) -> float:
    """The learning rate above which heavy ball with momentum ``beta`` (gradient descent for
    β = 0) diverges: 2(1 + β)/L."""
    return 2 * (1 + beta) / float(np.max(curvatures))


def best(rule: str, curvatures) -> Best | None:
    """The best constant hyper-parameters of ``rule`` ('gd' or 'momentum') and their rate, on a
    quadratic whose Hessian has eigenvalues ``curvatures`` (all > 0); None for other rules."""
    if rule not in THEORY:
        return None
    mu, L = float(np.min(curvatures)), float(np.max(curvatures))
    kappa = L / mu
    if rule == "gd":
        return Best(2 / (L + mu), 0.0, (kappa - 1) / (kappa + 1))
    rate = (math.sqrt(kappa) - 1) / (math.sqrt(kappa) + 1)
    return Best((2 / (math.sqrt(L) + math.sqrt(mu))) ** 2, rate**2, rate)
