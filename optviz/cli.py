"""The ``optviz`` command: a thin click layer over the library.

Each command turns text into objects in callbacks, calls the library and prints the result.
Heavy imports (jax, matplotlib) happen inside commands, so ``optviz --help`` is instant. Every
error is one line on stderr: exit code 2 for a bad input, 1 for a failure of the machine (a full
disk, a file that cannot be written); quick work prints only the output path. Every request is
checked against `optviz.limits` before any work starts.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import importlib
import math
import pathlib
import re
import signal
import sys
import threading
import warnings

import click

from optviz import __version__, limits

LAYOUTS = ("overlay", "grid", "3d")
THEMES = ("light", "dark", "talk")
PROGRESS_ABOVE = 10  # frames: fewer render too quickly for a progress bar
PROGRESS_WORK = 10_000_000  # steps of all runs together: fewer take about a second or less
REDELIVER = 0.01  # seconds after a stop was dropped (see `_stoppable`)
ALARM = getattr(signal, "SIGALRM", None)  # ...sent again as this (not on Windows)


class OneLineErrors(click.Group):
    """A group whose errors, usage errors included, are one line on stderr."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        # The collector's last pass over jax's and matplotlib's objects at exit takes a quarter
        # of a second and frees only what the end of the process frees anyway: skip it.
        atexit.register(gc.freeze)
        # A small --size draws cramped panels; say nothing more than the picture shows.
        warnings.filterwarnings("ignore", "constrained_layout not applied", UserWarning)
        try:
            with _stoppable():
                result = super().main(args, prog_name, complete_var, False, **extra)
        except click.ClickException as error:
            click.echo(f"Error: {error.format_message()}", err=True)
            sys.exit(error.exit_code)
        except click.Abort:
            click.echo("Aborted!", err=True)
            sys.exit(1)
        except ValueError as error:  # from below click's own checks: a NUL in a path, ...
            click.echo(f"Error: {error}", err=True)
            sys.exit(2)
        except OSError as error:
            click.echo(f"Error: {_os_error(error)}", err=True)
            sys.exit(1)
        except MemoryError:
            click.echo("Error: out of memory", err=True)
            sys.exit(1)
        sys.exit(result if isinstance(result, int) else 0)


@contextlib.contextmanager
def _stoppable():
    """Ctrl-C and SIGTERM stop the command by unwinding it, so that every `with` block removes
    its temporary file, and end it as "Aborted!" (exit 1), however the stop travelled.

    A signal's handler runs wherever the main thread is, and its KeyboardInterrupt does not
    always come out as one:

    - Raised inside a garbage collector's callback (jax has one) or a ``__del__``, Python
      drops it ("Exception ignored") and goes on: the render ran to its end and exited 0.
      Such a stop comes back REDELIVER seconds later as an alarm, once the callback has
      returned (sent at once, it would land in the same callback). Only then is the alarm
      taken over, and it is given back: a program that calls this keeps its own.
    - Raised while C code calls back into Python, it may come out as another error
      (matplotlib's Agg: "Invalid bounding box", exit 2). Any error after a stop is the stop.
    """
    if threading.current_thread() is not threading.main_thread():  # handlers are the main's
        yield
        return
    stops = []

    def stop(signum, frame):
        stops.append(signum)
        raise KeyboardInterrupt

    def redeliver(unraisable):
        on_main = threading.current_thread() is threading.main_thread()
        if stops and unraisable.exc_type is KeyboardInterrupt and on_main and ALARM:
            handlers.setdefault(ALARM, signal.signal(ALARM, stop))
            signal.setitimer(signal.ITIMER_REAL, REDELIVER)
        else:
            report(unraisable)

    kinds = [signal.SIGTERM]
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:  # not where ignored
        kinds.append(signal.SIGINT)
    handlers = {kind: signal.signal(kind, stop) for kind in kinds}
    report, sys.unraisablehook = sys.unraisablehook, redeliver
    try:
        yield
    except Exception as error:
        if stops:
            raise click.Abort from error
        raise
    finally:
        if ALARM in handlers:  # a stop sent again, perhaps still on its way
            signal.setitimer(signal.ITIMER_REAL, 0)
        sys.unraisablehook = report
        for kind, handler in handlers.items():
            signal.signal(kind, handler)


