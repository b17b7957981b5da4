"""The lr(t) strip: each run's learning rate against step, drawn under the loss panel and
moved by the same step, for runs whose specs carry a schedule (see `optviz.schedules`).

The whole schedule is drawn faintly once; per frame only the part up to the current step, in
the run's colour, and the cursor move.
"""

from __future__ import annotations

import numpy as np

from optviz import external, schedules
from optviz.drawing import theme_ticks
from optviz.trajectories import Trajectories


def scheduled(traj: Trajectories) -> bool:
    """Whether any run of ``traj`` follows a schedule, so that a strip says something."""
    return any(spec.schedule is not None for spec in traj.specs)


def rates(traj: Trajectories) -> np.ndarray:
    """lr_t of every run, shape (n_opt, steps): the rate its step t was taken with."""
    peaks = [dict(spec.hparams)[external.lr_key(spec.name)] for spec in traj.specs]
    return np.stack(
        [schedules.values(s.schedule, lr, traj.steps) for s, lr in zip(traj.specs, peaks)]
    )


class RateStrip:
    """lr against step on ``ax``, in ``colours`` (one per run), with a cursor."""

    def __init__(self, ax, traj: Trajectories, theme, colours, animated=True):
        self.rates = rates(traj)
        steps = np.arange(traj.steps)
        for y, colour in zip(self.rates, colours):
            ax.plot(steps, y, color=colour, lw=theme.line_width * 0.5, alpha=0.3)
        self.lines = [
            ax.plot([], [], color=colour, lw=theme.line_width * 0.8, animated=animated)[0]
            for colour in colours
        ]
        self.cursor = ax.axvline(0, color=theme.muted, lw=1, animated=animated)
        ax.set_xlim(0, traj.steps)
        ax.set_ylim(0, 1.1 * float(self.rates.max()))
        ax.set_ylabel("lr")
        ax.set_xlabel("step")
        ax.set_facecolor(theme.background)
        theme_ticks(ax, theme, 0.8)
        ax.xaxis.label.set_color(theme.foreground)
        ax.yaxis.label.set_color(theme.foreground)
        for spine in ax.spines.values():
            spine.set_color(theme.muted)
        for artist in self.artists:
            artist.set_in_layout(False)

    @property
    def artists(self):
        return [*self.lines, self.cursor]

    def update(self, step: int) -> None:
        end = min(step + 1, self.rates.shape[1])
        for line, y in zip(self.lines, self.rates):
            line.set_data(np.arange(end), y[:end])
        self.cursor.set_xdata([step, step])
