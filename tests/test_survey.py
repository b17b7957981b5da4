"""Beyond one path: tune, basins, sweep, optax specs and the 3-D view, checked on numbers."""

import dataclasses
import json
import sys

import matplotlib
import numpy as np
import optax
import pytest
from click.testing import CliRunner
from matplotlib.text import Text
from PIL import Image

from gifs import shown
import optviz
from optviz import basin_maps, tuning
from optviz.cli import main


def test_tuned_gd_stays_below_the_stability_limit_of_the_bowl():
    (gd,) = optviz.tune("bowl", ["gd"], steps=200)
    # L_max = 2 (f = x²/20 + y²): GD is stable for lr < 2/L_max = 1.
    assert 0.3 < gd.lr < 1.0
    assert gd.stable[1] <= 1.0
    first_bad = tuning.LEARNING_RATES[np.argmax(~np.isfinite(gd.scores))]
    assert 1.0 < first_bad < 1.5


def test_tune_scores_are_those_of_single_runs():
    (result,) = optviz.tune("rosenbrock", ["adam"], steps=100, metric="auc")
    for k in (10, 25, 33):
        lr = float(tuning.LEARNING_RATES[k])
        traj = optviz.run("rosenbrock", [f"adam:lr={lr}"], steps=100)
        if traj.diverged_at[0, 0] >= 0:
            assert result.scores[k] == np.inf
            continue
        expected = np.log10(np.maximum(traj.loss[0, 0], 1e-12)).mean()
        assert result.scores[k] == pytest.approx(expected, abs=1e-3)


def test_steps_to_tol_counts_steps():
    (result,) = optviz.tune("bowl", ["gd"], steps=100, metric="steps-to-tol", tol=1e-3)
    traj = optviz.run("bowl", [result.spec], steps=100)
    assert result.value == int(np.argmax(traj.loss[0, 0] <= 1e-3))


def test_tune_command_table_and_json():
    runner = CliRunner()
    table = runner.invoke(main, ["tune", "bowl", "--opt", "gd", "--opt", "adam", "--steps", "50"])
    assert table.exit_code == 0
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["optimizer", "best", "lr", "auc", "rate", "stable", "lr", "range"]
    assert [line.split()[0] for line in lines[1:3]] == ["gd", "adam"]
    assert lines[3] == "" and lines[4].startswith("gd: measured rate")  # notes after the table
    data = json.loads(
        runner.invoke(main, ["tune", "bowl", "--opt", "gd", "--steps", "50", "--json"]).stdout
    )
    assert data[0]["optimizer"] == "gd" and data[0]["lr"] < 1.0 and data[0]["metric"] == "auc"
    bad = runner.invoke(main, ["tune", "bowl", "--metric", "best"])
    assert bad.exit_code == 2 and "'best' is not one of" in bad.stderr


