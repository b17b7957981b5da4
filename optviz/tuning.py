"""Fair hyper-parameters: every optimizer gets the learning rate (and, if asked, the momentum)
that suits it best.

Hand-picked rates make any optimizer look good or bad. `tune` runs each optimizer at every rate
of a log grid, 1e-5 to 10, eight per decade (with ``param``, on a 2-D grid of rate × that
parameter), all in one vmapped call from the same starts, and scores each point by a metric
averaged over the starts. It then refines around the best point: a few rounds of a finer grid
spanning the best point's neighbours, each one vmapped call as large as the first (so that
they all reuse its compiled code), until the rate is known to 0.1 %.
Points at which any start diverged are never chosen. Metrics, with gap = f − f* (the loss
itself where f* is unknown):

- ``final``: log10 of the final gap;
- ``auc``: the mean of log10(gap) over the steps, the area under the loss curve on a log scale,
  which rewards getting low early as well as ending low;
- ``steps-to-tol``: the first step with gap <= tol (steps + 1 where never);
- ``rate``: the measured convergence rate, the factor by which the distance to the minimum
  shrinks per step (see `measured_rate`), what the theory of quadratics optimises.

Gaps below `runner.GAP_FLOOR` count as reached for ``final`` and ``auc``. Scores within 1e-6
(relative) of the best tie; ties are broken by a second criterion, the area under the curve
(the final gap for ``auc`` and ``rate``), then by the smaller rate, and the result says so.
"""

from __future__ import annotations

import dataclasses
import math
import numbers

import numpy as np

from optviz import external, limits, presets, quadratic, runner
from optviz.spec import Spec, as_spec

METRICS = ("final", "auc", "steps-to-tol", "rate")
LEARNING_RATES = np.logspace(-5, 1, 49)  # 1e-5 to 10, eight per decade
# What can be tuned together with the rate: parameters in [0, 1), on a grid even in
# log(1 − value), so that 0.9, 0.99 and 0.999 are as far apart as 0, 0.9 and 0.99.
SECOND = ("beta", "b1", "b2", "rho")
SECOND_VALUES = 1 - np.geomspace(1, 1e-3, 25)  # 0 to 0.999
TIE = 1e-6  # scores this close (relative) to the best tie: float32 tells them no further
PRECISION = 1e-3  # refine until neighbouring points differ by this factor
ROUNDS = 12  # refining calls at most
MAX_ENTRIES = 50_000_000  # loss values one call may keep (grid points x starts x steps)
_SECONDARY = {"final": "auc", "auc": "final", "steps-to-tol": "auc", "rate": "final"}


@dataclasses.dataclass(frozen=True)
class Tuned:
    """The outcome for one optimizer. ``stable`` is the range of grid rates below the first at
    which a start diverged (None if even the smallest diverged), at the chosen ``param``.
    ``rate`` is the measured convergence rate of the chosen point; ``tie`` says how a tie was
    broken (None if there was none); ``theory`` is the best the rule can do on a quadratic
    surface (`quadratic.best`), None elsewhere or for rules the theory does not cover."""

    spec: Spec  # with the best learning rate (and param)
    lr: float | None
    metric: str
    value: float | None
    stable: tuple[float, float] | None
    scores: np.ndarray  # per grid point, (lr,) or (param, lr); inf where some start diverged
    param: str | None = None
    param_value: float | None = None
    rate: float | None = None
    tie: str | None = None
    theory: quadratic.Best | None = None
    theory_rate: float | None = None  # what theory gives at the chosen values (quadratic)

    def as_dict(self) -> dict:
        out = {
            "optimizer": self.spec.name,
            "spec": str(self.spec),
            "lr": self.lr,
            "metric": self.metric,
            "value": self.value,
            "rate": self.rate,
            "tie": self.tie,
            "stable_lr": list(self.stable) if self.stable else None,
        }
        if self.param:
            out[self.param] = self.param_value
        if self.theory:
            out["theory"] = {k: float(f"{v:.4g}") for k, v in self.theory._asdict().items()}
            out["theory"]["rate_at_tuned"] = float(f"{self.theory_rate:.4g}")
        return out