def _os_error(error: OSError) -> str:
    """An OSError in one line: what failed and on which file."""
    where = f": {error.filename}" if error.filename is not None else ""
    return f"{error.strerror or error}{where}".replace("\n", " ")


def _checked(fn, param_hint=None):
    """Run ``fn``; a ValueError becomes a usage error (exit code 2), naming ``param_hint``."""
    try:
        return fn()
    except ValueError as error:
        if param_hint is None:
            raise click.UsageError(str(error)) from None
        raise click.BadParameter(str(error), param_hint=param_hint) from None


@contextlib.contextmanager
def _progress(length: int, label: str, show: bool):
    """A progress bar on stderr, if ``show`` and stderr is a terminal: yields its update
    function, or None."""
    if not (show and sys.stderr.isatty()):
        yield None
        return
    with click.progressbar(length=length, label=label, file=sys.stderr) as bar:
        yield bar.update


def _numbers(text: str, count: int, what: str) -> tuple[float, ...]:
    parts = text.split(",")
    try:
        values = tuple(float(p) for p in parts)
    except ValueError:
        values = ()
    if len(values) != count or len(parts) != count:
        raise ValueError(f"expected {what}, got {text!r}")
    if not all(math.isfinite(v) and abs(v) <= limits.FLOAT32_MAX for v in values):
        raise ValueError(f"{what} must be finite numbers (|x| <= 3.4e38), got {text!r}")
    return values


def _load(name: str):
    """Import the module ``name`` (one that brings in jax or matplotlib) and return it: on a
    thread of its own, with the cyclic collector off.

    - jax's import reads the metadata of every installed package, a readline call per line.
      Started from the depth of a click callback, on Python 3.11 those calls crossed a boundary
      of the interpreter's frame stack, each allocating and freeing a chunk of it (an mmap and
      a munmap: cpython gh-142183, fixed in 3.13): 39,000 of them, a third of a second of
      system time in `optviz render`. A new thread's import starts from an empty stack.
    - An import makes objects that live as long as the process, not garbage; the collector
      went over them 370 times (0.2 s). Once loaded, they are frozen out of its passes."""

    def load():
        with contextlib.suppress(Exception):  # raised again below, on this thread
            importlib.import_module(name)

    if name not in sys.modules:
        loader, collecting = threading.Thread(target=load), gc.isenabled()
        # Ctrl-C and SIGTERM wait for the import to end: a process that stopped while another
        # thread was inside jax's import sometimes aborted (exit 134, C++ errors on stderr).
        mask = getattr(signal, "pthread_sigmask", None)  # not on Windows
        held = mask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM}) if mask else None
        gc.disable()
        try:
            loader.start()
            loader.join()
        finally:
            if mask:
                mask(signal.SIG_SETMASK, held)
            if collecting:
                gc.enable()
            gc.freeze()
    return importlib.import_module(name)  # at once if it loaded


def _specs(ctx, param, values):
    parse_spec = _load("optviz.spec").parse_spec
    return [_checked(lambda: parse_spec(v), "'--opt'") for v in values]


def _points(ctx, param, values):
    return [_checked(lambda: _numbers(v, 2, "X,Y"), "'--start'") for v in values]


def _init(ctx, param, value):
    from optviz import initialization

    return None if value is None else _checked(lambda: initialization.parse(value), "'--init'")


def _count(ctx, param, value):
    from optviz import initialization

    if value is None:
        return None
    return _checked(lambda: initialization.check_count(value), "'--starts'")


