"""`Trajectories`: what a run computed, as plain NumPy arrays."""

from __future__ import annotations

import dataclasses

import numpy as np

from optviz.spec import Spec


@dataclasses.dataclass(frozen=True, eq=False)
class Trajectories:
    """Paths of ``n_opt`` optimizers from ``n_starts`` starts over ``steps`` steps.

    ``params``: (n_opt, n_starts, steps + 1, 2); ``loss``: (n_opt, n_starts, steps + 1);
    ``diverged_at``: (n_opt, n_starts), the step at which a run left the finite region (its path
    holds still from there on at its last finite point), -1 where it never did.
    ``specs`` carry every hyper-parameter the runs used, the learning rate included.
    """

    surface: object
    specs: tuple[Spec, ...]
    labels: tuple[str, ...]
    params: np.ndarray
    loss: np.ndarray
    diverged_at: np.ndarray
    seed: int

    @property
    def steps(self) -> int:
        return self.params.shape[2] - 1

    @property
    def starts(self) -> np.ndarray:
        return self.params[0, :, 0]

    def diverged_by(self, step: int) -> np.ndarray:
        """(n_opt, n_starts): which runs have diverged by ``step``; none on a surface unbounded
        below, where a run that leaves went downhill."""
        at = self.diverged_at
        return (at >= 0) & (at <= step) & (self.surface.fmin is not None)

    def index(self, label: str | int) -> int:
        """The optimizer's row, from its label, its spec string, its name or its index."""
        if isinstance(label, int) and not isinstance(label, bool):
            if -len(self.labels) <= label < len(self.labels):
                return label % len(self.labels)
        for keys in (self.labels, [str(s) for s in self.specs], [s.name for s in self.specs]):
            if label in keys:
                return list(keys).index(label)
        raise ValueError(f"no optimizer {label!r} in this run; labels: {', '.join(self.labels)}")

    def path(self, label: str | int, start: int = 0) -> np.ndarray:
        """One run's points, shape (steps + 1, 2)."""
        return self.params[self.index(label), start]