def measured_rate(gap: np.ndarray) -> np.ndarray:
    """The convergence rate of each run from its gap curve ``gap`` (..., steps + 1): the factor
    by which the distance to the minimum shrinks per step, 10**(s/2) for the least-squares slope
    s of the upper envelope of log10(gap) (the largest gap from each step on, so that an
    oscillating run is measured by its peaks) over the steps until the run comes within a tenth
    (on the log scale) of its lowest gap, where float precision or the end of the run stops it.
    The gap of a smooth minimum is quadratic in the distance, hence the half. A run at the
    floor (`runner.GAP_FLOOR` or below) after a step has rate 0, one that stalls after a step
    is fitted over all its steps (rate near 1), and one that ends no lower than it started is
    fitted over all its steps without the envelope (rate >= 1)."""
    dtype = gap.dtype if np.issubdtype(gap.dtype, np.floating) else np.float64
    raw = np.log10(np.maximum(np.asarray(gap, dtype=float), np.finfo(dtype).tiny))
    envelope = np.flip(np.maximum.accumulate(np.flip(raw, -1), axis=-1), -1)
    converging = raw[..., -1] < raw[..., 0]
    log = np.where(converging[..., None], envelope, raw)
    lowest, first = log.min(axis=-1), log[..., 0]
    t = np.arange(log.shape[-1])
    end = np.argmax(log <= (lowest + 0.1 * (first - lowest))[..., None], axis=-1)
    at_once = (end < 2) & (lowest <= np.log10(runner.GAP_FLOOR))
    end = np.where(end < 2, t[-1], end)[..., None]
    window = t <= end
    count = window.sum(axis=-1)
    t_mean = (window * t).sum(axis=-1) / count
    log_mean = (window * log).sum(axis=-1) / count
    dt = np.where(window, t - t_mean[..., None], 0)
    spread = (dt * dt).sum(axis=-1)
    slope = (dt * (log - log_mean[..., None])).sum(axis=-1) / np.where(spread > 0, spread, 1)
    return np.where(at_once, 0.0, 10 ** (slope / 2))


def scores(surface, loss, diverged_at, metric: str, tol: float) -> tuple[np.ndarray, ...]:
    """(score, second criterion) per grid point from loss curves (k, steps + 1, n), averaged
    over the starts; lower is better, inf where some start diverged."""
    steps = loss.shape[1] - 1

    def per_start(name):
        if name == "final":
            return np.asarray(runner.log_gap(surface, loss[:, -1]), dtype=float)
        if name == "auc":
            return np.asarray(runner.log_gap(surface, loss), dtype=float).mean(axis=1)
        if name == "rate":
            return measured_rate(np.moveaxis(surface.gap(loss), 1, -1))
        reached = surface.gap(loss) <= tol
        return np.where(reached.any(axis=1), np.argmax(reached, axis=1), steps + 1)

    bad = (diverged_at >= 0).any(axis=-1)
    return tuple(
        np.where(bad, np.inf, per_start(name).astype(float).mean(axis=-1))
        for name in (metric, _SECONDARY[metric])
    )


def _choose(primary, secondary, order) -> tuple[int, int]:
    """The index of the best point and how many points tied with it on ``primary``."""
    best = primary.min()
    tied = np.flatnonzero(primary <= best + TIE * max(1.0, abs(best)))
    chosen = min(tied, key=lambda i: (secondary[i], order[i]))
    return int(chosen), len(tied)


def _tie_note(count: int, metric: str) -> str | None:
    if count < 2:
        return None
    return f"{count} points tied on {metric}; chose by {_SECONDARY[metric]}, then the smaller lr"


def _rates(learning_rates) -> np.ndarray:
    """``learning_rates`` as a 1-D float array of 2 to `limits.MAX_RATES` increasing rates > 0,
    finite in float32."""
    try:
        lrs = np.asarray(learning_rates, dtype=float)
    except (TypeError, ValueError):
        lrs = np.zeros(0)
    if not (
        lrs.ndim == 1
        and 2 <= lrs.size <= limits.MAX_RATES
        and np.all(lrs > 0)
        and np.all(np.diff(lrs) > 0)
        and np.all(lrs <= limits.FLOAT32_MAX)
    ):
        raise ValueError(
            f"learning_rates must be at least two increasing numbers > 0 (at most "
            f"{limits.MAX_RATES}, finite in float32), got {learning_rates!r:.60}"
        )
    return lrs