def _where(starts, init, n_starts) -> dict:
    """The starts of a run as keyword arguments of `optviz.run` and `tune`: the points given,
    or ``n_starts`` drawn from ``init``."""
    if init is None:
        if n_starts is not None:
            raise click.UsageError("--starts N draws N starts from --init; give --init too")
        return {"starts": starts or None}
    if starts:
        raise click.UsageError("give --start points or --init, not both")
    return {"init": init, "starts": n_starts}


def _size(ctx, param, value):
    match = re.fullmatch(r"\s*(\d{1,9})\s*[xX]\s*(\d{1,9})\s*", value or "")
    if not match:
        raise click.BadParameter(f"expected WxH in pixels, e.g. 640x480, got {value!r}")
    return _checked(lambda: limits.check_size((int(match[1]), int(match[2]))), "'--size'")


def _finite(ctx, param, value):
    if not 0 < value < math.inf:
        raise click.BadParameter(f"must be a finite number > 0, got {value!r}")
    return value


def _bounds(ctx, param, value):
    if value is None:
        return None
    x0, x1, y0, y1 = _checked(lambda: _numbers(value, 4, "XMIN,XMAX,YMIN,YMAX"), "'--bounds'")
    if x0 >= x1 or y0 >= y1:
        raise click.BadParameter(f"need XMIN < XMAX and YMIN < YMAX, got {value!r}")
    return (x0, x1), (y0, y1)


def _surface(text: str, bounds, l1: float = 0.0, l2: float = 0.0):
    """A catalogue surface by name, or a surface built from a formula in x and y, with the
    penalty ``l1·(|x| + |y|) + l2/2·(x² + y²)`` added. Finding the minima of a formula or a
    penalized surface compiles code: the compilation cache is on from here."""
    import surfaces

    from optviz import formula, runner

    runner.use_compilation_cache()

    if (
        text in surfaces.names()
        or re.fullmatch(r"[A-Za-z_][\w-]*", text)
        and text not in ("x", "y")
    ):
        surface = _checked(lambda: surfaces.get(text), "'SURFACE'")
    else:
        surface = _checked(lambda: formula.surface(text, bounds), "'SURFACE'")
    return _checked(lambda: surfaces.penalized(surface, l1, l2), "'--l1' / '--l2'")


def _penalty(command):
    """The options ``--l1 A`` and ``--l2 A``, which add a penalty to the surface."""
    for name, term in (("--l2", "A/2·(x² + y²), ridge"), ("--l1", "A·(|x| + |y|), lasso")):
        command = click.option(
            name,
            type=float,
            default=0.0,
            show_default=True,
            metavar="A",
            help=f"Add the penalty {term}, to the surface.",
        )(command)
    return command


def _opt_option(required=False, default_help=True):
    default = (
        (
            "  [default: gd, sgd, momentum, nesterov, adagrad, rmsprop and adam at learning "
            "rates chosen for the surface]"
        )
        if default_help
        else ""
    )
    return click.option(
        "--opt",
        "opts",
        multiple=True,
        callback=_specs,
        metavar="SPEC",
        required=required,
        help="An optimizer, e.g. adam or adam:lr=0.05,b1=0.8; repeat for more." + default,
    )


START = click.option(
    "--start",
    "starts",
    multiple=True,
    callback=_points,
    metavar="X,Y",
    help="A starting point; repeat for more.  [default: the surface's own]",
)
INIT = click.option(
    "--init",
    callback=_init,
    metavar="INIT",
    help="Draw the starts from a distribution: zero, normal:SIGMA, uniform:A, or xavier or he "
    "(scaled by the fans a network surface declares); centred on a network's origin, elsewhere "
    "on the surface's start. Same --seed, same cloud.",
)
N_STARTS = click.option(
    "--starts",
    "n_starts",
    type=int,
    callback=_count,
    metavar="N",
    help="How many starts --init draws.  [default: 100]",
)
STEPS = click.option(
    "--steps",
    type=click.IntRange(1, limits.MAX_STEPS),
    default=300,
    show_default=True,
    help=f"Steps of each run, at most {limits.MAX_STEPS:,}; see LIMITS in `optviz --help`.",
)
THEME = click.option("--theme", type=click.Choice(THEMES), default="light", show_default=True)
SEED = click.option(
    "--seed",
    type=click.IntRange(0, 2**32 - 1),
    default=0,
    show_default=True,
    help="Seed of the stochastic optimizers.",
)


