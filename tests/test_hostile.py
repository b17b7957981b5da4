"""Hostile and careless input (issue 15): every case is refused up front with one line and the
right exit code, or finishes; nothing is written outside the folder asked for, no temporary
file survives, and the same seed gives the same bytes."""

import os
import pathlib
import signal
import subprocess
import sys
import textwrap
import time

import jax.numpy as jnp
import numpy as np
import pytest
import surfaces
from click.testing import CliRunner

import optviz
from optviz import encoders, formula, gallery, limits, runner, spec
from optviz.cli import main
from test_gallery import TINY as GALLERY

TOWER = "**".join(["x"] * 331)  # 991 characters: under the length limit, 330 powers deep
NUMBER_400_DIGITS = "1" * 400


@pytest.fixture
def no_runs(monkeypatch):
    """Fail if anything is run: every refusal must come before the work."""

    def ran(*args, **kwargs):
        raise AssertionError("the request ran before it was refused")

    for name in ("_simulate", "_summarize", "_summarize_grid", "_losses_grid"):
        monkeypatch.setattr(runner, name, ran)


def one_line(result, code):
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == code, (result.exit_code, result.output, result.exception)
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    return lines[0]


REFUSED = [
    # 2. runs too long or too large for memory
    (["render", "bowl", "--opt", "gd", "--steps", "1000000000", "--frames", "3"], "'--steps'"),
    (["render", "bowl", "--opt", "gd", "--steps", "300000000"], "'--steps'"),
    (["render", "bowl", "--opt", "gd", "--steps", "100000000"], "'--steps'"),
    (["render", "bowl", "--steps", "5000000", "-o", "a.png"], "the limit is 10,000,000"),
    (["render", "bowl", "--opt", "gd", "--steps", "1000"] + ["--start", "1,1"] * 10_001, "limit"),
    (["basins", "himmelblau", "--steps", "1000000000"], "'--steps'"),
    (["basins", "himmelblau", "--steps", "1000000"], "the limit is 3,000,000,000"),
    (["basins", "himmelblau", "--grid", "2001"], "'--grid'"),
    (["tune", "bowl", "--steps", "1000000000"], "'--steps'"),
    (["tune", "bowl", "--steps", "10000000"], "too much to keep"),
    (["sweep", "bowl", "--opt", "gd", "--steps", "10000000", "--points", "400"], "x 400 values"),
    (["sweep", "bowl", "--opt", "gd", "--points", "100000"], "'--points'"),
    # 3. formulas that would take too long to compile
    (["render", TOWER], "more than 40 operations deep"),
    (["render", "x**" * 41 + "x"], "more than 40 operations deep"),
    (["render", "--", "-" * 300 + "x"], "more than 40 operations deep"),
    (["render", "x" + "+x" * 600], "longer than 1000 characters"),
    # 4. frame rates
    (["render", "bowl", "--steps", "10", "--frames", "3", "--fps", "1000000", "-o", "m.mp4"],
     "'--fps'"),
    (["render", "bowl", "--steps", "10", "--frames", "3", "--fps", "51", "-o", "m.gif"],
     "fps for .gif must be a whole number from 1 to 50"),
    # 5. pictures too large or too small
    (["render", "bowl", "--frames", "10000000"], "'--frames'"),
    (["render", "bowl", "--opt", "gd", "--steps", "1000000", "--frames", "100"],
     "draw 100,000,100 points; the limit is 30,000,000"),
    (["render", "bowl", "--frames", "400", "--size", "4096x4096"], "the limit is 500,000,000"),
    (["render", "bowl", "--size", "99999999999x2"], "'--size'"),
    (["basins", "himmelblau", "--size", "100000x100000"], "4096x4096"),
    (["sweep", "bowl", "--opt", "gd", "--size", "30000x30000"], "4096x4096"),
    (["sweep", "bowl", "--opt", "gd", "--size", "0x0"], "64x64"),
    # 7. values that would overflow, or are not numbers
    (["render", f"{NUMBER_400_DIGITS}*x"], "not finite in float32"),
    (["render", "1e39*x**2"], "not finite in float32"),
    (["render", "bowl", "--opt", "optax:lbfgs"], "optax:lbfgs: not a gradient transformation"),
    (["tune", "bowl", "--tol", "nan"], "'--tol'"),
    (["tune", "bowl", "--tol", "inf"], "'--tol'"),
    (["render", "bowl", "--start", "1e39,0"], "'--start'"),
    (["render", "bowl", "--opt", "gd:lr=1e308"], "gd: lr must be finite in float32"),
    (["render", "bowl", "--opt", "adam:eps=1e300"], "adam: eps must be finite in float32"),
    (["sweep", "bowl", "--opt", "gd", "--range", "1e-300,1e300"], "'--range'"),
    (["sweep", "bowl", "--opt", "gd", "--range", "1e-300,10"], "LO >= 1.17549e-38"),
    (["render", "bowl", "--bounds", "-1e39,1,-1,1"], "'--bounds'"),
    (["render", "1/0"], "not finite anywhere in the window"),  # was a ZeroDivisionError
]


