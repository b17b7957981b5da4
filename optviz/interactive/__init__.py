"""Interactive pages: one self-contained HTML file per scene, to play with offline.

    traj = optviz.run("rosenbrock", ["gd", "momentum", "adam"], steps=300)
    optviz.page(traj).save("rosenbrock.html")     # or optviz.animate(traj).save("x.html")

The page computes every run itself, from the engine's own surface and rule functions traced by
jax and written out as JavaScript (`optviz.interactive.translate`), so its sliders and clicks
redraw the runs at once; tests compare its points with `optviz.run` in a real browser.
"""

from __future__ import annotations

import html as html_
import pathlib

from optviz import pacing
from optviz.trajectories import Trajectories

LAYOUT = "overlay"
MAX_STEPS = 10_000  # a page recomputes every run while a slider moves: keep that instant
MAX_STARTS = 16


class Page:
    """An interactive page: ``html`` is the whole file; `save` writes it, atomically; a notebook
    shows it inline, in a frame of its own."""

    def __init__(self, html: str, size):
        self.html, self.size = html, tuple(size)

    def save(self, path) -> pathlib.Path:
        """Write the page to ``path`` (a .html file); it appears whole or not at all."""
        from optviz import encoders

        path = encoders.check_target(path)
        if encoders.extension_of(path) != ".html":
            raise ValueError(f"a page is written to a .html file, got {path.suffix!r}")
        with encoders.open_encoder(path) as encoder:
            encoder.write_page(self.html)
        return path

    def _repr_html_(self) -> str:
        w, h = self.size
        return (
            f'<iframe srcdoc="{html_.escape(self.html, quote=True)}" '
            f'style="width:100%;height:{h + 480}px;border:0" '
            f'title="optviz page" sandbox="allow-scripts"></iframe>'
        )


def page(
    traj: Trajectories,
    *,
    frames: int = 150,
    fps: int = 30,
    size=(640, 480),
    layout: str = LAYOUT,
    theme: str = "light",
    loss_panel: bool = False,
    bounds=None,
    rotate: bool = False,
    title: str | None = None,
    pace: str = "motion",
    duration: float = pacing.DURATION_S,
) -> Page:
    """The interactive page of ``traj``, with the options of `optviz.animate`: the page draws
    the overlay layout, always with a loss panel, and one play-through takes ``duration``
    seconds at an even pace (``frames``, ``fps`` and ``pace`` are for the GIF its command
    draws). ``title`` heads the page (default: the surface's display title)."""
    from optviz.interactive import build
    from optviz.scene import Style

    Style(
        size=tuple(size),
        layout=layout,
        theme=theme,
        loss_panel=loss_panel,
        bounds=bounds,
        rotate=rotate,
        title=title,
        pace=pace,
        duration=duration,
    )
    if traj.steps > MAX_STEPS:
        raise ValueError(f"a page shows at most {MAX_STEPS} steps, got {traj.steps}")
    if traj.starts.shape[0] > MAX_STARTS:
        raise ValueError(f"a page shows at most {MAX_STARTS} starts, got {traj.starts.shape[0]}")
    if layout != LAYOUT:
        raise ValueError(f"a page draws the overlay layout, got layout {layout!r}; use a .gif")
    for name, value in (("frames", frames), ("fps", fps)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a whole number >= 1, got {value!r}")
    scene, program = build.data(
        traj,
        size=tuple(size),
        theme=theme,
        bounds=bounds,
        duration=float(duration),
        title=title,
        options=_options(frames, fps, size, theme, loss_panel, bounds, title, pace, duration),
    )
    return Page(build.html(scene, program), size)


def _options(
    frames, fps, size, theme, loss_panel, bounds, title, pace, duration
) -> tuple[str, ...]:
    """The render options, other than the runs, that the page's command repeats."""
    words = ["--frames", str(frames), "--fps", str(fps)]
    if title is not None:
        words += ["--title", title]
    if pace != "motion":
        words += ["--pace", pace]
    if duration != pacing.DURATION_S:
        words += ["--duration", f"{duration:g}"]
    if tuple(size) != (640, 480):
        words += ["--size", f"{size[0]}x{size[1]}"]
    if theme != "light":
        words += ["--theme", theme]
    if loss_panel:
        words.append("--loss-panel")
    if bounds is not None:
        (x0, x1), (y0, y1) = bounds
        words += ["--bounds", f"{x0:g},{x1:g},{y0:g},{y1:g}"]
    return tuple(words)
