"""One self-contained HTML page of a run: the contour map as an inline image, the runs computed
in the page by the engine's own functions translated to JavaScript (`translate`), and the
controls (play, scrub, speed, a slider per hyper-parameter, click-to-start).

Everything the page needs is inside the file: the template's HTML, CSS and JavaScript, read from
this package, the data as JSON in a ``<script type="application/json">`` block (with ``<``,
``>`` and ``&`` escaped, so no text can close the block), and a Content-Security-Policy that
forbids loading anything at all. User text (titles, labels, formulas) reaches the document only
through that JSON and ``textContent``.
"""

from __future__ import annotations

import base64
import functools
import importlib.resources
import io
import json
import re
import shlex

import jax
import numpy as np
from PIL import Image

from optviz import external, heads, noise, rules
from optviz import theme as themes
from optviz.interactive import translate
from optviz.labels import SYMBOLS, coordinate, direct_labels
from optviz.runner import FAR
from optviz.trajectories import Trajectories

IMAGE_SCALE = 2  # the contour image's pixels per page pixel, sharp on projectors and phones
IMAGE_COLOURS = 64  # the contour image is quantized to this many colours, which keeps it small
LR_RANGE = (1e-5, 10.0)  # the range `optviz tune` searches; a slider covers at least this
UNIT = {"beta": 0.999, "rho": 0.999, "b1": 0.999, "b2": 0.9999}  # slider tops of [0, 1) params


def _resource(name: str) -> str:
    return (importlib.resources.files(__package__) / name).read_text(encoding="utf-8")


def _finite(values) -> list:
    """Numbers as JSON allows them: non-finite ones become null."""
    array = np.asarray(values, dtype=float)
    return np.where(np.isfinite(array), array, None).tolist()


@functools.lru_cache(maxsize=None)
def _rule_program(name: str) -> tuple[str, dict]:
    """The JavaScript of rule ``name``'s init, update and (if it has one) query point, traced
    from `optviz.rules` itself, and what the page needs to call them."""
    keys = sorted(k for k in rules.hyperparameters(name) if k not in rules.STATIC)
    h = {k: 0.5 for k in keys}
    x = np.zeros(2)

    def make(h):
        return rules.RULES[name](**h)

    ident = name.replace("-", "_")
    init, _, n_state = translate.function(f"{ident}_init", lambda p, h: make(h).init(p), x, h)
    with jax.enable_x64(True):
        state = make(h).init(x)
    update, _, _ = translate.function(
        f"{ident}_update", lambda g, s, p, h: make(h).update(g, s, p), x, state, x, h
    )
    parts, query = [init, update], None
    if make(h).query is not None:
        text, _, _ = translate.function(
            f"{ident}_query", lambda p, s, h: make(h).query(p, s), x, state, h
        )
        parts.append(text)
        query = f"{ident}_query"
    return "\n".join(parts), {
        "init": f"{ident}_init",
        "update": f"{ident}_update",
        "query": query,
        "state": n_state,
        "keys": keys,
    }


def _slider(key: str, value: float) -> dict | None:
    """How a hyper-parameter is set on the page: a log scale for rates and eps, linear in
    [0, 1) for decay rates, linear for the noise."""
    if key in ("lr", "learning_rate"):
        lo, hi = LR_RANGE
        return {"key": key, "scale": "log", "min": min(lo, value), "max": max(hi, value)}
    if key == "eps" and value > 0:
        return {"key": key, "scale": "log", "min": min(1e-12, value), "max": max(1.0, value)}
    if key in UNIT:
        return {"key": key, "scale": "linear", "min": 0.0, "max": max(UNIT[key], value)}
    if key == "noise":
        return {"key": key, "scale": "linear", "min": 0.0, "max": max(10.0, 2 * value)}
    return None


def _computable(spec, surface) -> str | None:
    """Why the page cannot compute ``spec`` itself, or None if it can."""
    fixed = "as optviz computed it, at fixed settings and from the scene's starts"
    if external.is_external(spec.name):
        return f"{fixed}: optimizers from outside optviz run only in JAX"
    if spec.name == "sgd" and surface.batch_fn is not None:
        return f"{fixed}: its mini-batches are drawn by JAX"
    return None


def _contours(surface, bounds, theme: themes.Theme, size):
    """The static map as a PNG data URI, drawn as a scene draws its map (`optviz.layout`,
    `draw_surface`, the axis names) without the title band, which the page writes as text;
    its size in page pixels, the plot area's [left, top, width, height] there, and the window
    it shows (widened to fill the plot area, as in the pictures)."""
    from optviz import layout
    from optviz.drawing import DPI, draw_surface, new_figure

    w, h = size
    rect, _, window = layout.overlay(size, theme.font_size, bounds, False)
    figure = new_figure(size, theme, layout=None)
    ax = figure.add_axes(layout.fractions(rect, size))
    draw_surface(ax, surface, window, theme, shape_px=rect[2:])
    ax.set_xlabel(coordinate(surface.axes[0]), labelpad=1, color=theme.foreground)
    ax.set_ylabel(coordinate(surface.axes[1]), labelpad=1, rotation=0, color=theme.foreground)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI * IMAGE_SCALE, facecolor=theme.background)
    top = int(layout.Margins.of(theme.font_size).top - theme.font_size * DPI / 72)
    image = Image.open(buffer).convert("RGB")
    image = image.crop((0, top * IMAGE_SCALE, image.width, image.height))
    image = image.quantize(IMAGE_COLOURS, dither=Image.Dither.NONE)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    uri = "data:image/png;base64," + base64.b64encode(out.getvalue()).decode("ascii")
    left, bottom, width, height = rect
    axes = [left, h - bottom - height - top, width, height]
    return uri, [w, h - top], axes, [list(window[0]), list(window[1])]