@pytest.mark.parametrize(
    "args,message", REFUSED, ids=[" ".join(a)[:60] for a, _ in REFUSED]
)
def test_refused_up_front_in_one_line(args, message, tmp_path, monkeypatch, no_runs):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, args)
    assert message in one_line(result, 2)
    assert result.stdout == "" and os.listdir(tmp_path) == []


def test_the_largest_tower_accepted_finishes(tmp_path):
    # 40 powers deep: the worst the depth limit lets through still compiles (in seconds).
    out = tmp_path / "t.png"
    args = ["render", "x**" * 40 + "x", "--opt", "gd", "--steps", "3", "--size", "200x150"]
    result = CliRunner().invoke(main, [*args, "-o", str(out)])
    assert result.exit_code == 0 and out.exists(), result.output


def test_a_sweep_where_everything_diverges_is_still_drawn(tmp_path):
    out = tmp_path / "s.png"
    args = ["sweep", "bowl", "--opt", "gd", "--start", "1e30,1e30", "--steps", "5"]
    result = CliRunner().invoke(main, [*args, "--points", "3", "--size", "320x200", "-o", out])
    assert result.exit_code == 0 and result.stderr == "" and out.exists(), result.output


def test_a_long_flat_formula_is_not_a_deep_one():
    # A sum of 240 terms is one level of nesting, evaluated in a loop (no recursion).
    fn = formula.parse("+".join(["x*y"] * 240) + "-y")
    assert float(fn(jnp.array([2.0, 3.0]))) == pytest.approx(240 * 6 - 3)




@pytest.mark.parametrize(
    "change,message",
    [
        (('name = "tiny"', 'name = "../../escaped"'), "name must be a plain file name"),
        (('name = "tiny"', 'name = "/tmp/escaped"'), "name must be a plain file name"),
        (('name = "tiny"', 'name = ".hidden"'), "name must be a plain file name"),
        (('name = "tiny"', "name = 5"), "name must be a string"),
        (('surface = "bowl"', 'surface = "--help"'), "formula"),
        (('surface = "bowl"', "surface = ['bowl']"), "surface must be a string"),
        (('steps = 8', 'steps = "6"'), "steps must be a whole number"),
        (('steps = 8', "steps = true"), "steps must be a whole number"),
        (('size = "160x120"', "size = 160"), "size must be a string"),
        (('optimizers = ["gd:lr=0.5", "sgd:lr=0.5,noise=0.5"]', "optimizers = 5"),
         "optimizers must be"),
        (('optimizers = ["gd:lr=0.5", "sgd:lr=0.5,noise=0.5"]', "optimizers = ['--help']"),
         "unknown optimizer '--help'"),
        (('steps = 8', "starts = [[1, 2, 3]]"), "starts must be a list of [x, y] pairs"),
        (('steps = 8', "bounds = 5"), "bounds must be [xmin, xmax, ymin, ymax]"),
        (('steps = 8', 'format = "../x"'), "unknown format"),
        (('steps = 8', 'layout = "--help"'), "'--layout': '--help' is not one of"),
        (('steps = 8', "loss_panel = 1"), "loss_panel must be true or false"),
        (('[[scene]]', 'scene = 5\n[[x]]'), "scene must be [[scene]] tables"),
    ],
)
def test_a_bad_gallery_field_is_one_line_and_writes_nothing(change, message, tmp_path):
    folder = tmp_path / "g"
    folder.mkdir()
    (folder / "gallery.toml").write_text(GALLERY.replace(*change))
    result = CliRunner().invoke(main, ["gallery", str(folder / "gallery.toml")])
    assert message in one_line(result, 2)
    assert sorted(os.listdir(folder)) == ["gallery.toml"]
    assert sorted(os.listdir(tmp_path)) == ["g"]


