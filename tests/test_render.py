"""Rendering: small renders written, decoded back and inspected."""

import os

import imageio.v3 as iio
import numpy as np
import pytest
import surfaces
from matplotlib.colors import to_rgb
from PIL import Image

from gifs import shown
import optviz
from optviz import scene, theme
from optviz import pacing, presets

SIZE = (200, 150)


@pytest.fixture(scope="module")
def traj():
    return optviz.run("bowl", ["gd:lr=0.9", "momentum:lr=0.1", "adam:lr=0.3"], steps=24)


def rgb(colour):
    return tuple(int(round(255 * c)) for c in to_rgb(colour))


def colours_in(image: np.ndarray) -> set:
    """The colours of ``image``, and each one unit off in any channel: Agg rounds some colours
    down by one when it turns them into bytes."""
    exact = set(map(tuple, image.reshape(-1, 3).tolist()))
    return exact | {
        (r + dr, g + dg, b + db)
        for r, g, b in exact
        for dr, dg, db in ((1, 0, 0), (0, 1, 0), (0, 0, 1))
    }


def gif_frames(path):
    frames, durations = shown(path)
    with Image.open(path) as im:
        loop = im.info.get("loop")
    return [np.asarray(f) for f in frames], durations, loop


def test_gif_frames_size_colours_and_held_last_frame(traj, tmp_path):
    path = optviz.animate(traj, frames=5, fps=20, size=SIZE).save(tmp_path / "a.gif")
    frames, durations, loop = gif_frames(path)
    assert len(frames) == 5
    assert frames[0].shape == (SIZE[1], SIZE[0], 3)
    assert loop == 0
    # Held a second at the start and 2.5 s at the end; 10 s in all, in whole hundredths.
    assert durations[0] == pacing.HOLD_FIRST_MS and durations[-1] == pacing.HOLD_LAST_MS
    assert sum(durations) == 10_000 and all(d % 10 == 0 for d in durations)
    # The optimizers' exact colours are in the picture (the heads are drawn at full colour).
    colours = theme.THEMES["light"].run_colours(traj.specs)
    assert {rgb(c) for c in colours} <= colours_in(np.stack(frames))
    # Heads move: consecutive frames differ.
    assert not np.array_equal(frames[1], frames[2])


def test_frames_show_the_steps_they_claim(traj):
    animation = optviz.animate(traj, frames=4, size=SIZE, pace="linear")
    assert animation.steps.tolist() == [0, 8, 16, 24]
    first, last = animation.frame(0), animation.frame(-1)
    assert first.shape == (SIZE[1], SIZE[0], 3) and first.dtype == np.uint8
    assert not np.array_equal(first, last)


@pytest.mark.parametrize(
    "layout,loss_panel,theme_name",
    [("grid", False, "dark"), ("overlay", True, "light"), ("grid", True, "talk")],
)
def test_layouts_and_themes_keep_size_and_colours(traj, tmp_path, layout, loss_panel, theme_name):
    path = tmp_path / "b.gif"
    optviz.animate(
        traj, frames=2, size=(320, 240), layout=layout, theme=theme_name, loss_panel=loss_panel
    ).save(path)
    frames, _, _ = gif_frames(path)
    assert frames[-1].shape == (240, 320, 3)
    t = theme.THEMES[theme_name]
    assert {rgb(c) for c in t.run_colours(traj.specs)} <= colours_in(frames[-1])
    assert rgb(t.background) in colours_in(frames[-1][1:2, 1:2])


def test_mp4_is_readable_and_holds_the_last_frame(traj, tmp_path, monkeypatch):
    pytest.importorskip("imageio_ffmpeg")
    # Reading back through imageio-ffmpeg: no Python between fork and exec (jax's threads).
    monkeypatch.setenv("IMAGEIO_FFMPEG_NO_PREVENT_SIGINT", "1")
    animation = optviz.animate(traj, frames=4, fps=10, size=(201, 151))
    path = animation.save(tmp_path / "a.mp4")
    frames = iio.imread(path, plugin="pyav") if _has_pyav() else _ffmpeg_frames(path)
    # Each frame repeated for as many tenths of a second as it is shown: 10 s in all.
    assert [round(d / 100) for d in animation.durations()][-1] == 25
    assert len(frames) == 100
    assert frames[0].shape[:2] == (152, 202)  # padded to even sides for yuv420p


def _has_pyav():
    try:
        import av  # noqa: F401
    except ImportError:
        return False
    return True


def _ffmpeg_frames(path):
    import imageio_ffmpeg

    reader = imageio_ffmpeg.read_frames(str(path))
    meta = next(reader)
    w, h = meta["size"]
    return [np.frombuffer(f, np.uint8).reshape(h, w, 3) for f in reader]


def test_webp_is_animated(traj, tmp_path):
    path = optviz.animate(traj, frames=3, size=SIZE).save(tmp_path / "a.webp")
    with Image.open(path) as im:
        assert im.n_frames == 3 and im.size == SIZE


