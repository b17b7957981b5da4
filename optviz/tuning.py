"""Fair learning rates: every optimizer gets the learning rate that suits it best.

Hand-picked rates make any optimizer look good or bad. `tune` runs each optimizer at every rate
of a log grid (all of them in one vmapped call) from the same starts, scores each rate by a
metric averaged over the starts, and keeps the best rate among those at which no start
diverged. Metrics, with gap = f - f* (the loss itself where f* is unknown):

- ``final``: log10 of the final gap;
- ``auc``: the mean of log10(gap) over the steps, the area under the loss curve on a log scale,
  which rewards getting low early as well as ending low;
- ``steps-to-tol``: the first step with gap <= tol (steps + 1 where never).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from optviz import external, presets, runner
from optviz.spec import Spec, as_spec

METRICS = ("final", "auc", "steps-to-tol")
LEARNING_RATES = np.logspace(-5, 1, 49)  # 1e-5 to 10, eight per decade


@dataclasses.dataclass(frozen=True)
class Tuned:
    """The outcome for one optimizer. ``stable`` is the range of grid rates below the first at
    which a start diverged (None if even the smallest diverged)."""

    spec: Spec  # with the best learning rate
    lr: float | None
    metric: str
    value: float | None
    stable: tuple[float, float] | None
    scores: np.ndarray  # per grid rate; inf where some start diverged

    def as_dict(self) -> dict:
        return {
            "optimizer": self.spec.name,
            "spec": str(self.spec),
            "lr": self.lr,
            "metric": self.metric,
            "value": self.value,
            "stable_lr": list(self.stable) if self.stable else None,
        }


def _score(summary: runner.Summary, surface, metric: str, steps: int) -> np.ndarray:
    """One score per grid rate (lower is better), averaged over the starts."""
    if metric == "final":
        per_start = np.asarray(runner.log_gap(surface, summary.loss))
    elif metric == "auc":
        per_start = summary.mean_log_gap
    else:
        per_start = np.where(summary.reached_at >= 0, summary.reached_at, steps + 1)
    score = per_start.astype(float).mean(axis=-1)
    return np.where((summary.diverged_at >= 0).any(axis=-1), np.inf, score)


def tune(
    surface,
    optimizers=None,
    *,
    start=None,
    starts=None,
    steps: int = 200,
    metric: str = "auc",
    tol: float = 1e-4,
    seed: int = 0,
    learning_rates=LEARNING_RATES,
) -> list[Tuned]:
    """The best learning rate of each optimizer (default: the surface's lineup) on ``surface``
    from ``start``/``starts`` (default: its own start), by ``metric``."""
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; choose from: {', '.join(METRICS)}")
    surface = runner.as_surface(surface)
    specs = [as_spec(o) for o in optimizers] if optimizers else presets.lineup(surface)
    starts = runner.starts_of(surface, start, starts)
    lrs = np.asarray(learning_rates, dtype=float)
    keys = [external.lr_key(spec.name) for spec in specs]
    pending = [
        runner.summaries(surface, spec, starts, steps=steps, seed=seed, tol=tol, grid={key: lrs})
        for spec, key in zip(specs, keys)
    ]
    results = []
    for spec, key, summary in zip(specs, keys, pending):
        scores = _score(summary.numpy(), surface, metric, steps)
        diverged = ~np.isfinite(scores)
        first_bad = int(np.argmax(diverged)) if diverged.any() else len(lrs)
        stable = (float(lrs[0]), float(lrs[first_bad - 1])) if first_bad > 0 else None
        if np.isfinite(scores).any():
            best = int(np.argmin(scores))
            lr = float(f"{lrs[best]:.3g}")
            value = float(scores[best])
            spec = spec.replace(**{key: lr})
        else:
            lr = value = None
        results.append(Tuned(spec, lr, metric, value, stable, scores))
    return results


def format_table(results: list[Tuned]) -> str:
    """The results as a plain-text table."""
    rows = [("optimizer", "best lr", f"{results[0].metric}", "stable lr range")]
    for r in results:
        stable = f"{r.stable[0]:.2g} .. {r.stable[1]:.2g}" if r.stable else "none"
        rows.append(
            (
                str(r.spec.name),
                f"{r.lr:.3g}" if r.lr else "-",
                f"{r.value:.4g}" if r.value is not None else "all diverged",
                stable,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows
    )
