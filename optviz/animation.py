"""The Python front end for pictures: `animate`, `plot` and `compare`.

    traj = optviz.run("beale", ["gd", "momentum", "adam"], steps=300)
    optviz.animate(traj).save("beale.gif")      # or just show it in a notebook
    optviz.plot(traj)                            # a matplotlib Axes, for your own figures

The command line and the gallery draw through these functions.
"""

from __future__ import annotations

import base64
import functools
import pathlib
import tempfile
from typing import Callable

import numpy as np

from optviz import encoders, limits, pacing
from optviz import theme as themes
from optviz.drawing import draw_surface, mark_minima
from optviz.scene import LossCurves, Paths, Scene, Style, divergence_note, drawn_points
from optviz.trajectories import Trajectories

def _check(traj) -> None:
    if not isinstance(traj, Trajectories):
        raise TypeError(f"expected Trajectories (from optviz.run), got {traj!r:.60}")


class Animation:
    """Frames of a run, ready to save (`save`), look at (`frame`) or show in Jupyter. At most
    ``frames`` frames, paced by `optviz.pacing` over the style's ``duration``; ``fps`` caps
    the frame rate (and is the MP4's)."""

    def __init__(self, traj: Trajectories, *, frames: int = 150, fps: int = 30, **style):
        _check(traj)
        frames = limits.whole("frames", frames, 1, limits.MAX_FRAMES)
        self.traj, self.fps, self.wanted = traj, limits.whole("fps", fps, 1, limits.MAX_FPS), frames
        self.style = Style(**style)
        runs, starts, points = traj.params.shape[:3]
        drawn = drawn_points(points - 1, starts, runs, self.style.layout)
        limits.check_frames(frames, self.style.size, drawn)

    def __len__(self) -> int:
        return len(self.steps)

    @functools.cached_property
    def scene(self) -> Scene:
        return Scene(self.traj, self.style)

    @functools.cached_property
    def _schedule(self):
        return pacing.schedule(
            self.scene.travel(),
            self.wanted,
            pace=self.style.pace,
            duration_s=self.style.duration,
            fps=self.fps,
        )

    @property
    def steps(self) -> np.ndarray:
        """The step each frame shows."""
        return self._schedule[0]

    def durations(self) -> list[int]:
        """Milliseconds each frame is shown: the first held about a second, the last longer."""
        return self._schedule[1]

    def frame(self, i: int) -> np.ndarray:
        """Frame ``i`` as an (h, w, 3) uint8 RGB array."""
        if not -len(self) <= i < len(self):
            raise IndexError(f"frame {i} out of range for {len(self)} frames")
        return self.scene.frame(int(self.steps[i]))

    def save(self, path, *, progress: Callable[[int], None] | None = None) -> pathlib.Path:
        """Write the animation to ``path``; the format follows the extension (.gif, .mp4, .webp;
        .png, .svg, .pdf draw the final state; .html is the interactive `page`). The file
        appears whole or not at all.
        ``progress(n)`` is called after every ``n`` frames written."""
        path = pathlib.Path(path)
        if encoders.encoder_for(path).page:
            return self.page().save(path)
        scene = self.scene if encoders.encoder_for(path).animated else None
        colours = scene.palette if scene else ()
        with encoders.open_encoder(path, fps=self.fps, colours=colours) as encoder:
            if not encoder.animated:
                encoder.write_figure(Scene(self.traj, self.style, animated=False).finish())
                return path
            for step, duration in zip(self.steps, self.durations()):
                encoder.add(scene.rgba(int(step)), duration)
                if progress:
                    progress(1)
        return path

    def page(self):
        """The interactive page of this animation (`optviz.interactive.page`): a notebook
        shows it inline; ``.save("x.html")`` writes it."""
        from optviz.interactive import page_of

        return page_of(self)

    def to_gif(self) -> bytes:
        """The animation as GIF bytes."""
        with tempfile.TemporaryDirectory() as folder:
            return self.save(pathlib.Path(folder) / "animation.gif").read_bytes()

    def _repr_html_(self) -> str:
        data = base64.b64encode(self.to_gif()).decode("ascii")
        w, h = self.style.size
        return f'<img src="data:image/gif;base64,{data}" width="{w}" height="{h}" alt="optviz">'