def test_render_tuned_says_so_in_the_legend(tmp_path):
    traj = optviz.run("bowl", ["gd:lr=0.5"], steps=5, tuned=True)
    assert traj.labels == ("gd lr=0.5 (tuned)",)
    out = tmp_path / "t.png"
    result = CliRunner().invoke(
        main,
        [
            "render",
            "bowl",
            "--opt",
            "gd",
            "--tuned",
            "--steps",
            "40",
            "--size",
            "320x240",
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0 and out.exists()


@pytest.fixture(scope="module")
def himmelblau():
    return optviz.basins("himmelblau", ["gd", "momentum", "adam"], grid=24, steps=300)


def test_every_basin_panel_shows_four_basins_that_match_the_runs(himmelblau):
    result = himmelblau
    minima = np.asarray(result.surface.minima)
    for i, spec in enumerate(result.specs):
        assert set(np.unique(result.classes[i])) == {0, 1, 2, 3}
        # Independently: run a sample of the grid's starts and see where each really ends.
        rows, cols = np.meshgrid(np.arange(0, 24, 5), np.arange(2, 24, 5))
        starts = np.column_stack([result.x[cols.ravel()], result.y[rows.ravel()]])
        traj = optviz.run("himmelblau", [spec], starts=starts, steps=300)
        ends = traj.params[0, :, -1]
        nearest = np.linalg.norm(ends[:, None] - minima[None], axis=-1).argmin(1)
        np.testing.assert_array_equal(result.classes[i][rows.ravel(), cols.ravel()], nearest)


def test_local_minima_get_basins_of_their_own():
    result = optviz.basins("styblinski-tang", ["gd"], grid=12, steps=300)
    assert result.class_names()[:4] == [
        "minimum (-2.9, -2.9)",
        "local minimum (2.75, -2.9)",
        "local minimum (-2.9, 2.75)",
        "local minimum (2.75, 2.75)",
    ]
    # GD splits the square into the four quadrants around the critical lines x, y ≈ 0.16.
    traj = optviz.run(
        "styblinski-tang",
        ["gd"],
        starts=basin_maps.grid_starts(result.surface.bounds, 12)[2],
        steps=300,
    )
    minima = np.asarray((*result.surface.minima, *result.surface.local_minima))
    ends = np.linalg.norm(traj.params[0, :, -1, None] - minima, axis=-1).argmin(-1)
    np.testing.assert_array_equal(result.classes[0].ravel(), ends)
    assert set(np.unique(result.classes)) == {0, 1, 2, 3}


def _share_matching(figure, result, expected, within: int) -> float:
    """The share of a sample of grid cells, over every panel, whose pixel in the drawn figure is
    within ``within`` (0-255) of ``expected(panel, row, column)``."""
    figure.canvas.draw()
    pixels = np.asarray(figure.canvas.buffer_rgba())[..., :3].astype(int)
    matched = []
    for i in range(len(result.specs)):
        for r in range(1, len(result.y), 3):
            for c in range(1, len(result.x), 3):
                px, py = figure.axes[i].transData.transform((result.x[c], result.y[r]))
                colour = pixels[pixels.shape[0] - int(py) - 1, int(px)]
                matched.append(np.abs(colour - expected(i, r, c)).max() <= within)
    return float(np.mean(matched))


def test_the_picture_colours_each_start_by_its_minimum(himmelblau):
    figure = basin_maps.draw(himmelblau, size=(960, 400))
    palette = np.array(
        [[int(round(255 * c)) for c in figure.axes[0].images[0].cmap(k)[:3]] for k in range(4)]
    )
    share = _share_matching(
        figure, himmelblau, lambda i, r, c: palette[himmelblau.classes[i, r, c]], within=2
    )
    # Contour lines and stars drawn on top cover a few of the sampled pixels (how many moves by
    # a point or two with the sub-pixel place of the trimmed panels).
    assert share > 0.83


def test_steps_are_when_runs_settle_and_the_picture_shows_them_on_a_log_scale(himmelblau):
    result = himmelblau
    (x0, x1), (y0, y1) = result.surface.bounds
    radius = basin_maps.RADIUS * max(x1 - x0, y1 - y0)
    rows, cols = np.meshgrid(np.arange(1, 24, 4), np.arange(3, 24, 4))
    starts = np.column_stack([result.x[cols.ravel()], result.y[rows.ravel()]])
    traj = optviz.run("himmelblau", list(result.specs), starts=starts, steps=300)
    # Independently, from the paths: the step after the last one away from every minimum.
    minima = np.asarray(result.surface.minima)
    distance = np.linalg.norm(traj.params[..., None, :] - minima, axis=-1).min(-1)
    away = distance > radius
    assert not away[..., -1].any()  # all of these runs end at a minimum
    settled = np.where(away.any(-1), away.shape[-1] - np.argmax(away[..., ::-1], axis=-1), 0)
    np.testing.assert_array_equal(result.steps[:, rows.ravel(), cols.ravel()], settled)

    figure = basin_maps.draw(result, size=(960, 400), color="steps")
    slowest = result.steps.max()
    viridis = matplotlib.colormaps["viridis"]

    def expected(i, r, c):
        level = np.log(max(result.steps[i, r, c], 1)) / np.log(slowest)
        return np.round(255 * np.array(viridis(level)[:3]))

    assert _share_matching(figure, result, expected, within=3) > 0.83
    # The colour bar is labelled in plain steps, 1-2-5, up to the slowest arrival.
    labels = [label.get_text() for label in figure.axes[-1].get_yticklabels()]
    assert labels == [str(t) for t in (1, 2, 5, 10, 20, 50, 100, 200) if t <= slowest]


def test_basins_command_writes_a_png(tmp_path):
    out = tmp_path / "b.png"
    result = CliRunner().invoke(
        main,
        [
            "basins",
            "himmelblau",
            "--opt",
            "gd",
            "--grid",
            "16",
            "--size",
            "480x360",
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0 and result.stdout == f"{out}\n"
    with Image.open(out) as im:
        # Twice the pixel density, trimmed to the panel: one side as asked, the other no larger.
        w, h = im.size
        assert (w == 960 and h <= 720) or (h == 720 and w <= 960)
    for args, message in [
        (["basins", "saddle"], "basins needs known minima"),
        (["basins", "bowl", "-o", str(tmp_path / "b.gif")], "this draws a still image"),
        (["basins", "bowl", "--grid", "1"], "1 is not in the range"),
    ]:
        bad = CliRunner().invoke(main, args)
        assert bad.exit_code == 2 and message in bad.stderr


def test_sweep_finds_the_stability_limits_theory_gives():
    result = optviz.sweep("bowl", ["gd", "momentum:beta=0.9", "adam"], lo=1e-3, hi=10, points=200)
    gd, heavy_ball, adam = result.threshold
    step = result.values[1] / result.values[0]
    assert 1.0 < gd <= 1.0 * step**1.01  # 2 / L_max
    assert 1.9 < heavy_ball <= 1.9 * step**1.01  # 2 (1 + beta) / L_max
    assert np.isnan(adam)  # Adam's steps are bounded by lr, whatever the curvature
    assert result.labels == ("gd", "momentum", "adam")


def test_sweep_command(tmp_path):
    out = tmp_path / "s.svg"
    result = CliRunner().invoke(
        main,
        ["sweep", "bowl", "--opt", "gd", "--range", "0.01,3", "--points", "30", "-o", str(out)],
    )
    assert result.exit_code == 0
    import re

    (threshold,) = re.findall(r"diverges above lr = ([0-9.]+)", out.read_text())
    assert 1.0 < float(threshold) < 1.01  # 2 / L_max = 1, bisected beyond the grid
    bad = CliRunner().invoke(main, ["sweep", "bowl", "--opt", "sgd", "--param", "batch"])
    assert bad.exit_code == 2 and "batch cannot be swept" in bad.stderr


def test_optax_specs_run_optax_itself():
    traj = optviz.run("rosenbrock", ["optax:lion:learning_rate=0.01,b1=0.8"], steps=50)
    assert traj.labels == ("optax:lion lr=0.01 b1=0.8",)
    tx = optax.lion(learning_rate=0.01, b1=0.8)
    x = np.asarray(optviz.run("rosenbrock", ["gd:lr=1"], steps=0 + 1).params[0, 0, 0])
    import jax
    import jax.numpy as jnp

    x = jnp.asarray(x, dtype=jnp.float32)
    state = tx.init(x)
    grad = jax.grad(traj.surface.fn)
    for t in range(50):
        updates, state = tx.update(grad(x), state, x)
        x = optax.apply_updates(x, updates)
    np.testing.assert_allclose(traj.params[0, 0, -1], x, rtol=1e-5, atol=1e-6)


def test_optax_missing_or_wrong_is_one_clear_line(monkeypatch):
    with pytest.raises(ValueError, match="'softmax' is not an optax optimizer"):
        optviz.parse_spec("optax:softmax")
    monkeypatch.setitem(sys.modules, "optax", None)
    with pytest.raises(
        ValueError,
        match=r"optax specs need optax, which is not installed: pip install optax",
    ):
        optviz.parse_spec("optax:lion")


def test_the_3d_view_draws_and_turns(tmp_path):
    traj = optviz.run("himmelblau", ["gd", "adam"], steps=20)
    still = optviz.animate(traj, frames=3, size=(320, 240), layout="3d")
    turning = optviz.animate(traj, frames=3, size=(320, 240), layout="3d", rotate=True)
    a, b = still.frame(0), still.frame(-1)
    c, d = turning.frame(0), turning.frame(-1)
    # Without rotation the surface stays put and only the paths move; turning, it all moves.
    changed = lambda p, q: int((p != q).any(-1).sum())  # noqa: E731
    assert 0 < changed(a, b) and 5 * changed(a, b) < changed(c, d)
    assert len(shown(turning.save(tmp_path / "r.gif"))[0]) == 3
    with pytest.raises(ValueError, match="rotate turns the camera of the 3d layout"):
        optviz.animate(traj, rotate=True)


def test_the_python_forms_are_top_level():
    result = optviz.sweep("bowl", ["gd"], lo=0.1, hi=2, points=8)
    assert result.figure(size=(320, 240)).get_size_inches().tolist() == [3.2, 2.4]
    basins = optviz.basins("himmelblau", ["gd"], grid=8, steps=50)
    assert basins.classes.shape == (1, 8, 8)
    assert [r.spec.name for r in optviz.tune("bowl", ["adam"], steps=20)] == ["adam"]


@pytest.mark.parametrize(
    "size,theme_name,color",
    [
        ((960, 540), "light", "minimum"),
        ((1280, 720), "talk", "steps"),
        ((320, 240), "dark", "minimum"),
    ],
)
def test_hand_placed_basin_panels_keep_their_text_apart_and_inside(
    himmelblau, size, theme_name, color
):
    # Seven panels with the longest labels of the lineup, the crowded case.
    labels = ("sgd lr=0.01 noise=3", "momentum lr=0.002", "nesterov lr=0.002") * 2 + ("adam",)
    result = dataclasses.replace(
        himmelblau,
        specs=himmelblau.specs * 2 + himmelblau.specs[:1],
        labels=labels,
        classes=np.concatenate([himmelblau.classes] * 2 + [himmelblau.classes[:1]]),
        steps=np.concatenate([himmelblau.steps] * 2 + [himmelblau.steps[:1]]),
    )
    figure = basin_maps.draw(result, size=size, theme=theme_name, color=color)
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    panels = figure.axes[:7]
    # The panels' titles are left titles: the axes' children that carry the label.
    titles = [
        next(t for t in ax.get_children() if isinstance(t, Text) and t.get_text() == label)
        for ax, label in zip(panels, labels)
    ]
    texts = [figure.texts[0], *titles]
    texts += [t for ax in panels for t in ax.get_xticklabels() + ax.get_yticklabels()]
    texts += list(figure.legends[0].get_texts()) if figure.legends else []
    w, h = size
    for text in texts:
        if text.get_visible() and text.get_text():
            box = text.get_window_extent(renderer)
            assert -1 <= box.x0 and box.x1 <= w + 1 and -1 <= box.y0 and box.y1 <= h + 1, text
    title_boxes = [t.get_window_extent(renderer) for t in titles]
    frames = [ax.get_window_extent(renderer) for ax in panels]
    for i, a in enumerate(title_boxes):
        assert a.width > 0
        assert not any(a.overlaps(b) for b in title_boxes[i + 1 :]), "panel titles overlap"
        assert not any(a.overlaps(f) for f in frames), "a title runs into a panel"


def test_basins_reports_progress_once_per_optimizer():
    calls = []
    optviz.basins("himmelblau", ["gd", "adam"], grid=4, steps=5, progress=calls.append)
    assert calls == [1, 1]