def test_a_dashed_formula_in_the_gallery_is_a_value(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "gallery.toml").write_text(GALLERY.replace('"bowl"', '"-x**2 - y**2"'))
    scene = gallery.load(tmp_path / "gallery.toml")[0]
    assert scene.args(".")[-2:] == ["--", "-x**2 - y**2"]
    result = CliRunner().invoke(main, ["gallery", "gallery.toml"])
    assert result.exit_code == 0, result.output
    assert sorted(os.listdir(tmp_path)) == ["README.md", "gallery.toml", "index.html", "tiny.gif"]


def test_the_gallery_readme_is_never_written_through_a_symlink(tmp_path):
    folder = tmp_path / "g"
    folder.mkdir()
    (folder / "gallery.toml").write_text(GALLERY)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    (folder / "README.md").symlink_to(victim)
    result = CliRunner().invoke(main, ["gallery", str(folder / "gallery.toml")])
    assert "is a symlink" in one_line(result, 2)
    assert victim.read_text() == "precious"
    assert sorted(os.listdir(folder)) == ["README.md", "gallery.toml"]  # nothing rendered


@pytest.mark.parametrize(
    "make,message",
    [
        (lambda p: p.mkdir(), "cannot read the gallery file"),
        (lambda p: None, "no gallery file"),
    ],
)
def test_a_gallery_file_that_cannot_be_read_is_one_line(make, message, tmp_path):
    path = tmp_path / "gallery.toml"
    make(path)
    assert message in one_line(CliRunner().invoke(main, ["gallery", str(path)]), 2)


def test_a_null_byte_in_a_path_is_one_line(tmp_path):
    result = CliRunner().invoke(main, ["gallery", "a\0b.toml"])
    assert "embedded null byte" in one_line(result, 2)
    result = CliRunner().invoke(main, ["render", "bowl", "-o", "a\0b.gif"])
    assert "embedded null byte" in one_line(result, 2)


# 6. failures of the machine: one line, exit code 1, nothing left behind
SMALL_RENDER = ["render", "bowl", "--opt", "gd", "--steps", "3", "--frames", "2", "--size", "80x64"]


@pytest.mark.parametrize(
    "output",
    ["/proc/optviz-test.gif", "x" * 300 + ".gif", "/sys/optviz-test.png"],
    ids=["unwritable", "name too long", "read-only"],
)
def test_a_file_that_cannot_be_written_is_one_line_and_exit_1(output, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, [*SMALL_RENDER, "-o", output])
    one_line(result, 1)
    assert os.listdir(tmp_path) == []


class FullDisk:
    """A file on a full disk: every write fails as the OS says it."""

    def __init__(self, path, mode="r"):
        self.path = path

    def write(self, data):
        raise OSError(28, "No space left on device", str(self.path))

    def close(self):
        pass


def test_a_full_disk_is_one_line_and_exit_1(tmp_path, monkeypatch):
    from optviz import encoders

    monkeypatch.setattr(encoders, "open", FullDisk, raising=False)  # the GIF's own writes
    out = tmp_path / "a.gif"
    result = CliRunner().invoke(main, [*SMALL_RENDER, "-o", str(out)])
    assert "No space left on device" in one_line(result, 1)
    assert os.listdir(tmp_path) == []


def test_a_failing_ffmpeg_is_one_line_and_clobbers_nothing(tmp_path, monkeypatch):
    imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg")
    ffmpeg = tmp_path / "ffmpeg"  # takes every frame, then fails as on a full disk
    ffmpeg.write_text(textwrap.dedent("""\
        #!/bin/sh
        cat > /dev/null
        echo "frame=  2 fps=0.0" >&2
        echo "Error writing trailer: No space left on device" >&2
        exit 1
    """))
    ffmpeg.chmod(0o755)
    monkeypatch.setattr(imageio_ffmpeg, "get_ffmpeg_exe", lambda: str(ffmpeg))
    out = tmp_path / "out" / "a.mp4"
    out.parent.mkdir()
    out.write_bytes(b"good")
    result = CliRunner().invoke(main, [*SMALL_RENDER, "-o", str(out)])
    assert one_line(result, 1) == (
        "Error: ffmpeg failed: Error writing trailer: No space left on device"
    )
    assert os.listdir(out.parent) == ["a.mp4"] and out.read_bytes() == b"good"


