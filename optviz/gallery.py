"""The gallery: scenes listed in a TOML file, each rendered by the very command its README entry
shows, so that every picture can be reproduced by copying one line.

A scene is a table ``[[scene]]`` with ``name``, ``title``, ``lesson`` and ``surface``, and
optionally ``command`` (default ``render``), ``optimizers`` (spec strings), ``starts``
([[x, y], ...], or how many starts to draw from ``init``), ``init``, ``steps``, ``frames``,
``fps``, ``size`` ("WxH"), ``layout``, ``theme``, ``loss_panel``, ``seed``, ``bounds``
([xmin, xmax, ymin, ymax]) and ``format`` (default gif), plus the keys of the other commands
(``grid``, ``color``, ``param``, ``range``, ``param2``, ``range2``, ``tuned``) and the penalties ``l1``, ``l2`` with ``ridge_path``. A render
scene with ``interactive = true`` also gets its interactive page (``optviz page``), written
beside its picture. Besides README.md the gallery is written as a web page, index.html.

A gallery file is untrusted text: every field is checked for its type, a scene's name is a
plain file name (letters, digits, - and _), so pictures land in the file's folder and nowhere
else, and every field is passed as a value, never read as an option (a surface that starts
with "-" follows a ``--``). The README is written without following a symlink.
"""

from __future__ import annotations

import dataclasses
import errno
import html
import numbers
import os
import pathlib
import re
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
    "l1": "--l1",
    "l2": "--l2",
    "ridge_path": True,
}
REQUIRED = ("name", "title", "lesson", "surface")
KEYS = (*REQUIRED, "command", "optimizers", "starts", "bounds", "format", "interactive", *OPTIONS)
FORMATS = ("gif", "mp4", "webp", "png", "svg", "pdf")
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}")


def _number(v) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


def _pairs(v) -> bool:
    return isinstance(v, list) and all(
        isinstance(p, list) and len(p) == 2 and all(map(_number, p)) for p in v
    )


# What each key's value must be: (test, description).
TYPES = {
    **dict.fromkeys(
        (*REQUIRED, "command", "format", "size", "layout", "theme", "color", "pace"),
        (lambda v: isinstance(v, str), "a string"),
    ),
    **dict.fromkeys(
        ("param", "range", "param2", "range2"), (lambda v: isinstance(v, str), "a string")
    ),
    "duration": (_number, "a number of seconds"),
    **dict.fromkeys(("l1", "l2"), (lambda v: _number(v) and v >= 0, "a number >= 0")),
    **dict.fromkeys(
        ("steps", "frames", "fps", "seed", "grid"),
        (lambda v: isinstance(v, int) and not isinstance(v, bool), "a whole number"),
    ),
    **dict.fromkeys(
        ("loss_panel", "tuned", "rotate", "ridge_path"),
        (lambda v: isinstance(v, bool), "true or false"),
    ),
    "optimizers": (
        lambda v: isinstance(v, list) and all(isinstance(o, str) for o in v),
        "a list of spec strings",
    ),
    "starts": (
        lambda v: _pairs(v) or (isinstance(v, int) and not isinstance(v, bool)),
        "a list of [x, y] pairs, or how many starts --init draws",
    ),
    "init": (lambda v: isinstance(v, str), "a string"),
    "interactive": (lambda v: isinstance(v, bool), "true or false"),
    "bounds": (
        lambda v: isinstance(v, list) and len(v) == 4 and all(map(_number, v)),
        "[xmin, xmax, ymin, ymax]",
    ),
}


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
    interactive: bool = False

    @property
    def filename(self) -> str:
        return f"{self.name}.{self.format}"

    @property
    def page(self) -> str | None:
        """The file name of the scene's interactive page, if it has one."""
        return f"{self.name}.html" if self.interactive else None

    def page_args(self, folder: str) -> list[str]:
        """The command-line arguments that write this scene's interactive page."""
        args = self.args(folder)
        k = args.index("-o")
        return ["page", *args[1:k], "-o", f"{folder}/{self.page}", *args[k + 2 :]]

    def args(self, folder: str) -> list[str]:
        """The command-line arguments that render this scene into ``folder``."""
        # A surface that looks like an option goes last, after "--": it is a value.
        dashed = self.surface.startswith("-")
        args = [self.command] if dashed else [self.command, self.surface]
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
        args += ["-o", f"{folder}/{self.filename}"]
        return args + ["--", self.surface] if dashed else args

    def command_line(self, folder: str) -> str:
        return shlex.join(["optviz", *self.args(folder)])


def _scene(table: dict, where: str) -> Scene:
    unknown = sorted(set(table) - set(KEYS))
    if unknown:
        raise ValueError(f"{where}: unknown key {unknown[0]!r}; valid keys: {', '.join(KEYS)}")
    missing = [key for key in REQUIRED if key not in table]
    if missing:
        raise ValueError(f"{where}: missing {missing[0]!r}")
    for key, value in table.items():
        test, must = TYPES[key]
        if not test(value):
            raise ValueError(f"{where}: {key} must be {must}, got {value!r:.60}")
    if not NAME.fullmatch(table["name"]):
        raise ValueError(
            f"{where}: name must be a plain file name (letters, digits, - and _, at most 100), "
            f"got {table['name']!r:.60}"
        )
    command = table.get("command", "render")
    if command not in COMMANDS:
        raise ValueError(f"{where}: unknown command {command!r}; choose from {', '.join(COMMANDS)}")
    form = table.get("format", "gif")
    if form not in FORMATS:
        raise ValueError(f"{where}: unknown format {form!r:.30}; choose from {', '.join(FORMATS)}")
    bounds = table.get("bounds")
    interactive = table.get("interactive", False)
    if not isinstance(interactive, bool):
        raise ValueError(f"{where}: interactive must be true or false")
    if interactive and (command != "render" or table.get("layout", "overlay") != "overlay"):
        raise ValueError(f"{where}: only render scenes of the overlay layout can be interactive")
    starts = table.get("starts", ())
    return Scene(
        name=table["name"],
        title=table["title"],
        lesson=" ".join(table["lesson"].split()),
        surface=table["surface"],
        command=command,
        optimizers=tuple(table.get("optimizers", ())),
        starts=(
            starts if isinstance(starts, int) else tuple((float(x), float(y)) for x, y in starts)
        ),
        bounds=tuple(map(float, bounds)) if bounds is not None else None,
        format=form,
        options=tuple((key, table[key]) for key in OPTIONS if key in table),
        interactive=interactive,
    )


