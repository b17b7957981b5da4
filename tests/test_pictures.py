"""What a picture owes its viewer, measured on the pictures themselves: every run visible and
named where it is, one colour per optimizer, pacing to talk over, a filled frame, words a
slide can use, contours that read, a 3-D view that is a surface."""

import itertools
import math
import pathlib

import numpy as np
import pytest
import surfaces
from colour_vision import SIMULATIONS, difference
from matplotlib.colors import to_hex, to_rgb, to_rgba

import optviz
from optviz import animation, gallery, heads, layering, pacing, presets, scene, theme
from optviz import view3d as scene_3d
from optviz.cli import main

ROOT = pathlib.Path(__file__).resolve().parents[1]
SCENES = [s for s in gallery.load(ROOT / "gallery" / "gallery.toml") if s.command == "render"]
CLASSIC = ("gd", "sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")


def captured(args, monkeypatch) -> animation.Animation:
    """The animation the command line ``args`` would save, without encoding it."""
    kept = []
    monkeypatch.setattr(animation.Animation, "save", lambda self, path, **kw: kept.append(self))
    result = main.main(args, standalone_mode=False)
    assert result is None or result == 0
    return kept[0]


def drawn_path(anim: animation.Animation, row: int) -> tuple:
    """Run ``row``'s path as drawn on the last frame (pixels, y down; a cloud's short trail
    only), where its head is, the diameter of its head's ring (points), and its window."""
    sc = anim.scene
    h, step = sc.style.size[1], anim.steps[-1]
    sc.show(step)
    lw = sc.theme.line_width * 100 / 72 + 2 * layering.CASING_PX
    if sc.style.layout == "3d":
        # Laid out on screen from the camera's view: beside the runs drawn on top of it,
        # never far from its own.
        paths = sc.paths[0]
        run = row * paths.n_starts
        drawn = paths.drawn[run] * sc.figure.bbox.size
        own = paths._screen(paths.line_at[run])
        assert np.nanmax(np.abs(drawn - own)) <= len(paths.order) * lw + 1e-6
        drawn[:, 1] = h - drawn[:, 1]
        head = paths._screen(paths.heads_at[run, step])[0]
    else:
        paths = [p for p in sc.paths if row in p.rows][0]
        k = paths.rows.index(row)
        px = sc.pixels[sc.paths.index(paths)][k]
        # Along the path as drawn: beside the runs drawn on top of it, never far from its own.
        drawn = paths.ax.transData.transform(paths.drawn[k])
        drawn[:, 1] = h - drawn[:, 1]
        assert np.abs(drawn - px).max() <= len(paths.rows) * lw + 1e-6
        # Its head, or the mark it shares with the heads it met.
        head = paths.marks[0][k] if paths.marks[1][k] else paths.ax.transData.transform(paths.paths[k, step])
    ring = np.sqrt(max(paths.heads.get_sizes(), default=0))  # the largest mark of heads
    head = (head[0], h - head[1])
    # A cloud draws each run as its head and a short trail only.
    drawn = drawn[max(step - scene.CLOUD_TAIL, 0) if paths.cloud else 0 : step + 1]
    return drawn, head, ring, paths.ax.get_window_extent()