def test_overwriting_keeps_the_targets_permissions(tmp_path):
    traj = optviz.run("bowl", ["gd"], steps=3)
    for mode, name in ((0o600, "a.gif"), (0o640, "a.png")):
        path = tmp_path / name
        path.write_bytes(b"old")
        path.chmod(mode)
        optviz.animate(traj, frames=2, size=(80, 64)).save(path)
        assert path.stat().st_mode & 0o777 == mode and path.read_bytes() != b"old"


RENDER = [
    sys.executable, "-m", "optviz", "render", "rosenbrock", "--steps", "300",
    "--frames", "300", "--size", "320x240",
]  # fmt: skip


def _started(process, folder, timeout=120):
    """Wait until ``process`` has its temporary file in ``folder``."""
    end = time.monotonic() + timeout
    while time.monotonic() < end and process.poll() is None:
        if any(name.startswith(".") for name in os.listdir(folder)):
            return
        time.sleep(0.05)
    raise AssertionError("the render never started writing")


@pytest.mark.parametrize(
    "sig,extension",
    [(signal.SIGTERM, "gif"), (signal.SIGINT, "gif"), (signal.SIGTERM, "mp4")],
    ids=["SIGTERM", "SIGINT", "SIGTERM-mp4"],
)
def test_a_render_stopped_by_a_signal_leaves_no_temporary_file(sig, extension, tmp_path):
    if extension == "mp4":
        pytest.importorskip("imageio_ffmpeg")
    out = tmp_path / f"r.{extension}"
    process = subprocess.Popen([*RENDER, "-o", str(out)], stderr=subprocess.PIPE, text=True)
    _started(process, tmp_path)
    process.send_signal(sig)
    _, err = process.communicate(timeout=60)
    assert (process.returncode, err.strip().splitlines()) == (1, ["Aborted!"]), err
    assert os.listdir(tmp_path) == []


def test_a_signal_during_jax_import_stops_the_command_cleanly(tmp_path):
    # The command imports jax on a thread of its own; a SIGTERM that lands while it does (sent
    # here by the import itself, so it always lands there) must still end in one line.
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(textwrap.dedent("""
        import os, signal, sys

        class Stop:
            def find_spec(self, name, path=None, target=None):
                if name == "jax._src.numpy.lax_numpy":
                    os.kill(os.getpid(), signal.SIGTERM)
                return None

        sys.meta_path.insert(0, Stop())
    """))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(hook), *sys.path]))
    out = tmp_path / "r.gif"
    done = subprocess.run([*RENDER, "-o", str(out)], env=env, capture_output=True, text=True,
                          timeout=120)
    assert (done.returncode, done.stderr.strip().splitlines()) == (1, ["Aborted!"]), done.stderr
    assert not out.exists()


def test_a_signal_inside_a_garbage_collector_callback_still_stops_the_render(tmp_path):
    # Python drops an exception raised in a collector's callback ("Exception ignored in"), so a
    # SIGTERM whose handler ran inside jax's callback let the render run on and exit 0. Here a
    # callback of our own takes the signal, once the render has its temporary file open.
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(textwrap.dedent("""
        import gc, os, signal

        def stop(phase, info, folder=os.environ["OPTVIZ_TEST_FOLDER"]):
            if any(name.startswith(".") for name in os.listdir(folder)):
                gc.callbacks.remove(stop)
                os.kill(os.getpid(), signal.SIGTERM)
                sum(range(1000))  # the handler runs here, inside the callback

        gc.callbacks.append(stop)
    """))
    out = tmp_path / "out" / "r.gif"
    out.parent.mkdir()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(hook), *sys.path]),
               OPTVIZ_TEST_FOLDER=str(out.parent))
    done = subprocess.run([*RENDER, "-o", str(out)], env=env, capture_output=True, text=True,
                          timeout=120)
    assert (done.returncode, done.stderr.strip().splitlines()) == (1, ["Aborted!"]), done.stderr
    assert os.listdir(out.parent) == []


