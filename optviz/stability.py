"""Stability maps: the final loss against one hyper-parameter, every value run in one call.

For each optimizer, ``param`` takes ``points`` values between ``lo`` and ``hi`` (log-spaced for
learning rates, eps and noise; evenly spaced otherwise). A run diverges when, within its steps,
its loss or gradient stops being finite or it wanders more than `runner.FAR` half-widths of the
window from the window's centre (`optviz.runner`). The divergence threshold is the smallest
value at which some start diverged: the grid brackets it, and bisection narrows the bracket to
0.1 % (k-section: each round runs as many values inside it as the grid has, in one call that
reuses the grid's compiled code; one round is usually enough).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from optviz import external, limits, quadratic, rules, runner
from optviz import theme as themes
from optviz.spec import Spec, as_spec

LOG_SCALED = ("lr", "learning_rate", "eps", "noise")
BISECTION_PRECISION = 1e-3  # relative width of the final bracket
TINY = float(np.finfo(np.float32).tiny)  # the smallest normal float32: below it, log scales end


@dataclasses.dataclass(frozen=True)
class Sweep:
    """``values`` (k,) of ``param``; ``final`` (n_opt, k) the final gap f - f* (the loss where
    f* is unknown), median over the starts; ``diverged`` (n_opt, k) the share of starts that
    diverged; ``threshold`` (n_opt,) the first value with any divergence (bisected beyond the
    grid), NaN if none."""

    surface: object
    specs: tuple[Spec, ...]
    labels: tuple[str, ...]
    param: str
    values: np.ndarray
    final: np.ndarray
    diverged: np.ndarray
    threshold: np.ndarray
    steps: int
    n_starts: int
    theory: np.ndarray | None = None  # (n_opt,) thresholds theory gives (quadratic) or NaN

    def as_dict(self) -> dict:
        """What was found, for ``--json``: per optimizer, ``diverges_above`` (None if it did not
        diverge in the range) and, where known, the threshold theory gives."""
        optimizers = []
        for i, spec in enumerate(self.specs):
            entry = {
                "optimizer": spec.name,
                "spec": str(spec),
                "label": self.labels[i],
                "diverges_above": _rounded(self.threshold[i]),
            }
            if self.theory is not None and np.isfinite(self.theory[i]):
                entry["theory"] = _rounded(self.theory[i])
            optimizers.append(entry)
        return {
            "surface": self.surface.name,
            "param": self.param,
            "steps": self.steps,
            "optimizers": optimizers,
        }

    def report(self) -> str:
        """One line per optimizer: where it diverges, and what theory says where it knows."""
        lines = []
        for i, spec in enumerate(self.specs):
            line = _label(self, i)
            if self.theory is not None and np.isfinite(self.theory[i]):
                formula = "2/L" if spec.name == "gd" else "2(1 + beta)/L"
                line += f" (theory: {formula} = {self.theory[i]:.4g})"
            lines.append(line)
        return "\n".join(lines)

    def figure(self, **style):
        """This sweep drawn by `draw` (``size``, ``theme``)."""
        return draw(self, **style)


def _rounded(value) -> float | None:
    return float(f"{value:.4g}") if np.isfinite(value) else None


def default_range(param: str) -> tuple[float, float]:
    return (1e-4, 10.0) if param in LOG_SCALED else (0.0, 0.999)


def sweep(
    surface,
    optimizers,
    *,
    param: str = "lr",
    lo: float | None = None,
    hi: float | None = None,
    points: int = 120,
    start=None,
    starts=None,
    steps: int = 300,
    seed: int = 0,
    l1: float = 0.0,
    l2: float = 0.0,
) -> Sweep:
    """Sweep ``param`` of each optimizer over [lo, hi] on ``surface``; ``l1``, ``l2`` add a
    penalty to the surface (see `optviz.run`)."""
    surface = runner.as_surface(surface, l1, l2)
    specs = [runner.complete(as_spec(o), surface) for o in optimizers]
    if not specs:
        raise ValueError("no optimizers given; name at least one, e.g. 'gd'")
    if param in rules.STATIC:
        raise ValueError(f"{param} cannot be swept: it sets the size of arrays, not a value")
    default_lo, default_hi = default_range(param)
    lo, hi = default_lo if lo is None else lo, default_hi if hi is None else hi
    lo, hi = (limits.representable("range", float(v)) for v in (lo, hi))
    if not lo < hi or (param in LOG_SCALED and lo < TINY):
        raise ValueError(
            f"range must have LO < HI{f' and LO >= {TINY:g}' if param in LOG_SCALED else ''}"
            f", got {lo:g},{hi:g}"
        )
    points = limits.whole("points", points, 2, limits.MAX_POINTS)
    steps = runner.check_steps(steps)
    values = np.geomspace(lo, hi, points) if param in LOG_SCALED else np.linspace(lo, hi, points)
    starts = runner.starts_of(surface, start, starts)
    limits.check_work(steps, len(starts), len(specs), points)
    keys = [external.lr_key(spec.name) if param == "lr" else param for spec in specs]
    pending = []
    for spec, key in zip(specs, keys):
        # Check the range like a spec would, at both ends.
        spec.replace(**{key: float(values[0])}), spec.replace(**{key: float(values[-1])})
        pending.append(_diverged(surface, spec, key, values, starts, steps, seed))
    finals, diverged = [], []
    for s in (p.numpy() for p in pending):
        finals.append(np.median(surface.gap(s.loss), axis=-1))
        diverged.append((s.diverged_at >= 0).mean(axis=-1))
    diverged = np.stack(diverged)
    threshold = np.array(
        [
            _bisect(surface, spec, key, values, d > 0, starts, steps, seed)
            for spec, key, d in zip(specs, keys, diverged)
        ]
    )
    hide = (param, "learning_rate") if param == "lr" else (param,)
    return Sweep(
        surface,
        tuple(specs),
        tuple(runner.label(s, surface, hide) for s in specs),
        param,
        values,
        np.stack(finals),
        diverged,
        threshold,
        steps,
        len(starts),
        _theory(surface, specs, param),
    )


def _diverged(surface, spec, key, values, starts, steps, seed) -> runner.Summary:
    """The summaries of ``spec`` at each of ``values`` of ``key``, all in one call."""
    return runner.summaries(
        surface, spec, starts, steps=steps, seed=seed, grid={key: values}, area=False
    )


def _bisect(surface, spec, key, values, diverged, starts, steps, seed) -> float:
    """The smallest value at which some start diverged, from the grid's first such value
    narrowed down to `BISECTION_PRECISION`; NaN if none diverged."""
    if not diverged.any():
        return np.nan
    j = int(np.argmax(diverged))
    if j == 0:
        return float(values[0])
    lo, hi = float(values[j - 1]), float(values[j])
    space = np.geomspace if key in LOG_SCALED else np.linspace
    while hi - lo > BISECTION_PRECISION * hi:
        inside = space(lo, hi, len(values) + 2)[1:-1]
        bad = (_diverged(surface, spec, key, inside, starts, steps, seed).diverged_at >= 0)
        bad = np.asarray(bad).any(axis=-1)
        if bad.any():
            k = int(np.argmax(bad))
            lo, hi = (float(inside[k - 1]) if k else lo), float(inside[k])
        else:
            lo = float(inside[-1])
    return hi


def _theory(surface, specs, param) -> np.ndarray | None:
    """The learning rate above which theory says each rule diverges on a quadratic surface,
    2(1 + β)/L (β = 0 for gradient descent); NaN for rules it does not cover; None if the
    surface is not a quadratic or the swept parameter is not the rate."""
    if param != "lr":
        return None
    curvatures = quadratic.curvatures(surface)
    if curvatures is None:
        return None
    return np.array(
        [
            quadratic.threshold(dict(s.hparams).get("beta", 0.0), curvatures)
            if s.name in quadratic.THEORY
            else np.nan
            for s in specs
        ]
    )


def _label(result: Sweep, i: int) -> str:
    t, name = result.threshold[i], result.labels[i]
    if not np.isfinite(t):
        return f"{name}: no divergence up to {result.param} = {result.values[-1]:.4g}"
    if t == result.values[0]:
        return f"{name}: diverges at every {result.param}"
    return f"{name}: diverges above {result.param} = {t:.4g}"


def draw(result: Sweep, *, size=(800, 500), theme: str = "light"):
    """Final loss against the parameter (log scales where they apply). At the top, a row of
    crosses per optimizer marks the values at which some start diverged, and under them each
    optimizer's label, in its colour, says where it diverges, next to its threshold (a dashed
    line): direct labels, no legend. Where gaps reach `runner.GAP_FLOOR` they are drawn on a
    dotted line at the floor, which says so."""
    from matplotlib.transforms import ScaledTranslation

    from optviz.drawing import DPI, new_figure, theme_ticks, title

    theme = themes.for_size(theme, size)
    figure = new_figure(size, theme)
    ax = figure.subplots()
    n = len(result.labels)
    known = result.surface.fmin is not None
    floor = runner.GAP_FLOOR
    type_size = theme.font_size * 0.85
    cross_row, label_row = theme.head_size * 1.3, type_size * 1.5  # points
    band = n * (cross_row + label_row) + type_size * 0.5
    stable = result.diverged == 0
    finals = np.where(stable, np.maximum(result.final, floor) if known else result.final, np.nan)
    top, inches = ax.get_xaxis_transform(), figure.dpi_scale_trans
    for i, colour in enumerate(theme.run_colours(result.specs)):
        ax.plot(result.values, finals[i], color=colour, lw=theme.line_width)
        bad = ~stable[i]
        ax.plot(
            result.values[bad],
            np.ones(bad.sum()),
            "x",
            color=colour,
            ms=theme.head_size * 0.8,
            transform=top + ScaledTranslation(0, -(i + 0.5) * cross_row / 72, inches),
            clip_on=False,
        )[0].set_in_layout(False)
        threshold = result.threshold[i]
        at = threshold if np.isfinite(threshold) else result.values[-1]
        if np.isfinite(threshold):
            ax.axvline(threshold, color=colour, ls="--", lw=1)
        ax.annotate(
            _label(result, i),
            (at, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(0, -(n * cross_row + (i + 0.5) * label_row)),
            textcoords="offset points",
            va="center",
            color=colour,
            fontsize=type_size,
            bbox=dict(fc=theme.background, ec="none", pad=1),  # the dashed lines pass behind
            zorder=5,
        ).set_in_layout(False)  # inside the axes by construction
    if result.param in LOG_SCALED:
        ax.set_xscale("log")
    if known and (result.diverged == 0).any():  # with every run diverged there is no curve
        ax.set_yscale("log")
    ax.set_xlim(result.values[0], result.values[-1])
    _leave_room(ax, finals, known, band / (size[1] / DPI * 72 - 6 * theme.font_size))
    labels = list(ax.texts)
    if known and np.nanmin(finals, initial=np.inf) <= floor:
        ax.axhline(floor, color=theme.muted, ls=":", lw=1)
        ax.annotate(
            f"gaps below {floor:g} are drawn at {floor:g}",
            (0, floor),
            xycoords=("axes fraction", "data"),
            xytext=(4, 3),
            textcoords="offset points",
            color=theme.muted,
            fontsize=theme.font_size * 0.75,
        ).set_in_layout(False)
    ax.set_xlabel(result.param, color=theme.foreground, fontsize=theme.font_size)
    ax.set_ylabel(
        f"{'f − f*' if known else 'f'} after {result.steps} steps"
        + (" (median over starts)" if result.n_starts > 1 else ""),
        color=theme.foreground,
        fontsize=theme.font_size,
    )
    ax.set_facecolor(theme.background)
    theme_ticks(ax, theme, 0.9)
    ax.grid(True, color=theme.muted, alpha=0.25, lw=0.5)
    title(figure, f"{result.surface.name}: final loss against {result.param}", theme)
    _place_labels(figure, ax, labels, theme.font_size * 0.4)
    return figure


def _leave_room(ax, finals, log: bool, share: float) -> None:
    """Y limits that keep the curves out of the top ``share`` of the axes, where the crosses
    and labels go."""
    values = finals[np.isfinite(finals)]
    if values.size == 0:
        return
    lo, hi = values.min(), values.max()
    if log:
        lo, hi = np.log10(lo), np.log10(hi)
    pad = 0.05 * ((hi - lo) or 1.0)  # a flat curve still gets some room
    lo, hi = lo - pad, hi + pad
    top = hi + (hi - lo) * share / (1 - share)
    ax.set_ylim(*((10**lo, 10**top) if log else (lo, top)))


def _place_labels(figure, ax, labels, gap: float) -> None:
    """Each label right of its anchor if it fits inside the axes there, else left of it."""
    for text in labels:
        text.set_horizontalalignment("left")
        text.set_position((gap, text.get_position()[1]))
    figure.draw_without_rendering()
    renderer = figure.canvas.get_renderer()
    right_edge = ax.get_window_extent(renderer).x1
    for text in labels:
        if text.get_window_extent(renderer).x1 > right_edge:
            text.set_horizontalalignment("right")
            text.set_position((-gap, text.get_position()[1]))
