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


def page(traj: Trajectories, *, frames: int = 150, fps: int = 30, **style) -> Page:
    """The interactive page of ``traj``, with the options of `optviz.animate` (``size``,
    ``theme``, ``bounds``, ``title``, ``duration``, ...), checked as it checks them."""
    from optviz.animation import Animation

    return page_of(Animation(traj, frames=frames, fps=fps, **style))


def page_of(animation) -> Page:
    """The interactive page of an `optviz.animation.Animation`: its runs and style, in the
    overlay layout, always with a loss panel; one play-through takes the style's ``duration``
    at an even pace (``frames``, ``fps`` and ``pace`` are for the GIF its command draws);
    ``title`` heads the page (default: the surface's display title)."""
    from optviz.interactive import build

    traj, style = animation.traj, animation.style
    if traj.steps > MAX_STEPS:
        raise ValueError(f"a page shows at most {MAX_STEPS} steps, got {traj.steps}")
    if traj.starts.shape[0] > MAX_STARTS:
        raise ValueError(f"a page shows at most {MAX_STARTS} starts, got {traj.starts.shape[0]}")
    if style.layout != LAYOUT:
        raise ValueError(
            f"a page draws the overlay layout, got layout {style.layout!r}; use a .gif"
        )
    scene, program = build.data(
        traj,
        size=style.size,
        theme=style.theme,
        bounds=style.bounds,
        duration=float(style.duration),
        title=style.title,
        options=_options(animation.wanted, animation.fps, style),
    )
    return Page(build.html(scene, program), style.size)


def _options(frames: int, fps: int, style) -> tuple[str, ...]:
    """The render options, other than the runs, that the page's command repeats."""
    words = ["--frames", str(frames), "--fps", str(fps)]
    if style.title is not None:
        words += ["--title", style.title]
    if style.pace != "motion":
        words += ["--pace", style.pace]
    if style.duration != pacing.DURATION_S:
        words += ["--duration", f"{style.duration:g}"]
    if tuple(style.size) != (640, 480):
        words += ["--size", f"{style.size[0]}x{style.size[1]}"]
    if style.theme != "light":
        words += ["--theme", style.theme]
    if style.loss_panel:
        words.append("--loss-panel")
    if style.bounds is not None:
        (x0, x1), (y0, y1) = style.bounds
        words += ["--bounds", f"{x0:g},{x1:g},{y0:g},{y1:g}"]
    return tuple(words)
