"""Many starts: 1,000 starts of three optimizers drawn as a cloud, against the single-start job.

`benchmarks/render.py`'s job (Beale, the seven classic optimizers from one start, 300 steps,
150 frames, 640x480 GIF) and the same job with ``--init normal:0.5 --starts 1000`` and three
optimizers (3,000 runs of 300 steps), both as whole processes with a warm compilation cache,
best of three. Target: the cloud takes at most twice the single start's time.

    python benchmarks/cloud.py
"""

from __future__ import annotations

import os
import pathlib
import tempfile

from render import job, timed

CLOUD = ("--init", "normal:0.5", "--starts", "1000", "--opt", "gd", "--opt", "momentum")
CLOUD += ("--opt", "adam")


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        folder = pathlib.Path(folder)
        env = dict(os.environ, OPTVIZ_CACHE=str(folder / "cache"))
        single, cloud = job(folder / "single.gif"), job(folder / "cloud.gif", *CLOUD)
        timed(single, env), timed(cloud, env)  # fill the compilation cache
        one = min(timed(single, env) for _ in range(3))
        many = min(timed(cloud, env) for _ in range(3))
        sizes = [(folder / name).stat().st_size / 1024 for name in ("single.gif", "cloud.gif")]
    print("Beale, 300 steps, 150 frames, 640x480 GIF, warm cache, best of three\n")
    print(f"{'':<40}{'time (s)':>10}{'size (KB)':>11}")
    print(f"{'7 optimizers x 1 start':<40}{one:>10.2f}{sizes[0]:>11.0f}")
    print(f"{'3 optimizers x 1,000 starts (normal:0.5)':<40}{many:>10.2f}{sizes[1]:>11.0f}")
    print(f"\nthe cloud takes {many / one:.2f}x the single start's time; target at most 2x")


if __name__ == "__main__":
    main()