def test_a_stop_that_comes_out_as_another_error_still_ends_as_aborted(tmp_path, monkeypatch):
    # A KeyboardInterrupt raised while C code calls back into Python may come out as another
    # error: matplotlib's Agg turned one into "Invalid bounding box", and the command said
    # "Error: Invalid bounding box" and exited 2.
    from optviz import encoders

    def add(self, frame, duration_ms):
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            sum(range(1000))  # the handler runs here
        except KeyboardInterrupt:
            raise ValueError("Invalid bounding box") from None

    monkeypatch.setattr(encoders.GifEncoder, "add", add)
    result = CliRunner().invoke(main, [*SMALL_RENDER, "-o", str(tmp_path / "a.gif")])
    assert (result.exit_code, result.output.split()) == (1, ["Aborted!"]), result.output
    assert os.listdir(tmp_path) == []
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # the command's handler is gone


def test_a_command_leaves_its_callers_alarm_and_handlers_alone(tmp_path):
    # The command line takes SIGTERM (and an alarm, only to deliver a dropped stop again)
    # while it runs: a program that calls it keeps its own alarm and handlers.
    def own(signum, frame):
        raise AssertionError("the caller's alarm went off")

    before = signal.signal(signal.SIGALRM, own), signal.getsignal(signal.SIGTERM)
    signal.setitimer(signal.ITIMER_REAL, 100)
    try:
        result = CliRunner().invoke(main, [*SMALL_RENDER, "-o", str(tmp_path / "a.gif")])
        assert result.exit_code == 0, result.output
        assert signal.getsignal(signal.SIGALRM) is own
        assert signal.getsignal(signal.SIGTERM) is before[1]
        assert 90 < signal.getitimer(signal.ITIMER_REAL)[0] <= 100
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, before[0])


def test_a_temporary_file_left_by_sigkill_is_removed_by_the_next_render(tmp_path):
    out = tmp_path / "r.gif"
    process = subprocess.Popen([*RENDER, "-o", str(out)], stderr=subprocess.DEVNULL)
    _started(process, tmp_path)
    process.kill()
    process.wait(timeout=60)
    (left,) = os.listdir(tmp_path)
    assert left.startswith(".r.optviz-")
    busy = tmp_path / f".r.optviz-{os.getpid()}-abcd.gif"  # a live process's: kept
    busy.write_bytes(b"")
    optviz.animate(optviz.run("bowl", ["gd"], steps=3), frames=2, size=(80, 64)).save(out)
    assert sorted(os.listdir(tmp_path)) == [busy.name, "r.gif"]


# 8. the Python API
def _tuple_momentum(learning_rate, beta=0.9):
    def update(grads, v, params=None):
        v = beta * v + grads
        return -learning_rate * v, v

    return jnp.zeros_like, update


@pytest.mark.parametrize(
    "call,error,message",
    [
        (lambda: optviz.animate(None), TypeError, "expected Trajectories"),
        (lambda: optviz.plot(None), TypeError, "expected Trajectories"),
        (lambda: optviz.plot_loss("bowl"), TypeError, "expected Trajectories"),
        (
            lambda: surfaces.Surface("s", lambda p: p[0], "x", ((-1, 1), (2, 2)), (0, 0), (1,), ""),
            ValueError,
            "xmin < xmax and ymin < ymax",
        ),
        (lambda: optviz.tune("bowl", ["gd"], learning_rates=[]), ValueError, "at least two"),
        (lambda: optviz.tune("bowl", ["gd"], learning_rates=[0.1, -1]), ValueError, "> 0"),
        (lambda: optviz.tune("bowl", ["gd"], learning_rates=[[0.1, 1]]), ValueError, "two"),
        (lambda: optviz.tune("bowl", ["gd"], tol=float("nan")), ValueError, "tol must be"),
        (lambda: optviz.run("bowl", ["gd"], steps=np.int64(10**9)), ValueError, "steps must be"),
        (lambda: optviz.run("bowl", ["gd"], start=(1e39, 0)), ValueError, "finite in float32"),
        (lambda: optviz.run("bowl", ["gd:lr=1e300"]), ValueError, "finite in float32"),
        (lambda: optviz.basins("himmelblau", grid=np.int64(1)), ValueError, "grid must be"),
        (lambda: optviz.sweep("bowl", ["gd"], lo=1e-300, hi=1), ValueError, "LO >= "),
        (lambda: optviz.run("bowl", ["optax:lbfgs"]), ValueError, "not a gradient transformation"),
        (lambda: spec.Spec("adam", lr=np.bool_(True)), ValueError, "lr must be a number"),
        (lambda: formula.parse(NUMBER_400_DIGITS), ValueError, "not finite in float32"),
    ],
)
def test_the_api_raises_one_clear_error(call, error, message):
    with pytest.raises(error, match=message.replace("[", r"\[").replace("(", r"\(")):
        call()