def tune(
    surface,
    optimizers=None,
    *,
    start=None,
    starts=None,
    steps: int = 200,
    metric: str | None = None,
    param: str | None = None,
    tol: float = 1e-4,
    seed: int = 0,
    learning_rates=LEARNING_RATES,
    init=None,
    l1: float = 0.0,
    l2: float = 0.0,
) -> list[Tuned]:
    """The best learning rate of each optimizer (default: the surface's lineup) on ``surface``
    from ``start``/``starts`` (default: its own start) or ``starts=N`` drawn from ``init``, by
    ``metric``; with ``param`` (one of `SECOND`, e.g. 'beta'), the best rate and value of that
    parameter together. The default
    metric is ``auc`` for the rate alone and ``rate`` with ``param``: heavy ball's β trades
    its first steps for its speed later, and ``rate`` is what the theory optimises. ``l1``,
    ``l2`` add a penalty to the surface (see `optviz.run`)."""
    metric = metric or ("rate" if param else "auc")
    if isinstance(tol, bool) or not isinstance(tol, numbers.Real) or not 0 < tol < math.inf:
        raise ValueError(f"tol must be a finite number > 0, got {tol!r}")
    surface = runner.as_surface(surface, l1, l2)
    specs = [as_spec(o) for o in optimizers] if optimizers else presets.lineup(surface)
    starts = runner.starts_of(surface, start, starts, init, seed)
    steps = runner.check_steps(steps)
    lrs = _rates(learning_rates)
    grid_size = lrs.size * (SECOND_VALUES.size if param else 1)
    check_size(grid_size, len(starts), steps)
    limits.check_work(steps, len(starts), len(specs), grid_size)
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; choose from: {', '.join(METRICS)}")
    if metric == "rate" and surface.fmin is None:
        raise ValueError(f"metric rate needs a known minimum, and {surface.name} has none")
    if param is not None and param not in SECOND:
        raise ValueError(
            f"cannot tune {param!r} with the learning rate; choose from: {', '.join(SECOND)}"
        )
    for spec in specs:
        if param and param not in dict(runner.complete(spec, surface).hparams):
            raise ValueError(f"{spec.name} has no {param} to tune")
    curvatures = quadratic.curvatures(surface) if surface.fmin is not None else None
    run = dict(starts=starts, steps=steps, seed=seed, metric=metric, tol=tol)
    return [_tune_one(surface, spec, lrs, param, curvatures, **run) for spec in specs]


def check_size(grid_size: int, n_starts: int, steps: int) -> None:
    """``ValueError`` if the loss curves of one call would not fit in `MAX_ENTRIES`."""
    if grid_size * n_starts * (steps + 1) > MAX_ENTRIES:
        raise ValueError(
            f"{grid_size:,} grid points x {n_starts:,} starts x {steps:,} steps is too much to "
            f"keep (limit {MAX_ENTRIES:,}); use fewer starts, steps or points"
        )


def _tune_one(surface, spec, lrs, param, curvatures, *, starts, steps, seed, metric, tol):
    key = external.lr_key(spec.name)
    keys = (key, param) if param else (key,)

    # The search runs in u = (log lr, log(1 - param)), where the grids are even.
    grid_u = [np.log(lrs)] + ([np.log1p(-SECOND_VALUES)] if param else [])
    axes = np.meshgrid(*grid_u, indexing="ij")
    points_u = np.stack([a.ravel() for a in axes], axis=-1)

    def evaluate(points):  # (k, len(keys)) -> primary, secondary, loss, diverged_at
        # Every call is padded to the first one's size, so that all reuse its compiled code.
        padded = np.concatenate([points, np.repeat(points[:1], len(points_u) - len(points), 0)])
        grid = {name: padded[:, j] for j, name in enumerate(keys)}
        loss, diverged_at = runner.losses(surface, spec, starts, steps=steps, seed=seed, grid=grid)
        loss, diverged_at = np.asarray(loss)[: len(points)], np.asarray(diverged_at)[: len(points)]
        return (*scores(surface, loss, diverged_at, metric, tol), loss, diverged_at)

    primary, secondary, _, _ = evaluate(_from_u(points_u))
    coarse = primary.reshape(axes[0].shape)
    if not np.isfinite(primary).any():
        return Tuned(spec, None, metric, None, None, coarse.T, param)
    chosen, ties = _choose(primary, secondary, np.lexsort(points_u.T[::-1]).argsort())
    row = np.unravel_index(chosen, axes[0].shape)[1:]
    diverged = ~np.isfinite(coarse[(slice(None), *row)])
    first_bad = int(np.argmax(diverged)) if diverged.any() else len(lrs)
    stable = (float(lrs[0]), float(lrs[first_bad - 1])) if first_bad > 0 else None
    steps_u = [np.diff(g).mean() for g in grid_u]
    m = int(len(points_u) ** (1 / len(keys)))  # points per axis that fit in one call
    best_u, value = _refine(evaluate, points_u[chosen], primary[chosen], steps_u, m)
    values = [float(f"{v:.4g}") for v in _from_u(best_u[None])[0]]
    tuned = spec.replace(**dict(zip(keys, values)))
    _, _, loss, _ = evaluate(np.array([values]))  # the reported values, for their rate
    rate = float(measured_rate(np.moveaxis(surface.gap(loss), 1, -1)).mean())
    theory = theory_rate = None
    if curvatures is not None and spec.name in quadratic.THEORY:
        theory = quadratic.best(spec.name, curvatures)
        beta = dict(runner.complete(tuned, surface).hparams).get("beta", 0.0)
        theory_rate = float(quadratic.heavy_ball_rate(values[0], beta, curvatures))
    return Tuned(
        spec=tuned,
        lr=values[0],
        metric=metric,
        value=float(value),
        stable=stable,
        scores=coarse.T,
        param=param,
        param_value=values[1] if param else None,
        rate=float(f"{rate:.4g}"),
        tie=_tie_note(ties, metric),
        theory=theory,
        theory_rate=theory_rate,
    )