def _size_option(default: str):
    return click.option(
        "--size",
        default=default,
        callback=_size,
        show_default=True,
        metavar="WxH",
        help=f"Picture size in pixels, {limits.MIN_SIDE} to {limits.MAX_SIDE} a side.",
    )


def _still_output(default: str):
    return click.option(
        "-o",
        "--output",
        type=click.Path(path_type=pathlib.Path),
        help=f"A .png, .svg or .pdf.  [default: {default}]",
    )


@click.group(
    cls=OneLineErrors,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    help=f"See how gradient-descent optimizers move on 2-D loss surfaces.\n\n{limits.LIMITS}",
)
@click.version_option(__version__, prog_name="optviz")
def main():
    pass


@main.command("list")
def list_():
    """List the surfaces and the optimizers, each with its formula."""
    import surfaces

    from optviz import rules

    click.echo("Surfaces:")
    width = max(map(len, surfaces.names()))
    for name in surfaces.names():
        click.echo(f"  {name:<{width}}  {surfaces.get(name).formula}")
    click.echo("\nOptimizers (spec: NAME or NAME:key=value,...):")
    width = max(map(len, rules.RULES))
    for name in rules.RULES:
        keys = ", ".join(
            key if default is None else f"{key}={default:g}"
            for key, default in rules.hyperparameters(name).items()
        )
        click.echo(f"  {name:<{width}}  {rules.formula(name)}")
        click.echo(f"  {'':<{width}}  ({keys})")
    click.echo("\nAny optax optimizer: optax:NAME[:key=value,...].")
    from optviz import schedules

    click.echo(
        "\nLearning-rate schedules (lr is the peak): NAME:lr=PEAK,schedule=S[,key=value,...]"
    )
    for name in schedules.SCHEDULES:
        click.echo(f"  {name:<13}  ({schedules.described(name)})")


@main.command()
@click.argument("surface")
@_penalty
def show(surface, l1, l2):
    """Print a surface's facts: formula, window, minima (found numerically for a formula or a
    penalized surface), start and default optimizers, and for a line fitted on data the
    conditioning of its inputs."""
    from optviz import presets

    surface = _surface(surface, None, l1, l2)
    (x0, x1), (y0, y1) = surface.bounds
    point = lambda p: f"({p[0]:.6g}, {p[1]:.6g})"  # noqa: E731
    click.echo(f"{surface.name}: {surface.formula}")
    click.echo(f"  window   x in [{x0:g}, {x1:g}], y in [{y0:g}, {y1:g}]")
    if surface.minima:
        click.echo(f"  minima   {', '.join(map(point, surface.minima))}, f* = {surface.fmin:.6g}")
    if surface.minimum_set:
        click.echo(f"  minima   the curve {surface.minimum_set.formula}, f* = {surface.fmin:.6g}")
    if surface.local_minima:
        click.echo(f"  local    {', '.join(map(point, surface.local_minima))}")
    if surface.ghost_minima:
        click.echo(f"  without the penalty  {', '.join(map(point, surface.ghost_minima))}")
    for saddle in surface.saddles:
        click.echo(f"  saddle   {point(saddle.point)}")
    if surface.plateau:
        click.echo(f"  plateau  {surface.plateau.where}")
    if surface.fans:
        fans = ", ".join(f"w{i} {a} -> {b}" for i, (a, b) in enumerate(surface.fans, 1))
        click.echo(f"  fans     {fans} (fan-in -> fan-out, for --init xavier|he)")
    if surface.data is not None:
        eig = surface.data.eigenvalues()
        click.echo(
            f"  XᵀX/n    eigenvalues {eig[1]:.4g} and {eig[0]:.4g}, "
            f"condition number {surface.data.condition():.4g}"
        )
    click.echo(f"  start    {point(surface.start)}")
    click.echo(f"  default  {' '.join(str(s) for s in presets.lineup(surface))}")
    for line in surface.reference.splitlines()[1:]:
        click.echo(f"  {line}")