def _surface_argument(surface) -> str:
    return surface.formula if surface.name == "formula" else surface.name


def data(
    traj: Trajectories,
    *,
    size=(640, 480),
    theme: str = "light",
    bounds=None,
    duration: float = 10.0,
    title: str | None = None,
    options: tuple[str, ...] = (),
) -> tuple[dict, str]:
    """What the page shows, as JSON-ready data, and the JavaScript of the functions it runs.
    ``options`` are the render options the page's command repeats (size, theme, ...)."""
    surface = traj.surface
    look = themes.for_size(theme, size)
    image, page_size, axes, window = _contours(surface, bounds or surface.bounds, look, size)
    colours = look.run_colours(traj.specs)
    names = direct_labels(traj.specs)
    try:
        surface_js, _, _ = translate.function(
            "loss_and_grad", jax.value_and_grad(surface.fn), np.zeros(2)
        )
        surface_problem = None
    except translate.Unsupported as error:
        surface_js, surface_problem = "", f"as optviz computed it: the surface uses {error}"
    programs, rule_meta, runs = [surface_js], {}, []
    for i, (spec, label) in enumerate(zip(traj.specs, traj.labels)):
        hparams = dict(spec.hparams)
        problem = surface_problem or _computable(spec, surface)
        if problem is None and spec.name not in rule_meta:
            try:
                text, meta = _rule_program(spec.name)
                programs.append(text)
                rule_meta[spec.name] = meta
            except translate.Unsupported as error:
                problem = f"as optviz computed it, at fixed settings: {spec.name} uses {error}"
        defaults = rules.hyperparameters(spec.name) if spec.name in rules.RULES else {}
        run = {
            "name": spec.name,
            "label": label,
            "short": names[i],
            "keys": [k for k, _ in spec.hparams],
            "spec": str(spec),
            "colour": colours[i],
            "hparams": {k: v for k, v in hparams.items() if k not in rules.STATIC},
            "static": {k: v for k, v in hparams.items() if k in rules.STATIC},
            "defaults": defaults,
            "sliders": [s for k, v in hparams.items() if (s := _slider(k, v)) is not None],
            "fixed": problem,
        }
        if problem is not None:
            run["path"] = _finite(traj.params[i])
            run["loss"] = _finite(traj.loss[i])
            run["diverged_at"] = traj.diverged_at[i].tolist()
        runs.append(run)
    noisy = any(r["name"] == "sgd" and r["fixed"] is None for r in runs)
    (x0, x1), (y0, y1) = surface.bounds
    scene = {
        "title": title or surface.title or _surface_argument(surface),
        "symbols": SYMBOLS,
        "surface": {
            "name": surface.name,
            "formula": surface.formula,
            "bounds": [[x0, x1], [y0, y1]],
            "fmin": surface.fmin,
            "minima": [list(m) for m in surface.minima],
            "local_minima": [list(m) for m in surface.local_minima],
        },
        "view": {"bounds": window, "image": image, "axes": axes},
        "size": page_size,
        "theme": {
            "background": look.background,
            "foreground": look.foreground,
            "muted": look.muted,
            "low": look.low,
            "font": look.font_size,
            "line": look.line_width,
            "head": look.head_size,
        },
        "marks": {
            "star": heads.STAR, "start": heads.START_RING, "band": heads.BAND,
            "grow": heads.GROW, "most": heads.MOST, "halo": heads.HALO,
        },
        "far": FAR,
        "shown": ["lr", "learning_rate", "batch" if surface.batch_fn is not None else "noise"],
        "steps": traj.steps,
        "seed": traj.seed,
        # The starts as given: the shortest decimals that round to the run's own numbers.
        "starts": [[float(str(v)) for v in start] for start in traj.starts],
        "noise": _noise(traj.seed, traj.starts, traj.steps) if noisy else None,
        "runs": runs,
        "rules": rule_meta,
        "play_seconds": duration,
        "command": {
            "render": shlex.join(["optviz", "render", _surface_argument(surface)]),
            "options": shlex.join([*options, "--steps", str(traj.steps), "--seed", str(traj.seed)]),
            "output": shlex.quote(f"{surface.name}.gif"),
        },
    }
    return scene, "\n".join(programs)


def _noise(seed: int, starts, steps: int) -> list:
    """sgd's Gaussian draws for each of the (n, 2) ``starts`` and each step: `optviz.noise`'s
    own numbers, from each start's own stream (`noise.start_word`), as `optviz.run` draws them."""
    import jax.numpy as jnp

    seed = jnp.uint32(seed)
    words = jax.vmap(noise.start_word, (None, 0, 0))(seed, jnp.asarray(starts), noise.copies(starts))
    draws = jax.vmap(jax.vmap(noise.normal, (None, None, 0)), (None, 0, None))
    grid = draws(seed, words, jnp.arange(steps + 1, dtype=jnp.uint32))
    return np.asarray(grid, dtype=np.float64).tolist()


def _json(value) -> str:
    """JSON that is safe inside a ``<script>`` element: no ``<``, ``>`` or ``&`` in it."""
    text = json.dumps(value, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def html(scene: dict, program: str) -> str:
    """The page: the template with its style, data, translated functions and script inline.
    One pass over the template, so nothing inserted is searched for placeholders again."""
    parts = {
        "STYLE": _resource("page.css"),
        "DATA": _json(scene),
        "PROGRAM": program,
        "SCRIPT": _resource("page.js"),
    }
    template = _resource("page.html")
    return re.sub(r"/\*(STYLE|DATA|PROGRAM|SCRIPT)\*/", lambda m: parts[m[1]], template)