def animate(
    traj: Trajectories,
    *,
    frames: int = 150,
    fps: int = 30,
    size=(640, 480),
    layout: str = "overlay",
    theme: str = "light",
    loss_panel: bool = False,
    bounds=None,
    rotate: bool = False,
    title: str | None = None,
    pace: str = "motion",
    duration: float = pacing.DURATION_S,
    ridge_path: bool = False,
) -> Animation:
    """An `Animation` of ``traj``: at most ``frames`` frames over ``duration`` seconds, spent
    where the picture moves (``pace="motion"``) or evenly over the steps (``"linear"``), at
    most ``fps`` a second; ``size`` (w, h) pixels; ``title`` instead of the surface's name; ``layout`` "overlay" (all paths on one plot) or "grid"
    (a panel per optimizer) or "3d" (paths on the surface in 3-D; ``rotate`` turns the
    camera); ``theme`` "light", "dark" or "talk"; ``loss_panel`` adds loss against step;
    ``bounds`` ((xmin, xmax), (ymin, ymax)) overrides the view; ``ridge_path`` draws the ridge
    solutions over the map (see `optviz.overlays`)."""
    return Animation(
        traj,
        frames=frames,
        fps=fps,
        size=tuple(size),
        layout=layout,
        theme=theme,
        loss_panel=loss_panel,
        bounds=bounds,
        rotate=rotate,
        title=title,
        pace=pace,
        duration=duration,
        ridge_path=ridge_path,
    )


def plot(
    traj: Trajectories,
    ax=None,
    *,
    step: int | None = None,
    theme: str = "light",
    bounds=None,
    legend: bool = True,
):
    """Draw the paths of ``traj`` up to ``step`` (default: all) on ``ax`` (default: a new
    pyplot figure) over the surface's contours, and return the Axes."""
    _check(traj)
    theme = themes.get(theme)
    step = traj.steps if step is None else int(step)
    if not 0 <= step <= traj.steps:
        raise ValueError(f"step must be between 0 and {traj.steps}, got {step}")
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(6.4, 4.8), layout="constrained")
    bounds = bounds or traj.surface.bounds
    draw_surface(ax, traj.surface, bounds, theme)
    mark_minima(ax, traj.surface, theme)
    rows = range(len(traj.labels))
    colours = theme.run_colours(traj.specs)
    Paths(ax, traj, rows, colours, theme, animated=False).update(step)
    notes = [divergence_note(traj, i, step) for i in rows]
    if any(notes):
        ax.text(
            0.02,
            0.02,
            "\n".join(n for n in notes if n),
            transform=ax.transAxes,
            fontsize=theme.font_size * 0.85,
            color=theme.foreground,
            zorder=9,
            bbox=dict(boxstyle="round,pad=0.25", lw=0, fc=theme.background, alpha=0.75),
        )
    if legend:
        from matplotlib.lines import Line2D

        handles = [Line2D([], [], color=c, lw=theme.line_width) for c in colours]
        ax.legend(handles, traj.labels, fontsize=theme.font_size * 0.85, loc="upper right")
    return ax


def plot_loss(traj: Trajectories, ax=None, *, theme: str = "light"):
    """Loss against step for every optimizer on ``ax`` (default: a new pyplot figure)."""
    _check(traj)
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(layout="constrained")
    theme = themes.get(theme)
    curves = LossCurves(ax, traj, theme.run_colours(traj.specs), theme, animated=False)
    curves.update(traj.steps)
    return ax


def compare(
    surface,
    optimizers=None,
    *,
    start=None,
    starts=None,
    steps: int = 200,
    seed: int = 0,
    **animate_kw,
) -> Animation:
    """Run ``optimizers`` (default: the surface's lineup of seven) on ``surface`` and animate
    the result: the one-liner for a slide."""
    from optviz import presets, runner

    surface = runner.as_surface(surface)
    optimizers = presets.lineup(surface) if optimizers is None else optimizers
    traj = runner.run(surface, optimizers, start=start, starts=starts, steps=steps, seed=seed)
    return animate(traj, **animate_kw)
