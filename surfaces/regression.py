"""Surfaces fitted on data: the mean squared error of a line ``t = w s + b`` over fixed points.

The parameters are ``p = (w, b)`` and the loss is ``f(p) = |X p - t|² / n`` with the design
``X = [s, 1]``, so its Hessian is ``2 XᵀX/n`` everywhere: the valley's shape is that of the
inputs, which is why centring and scaling them (the idea behind batch normalization) rounds it.
"""

from __future__ import annotations

import dataclasses

import jax.numpy as jnp
import numpy as np


def design(s: np.ndarray) -> np.ndarray:
    """The design matrix ``X = [s, 1]`` of a line through inputs ``s``."""
    return np.stack([s, np.ones_like(s)], axis=1)


@dataclasses.dataclass(frozen=True, eq=False)
class Regression:
    """Training points ``(s, t)`` and, optionally, held-out points from the same line."""

    s: np.ndarray
    t: np.ndarray
    heldout_s: np.ndarray | None = None
    heldout_t: np.ndarray | None = None

    @classmethod
    def line(
        cls, n: int, *, lo: float, hi: float, noise: float, seed: int, heldout: int = 0
    ) -> Regression:
        """``n`` points ``t = 1.5 s - 1 + N(0, noise²)``, ``s ~ U(lo, hi)``, then ``heldout``
        more from the same line, all from one generator seeded with ``seed``."""
        rng = np.random.default_rng(seed)

        def draw(k):
            s = rng.uniform(lo, hi, k)
            return s, 1.5 * s - 1.0 + rng.normal(0.0, noise, k)

        s, t = draw(n)
        hs, ht = draw(heldout) if heldout else (None, None)
        return cls(s, t, hs, ht)

    @property
    def n(self) -> int:
        return self.s.size

    def _data(self, dtype):
        # Converted at the caller's precision each time: a cached device copy would pin one dtype.
        return jnp.asarray(self.s, dtype=dtype), jnp.asarray(self.t, dtype=dtype)

    def loss(self, p):
        r"""$f(w, b) = \frac{1}{n}\sum_i (w s_i + b - t_i)^2$"""
        w, b = p
        s, t = self._data(p.dtype)
        return jnp.mean((w * s + b - t) ** 2)

    def batch_loss(self, p, idx):
        r"""$\frac{1}{|B|}\sum_{i \in B} (w s_i + b - t_i)^2$ over the data points ``idx``."""
        w, b = p
        s, t = self._data(p.dtype)
        return jnp.mean((w * s[idx] + b - t[idx]) ** 2)

    def heldout_loss(self, points) -> np.ndarray:
        """The mean squared error on the held-out points at each of ``points`` (..., 2)."""
        points = np.asarray(points, dtype=float)
        residuals = points[..., :1] * self.heldout_s + points[..., 1:] - self.heldout_t
        return np.mean(residuals**2, axis=-1)

    def heldout_fit_loss(self) -> float:
        """The lowest held-out loss any line reaches: that of the least-squares fit to the
        held-out points themselves."""
        X = design(self.heldout_s)
        beta, *_ = np.linalg.lstsq(X, self.heldout_t, rcond=None)
        return float(np.mean((X @ beta - self.heldout_t) ** 2))

    def gram(self) -> np.ndarray:
        """``XᵀX/n``, half the loss's Hessian."""
        X = design(self.s)
        return X.T @ X / self.n

    def eigenvalues(self) -> np.ndarray:
        """The eigenvalues of ``XᵀX/n``, smallest first."""
        return np.linalg.eigvalsh(self.gram())

    def condition(self) -> float:
        """The condition number of ``XᵀX/n``: how much longer than wide the valley is, squared."""
        low, high = self.eigenvalues()
        return float(high / low)

    def ridge(self, lam) -> np.ndarray:
        """The minima ``β(λ)`` of ``f(β) + λ/2·|β|²`` (the ``--l2 λ`` surface) for each ``λ``:
        ``(2XᵀX/n + λI) β = 2Xᵀt/n``; ``λ = 0`` is the least-squares fit. Shape (len(λ), 2)."""
        lam = np.atleast_1d(np.asarray(lam, dtype=float))
        rhs = 2 * design(self.s).T @ self.t / self.n
        systems = 2 * self.gram()[None] + lam[:, None, None] * np.eye(2)[None]
        return np.linalg.solve(systems, np.broadcast_to(rhs, (lam.size, 2))[..., None])[..., 0]

    def fit(self) -> tuple[tuple[float, float], float]:
        """The least-squares line ``(w, b)`` and its loss."""
        (w, b), *_ = np.linalg.lstsq(design(self.s), self.t, rcond=None)
        return (float(w), float(b)), float(np.mean((w * self.s + b - self.t) ** 2))
