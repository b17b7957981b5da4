"""How long tuning and sweeping take, and in how many jitted calls.

Each command runs as a whole process, first with an empty compilation cache, then warm (best
of three); in this process, the calls to the vmapped runs are counted.

    python benchmarks/tune.py
"""

from __future__ import annotations

import os
import pathlib
import sys
import tempfile
from unittest import mock

from click.testing import CliRunner
from render import timed  # benchmarks/render.py: a whole process, timed

from optviz import runner
from optviz.cli import main as cli

COMMANDS = [
    ["tune", "bowl", "--opt", "gd"],
    ["tune", "bowl", "--opt", "momentum", "--param", "beta"],
    ["tune", "rosenbrock"],
    ["sweep", "bowl", "--opt", "gd", "--opt", "momentum", "--opt", "adam"],
    ["sweep", "bowl", "--opt", "momentum", "--param2", "beta", "--range", "0.01,3"],
]


def calls(args, folder) -> int:
    """The vmapped calls ``args`` makes (each runs a whole grid of hyper-parameters)."""
    count = 0

    def counted(original):
        def wrapper(*a, **k):
            nonlocal count
            count += 1
            return original(*a, **k)

        return wrapper

    with (
        mock.patch.object(runner, "losses", counted(runner.losses)),
        mock.patch.object(runner, "summaries", counted(runner.summaries)),
    ):
        result = CliRunner().invoke(cli, [*args, *output(args, folder)])
    assert result.exit_code == 0, result.output
    return count


def output(args, folder) -> list[str]:
    return ["-o", str(pathlib.Path(folder) / "out.png")] if args[0] == "sweep" else []


def main() -> None:
    print("| command | jitted calls | first run (compiling) | later runs |")
    print("|---|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as folder:
        for args in COMMANDS:
            env = dict(os.environ, OPTVIZ_CACHE=str(pathlib.Path(folder) / "cache"))
            command = [sys.executable, "-m", "optviz", *args, *output(args, folder)]

            cold = timed(command, env)
            warm = min(timed(command, env) for _ in range(3))
            n = calls(args, folder)
            print(f"| `optviz {' '.join(args)}` | {n} | {cold:.1f} s | {warm:.1f} s |")


if __name__ == "__main__":
    main()
