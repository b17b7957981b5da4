"""Engine throughput: `optviz.run` against a plain NumPy per-point loop of the same rules.

Rosenbrock, 500 steps, the seven classic rules, 1 / 1,000 / 10,000 starts. For optviz the first
call (compile + run) and the warm call (best of 3) are timed apart; the NumPy loop runs the
textbook formulas of tests/reference.py on a sample of starts and is extrapolated per point.

    python benchmarks/engine.py
"""

from __future__ import annotations

import pathlib
import sys
import time

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "tests"))

import optviz  # noqa: E402
from optviz import presets, runner  # noqa: E402
from reference import GRADIENTS, textbook_path  # noqa: E402

STEPS = 500
SIZES = (1, 1_000, 10_000)
SAMPLE = 20


def _starts(n: int) -> np.ndarray:
    rng = np.random.default_rng(0)
    return np.column_stack([rng.uniform(-2, 2, n), rng.uniform(-1, 3, n)])


def _timed(fn) -> float:
    begin = time.perf_counter()
    fn()
    return time.perf_counter() - begin


def main() -> None:
    surface = runner.as_surface("rosenbrock")
    specs = [runner.complete(s, surface) for s in presets.lineup(surface)]
    print(f"rosenbrock, {STEPS} steps; times in ms; NumPy extrapolated from {SAMPLE} starts\n")
    print(f"{'optimizer':<24}{'starts':>8}{'compile':>10}{'warm':>10}{'numpy':>12}{'ratio':>9}")
    ratios = []
    for spec in specs:
        h = dict(spec.hparams)
        if h.pop("batch", None) is not None:
            h["rng"] = np.random.default_rng(0)
        sample = _starts(SAMPLE)
        with np.errstate(all="ignore"):  # some sampled starts diverge, as they do in optviz
            per_point = (
                _timed(
                    lambda: [
                        textbook_path(spec.name, GRADIENTS["rosenbrock"], s, STEPS, **h)
                        for s in sample
                    ]
                )
                / SAMPLE
            )
        for n in SIZES:
            starts = _starts(n)
            first = _timed(lambda: optviz.run(surface, [spec], starts=starts, steps=STEPS))
            warm = min(
                _timed(lambda: optviz.run(surface, [spec], starts=starts, steps=STEPS))
                for _ in range(3)
            )
            numpy = per_point * n
            ratio = numpy / warm
            if n == SIZES[-1]:
                ratios.append(ratio)
            print(
                f"{spec.name:<24}{n:>8}{(first - warm) * 1e3:>10.0f}{warm * 1e3:>10.1f}"
                f"{numpy * 1e3:>12.0f}{ratio:>8.0f}x"
            )
    print(
        f"\nat {SIZES[-1]:,} starts, warm: optviz does {min(ratios):.0f}x to {max(ratios):.0f}x "
        f"the NumPy loop's throughput (target: >= 300x)"
    )


if __name__ == "__main__":
    main()