def _render_options(fn):
    """The options of `render`, which `page` shares."""
    options = [
        click.argument("surface"),
        _opt_option(),
        START,
        INIT,
        N_STARTS,
        STEPS,
        click.option(
            "--frames",
            type=click.IntRange(1, limits.MAX_FRAMES),
            default=150,
            show_default=True,
            help="Frames at most; frames that would show the same step are merged. "
            f"frames x width x height <= {limits.MAX_FRAME_PIXELS:,}.",
        ),
        click.option(
            "--fps",
            type=click.IntRange(1, limits.MAX_FPS),
            default=30,
            show_default=True,
            help="The highest frame rate (and the MP4's); at most 50 for GIF (browsers slow "
            "faster GIFs down).",
        ),
        click.option(
            "--duration",
            type=click.FloatRange(4, 120),
            default=10.0,
            show_default=True,
            help="Seconds the animation lasts: the first frame held 1 s, the last 2.5 s.",
        ),
        click.option(
            "--pace",
            type=click.Choice(("motion", "linear")),  # optviz.pacing.PACES, without importing it
            default="motion",
            show_default=True,
            help="Spend the frames where the picture moves, or evenly over the steps "
            "(the step counter always shows the true step).",
        ),
        click.option(
            "--title", metavar="TEXT", help="The picture's title.  [default: the surface's name]"
        ),
        _size_option("640x480"),
        click.option(
            "--layout",
            type=click.Choice(LAYOUTS),
            default="overlay",
            show_default=True,
            help="All paths on one plot, a panel per optimizer, or on the surface in 3-D.",
        ),
        THEME,
        click.option("--loss-panel", is_flag=True, help="Add loss against step, log scale."),
        SEED,
        click.option(
            "--bounds",
            callback=_bounds,
            metavar="XMIN,XMAX,YMIN,YMAX",
            help="The view.  [default: the surface's window; -3,3,-3,3 for a formula]",
        ),
        click.option(
            "--tuned",
            is_flag=True,
            help="Use each optimizer's best learning rate from `optviz tune` (metric auc).",
        ),
        click.option("--rotate", is_flag=True, help="With --layout 3d: turn the camera slowly."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


@main.command()
@_render_options
@_penalty
@click.option(
    "--ridge-path",
    is_flag=True,
    help="Draw the ridge solutions β(λ), λ from ∞ to 0, over the map (lines fitted on data).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=pathlib.Path),
    help="Output file: .gif, .mp4, .webp, a still .png, .svg, .pdf, or an interactive .html "
    "page.  [default: SURFACE.gif]",
)
def render(surface, output, **options):
    """Animate optimizers on SURFACE, a catalogue name (see `optviz list`) or a formula in x
    and y such as "x**2 + 10*y**2"."""
    _render(surface, output, "gif", **options)


@main.command()
@_render_options
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=pathlib.Path),
    help="Output file, .html.  [default: SURFACE.html]",
)
def page(surface, output, **options):
    """Write an interactive page of optimizers on SURFACE: one HTML file that opens offline,
    with play, scrub, a slider per hyper-parameter and click-to-start on the map."""
    if output is not None and output.suffix.lower() != ".html":
        raise click.BadParameter(
            f"a page is a .html file, got {output.suffix or output.name!r}",
            param_hint="'-o' / '--output'",
        )
    _render(surface, output, "html", **options)