def test_still_formats_draw_the_final_state(tmp_path):
    traj = optviz.run("bowl", ["gd:lr=0.01", "adam:lr=0.3"], steps=24)
    png = optviz.animate(traj, frames=3, size=SIZE).save(tmp_path / "a.png")
    with Image.open(png) as im:
        assert im.size == (2 * SIZE[0], 2 * SIZE[1])  # twice the pixel density
        pixels = np.asarray(im.convert("RGB"))
    assert rgb(theme.THEMES["light"].colour("adam")) in colours_in(pixels)
    svg = optviz.animate(traj, size=SIZE).save(tmp_path / "a.svg").read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg and "step 24 / 24" in svg
    assert (optviz.animate(traj, size=SIZE).save(tmp_path / "a.pdf")).read_bytes()[:5] == b"%PDF-"


def test_a_failed_render_keeps_the_old_file_and_leaves_no_temporary(traj, tmp_path, monkeypatch):
    path = tmp_path / "keep.gif"
    path.write_bytes(b"the good file")
    animation = optviz.animate(traj, frames=6, size=SIZE)
    calls = []

    def failing(self, step):
        calls.append(step)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return np.zeros((SIZE[1], SIZE[0], 3), np.uint8)

    monkeypatch.setattr(scene.Scene, "rgba", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        animation.save(path)
    assert path.read_bytes() == b"the good file"
    assert os.listdir(tmp_path) == ["keep.gif"]


def test_written_files_get_ordinary_permissions(traj, tmp_path):
    path = optviz.animate(traj, frames=2, size=SIZE).save(tmp_path / "p.png")
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask


def test_divergence_is_drawn_not_hidden(tmp_path):
    traj = optviz.run("bowl", ["gd:lr=1.5", "adam:lr=0.3"], steps=60)
    step = int(traj.diverged_at[0, 0])
    assert scene.divergence_note(traj, 0, step - 1) == ""
    assert scene.divergence_note(traj, 0, 60) == f"gd lr=1.5 diverged at step {step}"
    frames, _, _ = gif_frames(
        optviz.animate(traj, frames=3, size=(320, 240)).save(tmp_path / "d.gif")
    )
    # The cross marking where GD left is drawn in its colour, wholly inside the window.
    crosses = optviz.animate(traj, frames=3, size=(320, 240)).scene
    crosses.show(60)
    marks = crosses.paths[0].crosses
    assert len(marks.get_offsets()) == 1
    box = crosses.ax.get_window_extent()
    (x, y), = crosses.ax.transData.transform(marks.get_offsets())
    r = np.sqrt(marks.get_sizes()[0]) / 2 * 100 / 72  # the marker's half width in pixels
    assert box.x0 <= x - r and x + r <= box.x1 and box.y0 <= y - r and y + r <= box.y1


def test_bad_style_values_raise_one_line(traj):
    for kwargs, message in [
        (dict(frames=0), "frames must be a whole number from 1 to 10,000"),
        (dict(fps=0), "fps must be"),
        (dict(size=(10, 10)), "size must be between"),
        (dict(layout="stack"), "unknown layout 'stack'"),
        (dict(theme="neon"), "unknown theme 'neon'"),
        (dict(bounds=((1, 0), (0, 1))), "bounds must be"),
    ]:
        with pytest.raises(ValueError, match=message):
            optviz.animate(traj, **kwargs)


def test_plot_draws_on_given_axes(traj):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    assert optviz.plot(traj, ax, step=10) is ax
    assert ax.get_xlim() == traj.surface.bounds[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == list(traj.labels)
    plt.close(fig)


def test_mp4_without_the_extra_says_how_to_get_it(traj, tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "imageio_ffmpeg", None)
    with pytest.raises(
        ValueError,
        match=r"MP4 needs imageio-ffmpeg, which is not installed: "
        r"pip install 'optviz\[video\]'",
    ):
        optviz.animate(traj, frames=2, size=SIZE).save(tmp_path / "a.mp4")
    assert os.listdir(tmp_path) == []


def test_compare_is_run_then_animate():
    animation = optviz.compare("bowl", ["gd:lr=0.9", "adam:lr=0.3"], steps=10, frames=3, size=SIZE)
    assert len(animation) == 3 and animation.traj.labels == ("gd lr=0.9", "adam lr=0.3")
    assert animation.frame(-1).shape == (SIZE[1], SIZE[0], 3)
    default = optviz.compare("bowl", steps=2, frames=2, size=SIZE)
    assert [s.name for s in default.traj.specs] == [
        "gd",
        "sgd",
        "momentum",
        "nesterov",
        "adagrad",
        "rmsprop",
        "adam",
    ]


def test_far_apart_changes_are_written_as_two_small_frames(tmp_path, monkeypatch):
    from optviz import encoders

    colours = [(255, 255, 255), (200, 30, 30), (30, 30, 200)]
    frames = []
    for k in range(4):
        frame = np.full((240, 320, 3), 255, np.uint8)
        frame[4:12, 280 + 5 * k : 290 + 5 * k] = colours[1]  # a counter in a corner
        frame[200 + 5 * k : 215 + 5 * k, 10:30] = colours[2]  # a head far from it
        frames.append(frame)

    def write(path):
        with encoders.open_encoder(path, fps=10, colours=np.array(colours) / 255) as encoder:
            for frame in frames:
                encoder.add(frame, 100)
        return path

    split = write(tmp_path / "split.gif")
    monkeypatch.setattr(encoders.GifEncoder, "SPLIT", False)
    whole = write(tmp_path / "whole.gif")
    # Shown, both are the frames given, each for its 100 ms.
    for path in (split, whole):
        shown_frames, delays = shown(path)
        assert [np.asarray(f).tolist() for f in shown_frames] == [f.tolist() for f in frames]
        assert delays == [100] * 4
    # Written, each change after the first is its own small box: the counter for 20 ms first.
    with Image.open(split) as im:
        boxes = []
        for k in range(im.n_frames):
            im.seek(k)
            x0, y0, x1, y1 = im.tile[0][1]
            boxes.append(((x1 - x0) * (y1 - y0), im.info["duration"]))
    assert len(boxes) == 7 and boxes[1][1] == 20 and boxes[2][1] == 80
    assert max(area for area, _ in boxes[1:]) < 1000
    assert split.stat().st_size < whole.stat().st_size


def test_a_gif_is_written_as_it_comes_and_unchanged_frames_lengthen_the_last(tmp_path):
    """Frames given as RGBA (the canvas's own layout) or RGB decode to the same pixels; a
    frame that changes nothing adds its time to the one before, up to GIF's 16-bit delay."""
    from optviz import encoders

    white, red = (255, 255, 255), (200, 30, 30)
    still = np.full((24, 32, 3), 255, np.uint8)
    moved = still.copy()
    moved[5:9, 10:14] = red
    rgba = np.dstack([moved, np.full((24, 32), 255, np.uint8)])
    path = tmp_path / "held.gif"
    with encoders.open_encoder(path, fps=10, colours=np.array([white, red]) / 255) as encoder:
        for frame, ms in [(still, 1000), (still, 500), (rgba, 60_000)] + [(moved, 60_000)] * 11:
            encoder.add(frame, ms)
    frames, delays = shown(path)
    assert [np.asarray(f).tolist() for f in frames[:2]] == [still.tolist(), moved.tolist()]
    assert delays[0] == 1500  # the repeated first frame, merged
    assert sum(delays[1:]) == 12 * 60_000 and max(delays) <= encoders.GifEncoder.MAX_DELAY_MS
    assert all(np.asarray(f).tolist() == moved.tolist() for f in frames[1:])
    with Image.open(path) as im:
        im.seek(1)
        assert im.tile[0][1] == (10, 5, 14, 9)  # only the box that changed is stored


def test_a_label_put_further_out_stays_while_its_head_shifts_a_little():
    # A label put a little further out than beside its head (to keep off a path) stays while
    # its head moves away by less than half a radius: on the default bowl, labels put so were
    # placed again 159 times because their heads had drifted by less than a twentieth of one.
    from optviz import placement

    radius, frame, size = 10.0, (0, 0, 400, 300), (40, 12)
    head = np.array([[200.0, 150.0]])
    box = (200 + 4 * radius, 144.0, 200 + 4 * radius + 40, 156.0)  # put 4 radii out
    previous = [(box, (box[0] - 200, box[1] - 150), 4 * radius)]
    for shift, stays in ((0.3, True), (0.6, False)):  # radii further away, to the left
        anchor = head - [shift * radius, 0]
        boxes, _ = placement.place(anchor, [size], frame, radius=radius, previous=previous)
        assert (boxes[0] == box) == stays, shift


def test_labels_stay_put_while_beside_their_heads():
    from optviz import placement

    traj = optviz.run("beale", list(presets.lineup(surfaces.get("beale"))), steps=300)
    anim = optviz.animate(traj, size=(640, 480))
    sc = anim.scene
    r = sc.theme.head_size * 100 / 72 * 1.2
    last, moves = None, 0
    for step in anim.steps:
        sc.show(int(step))
        boxes = [stamp.box for stamp in sc.stamps]
        if last is not None:
            moves += sum(a != b for a, b in zip(boxes, last))
        last = boxes
        # Every label lies beside its head, or as near as the crowd (of labels, heads and the
        # map's own words) lets it.
        for anchor, box in zip(sc.anchors[:, int(step)], boxes):
            gap = placement._gaps(np.array([box]), np.array([anchor]))[0, 0]
            assert gap <= 9 * r
    # Labels move in fewer than a fifth of the frames (following every head, they would move
    # in nearly all).
    assert moves < 0.2 * len(sc.stamps) * (len(anim.steps) - 1)
