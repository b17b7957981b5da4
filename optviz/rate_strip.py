"""The lr(t) strip: each run's learning rate against step, under the loss panel and moved by
the same step, for runs whose specs carry a schedule (see `optviz.schedules`).

The whole schedule is drawn faintly once; per frame only the part up to the current step, in
the run's colour, and the cursor move.
"""

from __future__ import annotations

import numpy as np
from matplotlib.ticker import MaxNLocator

from optviz import external, schedules
from optviz.drawing import StepCurves, style_panel
from optviz.trajectories import Trajectories

SHARE = 0.3  # of the loss panel's height, for the strip


def rates(traj: Trajectories) -> np.ndarray:
    """lr_t of every run, shape (n_opt, steps): the rate its step t was taken with."""
    peaks = [dict(spec.hparams)[external.lr_key(spec.name)] for spec in traj.specs]
    return np.stack(
        [schedules.values(s.schedule, lr, traj.steps) for s, lr in zip(traj.specs, peaks)]
    )


def attach(loss_ax, traj: Trajectories, colours, theme, animated=True) -> "RateStrip | None":
    """A `RateStrip` in the lower part of the loss panel ``loss_ax`` (which keeps the upper part
    and gives the strip its step axis), if there is a panel and a run follows a schedule."""
    if loss_ax is None or all(spec.schedule is None for spec in traj.specs):
        return None
    box = loss_ax.get_position()
    gap = 0.04 * box.height
    strip_h = SHARE * box.height
    loss_ax.set_position((box.x0, box.y0 + strip_h + gap, box.width, box.height - strip_h - gap))
    loss_ax.tick_params(labelbottom=False)
    loss_ax.set_xlabel("")
    ax = loss_ax.figure.add_axes((box.x0, box.y0, box.width, strip_h), sharex=loss_ax)
    return RateStrip(ax, traj, colours, theme, animated)


class RateStrip(StepCurves):
    """lr against step on ``ax``, in ``colours`` (one per run), with a cursor."""

    def __init__(self, ax, traj: Trajectories, colours, theme, animated=True):
        y = rates(traj)
        steps = np.arange(traj.steps)
        for rate, colour in zip(y, colours):  # the whole schedule, faintly, under the moving part
            ax.plot(steps, rate, color=colour, lw=theme.line_width * 0.4, alpha=0.35)
        ax.set_xlim(0, traj.steps)
        ax.set_ylim(0, 1.1 * float(y.max()))
        ax.yaxis.set_major_locator(MaxNLocator(3))
        ax.set_ylabel("lr")
        ax.set_xlabel("step")
        style_panel(ax, theme)
        super().__init__(ax, y, colours, theme, animated)