def load(path) -> list[Scene]:
    """The scenes of a gallery file; ``ValueError`` naming the first bad one."""
    path = pathlib.Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"no gallery file {str(path)!r}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"{path}: {error}") from None
    except (OSError, ValueError) as error:  # a folder, a null byte in the name, ...
        raise ValueError(f"cannot read the gallery file {str(path)!r:.80}: {error}") from None
    if not isinstance(data.get("scene", []), list):
        raise ValueError(f"{path}: scene must be [[scene]] tables")
    scenes = [_scene(t, f"{path}: scene {i + 1}") for i, t in enumerate(data.get("scene", []))]
    if not scenes:
        raise ValueError(f"{path}: no [[scene]] tables")
    names = [s.name for s in scenes]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate:
        raise ValueError(f"{path}: two scenes are called {duplicate!r}")
    return scenes


def readme_path(gallery_file) -> pathlib.Path:
    """Where the README of ``gallery_file`` goes, once it is known not to be a symlink."""
    path = pathlib.Path(gallery_file).parent / "README.md"
    if path.is_symlink():
        raise ValueError(f"{path} is a symlink; the gallery writes through none")
    return path


def write_readme(path, text: str) -> None:
    """Write ``text`` to ``path``, never through a symlink (a gallery may come from anyone)."""
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o666)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise ValueError(f"{path} is a symlink; the gallery writes through none") from None
        raise
    with open(handle, "w", encoding="utf-8") as file:
        file.write(text)


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
            *(
                [f"▶ [Play with it]({s.page}): the interactive page (it opens offline).", ""]
                if s.interactive
                else []
            ),
            s.lesson,
            "",
            "```sh",
            s.command_line(folder),
            "```",
            "",
        ]
    return "\n".join(lines)


INDEX_STYLE = """
body { margin: 0 auto; max-width: 62rem; padding: 1rem; line-height: 1.45;
  font: 18px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
  color: #1a1a1a; background: #fff; }
h1 { font-size: 1.8rem; } h2 { font-size: 1.4rem; margin-top: 2.5rem; }
nav ol { columns: 2 18rem; column-gap: 3rem; padding-left: 1.4rem; }
img { display: block; max-width: 100%; height: auto; border: 1px solid #d8dde2; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; background: #f4f6f8; padding: 0.6rem;
  border-radius: 0.3rem; font-size: 0.85rem; }
a.play { display: inline-block; margin: 0.5rem 0; padding: 0.35rem 0.9rem; border-radius: 0.3rem;
  background: #0072B2; color: #fff; text-decoration: none; font-weight: 600; }
.top { font-size: 0.85rem; }
@media (max-width: 40rem) { body { font-size: 16px; padding: 0.6rem; } }
"""


def index(scenes: list[Scene], folder: str) -> str:
    """The gallery as a web page: a table of contents, then per scene its picture (a link to
    its interactive page, where it has one), its lesson and its command. No scripts; every
    text from gallery.toml is escaped."""
    e = html.escape
    lines = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "img-src 'self'; style-src 'unsafe-inline'\">",
        "<title>The optviz gallery</title>",
        f"<style>{INDEX_STYLE}</style></head><body>",
        '<h1 id="top">The optviz gallery</h1>',
        "<p>Each picture is made by the command under it, run from the repository's root; "
        f"<code>optviz gallery</code> makes them all again from <code>{e(folder)}/gallery.toml"
        "</code>. Scenes marked ▶ are also interactive pages: move the sliders, click the map "
        "to start from anywhere; they work offline.</p>",
        "<nav><ol>",
        *(
            f'<li><a href="#{e(s.name)}">{e(s.title)}</a>{" ▶" if s.interactive else ""}</li>'
            for s in scenes
        ),
        "</ol></nav>",
    ]
    for s in scenes:
        picture = f'<img src="{e(s.filename)}" alt="{e(s.title)}" loading="lazy">'
        commands = [s.command_line(folder)] + (
            [shlex.join(["optviz", *s.page_args(folder)])] if s.interactive else []
        )
        lines += [
            f'<section id="{e(s.name)}">',
            f"<h2>{e(s.title)}</h2>",
            f'<a href="{e(s.page)}">{picture}</a>' if s.interactive else picture,
            f'<a class="play" href="{e(s.page)}">▶ Play with it</a>' if s.interactive else "",
            f"<p>{e(s.lesson)}</p>",
            *(f"<pre><code>{e(c)}</code></pre>" for c in commands),
            '<p class="top"><a href="#top">↑ all scenes</a></p>',
            "</section>",
        ]
    lines.append("</body></html>")
    return "\n".join(line for line in lines if line) + "\n"
