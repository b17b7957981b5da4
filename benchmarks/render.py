"""End to end: the common blog recipe against the `optviz render` command on the same job.

Beale, the seven classic optimizers, 300 steps, 150 frames, a 640x480 GIF. Both run as whole
processes (imports included). optviz is timed with an empty compilation cache (the first run
on a machine) and with a warm one (every run after). The warm runs and the recipe's take
turns, three rounds, and each takes its best: a shared machine's speed drifts by a third over
minutes, and runs in turn see it in the same states.

    python benchmarks/render.py
"""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
ROUNDS = 3


def timed(command, env=None) -> float:
    begin = time.perf_counter()
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - begin


def job(output, *options) -> list[str]:
    """The command of the job: ``optviz render beale``, 300 steps, 150 frames, 640x480,
    with ``options`` added (the seven classic optimizers from one start without any)."""
    return [
        sys.executable,
        "-m",
        "optviz",
        "render",
        "beale",
        "--steps",
        "300",
        "--frames",
        "150",
        "--size",
        "640x480",
        *options,
        "-o",
        str(output),
    ]


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        folder = pathlib.Path(folder)
        blog_gif, ours_gif = folder / "blog.gif", folder / "optviz.gif"
        recipe = [sys.executable, str(HERE / "blog_recipe.py"), str(blog_gif)]
        env = dict(os.environ, OPTVIZ_CACHE=str(folder / "cache"))
        render = job(ours_gif)
        cold = timed(render, env)
        rounds = [(timed(recipe), timed(render, env)) for _ in range(ROUNDS)]
        blog, warm = (min(times) for times in zip(*rounds))
        blog_size, ours_size = blog_gif.stat().st_size, ours_gif.stat().st_size
    print("Beale, 7 optimizers, 300 steps, 150 frames, 640x480 GIF\n")
    print(f"{'':<26}{'time (s)':>10}{'size (KB)':>11}")
    print(f"{'blog recipe':<26}{blog:>10.2f}{blog_size / 1024:>11.0f}")
    print(f"{'optviz, cold cache':<26}{cold:>10.2f}{ours_size / 1024:>11.0f}")
    print(f"{'optviz, warm cache':<26}{warm:>10.2f}{ours_size / 1024:>11.0f}")
    print(
        f"\ntime: optviz takes 1/{blog / warm:.1f} of the recipe's (1/{blog / cold:.1f} cold); "
        f"target at most 1/8"
    )
    print(
        f"size: optviz's GIF is 1/{blog_size / ours_size:.1f} of the recipe's; target at most 1/4"
    )


if __name__ == "__main__":
    main()
