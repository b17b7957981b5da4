"""The gallery: scenes listed in a TOML file, each rendered by the very command its README entry
shows, so that every picture can be reproduced by copying one line.

A scene is a table ``[[scene]]`` with ``name``, ``title``, ``lesson`` and ``surface``, and
optionally ``command`` (default ``render``), ``optimizers`` (spec strings), ``starts``
([[x, y], ...], or how many starts to draw from ``init``), ``init``, ``steps``, ``frames``,
``fps``, ``size`` ("WxH"), ``layout``, ``theme``, ``loss_panel``, ``seed``, ``bounds``
([xmin, xmax, ymin, ymax]) and ``format`` (default gif), plus the keys of the other commands
(``grid``, ``color``, ``param``, ``range``, ``param2``, ``range2``, ``tuned``).
"""

from __future__ import annotations

import dataclasses
import pathlib
import shlex
import tomllib

COMMANDS = ("render", "basins", "sweep")
OPTIONS = {  # TOML key -> command-line option; True: a flag
    "init": "--init",
    "steps": "--steps",
    "frames": "--frames",
    "fps": "--fps",
    "duration": "--duration",
    "pace": "--pace",
    "size": "--size",
    "layout": "--layout",
    "theme": "--theme",
    "loss_panel": True,
    "seed": "--seed",
    "grid": "--grid",
    "color": "--color",
    "param": "--param",
    "range": "--range",
    "param2": "--param2",
    "range2": "--range2",
    "tuned": True,
    "rotate": True,
}
REQUIRED = ("name", "title", "lesson", "surface")
KEYS = (*REQUIRED, "command", "optimizers", "starts", "bounds", "format", *OPTIONS)


@dataclasses.dataclass(frozen=True)
class Scene:
    name: str
    title: str
    lesson: str
    surface: str
    command: str = "render"
    optimizers: tuple[str, ...] = ()
    starts: tuple[tuple[float, float], ...] | int = ()  # points, or how many init draws
    bounds: tuple[float, ...] | None = None
    format: str = "gif"
    options: tuple[tuple[str, object], ...] = ()

    @property
    def filename(self) -> str:
        return f"{self.name}.{self.format}"

    def args(self, folder: str) -> list[str]:
        """The command-line arguments that render this scene into ``folder``."""
        args = [self.command, self.surface]
        if self.command == "render":
            args += ["--title", self.title]
        for spec in self.optimizers:
            args += ["--opt", spec]
        if isinstance(self.starts, int):
            args += ["--starts", str(self.starts)]
        else:
            for x, y in self.starts:
                args += ["--start", f"{x:g},{y:g}"]
        for key, value in self.options:
            flag = OPTIONS[key]
            if flag is True:
                if value:
                    args.append(f"--{key.replace('_', '-')}")
            else:
                args += [flag, str(value)]
        if self.bounds is not None:
            args += ["--bounds", ",".join(f"{v:g}" for v in self.bounds)]
        return args + ["-o", f"{folder}/{self.filename}"]

    def command_line(self, folder: str) -> str:
        return shlex.join(["optviz", *self.args(folder)])


def _scene(table: dict, where: str) -> Scene:
    unknown = sorted(set(table) - set(KEYS))
    if unknown:
        raise ValueError(f"{where}: unknown key {unknown[0]!r}; valid keys: {', '.join(KEYS)}")
    missing = [key for key in REQUIRED if key not in table]
    if missing:
        raise ValueError(f"{where}: missing {missing[0]!r}")
    command = table.get("command", "render")
    if command not in COMMANDS:
        raise ValueError(f"{where}: unknown command {command!r}; choose from {', '.join(COMMANDS)}")
    bounds = table.get("bounds")
    starts = table.get("starts", ())
    return Scene(
        name=str(table["name"]),
        title=str(table["title"]),
        lesson=" ".join(str(table["lesson"]).split()),
        surface=str(table["surface"]),
        command=command,
        optimizers=tuple(map(str, table.get("optimizers", ()))),
        starts=(
            starts if isinstance(starts, int) else tuple((float(x), float(y)) for x, y in starts)
        ),
        bounds=tuple(map(float, bounds)) if bounds is not None else None,
        format=str(table.get("format", "gif")),
        options=tuple((key, table[key]) for key in OPTIONS if key in table),
    )


def load(path) -> list[Scene]:
    """The scenes of a gallery file; ``ValueError`` naming the first bad one."""
    path = pathlib.Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"no gallery file {str(path)!r}") from None
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"{path}: {error}") from None
    scenes = [_scene(t, f"{path}: scene {i + 1}") for i, t in enumerate(data.get("scene", []))]
    if not scenes:
        raise ValueError(f"{path}: no [[scene]] tables")
    names = [s.name for s in scenes]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate:
        raise ValueError(f"{path}: two scenes are called {duplicate!r}")
    return scenes


def readme(scenes: list[Scene], folder: str) -> str:
    """The gallery's README.md: per scene its picture, its lesson and its command."""
    lines = [
        "# The optviz gallery",
        "",
        "Each picture below is made by the command under it (run from the repository's root);",
        f"`optviz gallery` makes them all again from `{folder}/gallery.toml`, and writes this",
        "page.",
        "",
        "| | |",
        "|---|---|",
        *(f"| [{s.title}](#{s.name}) | {s.lesson.split('. ')[0].rstrip('.')}. |" for s in scenes),
        "",
    ]
    for s in scenes:
        lines += [
            f'<a id="{s.name}"></a>',
            f"## {s.title}",
            "",
            f"![{s.title}]({s.filename})",
            "",
            s.lesson,
            "",
            "```sh",
            s.command_line(folder),
            "```",
            "",
        ]
    return "\n".join(lines)
