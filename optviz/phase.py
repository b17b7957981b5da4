"""The (lr, β) map: an optimizer's measured convergence rate over a grid of learning rate ×
one more hyper-parameter, every point run in one vmapped call, as in Goh's "Why Momentum Really
Works" (Distill 2017).

Each point's rate is `tuning.measured_rate` of its runs (the factor by which the distance to
the minimum shrinks per step, averaged over the starts); a point where some start diverged has
none. On a quadratic surface, heavy ball's theory (`optviz.quadratic`) is drawn on top: the
boundary lr = 2(1 + β)/L beyond which it diverges, the rate it predicts as contour lines, and
Polyak's best point.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from optviz import external, quadratic, runner, stability, tuning
from optviz import theme as themes
from optviz.spec import Spec, as_spec

RATE_LEVELS = (0.7, 0.8, 0.9, 0.95, 0.99)  # the contour lines of the theoretical rate


@dataclasses.dataclass(frozen=True)
class RateMap:
    """``rate`` (len(values2), len(values)): the measured rate at each (param2, lr) point, NaN
    where some start diverged; ``theory`` the same from heavy ball's formula (quadratic
    surfaces, momentum over lr x beta), else None."""

    surface: object
    spec: Spec
    label: str
    param2: str
    values: np.ndarray  # learning rates
    values2: np.ndarray
    rate: np.ndarray
    theory: np.ndarray | None
    curvatures: np.ndarray | None
    steps: int
    n_starts: int

    def figure(self, **style):
        """This map drawn by `draw` (``size``, ``theme``)."""
        return draw(self, **style)

    def fastest(self) -> tuple[float, float, float] | None:
        """(lr, param2 value, rate) of the grid point with the lowest measured rate."""
        if not np.isfinite(self.rate).any():
            return None
        row, col = np.unravel_index(np.nanargmin(self.rate), self.rate.shape)
        return float(self.values[col]), float(self.values2[row]), float(self.rate[row, col])

    def deviation(self) -> float | None:
        """The largest relative difference between the measured and the theoretical rate over
        the points where every run converged (measured rate < 1); None without theory."""
        if self.theory is None:
            return None
        converged = self.rate < 1  # NaN (diverged) compares False
        return float(np.max(np.abs(self.rate[converged] / self.theory[converged] - 1)))

    def as_dict(self) -> dict:
        out = {
            "surface": self.surface.name,
            "spec": str(self.spec),
            "param": "lr",
            "param2": self.param2,
            "steps": self.steps,
        }
        if self.fastest():
            lr, value, rate = (float(f"{v:.4g}") for v in self.fastest())
            out["fastest"] = {"lr": lr, self.param2: value, "rate": rate}
        if self.theory is not None:
            best = quadratic.best("momentum", self.curvatures)
            out["theory"] = {k: float(f"{v:.4g}") for k, v in best._asdict().items()}
            out["largest_deviation_from_theory"] = float(f"{self.deviation():.4g}")
        return out

    def report(self) -> str:
        """The fastest point measured and, on a quadratic, what theory says."""
        if not self.fastest():
            return f"{self.label}: every point diverged"
        lr, value, rate = self.fastest()
        lines = [
            f"{self.label}: fastest measured rate {rate:.4g} at lr = {lr:.4g}, "
            f"{self.param2} = {value:.4g}"
        ]
        if self.theory is not None:
            best = quadratic.best("momentum", self.curvatures)
            lines.append(
                f"theory (Polyak): lr = {best.lr:.4g}, beta = {best.beta:.4g}, rate {best.rate:.4g}"
            )
            lines.append(
                f"measured rates within {100 * self.deviation():.2g} % of theory wherever the "
                "runs converge"
            )
        return "\n".join(lines)


def rate_map(
    surface,
    optimizer,
    *,
    param2: str = "beta",
    lo: float | None = None,
    hi: float | None = None,
    lo2: float = 0.0,
    hi2: float = 0.99,
    points: int = 120,
    points2: int = 100,
    start=None,
    starts=None,
    steps: int = 300,
    seed: int = 0,
) -> RateMap:
    """Measure ``optimizer``'s convergence rate on ``surface`` at every point of a grid of
    ``points`` learning rates in [lo, hi] (log-spaced) × ``points2`` values of ``param2`` in
    [lo2, hi2], in one call."""
    surface = runner.as_surface(surface)
    if surface.fmin is None:
        raise ValueError(f"a rate map needs a known minimum, and {surface.name} has none")
    spec = runner.complete(as_spec(optimizer), surface)
    if param2 not in tuning.SECOND or param2 not in dict(spec.hparams):
        raise ValueError(
            f"{spec.name} has no {param2} to map; the second parameter is one of "
            f"{', '.join(tuning.SECOND)} that the optimizer has"
        )
    lo = stability.default_range("lr")[0] if lo is None else lo
    hi = stability.default_range("lr")[1] if hi is None else hi
    if not 0 < lo < hi or not lo2 < hi2:
        raise ValueError(f"ranges must have 0 < LO < HI, got {lo:g},{hi:g} and {lo2:g},{hi2:g}")
    key = external.lr_key(spec.name)
    spec.replace(**{param2: lo2}), spec.replace(**{param2: hi2})  # checked like a spec
    starts = runner.starts_of(surface, start, starts)
    tuning.check_size(points * points2, len(starts), steps)
    values, values2 = np.geomspace(lo, hi, points), np.linspace(lo2, hi2, points2)
    lr, second = np.meshgrid(values, values2)
    grid = {key: lr.ravel(), param2: second.ravel()}
    loss, diverged_at = runner.losses(surface, spec, starts, steps=steps, seed=seed, grid=grid)
    gap = surface.gap(np.asarray(loss))
    rate = tuning.measured_rate(np.moveaxis(gap, 1, -1)).mean(axis=-1)
    rate = np.where((np.asarray(diverged_at) >= 0).any(axis=-1), np.nan, rate).reshape(lr.shape)
    curvatures = quadratic.curvatures(surface)
    theory = None
    if curvatures is not None and spec.name == "momentum" and param2 == "beta":
        theory = quadratic.heavy_ball_rate(lr, second, curvatures)
    return RateMap(
        surface,
        spec,
        runner.label(spec, surface, ("lr", "learning_rate", param2)),
        param2,
        values,
        values2,
        rate,
        theory,
        curvatures,
        steps,
        len(starts),
    )


def draw(result: RateMap, *, size=(800, 560), theme: str = "light"):
    """The measured rate as colour (the diverged region in the theme's muted tone), and on a
    quadratic surface heavy ball's theory on top: the divergence boundary, the rate's contour
    lines, Polyak's point; every line labelled where it is drawn."""
    import matplotlib

    from optviz.drawing import new_figure, theme_ticks, title

    theme = themes.for_size(theme, size)
    figure = new_figure(size, theme)
    ax = figure.subplots()
    cmap = matplotlib.colormaps["viridis"].with_extremes(bad=theme.muted)
    finite = np.isfinite(result.rate)
    mesh = ax.pcolormesh(
        result.values,
        result.values2,
        np.ma.masked_invalid(result.rate),
        cmap=cmap,
        vmin=np.floor(np.nanmin(result.rate, initial=1.0) * 20) / 20 if finite.any() else 0,
        vmax=1,
        shading="nearest",
        rasterized=True,
    )
    ax.set_xscale("log")
    type_size = theme.font_size * 0.85
    text = dict(
        fontsize=type_size,
        color=theme.foreground,
        bbox=dict(fc=theme.background, ec="none", pad=1.5, alpha=0.85),
    )
    if result.theory is not None:
        _draw_theory(ax, result, theme, text)
    colourbar = figure.colorbar(mesh, ax=ax, pad=0.02)
    colourbar.set_label(
        "measured rate (distance × rate per step)", color=theme.foreground, fontsize=type_size
    )
    colourbar.ax.tick_params(colors=theme.muted, labelcolor=theme.foreground, labelsize=type_size)
    ax.set_xlabel("lr", color=theme.foreground, fontsize=theme.font_size)
    ax.set_ylabel(result.param2, color=theme.foreground, fontsize=theme.font_size)
    theme_ticks(ax, theme, 0.9)
    note = f"grey: diverged within {result.steps} steps" + (
        "\ndashed: the rate theory gives" if result.theory is not None else ""
    )
    ax.text(0.01, 0.01, note, transform=ax.transAxes, ha="left", va="bottom", **text)
    title(
        figure, f"{result.surface.name}: {result.label}'s rate over lr × {result.param2}", theme
    )
    return figure


def _draw_theory(ax, result: RateMap, theme, text: dict) -> None:
    """Heavy ball's theory on the map: the rate's contour lines (dashed), the divergence
    boundary lr = 2(1 + β)/L and Polyak's point, each labelled where it is drawn."""
    lines = ax.contour(
        result.values,
        result.values2,
        result.theory,
        levels=RATE_LEVELS,
        colors="white",
        linewidths=0.9,
        linestyles="--",
    )
    ax.clabel(lines, fmt="%g", fontsize=text["fontsize"] * 0.9)
    beta = result.values2
    edge = 2 * (1 + beta) / float(result.curvatures.max())
    inside = (edge >= result.values[0]) & (edge <= result.values[-1])
    ax.plot(edge[inside], beta[inside], color=theme.foreground, lw=theme.line_width)
    if inside.any():  # labelled three quarters up, clear of Polyak's point
        at = np.flatnonzero(inside)[int(0.75 * inside.sum())]
        ax.annotate(
            "theory: diverges above lr = 2(1 + β)/L",
            (edge[at], beta[at]),
            xytext=(-6, 0),
            textcoords="offset points",
            ha="right",
            va="center",
            **text,
        )
    best = quadratic.best("momentum", result.curvatures)
    if result.values[0] <= best.lr <= result.values[-1] and beta[0] <= best.beta <= beta[-1]:
        ax.plot(best.lr, best.beta, "*", ms=theme.head_size * 2, mfc="white", mec="black")
        ax.annotate(
            f"Polyak: lr = {best.lr:.3g}, β = {best.beta:.3g}, rate {best.rate:.3g}",
            (best.lr, best.beta),
            xytext=(-8, -4),
            textcoords="offset points",
            ha="right",
            va="top",
            **text,
        )