def _render(
    surface,
    output,
    default_format,
    opts,
    starts,
    init,
    n_starts,
    steps,
    frames,
    fps,
    duration,
    pace,
    title,
    size,
    layout,
    theme,
    loss_panel,
    seed,
    bounds,
    tuned,
    rotate,
    l1=0.0,
    l2=0.0,
    ridge_path=False,
):
    animate = _load("optviz.animation").animate
    from optviz import encoders, presets, runner

    surface = _surface(surface, bounds, l1, l2)
    if ridge_path and surface.data is None:
        raise click.BadParameter(
            f"{surface.name} is not a line fitted on data; the ridge path needs linreg, "
            "linreg-small or linreg-raw",
            param_hint="'--ridge-path'",
        )
    output = output or pathlib.Path(f"{surface.name}.{default_format}")
    encoder = _checked(lambda: encoders.encoder_for(output), "'-o' / '--output'")
    animated = encoder.animated
    where = _where(starts, init, n_starts)
    runner.use_compilation_cache()
    specs = list(opts) or presets.lineup(surface)
    if animated:
        _checked(lambda: encoder.check_fps(fps), "'--fps'")
        from optviz.scene import drawn_points

        n = max(len(starts), n_starts or 0, 1)
        points = drawn_points(steps, n, len(specs), layout)
        _checked(lambda: limits.check_frames(frames, size, points))
    if tuned:
        from optviz.tuning import tune

        results = _checked(lambda: tune(surface, specs, **where, steps=steps, seed=seed))
        specs = [r.spec for r in results]
    traj = _checked(
        lambda: runner.run(surface, specs, **where, steps=steps, seed=seed, tuned=tuned)
    )
    animation = _checked(
        lambda: animate(
            traj,
            frames=frames,
            fps=fps,
            size=size,
            layout=layout,
            theme=theme,
            loss_panel=loss_panel,
            bounds=bounds,
            rotate=rotate,
            title=title,
            pace=pace,
            duration=duration,
            ridge_path=ridge_path,
        )
    )
    with _progress(
        len(animation), "rendering", animated and len(animation) > PROGRESS_ABOVE
    ) as update:
        _checked(lambda: animation.save(output, progress=update))
    click.echo(str(output))


@main.command()
@click.argument("file", default="gallery/gallery.toml", type=click.Path(path_type=pathlib.Path))
@click.option("--only", multiple=True, metavar="NAME", help="Render only this scene; repeatable.")
def gallery(file, only):
    """Render every scene of the gallery FILE next to it, and write its README.md and
    index.html (interactive scenes also get their page).

    Each scene is rendered by the same command line its README entry shows."""
    from optviz import gallery as gallery_

    scenes = _checked(lambda: gallery_.load(file))
    readme = _checked(lambda: gallery_.readme_path(file))
    names = [s.name for s in scenes]
    for name in only:
        if name not in names:
            raise click.BadParameter(
                f"no scene {name!r}; scenes: {', '.join(names)}", param_hint="'--only'"
            )
    folder = file.parent.as_posix()
    chosen = [s for s in scenes if not only or s.name in only]
    for scene in chosen:
        _check_scene(scene, folder)
    for i, scene in enumerate(chosen, 1):
        click.echo(f"[{i}/{len(chosen)}] {scene.name}", err=True)
        main.main(scene.args(folder), standalone_mode=False)
        if scene.interactive:
            main.main(scene.page_args(folder), standalone_mode=False)
    _checked(lambda: gallery_.write_readme(readme, gallery_.readme(scenes, folder)))
    index = readme.with_name("index.html")
    _checked(lambda: gallery_.write_readme(index, gallery_.index(scenes, folder)))
    click.echo(str(readme))
    click.echo(str(index))


def _check_scene(scene, folder: str) -> None:
    """Parse a scene's command line as its command would, and check its surface, before any
    scene is rendered: a bad scene is one line naming it, and nothing is written."""
    command, *args = scene.args(folder)
    try:
        ctx = main.get_command(None, command).make_context(command, args)
        _surface(ctx.params["surface"], ctx.params.get("bounds"))
    except click.ClickException as error:
        raise click.UsageError(f"scene {scene.name!r}: {error.format_message()}") from None