def test_the_api_takes_numpy_scalars_and_plain_pairs():
    a = optviz.run("bowl", [spec.Spec("adam", lr=np.float32(0.25), b1=np.float64(0.8))], steps=5)
    b = optviz.run("bowl", ["adam:lr=0.25,b1=0.8"], steps=5)
    np.testing.assert_allclose(a.params, b.params, rtol=1e-6)
    optviz.register("tuple-momentum", _tuple_momentum)
    ours = optviz.run("bowl", ["tuple-momentum:learning_rate=0.1,beta=0.5"], steps=20)
    reference = optviz.run("bowl", ["momentum:lr=0.1,beta=0.5"], steps=20)
    np.testing.assert_allclose(ours.params, reference.params, rtol=1e-5, atol=1e-7)
    assert optviz.run("bowl", ["gd"], steps=np.int32(3)).steps == 3


# 9. same seed, same bytes, in every format, from separate processes
SAVE = """
import sys, optviz
traj = optviz.run("himmelblau", ["sgd:lr=0.01", "adam:lr=0.1"], steps=12, seed=5)
optviz.animate(traj, frames=3, size=(160, 120)).save(sys.argv[1])
"""


@pytest.mark.parametrize("extension", ["gif", "webp", "mp4", "png", "svg", "pdf"])
def test_the_same_seed_gives_the_same_bytes(extension, tmp_path):
    if extension == "mp4":
        pytest.importorskip("imageio_ffmpeg")
    paths = [tmp_path / f"{i}.{extension}" for i in range(2)]
    for path in paths:
        subprocess.run([sys.executable, "-c", textwrap.dedent(SAVE), str(path)], check=True)
    assert paths[0].read_bytes() == paths[1].read_bytes()


def test_stills_are_sharp_editable_and_vector(tmp_path):
    from PIL import Image

    traj = optviz.run("bowl", ["gd:lr=0.5"], steps=4)
    with Image.open(optviz.animate(traj, size=(200, 150)).save(tmp_path / "a.png")) as im:
        assert im.size == (200 * encoders.StillEncoder.PNG_SCALE, 150 * 2)
    svg = optviz.animate(traj, size=(200, 150)).save(tmp_path / "a.svg").read_text()
    assert ">step 4 / 4<" in svg  # text, not glyph outlines
    pdf = optviz.animate(traj, size=(200, 150)).save(tmp_path / "a.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-") and b"/Subtype /Image" not in pdf  # vectors, no pixels


def test_gif_delays_are_ones_browsers_play_as_written(tmp_path):
    from PIL import Image

    path = tmp_path / "d.gif"
    colours = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255)]
    with encoders.open_encoder(path, fps=50, colours=np.array(colours) / 255) as encoder:
        for ms, colour in zip((5, 20, 33, 1000), colours):
            encoder.add(np.full((8, 8, 3), colour, np.uint8), ms)
    with Image.open(path) as im:
        delays = []
        for i in range(im.n_frames):
            im.seek(i)
            delays.append(im.info["duration"])
    assert delays == [20, 20, 30, 1000]
    with pytest.raises(ValueError, match="the longest hold is 60000 ms"):
        with encoders.open_encoder(tmp_path / "m.gif") as encoder:
            encoder.add(np.zeros((8, 8, 3), np.uint8), 10**9)
    assert sorted(os.listdir(tmp_path)) == ["d.gif"]


def test_the_limits_are_in_help_and_readme():
    result = CliRunner().invoke(main, ["--help"])
    readme = (pathlib.Path(__file__).parents[1] / "README.md").read_text()
    figures = (limits.MAX_PATH_POINTS, limits.MAX_WORK, limits.MAX_FRAME_PIXELS)
    for figure in (*figures, limits.MAX_DRAWN_POINTS):
        assert f"{figure:,}" in result.output and f"{figure:,}" in readme
    assert f"fps <= {limits.MAX_FPS} (GIF: <= 50)" in result.output