def visible_share(anim: animation.Animation, image: np.ndarray, row: int) -> float:
    """The share of points along run ``row``'s drawn path (every 2 pixels) that have a pixel of
    the run's own colour (or a cloud's trail colour) within a line width of them."""
    sc = anim.scene
    h = image.shape[0]
    px, head, ring, box = drawn_path(anim, row)
    colours = [to_rgb(sc.colours[row]), scene.tail(sc.colours[row], sc.theme)[:3]]
    targets = np.round(np.array(colours) * 255)
    match = (np.abs(image[..., None, :].astype(int) - targets).max(-1) <= 10).any(-1)
    r = math.ceil(sc.theme.line_width * 100 / 72) + 1
    points = []
    for a, b in zip(px[:-1], px[1:]):
        if not np.isfinite([a, b]).all():  # where it left the window (in 3-D)
            continue
        n = max(1, int(np.linalg.norm(b - a) // 2))
        points += [a + (b - a) * k / n for k in range(n)]
    # Each place on screen counts once, however often the run passes it (a run that jitters
    # about its minimum passes the same few pixels for hundreds of steps).
    points = {
        (int(x) // 2 * 2, int(y) // 2 * 2) for x, y in points
        if box.x0 + r < x < box.x1 - r and h - box.y1 + r < y < h - box.y0 - r
    }
    if len(points) < 5:  # a run that barely moved is its head
        return 1.0
    # Where the path lies under its head (a run that settled), the head's ring is its colour.
    ring = math.ceil(ring / 2 * 100 / 72) + 2
    seen = []
    for x, y in points:
        q = ring if np.hypot(x - head[0], y - head[1]) < ring else r
        seen.append(match[max(int(y) - q, 0) : int(y) + q + 1, max(int(x) - q, 0) : int(x) + q + 1].any())
    return float(np.mean(seen))


def text_boxes(anim) -> list:
    """The boxes (x0, y0, x1, y1; pixels, y down) of the words on the last frame."""
    sc = anim.scene
    h = sc.style.size[1]
    renderer = sc.canvas.get_renderer()
    boxes = [stamp.box for stamp in sc.stamps] + [sc.counter_box]
    boxes += [sc.note.box] if sc.note.text else []
    for text in sc.figure.texts:
        if text.get_text() and text is not sc.counter:
            e = text.get_window_extent(renderer)
            boxes.append((e.x0, h - e.y1, e.x1, h - e.y0))
    # The map's own words: contour levels, regions.
    return boxes + [tuple(box) for box in sc.map_words]


def overlapping(boxes) -> list:
    return [
        (a, b) for a, b in itertools.combinations(boxes, 2)
        if min(a[2], b[2]) - max(a[0], b[0]) > 0.5 and min(a[3], b[3]) - max(a[1], b[1]) > 0.5
    ]


def check_picture(anim) -> None:
    image = anim.frame(-1)
    for row in range(len(anim.traj.labels)):
        share = visible_share(anim, image, row)
        assert share > 0.5, f"{anim.traj.labels[row]}: its colour shows on {share:.0%} of its path"
    assert overlapping(text_boxes(anim)) == []
    # Labels lie inside the map, and every global minimum's star is drawn over everything.
    sc = anim.scene
    if sc.stamps:
        box = sc.ax.get_window_extent()
        h = sc.style.size[1]
        for stamp in sc.stamps:
            x0, y0, x1, y1 = stamp.box
            assert box.x0 - 0.5 <= x0 and x1 <= box.x1 + 0.5
            assert h - box.y1 - 0.5 <= y0 and y1 <= h - box.y0 + 0.5
    assert sc.artists[-len(sc.stars) :] == sc.stars or not sc.stars


@pytest.mark.parametrize("scene_", SCENES, ids=lambda s: s.name)
def test_every_gallery_scene_shows_every_run_and_keeps_words_apart(scene_, monkeypatch):
    check_picture(captured(scene_.args("/tmp"), monkeypatch))


@pytest.mark.parametrize("name", surfaces.names())
def test_every_surface_default_render_shows_every_run(name, monkeypatch, tmp_path):
    check_picture(captured(["render", name, "-o", str(tmp_path / "x.gif")], monkeypatch))


def test_in_3d_fast_runs_pulled_in_near_a_well_show_on_the_way_there(monkeypatch, tmp_path):
    """Lines pulled in where being beside others would take them off the mesh come back out
    within a few line widths, however long a step is on screen: Adam and RMSprop reach
    Himmelblau's well in about ten steps, and a pull eased over steps rather than pixels hid
    them (55 % and 66 % of their paths showed) all the way from the start."""
    anim = captured(
        ["render", "himmelblau", "--layout", "3d", "--frames", "2", "-o", str(tmp_path / "x.gif")],
        monkeypatch,
    )
    image = anim.frame(-1)
    for row, label in enumerate(anim.traj.labels):
        share = visible_share(anim, image, row)
        fast = label.split()[0] in ("adam", "rmsprop")
        assert share > (0.75 if fast else 0.5), f"{label}: its colour shows on {share:.0%}"


def test_coinciding_paths_stay_distinguishable():
    # SGD without noise is GD: the three paths are one and the same.
    traj = optviz.run("bowl", ["gd:lr=0.5", "sgd:lr=0.5,noise=0", "momentum:lr=0.5,beta=0"], steps=40)
    assert np.allclose(traj.params[0], traj.params[1]) and np.allclose(traj.params[0], traj.params[2])
    anim = optviz.animate(traj, frames=2)
    image = anim.frame(-1)
    for row in range(3):
        assert visible_share(anim, image, row) > 0.5


def test_minima_are_never_covered():
    traj = optviz.run("bowl", ["gd:lr=0.9", "adam:lr=0.3", "momentum:lr=0.1"], steps=300)
    sc = optviz.animate(traj, frames=2).scene
    image = sc.frame(traj.steps)
    # All three runs end at the minimum; its star is still there, in the foreground colour.
    (x, y), = sc.ax.transData.transform([traj.surface.minima[0]])
    y = image.shape[0] - y
    patch = image[int(y) - 2 : int(y) + 3, int(x) - 2 : int(x) + 3]
    assert (np.abs(patch.astype(int) - np.round(np.array(to_rgb(sc.theme.foreground)) * 255)).max(-1) <= 40).any()
    # ...and each head that ended there shows as a ring of its own colour around it.
    for colour in sc.colours:
        target = np.round(np.array(to_rgb(colour)) * 255)
        ring = image[int(y) - 12 : int(y) + 13, int(x) - 12 : int(x) + 13]
        assert (np.abs(ring.astype(int) - target).max(-1) <= 10).any(), colour


def test_a_run_that_leaves_the_window_gets_an_arrow_at_the_edge():
    traj = optviz.run("saddle", ["adam:lr=0.02"], steps=300)
    sc = optviz.animate(traj, frames=2, size=(320, 240)).scene
    sc.show(traj.steps)
    arrows = sc.paths[0].arrows
    (x, y), = sc.ax.transData.transform(arrows.get_offsets())
    box = sc.ax.get_window_extent()
    assert box.x0 < x < box.x1 and box.y1 - 15 < y < box.y1  # at the top edge, where it went
    assert len(arrows.get_paths()) == 1


# --- one colour per optimizer ---------------------------------------------------------------


@pytest.mark.parametrize("name", ["light", "dark"])
def test_the_classic_seven_stay_apart_for_every_kind_of_colour_vision(name):
    t = theme.THEMES[name]
    colours = [t.colour(n) for n in CLASSIC]
    for vision in SIMULATIONS:
        for a, b in itertools.combinations(colours, 2):
            assert difference(a, b, vision) >= 10, (vision, a, b)
        for c in colours:
            assert difference(c, t.background, vision) >= 20, (vision, c)


def test_an_optimizer_keeps_its_colour_in_every_scene_layout_and_command():
    light, talk, dark = (theme.THEMES[n] for n in ("light", "talk", "dark"))
    for name in theme.RULES:
        assert light.colour(name) == talk.colour(name)
        # The dark theme's variant is the same hue, never darker.
        h_light = _hue(light.colour(name))
        h_dark = _hue(dark.colour(name))
        assert h_light is None or abs((h_dark - h_light + 180) % 360 - 180) < 30, name
    # Whatever else is in the picture, and in whatever order, adam is adam's colour.
    for specs in (["adam"], ["gd", "adam"], ["adam", "rmsprop", "optax:lion"]):
        colours = light.run_colours([optviz.parse_spec(s) for s in specs])
        assert colours[specs.index("adam")] == light.colour("adam")


def _hue(colour):
    from colour_vision import lab, rgb

    _, a, b = lab(rgb(colour))
    return None if math.hypot(a, b) < 8 else math.degrees(math.atan2(b, a)) % 360


def test_a_sweep_takes_shades_of_one_colour_and_names_the_value():
    specs = [optviz.parse_spec(f"momentum:lr=0.1,beta={b}") for b in (0.0, 0.5, 0.9)]
    traj = optviz.run("bowl", specs, steps=10)
    sc = optviz.animate(traj, frames=2, size=(320, 240)).scene
    assert [s.text for s in sc.stamps] == ["momentum β = 0", "momentum β = 0.5", "momentum β = 0.9"]
    assert len(set(sc.colours)) == 3 and theme.THEMES["light"].colour("momentum") in sc.colours
    assert _hue(sc.colours[0]) == pytest.approx(_hue(sc.colours[2]), abs=15)


# --- pacing -----------------------------------------------------------------------------------


def test_the_default_render_lasts_long_enough_to_talk_over(monkeypatch, tmp_path):
    anim = captured(["render", "beale", "-o", str(tmp_path / "b.gif")], monkeypatch)
    durations = anim.durations()
    assert 8000 <= sum(durations) <= 12000
    assert 800 <= durations[0] <= 1500 and 2000 <= durations[-1] <= 3000
    assert len(anim) <= 150 and anim.steps[0] == 0 and anim.steps[-1] == 300


def test_frames_go_where_the_picture_moves():
    traj = optviz.run("bowl", ["gd:lr=1.5"], steps=150)
    stop = int(traj.diverged_at[0, 0])
    assert 0 < stop < 10
    motion = optviz.animate(traj, frames=150, size=(320, 240))
    # Most of the moving time shows the steps before the run left; the rest is skipped.
    before = sum(d for s, d in zip(motion.steps[1:-1], motion.durations()[1:-1]) if s <= stop)
    assert before > 0.6 * sum(motion.durations()[1:-1])
    linear = optviz.animate(traj, frames=151, size=(320, 240), pace="linear")
    assert linear.steps.tolist() == list(range(151))


def test_the_pace_schedule_follows_the_travel():
    travel = np.concatenate([[0.0], np.cumsum([50.0] * 10 + [0.0] * 90)])
    steps, durations = pacing.schedule(travel, 50)
    moving = [d for s, d in zip(steps, durations) if 0 < s <= 10]
    assert sum(moving) > 0.7 * (sum(durations) - durations[0] - durations[-1])
    assert sum(durations) == 10_000 and all(d % 10 == 0 for d in durations)


# --- a filled frame, words a slide can use ------------------------------------------------------


@pytest.mark.parametrize("size", [(640, 480), (1280, 720)], ids=["4:3", "16:9"])
@pytest.mark.parametrize("name", surfaces.names())
def test_the_map_fills_at_least_half_the_frame(name, size):
    traj = optviz.run(name, ["gd"], steps=2)
    sc = scene.Scene(traj, scene.Style(size=size), animated=False)
    box = sc.ax.get_window_extent()
    assert box.width * box.height >= 0.5 * size[0] * size[1]


def test_a_grid_leaves_no_cell_empty():
    traj = optviz.run("himmelblau", list(CLASSIC), steps=2)
    sc = scene.Scene(traj, scene.Style(size=(640, 480), layout="grid"), animated=False)
    assert len(sc.maps) == 7 and sc.loss is not None  # the spare cells hold the loss panel


def test_titles_formulas_and_axis_names():
    traj = optviz.run("linreg", ["gd"], steps=2)
    sc = scene.Scene(traj, scene.Style(loss_panel=True), animated=False)
    texts = [t.get_text() for t in sc.figure.texts]
    assert "Fitting a line: mean squared error" in texts
    assert any(t.startswith("$") and t.endswith("$") for t in texts)
    assert (sc.ax.get_xlabel(), sc.ax.get_ylabel()) == ("w", "b")
    # Coordinates are named as the formulas write them: w₁, not w1.
    net = scene.Scene(optviz.run("neuron-sigmoid", ["gd"], steps=2), scene.Style(), animated=False)
    assert (net.ax.get_xlabel(), net.ax.get_ylabel()) == ("w₁", "w₂")
    assert any("w_1" in t.get_text() for t in net.figure.texts)  # as its formula has it
    loss_ax = sc.loss.lines[0].axes
    assert "loss above the minimum" in [t.get_text() for t in loss_ax.texts]
    assert loss_ax.get_ylabel() == "f − f*"
    renderer = sc.canvas.get_renderer()
    ticks = [t for t in sc.loss.lines[0].axes.get_yticklabels() if t.get_text()]
    assert 2 <= len(ticks) <= 6
    assert overlapping([tuple(t.get_window_extent(renderer).extents) for t in ticks]) == []
    own = scene.Scene(traj, scene.Style(title="My slide"), animated=False)
    assert "My slide" in [t.get_text() for t in own.figure.texts]


def test_a_formula_surface_shows_its_formula_as_math(monkeypatch, tmp_path):
    anim = captured(
        ["render", "x**2 + 10*y**2", "--opt", "gd:lr=0.04", "-o", str(tmp_path / "f.gif")],
        monkeypatch,
    )
    texts = [t.get_text() for t in anim.scene.figure.texts]
    assert "$f = x^{2} + 10\\,y^{2}$" in texts and "x**2 + 10*y**2" not in texts


# --- contours ---------------------------------------------------------------------------------


def test_narrow_valleys_do_not_turn_into_a_smudge_of_lines():
    traj = optviz.run("rosenbrock", ["gd"], steps=2)
    for name in ("light", "dark"):
        sc = scene.Scene(traj, scene.Style(theme=name))
        image = sc.frame(0)
        box = sc.ax.get_window_extent()
        h = image.shape[0]
        inside = image[int(h - box.y1) + 2 : int(h - box.y0) - 2, int(box.x0) + 2 : int(box.x1) - 2]
        muted = np.round(np.array(to_rgb(sc.theme.muted)) * 255)
        near_line = (np.abs(inside.astype(int) - muted).max(-1) <= 40).mean()
        assert 0.005 < near_line < 0.12, (name, near_line)
        # Lines stand out from the fill in both themes.
        assert difference(sc.theme.muted, sc.theme.low) >= 15
        assert difference(sc.theme.muted, sc.theme.high) >= 8


def test_negative_levels_are_drawn_like_the_others():
    traj = optviz.run("saddle", ["gd:lr=0.01"], steps=2)
    sc = scene.Scene(traj, scene.Style(), animated=False)
    from matplotlib.contour import ContourSet

    for cs in (c for c in sc.ax.get_children() if isinstance(c, ContourSet) and not c.filled):
        assert all(style[1] is None for style in cs.get_linestyles() if style is not None) or (
            set(map(str, cs.get_linestyle())) <= {"solid", "(0, None)"}
        )


def test_contour_lines_are_whole_single_and_labelled_once():
    from matplotlib.contour import ContourSet

    for name in ["rosenbrock", "rotated-bowl", "neuron-relu", "rastrigin", "beale"]:
        surface = surfaces.get(name)
        sc = scene.Scene(optviz.run(surface, ["gd:lr=0.001"], steps=1), scene.Style(), animated=False)
        lines = [c for c in sc.ax.get_children() if isinstance(c, ContourSet) and not c.filled]
        drawn = []
        for cs in lines:
            for level, path in zip(cs.levels, cs.get_paths()):
                if len(path.vertices) == 0:
                    continue
                drawn.append(level)
                # No dashes left where crowded lines were masked (Rosenbrock's walls).
                starts = np.flatnonzero(path.codes == path.MOVETO)
                for a, b in zip(starts, [*starts[1:], len(path.vertices)]):
                    px = sc.ax.transData.transform(path.vertices[a:b])
                    length = np.linalg.norm(np.diff(px, axis=0), axis=1).sum()
                    assert length >= optviz.drawing.FRAGMENT_PX - 1e-6, (name, level)
                    # A piece cut open by masking, not a loop, is longer still (an ellipse's
                    # two caps read as stray marks); labels cut the labelled lines open.
                    if not np.allclose(px[0], px[-1]) and not cs.labelTexts:
                        assert length >= 2.5 * optviz.drawing.FRAGMENT_PX - 1e-6, (name, level)
        # No two lines a level apart or less (the rotated bowl's outer ellipse was drawn twice,
        # at 10 and at 10.5).
        at = np.interp(sorted(set(drawn)), surface.levels, np.arange(len(surface.levels)))
        assert (np.diff(at) >= 1 - 1e-9).all(), name
        # One label a level (neuron-relu's two branches of level 1 read "1 1").
        words = [t.get_text() for cs in lines for t in cs.labelTexts]
        assert len(words) == len(set(words)), (name, words)


# --- 3-D ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["rosenbrock", "himmelblau"])
def test_3d_wells_stars_and_paths_on_the_surface(name):
    from optviz import view3d

    surface = surfaces.get(name)
    traj = optviz.run(surface, ["adam"], steps=100)
    levels = view3d.height(surface, np.asarray(surface.levels))
    span = levels.max() - levels.min()
    assert span <= view3d.DECADES + 0.01  # no spikes of many decades
    X, Y, Z = optviz.drawing.surface_grid(surface, surface.bounds, n=view3d.MESH)
    H = view3d.height(surface, Z)
    stars = view3d._on_mesh(X, Y, H, surface.minima)
    assert np.all(stars <= np.percentile(H, 2))  # the stars sit at the bottoms of the wells
    p3 = view3d.Paths3D
    sc = scene.Scene(traj, scene.Style(layout="3d", size=(320, 240)), animated=False)
    (paths,) = sc.paths
    assert isinstance(paths, p3)
    xyz = paths.heads_at[0]
    ok = ~np.isnan(xyz[:, 0])
    on_mesh = view3d._on_mesh(X, Y, H, xyz[ok, :2])
    lift = xyz[ok, 2] - on_mesh
    assert np.all(lift > 0) and np.median(lift) < 0.1 * span  # on the surface, lifted a little


def test_3d_local_minima_are_wells_above_the_floor():
    """Goldstein-Price's local minima (f = 30, 84 and 840 against f* = 3, its top level 10^6)
    are drawn as wells: each at least `WELL` decades above the floor the global well reaches,
    the surface rising all round it (on a circle 0.2 across it, f from the formula)."""
    from optviz import view3d

    surface = surfaces.get("goldstein-price")
    assert surface.fmin == pytest.approx(3.0)
    floor = view3d.height(surface, np.array([surface.fmin]))[0]
    turns = np.linspace(0, 2 * np.pi, 24, endpoint=False)
    for x, y in surface.local_minima:
        here = view3d.height(surface, np.array([optviz.runner.evaluate(surface.fn, [[x, y]])[0]]))
        assert here[0] >= floor + view3d.WELL - 1e-9, (x, y)
        ring = np.column_stack([x + 0.2 * np.cos(turns), y + 0.2 * np.sin(turns)])
        around = view3d.height(surface, optviz.runner.evaluate(surface.fn, ring))
        assert np.all(around > here), (x, y)


@pytest.mark.parametrize("name", ["rastrigin", "ackley"])
def test_3d_global_wells_are_not_needles_and_local_wells_stay(name):
    """A global well the mesh cannot follow down (Rastrigin's f = 198 r², Ackley's cusp) is
    drawn with a floor at least three facets across (the height within a factor 2 of f - f*
    there: log10 2), not as a needle one facet wide; the local wells round it (f = 1 at
    (1, 0) on Rastrigin, about 2.6 near (1, 0) on Ackley) still dip between their ridges."""
    from optviz import view3d

    surface = surfaces.get(name)
    (x0, x1), _ = surface.bounds
    facet = (x1 - x0) / view3d.MESH

    def drawn(*points):
        return view3d.height(surface, optviz.runner.evaluate(surface.fn, list(points)))

    bottom, edge = drawn((0.0, 0.0), (3 * facet, 0.0))
    assert bottom == pytest.approx(np.log10(view3d.well_floor(surface)))  # the axis's "+ c"
    assert edge - bottom <= np.log10(2.0) + 1e-9
    ridge, well, far_ridge = drawn((0.5, 0.0), (0.97, 0.0), (1.5, 0.0))
    assert well < min(ridge, far_ridge) - 0.02


@pytest.mark.parametrize("name", ["rosenbrock", "beale"])
def test_in_3d_lines_laid_side_by_side_stay_on_the_surface_as_seen(name):
    """Lines that go along others are drawn beside them, on the side where the surface is:
    the runs down Rosenbrock's valley (on its floor, the mesh's lower edge on screen) keep
    over the mesh rather than hang below it. Measured on the picture: the mesh drawn alone,
    each line's points as drawn fall on its pixels."""
    from mpl_toolkits.mplot3d.art3d import Poly3DCollection

    surface = surfaces.get(name)
    traj = optviz.run(surface, presets.lineup(surface), steps=300)
    sc = scene.Scene(traj, scene.Style(layout="3d", size=(320, 240)), animated=False)
    (paths,) = sc.paths
    paths.update(300)
    assert np.abs(paths.out).max() > 2 * layering.width(sc.theme)  # a bundle, several wide
    for artist in sc.ax.collections + sc.ax.lines + sc.ax.texts + sc.figure.texts:
        artist.set_visible(isinstance(artist, Poly3DCollection))
    sc.ax.grid(False)
    for axis in (sc.ax.xaxis, sc.ax.yaxis, sc.ax.zaxis):
        axis.pane.set_visible(False)
        axis.line.set_visible(False)
    sc.figure.canvas.draw()
    image = np.asarray(sc.figure.canvas.buffer_rgba())[..., :3].astype(int)
    h, w = image.shape[:2]
    mesh = np.abs(image - to_rgba(sc.theme.background)[:3] * np.array(255)).sum(-1) > 12
    for run in paths.order:
        px = paths.drawn[run] * sc.figure.bbox.size
        x, y = np.round(px[np.isfinite(px[:, 0])]).astype(int).T
        inside = (0 <= x) & (x < w) & (0 <= y) & (y < h)
        on = np.zeros(len(x), bool)
        on[inside] = mesh[h - 1 - y[inside], x[inside]]
        assert on.mean() >= 0.95, (traj.labels[run // paths.n_starts], on.mean())


def test_in_3d_laying_out_lines_that_leave_the_window_does_not_warn():
    """A line that leaves the window ends there (NaN beyond): choosing the side the others are
    drawn beside it on must not warn (a warning is a line on the command's stderr)."""
    import warnings

    surface = surfaces.get("saddle")
    traj = optviz.run(surface, presets.lineup(surface), steps=300)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sc = scene.Scene(traj, scene.Style(layout="3d"), animated=False)
        sc.paths[0].update(300)
    assert (~sc.paths[0].inside).any()  # some did leave


def test_the_3d_view_stays_under_the_title_and_formula():
    """In the talk theme Ackley's long formula reaches across the frame: the surface's far
    corner and the start's ring (on a hill at the back) stay below its words."""
    traj = optviz.run("ackley", ["gd"], steps=3)
    sc = scene.Scene(traj, scene.Style(layout="3d", theme="talk"), animated=False)
    (paths,) = sc.paths
    paths.update(0)
    renderer = sc.canvas.get_renderer()
    words = [t for t in sc.figure.texts if t.get_text() and t is not sc.counter]
    assert len(words) == 2  # the title and the formula
    lowest = min(t.get_window_extent(renderer).y0 for t in words)
    ring = optviz.drawing.START / 2 * sc.theme.head_size * optviz.drawing.DPI / 72
    assert paths._screen(paths.mesh)[:, 1].max() < lowest
    assert paths.starts[:, 1].max() + ring < lowest


def test_a_clouds_tails_are_comets_cut_on_screen():
    """A cloud's trail is its last steps, cut where it reaches `CLOUD_TAIL_PX` pixels from the
    head: the points near the head are the run's own, the cut one lies on its segment, and
    those behind it collapse onto it."""
    from matplotlib.transforms import Affine2D

    tail = np.array([[[0, 0], [10, 0], [40, 0], [70, 0], [100, 0]]], dtype=float)
    np.testing.assert_allclose(
        scene._cut(tail, Affine2D()), [[[60, 0], [60, 0], [60, 0], [70, 0], [100, 0]]]
    )
    short = np.array([[[0, 0], [3, 4], [3, 4], [6, 8], [9, 12]]], dtype=float)  # 15 px
    np.testing.assert_allclose(scene._cut(short, Affine2D()), short)
    # In a scene: every tail of a cloud is at most that long on screen, and some were cut.
    traj = optviz.run("bowl", ["gd"], starts=[(4.0 - k / 4, 2.0) for k in range(12)], steps=40)
    sc = scene.Scene(traj, scene.Style(size=(320, 240)))
    paths = sc.paths[0]
    assert paths.cloud
    paths.update(3)  # the early, fast steps: long tails
    tails = paths.ax.transData.transform(paths.trails.get_segments()[0]).reshape(12, -1, 2)
    lengths = np.linalg.norm(np.diff(tails, axis=1), axis=-1).sum(1)
    assert lengths.max() <= scene.CLOUD_TAIL_PX + 1e-6
    assert np.isclose(lengths, scene.CLOUD_TAIL_PX).sum() >= 6
    np.testing.assert_allclose(paths.trails.get_segments()[0].reshape(12, -1, 2)[:, -1],
                               paths.drawn[:, 3], rtol=1e-6)


def test_the_loss_panels_caption_goes_where_its_curves_are_not():
    size = (0.45, 0.15)
    down = np.linspace(0.95, 0.05, 101)  # from the top left to the bottom right
    assert scene.quietest_corner([down], size, 100)[:2] == (0.98, 0.96)  # top right
    stalled = np.full(101, 0.93)  # a run that never leaves the plateau, along the top
    corner = scene.quietest_corner([down, stalled], size, 100)
    assert corner[1] == 0.04 and corner[2] == "left"  # the bottom left, crossed by neither
    # A curve that stops early (a run that diverged) leaves the corners past its end free.
    assert scene.quietest_corner([stalled[:20]], size, 100)[:2] == (0.98, 0.96)


def test_the_loss_axis_name_never_leaves_the_picture():
    # Losses over twelve decades: tick labels down to 10^-11 leave the axis name no room at the
    # left edge, so the caption names the axis instead.
    traj = optviz.run("bowl", ["gd:lr=0.9416", "momentum:lr=1.336,beta=0.404"], steps=40)
    sc = optviz.animate(traj, frames=2, loss_panel=True).scene
    sc.canvas.draw()
    renderer = sc.canvas.get_renderer()
    for ax in sc.figure.axes:  # their tick labels and names as drawn
        box = ax.get_tightbbox(renderer)
        assert box.x0 >= 0 and box.x1 <= sc.style.size[0]
    panel = sc.loss.cursor.axes
    assert panel.get_ylabel() == ""
    assert "f − f*: loss above the minimum" in [t.get_text() for t in panel.texts]


def test_in_3d_stars_are_drawn_last_and_heads_that_meet_share_a_mark():
    traj = optviz.run(
        "himmelblau", ["gd:lr=0.01", "momentum:lr=0.002", "adam:lr=0.2"], steps=300
    )
    sc = scene.Scene(traj, scene.Style(size=(320, 240), layout="3d"))
    assert sc.stars and sc.artists[-len(sc.stars) :] == sc.stars
    marks = sc.paths[0].heads
    assert all(star.get_zorder() > marks.get_zorder() for star in sc.stars)  # stills too
    head = sc.theme.head_size
    sc.show(0)  # one start: one ring round its ring, cut in three, on its halo
    ring = (heads.START_RING + 2 * heads.BAND) * head
    sizes = np.sqrt(marks.get_sizes())
    assert sizes == pytest.approx([ring + heads.HALO * head] + [ring] * 3)
    assert len(marks.get_paths()) == 4 and len({tuple(o) for o in marks.get_offsets()}) == 1
    assert sc.start_rings[0].get_zorder() > marks.get_zorder()  # the start's ring shows
    sc.show(traj.steps)
    # gd ends alone in the well at (3.58, -1.85), a whole ring round its star; momentum and
    # Adam share the one at (3, 2): a ring of two slices round it.
    ring = (heads.STAR + 2 * heads.BAND) * head
    sizes = np.sqrt(marks.get_sizes())
    assert sizes == pytest.approx([ring + heads.HALO * head] * 2 + [ring] * 3)
    assert len({tuple(o) for o in marks.get_offsets()}) == 2


def test_heads_that_meet_share_one_mark_a_slice_each_on_the_side_they_came_from():
    head = 10.0
    # Three runs end together at a star, coming in from the left, from above and from the
    # right; a fourth ends two heads away.
    came = np.array([[-50.0, 0.0], [0.0, 50.0], [50.0, 0.0], [20.0, 0.0]])
    ends = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [20.0, 0.0]])
    paths = np.stack([np.linspace(c, e, 20) for c, e in zip(came, ends)])
    centres, slices, sizes = heads.gather(ends, paths, 19, [[0.0, 0.0]], head)
    assert (centres[:3] == 0).all() and (centres[3] == ends[3]).all()
    assert sizes.tolist() == [heads.STAR + 2 * heads.BAND] * 3 + [1.0]
    for path, (x, y) in zip(slices[:3], came):
        points = path.vertices[path.codes != path.CLOSEPOLY]
        middle = points.mean(0)
        gap = (math.degrees(math.atan2(middle[1], middle[0]) - math.atan2(y, x)) + 180) % 360
        assert abs(gap - 180) < 60  # its slice faces where it came in from
        # ...and is a slice of a ring, outside the star and its halo.
        assert np.linalg.norm(points, axis=1).min() >= heads.STAR / (
            heads.STAR + 2 * heads.BAND) / 2 - 1e-9
    # Away from any star, heads that meet make one small disc cut in slices, centred among them.
    centres, slices, sizes = heads.gather(ends, paths, 19, [], head)
    assert np.allclose(centres[:3], ends[:3].mean(0)) and sizes[0] == 1 + 3 * heads.GROW
    # Heads in a row a little under a head apart do not chain into one wide mark.
    row = np.column_stack([np.arange(10) * 0.8 * head, np.zeros(10)])
    group = heads.meetings(row, head)
    assert 1 < len(set(group)) and all(np.ptp(row[group == g, 0]) <= 2 * head for g in group)


def test_runs_that_end_together_at_a_minimum_make_one_small_ring_in_the_talk_theme():
    runs = ["gd:lr=0.9", "momentum:lr=0.1", "nesterov:lr=0.1", "adagrad:lr=1", "rmsprop:lr=0.05",
            "adam:lr=0.3"]
    traj = optviz.run("bowl", runs, steps=300)
    anim = optviz.animate(traj, frames=2, theme="talk", size=(640, 480))
    image, sc = anim.frame(-1), anim.scene
    (x, y), = sc.ax.transData.transform([traj.surface.minima[0]])
    y = image.shape[0] - y
    head = sc.theme.head_size * 100 / 72
    ring = (heads.STAR + 2 * heads.BAND) / 2 * head  # 29 px: seven rings made 160 px across
    widest = np.sqrt(max(sc.paths[0].heads.get_sizes())) * 100 / 72 / 2  # the ring's halo
    assert widest == pytest.approx(ring + heads.HALO / 2 * head)
    yy, xx = np.mgrid[: image.shape[0], : image.shape[1]]
    band = np.abs(np.hypot(xx - x, yy - y) - (ring - heads.BAND * head / 2)) < 2
    for colour in sc.colours:  # each run's colour shows in the ring round the star
        target = np.round(np.array(to_rgb(colour)) * 255)
        assert (np.abs(image[band].astype(int) - target).max(-1) <= 10).sum() > 20, colour


@pytest.mark.parametrize("name", ["light", "dark", "talk"])
def test_the_3d_surface_never_fades_into_the_background(name):
    """The lowest parts of a 3-D surface (a valley's floor, where paths end; the saddle's near
    half) are drawn in a tint that stands out from the background: measured in the picture,
    at points of the surface projected to the screen."""
    from mpl_toolkits.mplot3d import proj3d

    traj = optviz.run("saddle", ["gd"], steps=5)
    sc = scene.Scene(traj, scene.Style(size=(320, 240), layout="3d", theme=name))
    image = sc.frame(0)
    for x, y in [(0.0, -1.7), (0.5, -1.5), (-0.5, 1.7), (0.0, 1.2)]:  # low points, f < -1
        xs, ys, _ = proj3d.proj_transform(x, y, x * x - y * y, sc.ax.get_proj())
        px, py = sc.ax.transData.transform((xs, ys))
        colour = to_hex(image[round(240 - py), round(px)] / 255)
        assert difference(colour, sc.theme.background) >= 6, (x, y, colour)


def test_3d_pits_narrower_than_a_facet_are_filled_and_wider_wells_kept():
    H = np.ones((6, 6))
    H[1, 1] = -3.0  # one grid point: a needle, as Rastrigin's wells come out at 110 points
    H[3:5, 3:5] = -2.0  # a whole facet down: a well
    closed = scene_3d._no_needles(H)
    assert closed[1, 1] == 1.0
    np.testing.assert_array_equal(closed[3:5, 3:5], -2.0)
    assert (closed >= H).all() and closed.max() == 1.0


def _pointing(path) -> np.ndarray:
    """The unit direction an edge arrow (`drawing.arrow`, its tip at the origin) points in."""
    base = -(path.vertices[1] + path.vertices[2]) / 2
    return base / np.linalg.norm(base)


def test_in_3d_a_run_that_leaves_the_window_ends_at_an_arrow_pointing_where_it_went():
    traj = optviz.run("saddle", ["gd:lr=0.01", "adam:lr=0.02"], steps=300)
    sc = optviz.animate(traj, frames=2, size=(320, 240), layout="3d").scene
    image = sc.frame(traj.steps)
    paths, size = sc.paths[0], sc.figure.bbox.size
    assert paths.inside[0, -1] and not paths.inside[1, -1]  # gd stays, Adam leaves at y = 2
    (tip,) = paths.arrows.get_offsets() * size
    exit_ = paths.left[1, -1] + 1
    assert paths.line_at[1, exit_, 1] == pytest.approx(2.0)  # its line goes on to the edge...
    np.testing.assert_allclose(tip, paths.drawn[1, exit_] * size)  # ...and ends at the arrow
    # It points (on screen, level) to where Adam is now: up the y axis, back to x = 0.
    edge = paths.line_at[1, exit_]
    now = traj.params[1, 0, -1]
    assert now[1] > 2 and now[0] > edge[0]
    away = (now - edge[:2]) / np.linalg.norm(now - edge[:2])
    ahead = paths._screen([edge, edge + [*(0.05 * away), 0]])
    towards = (ahead[1] - ahead[0]) / np.linalg.norm(ahead[1] - ahead[0])
    (arrow,) = paths.arrows.get_paths()
    assert _pointing(arrow) @ towards > math.cos(math.radians(2.6))  # arrows turn 5 degrees
    # In the picture, in Adam's colour.
    x, y = tip[0], image.shape[0] - tip[1]
    patch = image[int(y) - 6 : int(y) + 7, int(x) - 6 : int(x) + 7].astype(int)
    assert (np.abs(patch - np.round(np.array(to_rgb(sc.colours[1])) * 255)).max(-1) <= 10).any()
    assert not paths.crosses.get_visible()  # unbounded below: it went downhill, not astray


def test_in_3d_arrows_of_runs_that_left_together_lie_along_the_edge():
    """Three runs that are one and the same leave the saddle's window at y = 2 together: their
    arrows are set apart along that edge as seen, so that they stay at the surface's border
    (set apart across their own direction instead, they stood 25 degrees off it, out into the
    background where the surface's border runs at a slant)."""
    runs = ["gd:lr=0.02", "sgd:lr=0.02,noise=0", "momentum:lr=0.02,beta=0"]
    traj = optviz.run("saddle", runs, starts=[(0.3, 0.05)], steps=300)
    sc = optviz.animate(traj, frames=2, size=(320, 240), layout="3d").scene
    sc.frame(traj.steps)
    paths = sc.paths[0]
    assert not paths.inside[:, -1].any()
    edge = paths.line_at[0, paths.left[0, -1] + 1]
    assert edge[1] == pytest.approx(2.0)
    ends = paths._screen([edge, edge + [0.1, 0.0, 0.0]])
    along = (ends[1] - ends[0]) / np.linalg.norm(ends[1] - ends[0])
    tips = paths.arrows.get_offsets() * sc.figure.bbox.size
    assert len(tips) == 3
    apart = tips - tips.mean(0)
    assert np.all(np.abs(apart @ along) > 0.99 * np.linalg.norm(apart, axis=1))


def test_in_3d_a_run_that_diverges_gets_a_cross_beside_its_arrow():
    traj = optviz.run("bowl", ["gd:lr=1.5", "adam:lr=0.3"], steps=100)
    sc = optviz.animate(traj, frames=2, size=(320, 240), layout="3d").scene
    sc.show(traj.steps)
    paths, size = sc.paths[0], sc.figure.bbox.size
    (tip,) = paths.arrows.get_offsets() * size
    (cross,) = paths.crosses.get_offsets() * size
    head = sc.theme.head_size * 100 / 72
    assert head < np.linalg.norm(cross - tip) < 3 * head  # beside it, not on it
    box = sc.ax.get_window_extent()
    assert box.x0 < cross[0] < box.x1 and box.y0 < cross[1] < box.y1


def test_arrows_that_leave_together_lie_side_by_side():
    from optviz.drawing import spread

    towards = np.array([[0.0, 1.0]] * 4)  # four arrows up, from one place
    tips = spread(np.array([[50.0, 100.0]] * 4), towards, 9.0)
    assert sorted(tips[:, 0].tolist()) == [32.0, 41.0, 50.0, 59.0]  # across, nearest first
    np.testing.assert_array_equal(tips[:, 1], 100.0)
    apart = np.array([[0.0, 0.0], [30.0, 0.0]])
    np.testing.assert_array_equal(spread(apart, towards[:2], 9.0), apart)  # apart: left alone


def test_paths_that_leave_one_start_together_fan_out_from_its_ring():
    t = np.linspace(0, 200, 41)
    one = np.column_stack([t, np.zeros_like(t)])
    paths = np.stack([one, one, one])
    th = theme.get("light")
    shifted = layering.beside(paths, layering.offsets(paths, np.arange(3), th))
    ring = optviz.drawing.START / 2 * th.head_size * 100 / 72
    gaps = np.linalg.norm(shifted - paths, axis=-1)
    assert (gaps[:, 0] <= ring + 1e-9).all()  # at the start, within its ring
    lw = layering.width(th)
    np.testing.assert_allclose(gaps[:, 20], [2 * lw, lw, 0])  # further on, a line apart each


def test_the_3d_legend_names_runs_as_the_map_does_and_leaves_the_view_room():
    traj = optviz.run("himmelblau", list(CLASSIC), steps=5)
    sc = scene.Scene(traj, scene.Style(layout="3d", theme="talk"), animated=False)
    (legend,) = sc.figure.legends
    assert [t.get_text() for t in legend.get_texts()] == sc.names == list(CLASSIC)
    renderer = sc.canvas.get_renderer()
    box, w, h = legend.get_window_extent(renderer), *sc.style.size
    assert 0 <= box.x0 and box.x1 <= w and box.height < 0.15 * h  # two rows in large type
    assert sc.ax.get_tightbbox(renderer).y0 > box.y1  # the view above it


def test_a_path_of_few_long_steps_along_another_is_drawn_beside_it():
    # Adam on Himmelblau: three long steps along a path of many short ones, drawn above it.
    th = theme.get("light")
    dense = np.column_stack([np.linspace(0, 300, 301), np.zeros(301)])
    sparse = np.full((301, 2), 300.0)
    sparse[:, 1] = 0
    sparse[:3, 0] = [0, 150, 300]  # then it stays at the end
    amounts = layering.offsets(np.stack([sparse, dense]), np.array([0, 1]), th)
    assert amounts[0, 1] == pytest.approx(layering.width(th))  # mid-way: one line out
    assert (amounts[1] == 0).all()


def test_layering_a_path_of_a_million_steps_costs_no_more_than_a_short_one():
    th = theme.get("light")
    t = np.linspace(0, 1, 1_000_001)
    long = np.stack([np.column_stack([300 * t, 10 * np.sin(20 * t) + k]) for k in (0, 1)])
    amounts = layering.offsets(long, np.array([0, 1]), th)  # a (10^6)^2 distance table: 8 TB
    assert amounts.shape == (2, 1_000_001)
    assert np.median(amounts[0]) == pytest.approx(layering.width(th))


def test_a_long_title_stops_well_short_of_the_step_counter(monkeypatch):
    # The longest title in the catalogue, in the largest type.
    anim = captured(["render", "neuron-sigmoid", "--theme", "talk", "-o", "/tmp/x.gif"],
                    monkeypatch)
    sc = anim.scene
    em = sc.theme.font_size * 100 / 72
    title = next(t for t in sc.figure.texts if t.get_text() == sc.traj.surface.title)
    title_ends = title.get_window_extent(sc.canvas.get_renderer()).x1
    words, _ = sc._counter_words  # the counter's words as stamped on every frame
    counter_starts = round(sc.counter_box[0]) + np.flatnonzero(words.any(0)).min()
    assert counter_starts - title_ends >= em / 2


def test_a_divergence_note_goes_in_the_corner_the_paths_cross_least_and_labels_avoid_it(
    monkeypatch,
):
    anim = captured(["render", "saddle", "--theme", "talk", "-o", "/tmp/x.gif"], monkeypatch)
    sc = anim.scene
    sc.show(sc.traj.steps)
    assert sc.note.text and overlapping(text_boxes(anim)) == []  # sgd's label is clear of it
    # sgd leaves through the middle of the bottom edge, under where the note's lines, each
    # as long as the map is wide in this theme, would go: stacked, it stays clear of the arrow.
    arrows = sc.ax.transData.transform(sc.paths[0].arrows.get_offsets())
    x0, y0, x1, y1 = sc.note.box
    inside = (arrows[:, 0] > x0) & (arrows[:, 0] < x1) & (sc.style.size[1] - arrows[:, 1] > y0)
    assert sc.note.text.startswith("ran off downhill:\n") and not inside.any()
    # Paths through the lower left corner only: the note goes to the lower right.
    box = sc.ax.get_window_extent()
    h = sc.style.size[1]
    sc.pixels[0][:] = (box.x0 + 40, h - box.y0 - 20)
    note = sc._note(sc.noted)
    assert note.box[2] == pytest.approx(box.x1 - 0.015 * box.width, abs=2)
    assert sc.notes.get_ha() == "right" and sc.notes.get_position() == (0.985, 0.015)


def test_arrows_that_leave_together_lie_along_the_edge_in_the_order_of_their_lines(monkeypatch):
    anim = captured(["render", "monkey-saddle", "--theme", "talk", "-o", "/tmp/x.gif"], monkeypatch)
    sc = anim.scene
    step = sc.traj.steps
    sc.show(step)
    paths = sc.paths[0]
    runs = np.flatnonzero(paths.left[:, step] < step)  # every run leaves through the top
    assert len(runs) == 7
    # Where each line, as drawn, crosses the top edge, and where each arrow is.
    (x0, x1), (y0, y1) = sc.ax.get_xlim(), sc.ax.get_ylim()
    last = paths.left[runs, step]
    a, b = paths.drawn[runs, last], paths.drawn[runs, last + 1]
    cross = a[:, 0] + (b[:, 0] - a[:, 0]) * (y1 - a[:, 1]) / (b[:, 1] - a[:, 1])
    arrows = paths.arrows.get_offsets()
    colours = paths.arrows.get_facecolors()
    mine = [next(i for i, c in enumerate(colours) if np.allclose(c, paths.colours[r])) for r in runs]
    assert (np.argsort(cross) == np.argsort(arrows[mine, 0])).all()
    # Side by side, an arrow's width apart, and at the edge.
    px = sc.ax.transData.transform(arrows)
    gaps = np.diff(np.sort(px[:, 0]))
    assert gaps.min() >= optviz.drawing.arrow_gap(sc.theme) - 1e-6
    assert (np.abs(arrows[:, 1] - y1) < 0.05 * (y1 - y0)).all()


def test_a_shared_mark_sits_on_a_halo_of_the_background(monkeypatch):
    # Seven runs leave one start together: at the first step their heads make one ring of
    # slices round the start's ring, on a disc of the background a little wider.
    anim = captured(["render", "rotated-bowl", "--theme", "talk", "-o", "/tmp/x.gif"], monkeypatch)
    sc = anim.scene
    sc.show(0)
    marks = sc.paths[0].heads
    colours, sizes = marks.get_facecolors(), np.sqrt(marks.get_sizes())
    assert np.allclose(colours[0], to_rgba(sc.theme.background))
    assert sizes[0] == pytest.approx(sizes[1] + heads.HALO * sc.theme.head_size)
    image = anim.frame(0)
    (x, y), = sc.ax.transData.transform(sc.traj.starts)
    y = image.shape[0] - y
    ring = (heads.START_RING / 2 + heads.BAND / 2) * sc.theme.head_size * 100 / 72
    for colour in sc.colours:  # each run's slice shows
        target = np.round(np.array(to_rgb(colour)) * 255)
        yy, xx = np.mgrid[: image.shape[0], : image.shape[1]]
        band = np.abs(np.hypot(xx - x, yy - y) - ring) < 2
        assert (np.abs(image[band].astype(int) - target).max(-1) <= 10).sum() > 10, colour
    # ...and inside it, the start's own ring, in the foreground colour, drawn over them.
    r = optviz.drawing.START / 2 * sc.theme.head_size * 100 / 72
    fg = np.round(np.array(to_rgb(sc.theme.foreground)) * 255)
    circle = np.abs(np.hypot(xx - x, yy - y) - r) < 1.5
    assert (np.abs(image[circle].astype(int) - fg).max(-1) <= 60).sum() > 0.8 * 2 * np.pi * r


@pytest.mark.parametrize("name", ["bowl", "beale"])
def test_labels_keep_off_the_paths_where_there_is_room(name, monkeypatch):
    # Every run of these ends in a crowd at the minimum: next to their heads, every place
    # hides a path (bowl's momentum label hid 528 px of them); a little further out, none.
    from optviz import placement

    anim = captured(["render", name, "-o", "/tmp/x.gif"], monkeypatch)
    sc = anim.scene
    for step in anim.steps:
        sc.show(int(step))
    boxes = np.array([stamp.box for stamp in sc.stamps])
    hidden = placement.covered(boxes, sc.lines) * scene.LINE_POINTS  # pixels of path
    assert hidden.max() < 80, dict(zip(sc.names, hidden))


def test_arrows_spread_along_an_edge_about_where_they_were():
    gap = 10.0
    tips = np.array([[50.0, 100.0], [52.0, 100.0], [54.0, 100.0], [150.0, 100.0], [0.0, 40.0]])
    spread = optviz.drawing.along_edges(tips, (200, 100), gap)
    assert spread[:3, 0] == pytest.approx([42.0, 52.0, 62.0])  # centred where they were
    assert spread[3].tolist() == [150.0, 100.0] and spread[4].tolist() == [0.0, 40.0]
    assert (spread[:, 1] == tips[:, 1]).all()  # along the top edge only


@pytest.mark.parametrize("args", [["saddle", "--theme", "talk"], ["monkey-saddle"]])
def test_a_run_outside_the_window_is_named_beside_its_arrow(args, monkeypatch):
    anim = captured(["render", *args, "-o", "/tmp/x.gif"], monkeypatch)
    sc = anim.scene
    sc.show(sc.traj.steps)
    paths, h = sc.paths[0], sc.style.size[1]
    arrows = sc.ax.transData.transform(paths.arrows.get_offsets())
    arrows[:, 1] = h - arrows[:, 1]
    em = sc.theme.font_size * 100 / 72
    named = 0
    for stamp, colour in zip(sc.stamps, paths.colours):
        mine = [a for a, c in zip(arrows, paths.arrows.get_facecolors()) if np.allclose(c, colour)]
        if mine:
            (x, y), (x0, y0, x1, y1) = mine[0], stamp.box
            assert math.hypot(max(x0 - x, 0, x - x1), max(y0 - y, 0, y - y1)) < 5 * em, stamp.text
            named += 1
    assert named >= 5  # most of the seven left