def _refine(evaluate, best_u, value, steps_u, m: int):
    """Zoom in on ``best_u``: a grid of ``m`` points per axis spanning its neighbours
    (``steps_u`` away) runs in one call; the best becomes the centre, and an axis's span shrinks to two of
    the last grid's spacings (a quarter: some slack for scores that are not smooth) unless the
    best lies on its edge (then the grid only moves), until neighbours are `PRECISION` apart
    (at most `ROUNDS` calls). Ties are broken as on the coarse grid."""
    steps_u = np.array(steps_u)
    for _ in range(ROUNDS):
        if steps_u.max() <= PRECISION:
            break
        offsets = np.meshgrid(*[np.linspace(-s, s, m) for s in steps_u], indexing="ij")
        candidates = best_u + np.stack([o.ravel() for o in offsets], axis=-1)
        if len(steps_u) > 1:  # the parameter stays in [0, 1)
            candidates[:, 1] = np.minimum(candidates[:, 1], 0.0)
        # The best point so far is among the candidates, so some are finite.
        p, s, _, _ = evaluate(_from_u(candidates))
        i, _ = _choose(p, s, np.lexsort(candidates.T[::-1]).argsort())
        edge = np.isin(np.unravel_index(i, (m,) * len(steps_u)), (0, m - 1))
        if len(steps_u) > 1:  # at param = 0 the grid cannot move further
            edge[1] &= candidates[i, 1] < 0
        best_u, value = candidates[i], p[i]
        steps_u = np.where(edge, steps_u, 4 * steps_u / (m - 1))
    return best_u, value


def _from_u(points_u: np.ndarray) -> np.ndarray:
    """Points (k, 1 or 2) of (log lr, log(1 - param)) as (lr, param)."""
    out = np.exp(points_u)
    if out.shape[1] > 1:
        out[:, 1] = 0.0 - np.expm1(points_u[:, 1])  # 0.0 -: no -0 at param = 0
    return out


def format_table(results: list[Tuned]) -> str:
    """The results as a plain-text table, then the notes: ties broken, and on a quadratic
    surface what the theory gives and the rate measured."""
    param = results[0].param
    head = ["optimizer", "best lr"] + ([param] if param else [])
    rate_column = results[0].metric != "rate"
    rows = [(*head, results[0].metric, *(["rate"] * rate_column), "stable lr range")]
    for r in results:
        stable = f"{r.stable[0]:.2g} .. {r.stable[1]:.2g}" if r.stable else "none"
        cells = [str(r.spec.name), f"{r.lr:.4g}" if r.lr else "-"]
        if param:
            cells.append(f"{r.param_value:.4g}" if r.param_value is not None else "-")
        cells.append(f"{r.value:.4g}" if r.value is not None else "all diverged")
        if rate_column:
            cells.append(f"{r.rate:.4g}" if r.rate is not None else "-")
        cells.append(stable)
        rows.append(tuple(cells))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows]
    notes = []
    for r in results:
        if r.tie:
            notes.append(f"{r.spec.name}: {r.tie}")
        if r.theory and r.lr:
            t = r.theory
            best = f"lr = {t.lr:.4g}" + (f", beta = {t.beta:.4g}" if r.spec.name != "gd" else "")
            notes.append(
                f"{r.spec.name}: measured rate {r.rate:.4g} per step (theory at these values "
                f"{r.theory_rate:.4g}); the best on this quadratic: {best}, rate {t.rate:.4g}"
            )
    return "\n".join(lines + ([""] + notes if notes else []))
