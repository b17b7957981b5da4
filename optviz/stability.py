"""Stability maps: the final loss against one hyper-parameter, every value run in one call.

For each optimizer, ``param`` takes ``points`` values between ``lo`` and ``hi`` (log-spaced for
learning rates, eps and noise; evenly spaced otherwise). The divergence threshold is the
smallest value at which some start diverged.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from optviz import external, rules, runner
from optviz import theme as themes
from optviz.spec import Spec, as_spec

LOG_SCALED = ("lr", "learning_rate", "eps", "noise")


@dataclasses.dataclass(frozen=True)
class Sweep:
    """``values`` (k,) of ``param``; ``final`` (n_opt, k) the final gap f - f* (the loss where
    f* is unknown), median over the starts; ``diverged`` (n_opt, k) the share of starts that
    diverged; ``threshold`` (n_opt,) the first value with any divergence, NaN if none."""

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

    def figure(self, **style):
        """This sweep drawn by `draw` (``size``, ``theme``)."""
        return draw(self, **style)


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
) -> Sweep:
    """Sweep ``param`` of each optimizer over [lo, hi] on ``surface``."""
    surface = runner.as_surface(surface)
    specs = [runner.complete(as_spec(o), surface) for o in optimizers]
    if not specs:
        raise ValueError("no optimizers given; name at least one, e.g. 'gd'")
    if param in rules.STATIC:
        raise ValueError(f"{param} cannot be swept: it sets the size of arrays, not a value")
    default_lo, default_hi = default_range(param)
    lo, hi = default_lo if lo is None else lo, default_hi if hi is None else hi
    if not lo < hi or (param in LOG_SCALED and lo <= 0):
        raise ValueError(
            f"range must have LO < HI{' and LO > 0' if param in LOG_SCALED else ''}"
            f", got {lo:g},{hi:g}"
        )
    values = np.geomspace(lo, hi, points) if param in LOG_SCALED else np.linspace(lo, hi, points)
    starts = runner.starts_of(surface, start, starts)
    pending = []
    for spec in specs:
        key = external.lr_key(spec.name) if param == "lr" else param
        # Check the range like a spec would, at both ends.
        spec.replace(**{key: float(values[0])}), spec.replace(**{key: float(values[-1])})
        pending.append(
            runner.summaries(
                surface, spec, starts, steps=steps, seed=seed, grid={key: values}, area=False
            )
        )
    finals, diverged = [], []
    for s in (p.numpy() for p in pending):
        finals.append(np.median(surface.gap(s.loss), axis=-1))
        diverged.append((s.diverged_at >= 0).mean(axis=-1))
    diverged = np.stack(diverged)
    threshold = np.array([values[np.argmax(d > 0)] if (d > 0).any() else np.nan for d in diverged])
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
    )


def draw(result: Sweep, *, size=(800, 500), theme: str = "light"):
    """Final loss (log scale) against the parameter; diverged values marked on the top edge and
    each optimizer's threshold drawn as a dashed line."""
    from optviz.drawing import new_figure, theme_ticks, title

    theme = themes.for_size(theme, size)
    figure = new_figure(size, theme)
    ax = figure.subplots()
    known = result.surface.fmin is not None
    floor = runner.GAP_FLOOR
    for i, label in enumerate(result.labels):
        colour = theme.colour(i)
        stable = result.diverged[i] == 0
        y = np.where(stable, result.final[i], np.nan)
        ax.plot(
            result.values,
            np.maximum(y, floor) if known else y,
            color=colour,
            lw=theme.line_width,
            label=label,
        )
        bad = ~stable
        ax.plot(
            result.values[bad],
            np.full(bad.sum(), 1.0),
            "x",
            color=colour,
            transform=ax.get_xaxis_transform(),
            clip_on=False,
            ms=theme.head_size,
        )
        if np.isfinite(result.threshold[i]):
            ax.axvline(result.threshold[i], color=colour, ls="--", lw=1)
            ax.annotate(
                f"diverges from {result.param} ≈ {result.threshold[i]:.3g}",
                (result.threshold[i], 0.02 + 0.06 * i),
                xycoords=("data", "axes fraction"),
                xytext=(4, 0),
                textcoords="offset points",
                color=colour,
                fontsize=theme.font_size * 0.85,
            )
    if result.param in LOG_SCALED:
        ax.set_xscale("log")
    if known:
        ax.set_yscale("log")
    ax.set_xlabel(result.param, color=theme.foreground)
    ax.set_ylabel(
        f"{'f − f*' if known else 'f'} after {result.steps} steps"
        + (" (median over starts)" if result.n_starts > 1 else ""),
        color=theme.foreground,
    )
    if known:
        ax.text(
            0.99,
            0.01,
            f"gaps below {floor:g} are drawn at {floor:g}",
            ha="right",
            va="bottom",
            transform=ax.transAxes,
            color=theme.muted,
            fontsize=theme.font_size * 0.75,
        )
    ax.set_facecolor(theme.background)
    theme_ticks(ax, theme)
    ax.grid(True, color=theme.muted, alpha=0.25, lw=0.5)
    ax.legend(
        fontsize=theme.font_size * 0.85,
        loc="upper left",
        frameon=False,
        labelcolor=theme.foreground,
    )
    title(
        figure,
        f"{result.surface.name}: final loss against {result.param} (× on top: diverged)",
        theme,
    )
    return figure