SECOND = ("beta", "b1", "b2", "rho")  # tuned or mapped together with lr (tuning.SECOND)
DIVERGING = (
    "A run diverges when, within --steps steps, its loss or gradient stops being finite or it "
    "goes more than 10 half-widths of the window from the window's centre."
)


X64 = click.option(
    "--x64",
    is_flag=True,
    help="Compute in float64 (slower), for checking digits against the theory.",
)


def _x64(on: bool) -> None:
    if on:
        import jax

        jax.config.update("jax_enable_x64", True)


@main.command(
    "tune",
    help=f"""Find each optimizer's best learning rate on SURFACE (with --param, the best rate and
that parameter together): a log grid 1e-5 .. 10 run in one call, averaged over the starts, then
refined around its best point to 0.1 % in a few more calls. Points where any start diverges are
never chosen. {DIVERGING} Tied scores are broken by the area under the curve (the final gap for
auc and rate), then the smaller rate, and the output says so. On a quadratic surface, the
measured rate and what the theory gives are printed under the table.""",
)
@click.argument("surface")
@_opt_option()
@START
@INIT
@N_STARTS
@STEPS
@click.option(
    "--param",
    type=click.Choice(SECOND),
    help="Tune this hyper-parameter together with the learning rate, on a 2-D grid.",
)
@click.option(
    "--metric",
    type=click.Choice(("final", "auc", "steps-to-tol", "rate")),
    help="final: log10 of the last f - f*; auc: its mean over the steps; steps-to-tol: first "
    "step with f - f* <= --tol; rate: the measured convergence rate, per step.  "
    "[default: auc; rate with --param]",
)
@click.option("--tol", type=float, callback=_finite, default=1e-4, show_default=True)
@SEED
@X64
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@_penalty
def tune_(surface, opts, starts, init, n_starts, steps, param, metric, tol, seed, x64, as_json, l1, l2):
    import json

    from optviz import runner
    from optviz.tuning import format_table, tune

    surface = _surface(surface, None, l1, l2)
    where = _where(starts, init, n_starts)
    runner.use_compilation_cache()
    _x64(x64)
    results = _checked(
        lambda: tune(
            surface,
            list(opts) or None,
            **where,
            steps=steps,
            metric=metric,
            param=param,
            tol=tol,
            seed=seed,
        )
    )
    if as_json:
        click.echo(json.dumps([r.as_dict() for r in results], indent=2))
    else:
        click.echo(format_table(results))


def _still(output, default: str):
    """The output path of a command that draws a still image, checked."""
    from optviz import encoders

    output = output or pathlib.Path(default)
    encoder = _checked(lambda: encoders.encoder_for(output), "'-o' / '--output'")
    if encoder.animated or encoder.page:
        raise click.BadParameter(
            f"this draws a still image; use .png, .svg or .pdf, got {output.suffix!r}",
            param_hint="'-o' / '--output'",
        )
    # matplotlib takes about a second to import: let it load while the runs compute.
    threading.Thread(target=importlib.import_module, args=("optviz.drawing",), daemon=True).start()
    return output


def _write_figure(figure, output, echo: bool = True) -> None:
    from optviz import encoders

    def write():
        with encoders.open_encoder(output) as encoder:
            encoder.write_figure(figure)

    _checked(write)
    if echo:
        click.echo(str(output))


