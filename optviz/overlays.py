"""What the lessons on the loss add to a picture of a run: the ridge path over the map, a key to
the minimum a penalty moved, and, in the loss panel of a line fitted on data with held-out
points, the held-out loss (dashed) and the step where early stopping would stop.

Each overlay draws its static parts once and returns the moving parts as objects with
``artists`` and ``update(step)``, as the scene's own paths and loss curves are.
"""

from __future__ import annotations

import numpy as np

from optviz import theme as themes
from optviz.trajectories import Trajectories

RIDGE_POINTS = 400


def ridge_lambdas(data, n: int = RIDGE_POINTS) -> np.ndarray:
    """``n`` penalties from ∞ (β = 0) to 0 (least squares), log-spaced around the Hessian's
    eigenvalues, where the ridge path bends."""
    eig = 2 * data.eigenvalues()
    return np.concatenate([[np.inf], np.geomspace(1e4 * eig[-1], 1e-4 * eig[0], n - 2), [0.0]])


def ridge_path(data, n: int = RIDGE_POINTS) -> np.ndarray:
    """The ridge solutions ``β(λ)`` for `ridge_lambdas`, shape (n, 2)."""
    lam = ridge_lambdas(data, n)
    return np.concatenate([np.zeros((1, 2)), data.ridge(lam[1:])])


class RidgeMarks:
    """For each gradient-descent run from 0 (rule ``gd`` without weight decay): a ring on the
    ridge path at ``β(1/(k·lr))``, the ridge solution that step ``k`` is close to (Ali, Kolter &
    Tibshirani 2019)."""

    def __init__(self, ax, traj: Trajectories, colours, theme: themes.Theme, animated: bool):
        self.data = traj.surface.data
        self.rows = [
            i
            for i, spec in enumerate(traj.specs)
            if spec.name == "gd" and not dict(spec.hparams).get("wd") and not traj.starts.any()
        ]
        self.lrs = [dict(traj.specs[i].hparams)["lr"] for i in self.rows]
        self.rings = ax.scatter(
            [],
            [],
            s=(theme.head_size * 1.9) ** 2,
            facecolors="none",
            edgecolors=[colours[i] for i in self.rows] or "none",
            linewidths=theme.line_width * 0.8,
            zorder=6,
            animated=animated,
        )
        self.rings.set_in_layout(False)

    @property
    def artists(self):
        return [self.rings]

    def update(self, step: int) -> None:
        if step and self.rows:
            self.rings.set_offsets(self.data.ridge([1 / (step * lr) for lr in self.lrs]))
        else:
            self.rings.set_offsets(np.zeros((len(self.rows), 2)))


def on_map(ax, traj: Trajectories, colours, theme: themes.Theme, ridge: bool, animated: bool):
    """Draw the ridge path (``ridge``) and a key to the minimum without the penalty on the map
    ``ax``; the moving parts. ``colours``: each run's."""
    surface = traj.surface
    if surface.ghost_minima:
        # A key in the corner rather than a word at the star: the run that heads there brings
        # its own label, which would land on it.
        ax.text(
            0.985, 0.015, "☆ minimum without the penalty", transform=ax.transAxes, ha="right",
            va="bottom", fontsize=theme.font_size * 0.75, color=theme.foreground, zorder=25,
            bbox=dict(boxstyle="square,pad=0.3", lw=0, fc=theme.background),
        )  # fmt: skip
    if not ridge:
        return []
    if surface.data is None:
        raise ValueError(
            f"{surface.name} is not a line fitted on data; the ridge path needs linreg, "
            "linreg-small or linreg-raw"
        )
    path = ridge_path(surface.data)
    ax.plot(*path.T, color=theme.foreground, lw=theme.line_width * 0.7, ls=(0, (4, 2)), zorder=4)
    along = np.linalg.norm(path, axis=1) / np.linalg.norm(path[-1])
    middle = path[np.argmin(np.abs(along - 0.6))]
    ax.annotate(
        "ridge path β(λ)", middle, xytext=(-0.6 * theme.font_size, 0), textcoords="offset points",
        ha="right", va="center", fontsize=theme.font_size * 0.75, color=theme.foreground, zorder=4,
    )  # fmt: skip
    return [RidgeMarks(ax, traj, colours, theme, animated)]


def early_stop(traj: Trajectories) -> tuple[np.ndarray, np.ndarray]:
    """The held-out loss of every run, median over starts (n_opt, steps + 1), and the step at
    which each optimizer's is lowest."""
    heldout = np.median(traj.surface.data.heldout_loss(traj.params), axis=1)
    return heldout, np.argmin(heldout, axis=1)


class HeldOut:
    """The held-out loss in the loss panel, dashed, drawn up to the current step, and the step
    where it is lowest, marked once the run has passed it: "early stopping at step k". Like
    the training loss beside it, it is drawn above its own minimum (the lowest held-out loss
    of any line), on the same log scale."""

    def __init__(self, ax, traj: Trajectories, colours, theme: themes.Theme, animated: bool):
        heldout, self.best = early_stop(traj)
        self.excess = heldout - traj.surface.data.heldout_fit_loss()
        lo, hi = ax.get_ylim()
        ax.set_ylim(min(lo, float(self.excess.min()) / 2), max(hi, float(self.excess.max()) * 2))
        self.lines, self.marks, self.notes = [], [], []
        for i, k in enumerate(self.best):
            colour, at = colours[i], (k, self.excess[i, k])
            self.lines.append(
                ax.plot([], [], color=colour, lw=theme.line_width * 0.8, ls=(0, (3, 1.5)))[0]
            )
            self.marks.append(ax.plot(*at, "o", color=colour, mec=theme.background)[0])
            self.notes.append(
                ax.annotate(
                    f"early stopping\nat step {k}",
                    at,
                    xytext=(0, -(0.8 + 2.4 * i) * theme.font_size),
                    textcoords="offset points",
                    fontsize=theme.font_size * 0.75,
                    color=colour,
                    ha="left" if k < traj.steps / 2 else "right",
                    va="top",
                )
            )
        ax.text(
            0.98, 0.88, "dashed: held-out", transform=ax.transAxes, ha="right", va="top",
            fontsize=theme.font_size * 0.75, color=theme.foreground,
        )  # fmt: skip
        for artist in self.artists:
            artist.set_animated(animated)
            artist.set_in_layout(False)

    @property
    def artists(self):
        return [*self.lines, *self.marks, *self.notes]

    def update(self, step: int) -> None:
        for line, excess in zip(self.lines, self.excess):
            line.set_data(np.arange(step + 1), excess[: step + 1])
        for mark, note, k in zip(self.marks, self.notes, self.best):
            mark.set_visible(step >= k)
            note.set_visible(step >= k)


def on_loss(ax, traj: Trajectories, colours, theme: themes.Theme, animated: bool) -> list:
    """The held-out loss in the loss panel ``ax``, for a surface with held-out data; the moving
    parts."""
    data = traj.surface.data
    if data is None or data.heldout_s is None:
        return []
    return [HeldOut(ax, traj, colours, theme, animated)]
