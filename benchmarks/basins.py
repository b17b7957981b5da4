"""Basins of attraction at scale: `optviz basins himmelblau --grid 200 --steps 300` for the seven
classic optimizers (280,000 runs), end to end as a whole process, against the same work as a
per-start NumPy loop of the textbook formulas, timed on a sample of starts and extrapolated.

    python benchmarks/basins.py
"""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "tests"))

from optviz import basin_maps, presets, runner  # noqa: E402
from reference import textbook_path  # noqa: E402

GRID, STEPS, SAMPLE = 200, 300, 50


def himmelblau_grad(p):
    x, y = p
    a, b = x**2 + y - 11, x + y**2 - 7
    return np.array([4 * x * a + 2 * b, 2 * a + 4 * y * b])


def numpy_seconds_per_run(surface) -> float:
    rng = np.random.default_rng(0)
    _, _, starts = basin_maps.grid_starts(surface.bounds, GRID)
    sample = starts[rng.choice(len(starts), SAMPLE, replace=False)]
    begin = time.perf_counter()
    for spec in presets.lineup(surface):
        h = dict(runner.complete(spec, surface).hparams)
        if h.pop("batch", None) is not None:
            h["rng"] = rng
        for start in sample:
            textbook_path(spec.name, himmelblau_grad, start, STEPS, **h)
    return (time.perf_counter() - begin) / SAMPLE  # seconds per start, all seven optimizers


def main() -> None:
    surface = runner.as_surface("himmelblau")
    runs = GRID * GRID * len(presets.LINEUP)
    with tempfile.TemporaryDirectory() as folder:
        env = dict(os.environ, OPTVIZ_CACHE=str(pathlib.Path(folder) / "cache"))
        command = [
            sys.executable,
            "-m",
            "optviz",
            "basins",
            "himmelblau",
            "--grid",
            str(GRID),
            "--steps",
            str(STEPS),
            "-o",
            str(pathlib.Path(folder) / "basins.png"),
        ]

        def timed():
            begin = time.perf_counter()
            subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL)
            return time.perf_counter() - begin

        cold = timed()
        warm = min(timed() for _ in range(3))
    basin_maps.basins(surface, None, grid=GRID, steps=STEPS)  # compile in this process
    begin = time.perf_counter()
    basin_maps.basins(surface, None, grid=GRID, steps=STEPS)
    runs_only = time.perf_counter() - begin
    numpy = numpy_seconds_per_run(surface) * GRID * GRID
    print(
        f"himmelblau basins: {GRID}x{GRID} starts x 7 optimizers = {runs:,} runs of {STEPS} steps\n"
    )
    print(f"{'optviz basins, whole command, cold cache':<44}{cold:>9.2f} s")
    print(f"{'optviz basins, whole command, warm cache':<44}{warm:>9.2f} s")
    print(f"{'optviz, the 280,000 runs alone (compiled)':<44}{runs_only:>9.2f} s")
    print(f"{'NumPy loop, extrapolated from ' + str(SAMPLE) + ' starts':<44}{numpy:>9.0f} s")
    print(
        f"\nthroughput against the loop: the runs {numpy / runs_only:.0f}x; the whole command "
        f"{numpy / warm:.0f}x warm, {numpy / cold:.0f}x cold"
    )
    print("targets: >= 300x, whole command under 10 s")


if __name__ == "__main__":
    main()