@main.command()
@click.argument("surface")
@_opt_option()
@click.option(
    "--grid",
    type=click.IntRange(2, limits.MAX_GRID),
    default=200,
    show_default=True,
    help="Starts per side: grid x grid runs per optimizer.",
)
@STEPS
@click.option(
    "--color",
    type=click.Choice(("minimum", "steps")),
    default="minimum",
    show_default=True,
    help="Colour each start by the minimum (global or local) it reached, or by the steps it "
    "took to settle there (log scale).",
)
@_size_option("960x540")
@THEME
@SEED
@_penalty
@_still_output("SURFACE-basins.png")
def basins(surface, opts, grid, steps, color, size, theme, seed, l1, l2, output):
    """Basins of attraction: run every start of a grid over SURFACE's window and colour each
    by the minimum its run reached, a panel per optimizer."""
    from optviz import basin_maps, presets, runner

    surface = _surface(surface, None, l1, l2)
    output = _still(output, f"{surface.name}-basins.png")
    runner.use_compilation_cache()
    count = len(opts) or len(presets.LINEUP)
    with _progress(count, "running", grid * grid * steps * count > PROGRESS_WORK) as update:
        result = _checked(
            lambda: basin_maps.basins(
                surface, list(opts) or None, grid=grid, steps=steps, seed=seed, progress=update
            )
        )
    _write_figure(
        _checked(lambda: basin_maps.draw(result, size=size, theme=theme, color=color)), output
    )


@main.command(help=f"""Stability map: the final loss on SURFACE against one hyper-parameter,
every value run in one call, with each optimizer's divergence threshold marked, located by
bisection to 0.1 % and printed (one line per optimizer, or JSON with --json, under
"diverges_above"). {DIVERGING} With --param2 (e.g. beta), a 2-D map of one optimizer's
measured convergence rate over lr x that parameter instead, with heavy ball's theory drawn on
top on a quadratic surface.""")
@click.argument("surface")
@_opt_option(required=True, default_help=False)
@click.option(
    "--param",
    default="lr",
    show_default=True,
    help="The hyper-parameter to sweep: lr, beta, rho, b1, b2, eps, noise, wd.",
)
@click.option(
    "--range",
    "range_",
    metavar="LO,HI",
    help="Values to sweep.  [default: 1e-4,10 for lr, eps, noise; 0,0.999 otherwise]",
)
@click.option(
    "--points", type=click.IntRange(2, limits.MAX_POINTS), default=120, show_default=True
)
@click.option(
    "--param2",
    type=click.Choice(SECOND),
    help="Map the measured convergence rate over lr x this parameter (one --opt).",
)
@click.option(
    "--range2", metavar="LO,HI", default="0,0.99", show_default=True, help="Values of --param2."
)
@click.option("--points2", type=click.IntRange(2, 1000), default=100, show_default=True)
@START
@STEPS
@_size_option("800x500")
@THEME
@SEED
@X64
@click.option("--json", "as_json", is_flag=True, help="Print what was found as JSON.")
@_penalty
@_still_output("SURFACE-sweep.png")
def sweep(
    surface,
    opts,
    param,
    range_,
    points,
    param2,
    range2,
    points2,
    starts,
    steps,
    size,
    theme,
    seed,
    x64,
    as_json,
    l1,
    l2,
    output,
):
    import json

    from optviz import phase, runner, stability

    surface = _surface(surface, None, l1, l2)
    output = _still(output, f"{surface.name}-sweep.png")
    lo = hi = None
    if range_ is not None:
        lo, hi = _checked(lambda: _numbers(range_, 2, "LO,HI"), "'--range'")
    runner.use_compilation_cache()
    _x64(x64)
    grid = dict(lo=lo, hi=hi, points=points, starts=starts or None, steps=steps, seed=seed)
    if param2 is not None:
        if param != "lr" or len(opts) != 1:
            raise click.UsageError("--param2 maps one optimizer (one --opt) over lr x PARAM2")
        lo2, hi2 = _checked(lambda: _numbers(range2, 2, "LO,HI"), "'--range2'")
        kind = phase
        result = _checked(
            lambda: phase.rate_map(
                surface, opts[0], param2=param2, lo2=lo2, hi2=hi2, points2=points2, **grid
            )
        )
    else:
        kind = stability
        result = _checked(lambda: stability.sweep(surface, list(opts), param=param, **grid))
    figure = _checked(lambda: kind.draw(result, size=size, theme=theme))
    _write_figure(figure, output, echo=False)
    if as_json:
        click.echo(json.dumps({**result.as_dict(), "output": str(output)}, indent=2))
    else:
        click.echo(result.report())
        click.echo(str(output))
