"""Tuning, thresholds and the (lr, β) map, checked against the closed forms of quadratics.

On the bowl f = x²/20 + y² the Hessian is diag(1/10, 2): μ = 0.1, L = 2, κ = 20. Every
reference below is a textbook formula (Polyak 1964; Goh, "Why Momentum Really Works", Distill
2017) or a NumPy loop of the update, never a number taken from optviz's own output.
"""

import json
import math
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner

import optviz
from optviz import cli, phase, quadratic, runner, stability, tuning
from optviz import theme as themes
from optviz.cli import main

MU, L = 0.1, 2.0
KAPPA = L / MU
GD_BEST = 2 / (L + MU)  # 0.952
POLYAK_LR = (2 / (math.sqrt(L) + math.sqrt(MU))) ** 2  # 1.336
POLYAK_RATE = (math.sqrt(KAPPA) - 1) / (math.sqrt(KAPPA) + 1)  # 0.634
POLYAK_BETA = POLYAK_RATE**2  # 0.403


def _roots_rate(lr, beta, curvatures):
    """Heavy ball's rate from NumPy's polynomial roots, one point at a time."""
    return max(max(abs(np.roots([1, -(1 + beta - lr * lam), beta]))) for lam in curvatures)


def _json(args):
    result = CliRunner().invoke(main, [*args, "--json"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_the_theory_module_matches_the_closed_forms_and_numpys_roots():
    np.testing.assert_allclose(quadratic.curvatures("bowl"), [MU, L], rtol=1e-5)
    np.testing.assert_allclose(quadratic.curvatures("rotated-bowl"), [MU, L], rtol=1e-5)
    assert quadratic.curvatures("rosenbrock") is None
    assert quadratic.curvatures("saddle") is None  # a quadratic, but not a bowl
    gd, hb = quadratic.best("gd", [MU, L]), quadratic.best("momentum", [MU, L])
    assert gd.lr == pytest.approx(GD_BEST) and gd.rate == pytest.approx((KAPPA - 1) / (KAPPA + 1))
    assert (hb.lr, hb.beta, hb.rate) == pytest.approx((POLYAK_LR, POLYAK_BETA, POLYAK_RATE))
    assert quadratic.best("adam", [MU, L]) is None
    rng = np.random.default_rng(0)
    for lr, beta in zip(rng.uniform(0.01, 2.5, 50), rng.uniform(0, 0.99, 50)):
        expected = _roots_rate(lr, beta, [MU, L])
        assert quadratic.heavy_ball_rate(lr, beta, [MU, L]) == pytest.approx(expected, rel=1e-6)
    assert quadratic.threshold(0.9, [MU, L]) == pytest.approx(1.9)


@pytest.mark.parametrize("rate", [0.5, 0.9, 0.99])
def test_measured_rate_of_geometric_curves(rate):
    t = np.arange(301)
    gap = 3.0 * rate ** (2 * t)  # f - f* is quadratic in the distance
    floored = np.maximum(gap, 1e-30)  # a float floor part way
    measured = tuning.measured_rate(np.stack([gap, floored]))
    np.testing.assert_allclose(measured, rate, rtol=1e-6)
    assert tuning.measured_rate(1.01 ** t)[()] == pytest.approx(1.01**0.5, rel=1e-6)
    at_once = np.r_[1.0, np.zeros(300)]  # at the minimum after one step
    assert tuning.measured_rate(at_once)[()] == 0


def _auc_numpy(lr, steps):
    """The auc metric for GD on the bowl from (-7, 2), in a NumPy loop of the textbook rule."""
    x = np.array([-7.0, 2.0])
    total = 0.0
    for _ in range(steps + 1):
        total += np.log10(max(x[0] ** 2 / 20 + x[1] ** 2, 1e-12))
        x = x - lr * np.array([x[0] / 10, 2 * x[1]])
    return total / (steps + 1)


def test_tuned_gd_is_the_exact_best_rate():
    # The CLI's default (auc over 300 steps) lands within 2 % of 2/(L + mu).
    (gd,) = _json(["tune", "bowl", "--opt", "gd"])
    assert gd["lr"] == pytest.approx(GD_BEST, rel=0.02)
    assert gd["theory"]["lr"] == pytest.approx(GD_BEST, rel=1e-3)
    # The rate metric finds the asymptotic optimum itself.
    (by_rate,) = optviz.tune("bowl", ["gd"], steps=300, metric="rate")
    assert by_rate.lr == pytest.approx(GD_BEST, rel=0.01)
    assert by_rate.rate == pytest.approx((KAPPA - 1) / (KAPPA + 1), rel=0.01)
    # And the refined auc optimum is the NumPy loop's, for the number of steps run.
    (short,) = optviz.tune("bowl", ["gd"], steps=60)
    lrs = np.linspace(0.85, 1.0, 301)
    reference = lrs[np.argmin([_auc_numpy(lr, 60) for lr in lrs])]
    assert short.lr == pytest.approx(reference, rel=0.002)
    assert len(f"{short.lr}".replace("0.", "").lstrip("0")) <= 4  # four significant digits


def test_momentum_tuned_with_its_beta_lands_on_polyaks_point():
    result = CliRunner().invoke(main, ["tune", "bowl", "--opt", "momentum", "--param", "beta"])
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split()[:3] == ["optimizer", "best", "lr"] and "beta" in lines[0]
    cells = lines[1].split()
    lr, beta = float(cells[1]), float(cells[2])
    assert lr == pytest.approx(POLYAK_LR, rel=0.05)
    assert beta == pytest.approx(POLYAK_BETA, rel=0.05)
    # Both rates are printed: the measured one, and the best theory allows.
    note = next(line for line in lines if "measured rate" in line)
    measured = float(note.split("measured rate ")[1].split()[0])
    assert measured == pytest.approx(POLYAK_RATE, rel=0.05)
    assert f"rate {POLYAK_RATE:.4g}" in note
    (data,) = _json(["tune", "bowl", "--opt", "momentum", "--param", "beta"])
    assert data["lr"] == lr and data["beta"] == beta and data["metric"] == "rate"
    assert data["spec"] == f"momentum:lr={lr:g},beta={beta:g}"


def test_ties_at_the_float_floor_are_broken_by_the_area_and_said():
    # Over 300 steps several rates reach the float32 floor and tie on the final gap.
    (gd,) = _json(["tune", "bowl", "--opt", "gd", "--metric", "final"])
    assert "tied on final; chose by auc" in gd["tie"]
    assert gd["lr"] == pytest.approx(GD_BEST, rel=0.02)
    table = CliRunner().invoke(main, ["tune", "bowl", "--opt", "gd", "--metric", "final"])
    assert "points tied on final; chose by auc, then the smaller lr" in table.stdout
    (untied,) = _json(["tune", "bowl", "--opt", "gd", "--steps", "50"])
    assert untied["tie"] is None


def test_x64_runs_in_double_precision():
    # In a process of its own: float64 is a global switch of jax.
    code = (
        "from optviz.cli import main; "
        "main(['tune', 'bowl', '--opt', 'momentum', '--param', 'beta', '--x64', '--json'])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    (data,) = json.loads(out)
    assert data["lr"] == pytest.approx(POLYAK_LR, rel=0.02)
    assert data["beta"] == pytest.approx(POLYAK_BETA, rel=0.02)
    assert data["rate"] == pytest.approx(POLYAK_RATE, rel=0.01)


def test_the_command_line_says_what_the_library_does():
    # cli.py keeps jax unimported, so it spells these out; they must stay the library's.
    assert cli.SECOND == tuning.SECOND
    assert f"more than {runner.FAR:g} half-widths of the window" in cli.DIVERGING
    for command in ("tune", "sweep"):
        # As click wraps it: lines joined, and a line may break after a hyphen.
        text = " ".join(CliRunner().invoke(main, [command, "--help"]).stdout.split())
        assert cli.DIVERGING in text.replace("- ", "-")


def test_tune_refuses_what_it_cannot_do():
    runner = CliRunner()
    for args, message in [
        (["tune", "bowl", "--opt", "gd", "--param", "beta"], "gd has no beta to tune"),
        (["tune", "bowl", "--param", "gamma"], "'gamma' is not one of"),
        (["tune", "x**2 - y", "--metric", "rate"], "needs a known minimum"),
    ]:
        bad = runner.invoke(main, args)
        assert bad.exit_code == 2 and message in bad.stderr, bad.stderr
    with pytest.raises(ValueError, match="too much to keep"):
        optviz.tune("bowl", ["momentum"], param="beta", starts=np.zeros((1000, 2)), steps=300)
    with pytest.raises(ValueError, match="at least two increasing numbers"):
        optviz.tune("bowl", ["gd"], learning_rates=[0.1])


@pytest.mark.parametrize("beta", [0.0, 0.5, 0.9])
def test_sweep_thresholds_are_bisected_to_the_theory(beta, tmp_path):
    spec = "gd" if beta == 0 else f"momentum:beta={beta}"
    data = _json(["sweep", "bowl", "--opt", spec, "--range", "1e-3,10", "-o", str(tmp_path / "s.png")])
    (entry,) = data["optimizers"]
    assert entry["diverges_above"] == pytest.approx(2 * (1 + beta) / L, rel=0.01)


def test_sweep_prints_its_thresholds(tmp_path):
    out = tmp_path / "s.png"
    result = CliRunner().invoke(
        main, ["sweep", "bowl", "--opt", "gd", "--opt", "adam", "--range", "0.01,3", "-o", str(out)]
    )
    assert result.exit_code == 0, result.stderr
    gd_line, adam_line, path = result.stdout.splitlines()
    threshold = float(gd_line.split("diverges above lr = ")[1].split()[0])
    assert threshold == pytest.approx(2 / L, rel=0.01)
    assert "(theory: 2/L = 1)" in gd_line
    assert adam_line == "adam: no divergence up to lr = 3"
    assert path == str(out) and out.exists()
    assert "diverges when" in CliRunner().invoke(main, ["sweep", "--help"]).stdout


def _texts(figure):
    """Every text drawn in ``figure``: title, axis labels, tick labels in view, annotations."""
    texts = list(figure.texts)  # the title among them
    for ax in figure.axes:
        texts += [*ax.texts, ax.xaxis.label, ax.yaxis.label, ax.title]
        for axis in (ax.xaxis, ax.yaxis):
            lo, hi = sorted(axis.get_view_interval())
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                if lo <= tick.get_loc() <= hi:
                    texts += [tick.label1, tick.label2]
    return [t for t in texts if t.get_visible() and t.get_text().strip()]


def _assert_texts_inside_and_apart(figure, size):
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in _texts(figure)]
    w, h = size
    for text, box in boxes:
        assert -1 <= box.x0 and box.x1 <= w + 1 and -1 <= box.y0 and box.y1 <= h + 1, text
    for i, (a, box_a) in enumerate(boxes):
        for b, box_b in boxes[i + 1 :]:
            assert not box_a.overlaps(box_b), f"{a!r} overlaps {b!r}"


@pytest.fixture(scope="module")
def bowl_sweep():
    return optviz.sweep("bowl", ["gd", "momentum", "nesterov", "adam"], lo=1e-3, hi=10, points=60)


@pytest.mark.parametrize(
    "size,theme_name", [((800, 500), "light"), ((320, 240), "dark"), ((1280, 720), "talk")]
)
def test_the_sweep_figure_keeps_its_text_inside_and_apart(bowl_sweep, size, theme_name):
    figure = stability.draw(bowl_sweep, size=size, theme=theme_name)
    assert not figure.legends and not figure.axes[0].get_legend()  # labelled directly
    _assert_texts_inside_and_apart(figure, size)
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    ax = figure.axes[0]
    crosses = [line for line in ax.get_lines() if line.get_marker() == "x"]
    assert len(crosses) == 4
    for line in crosses[:3]:  # adam never diverges
        assert not line.get_clip_on()
        box = line.get_window_extent(renderer)
        assert box.width > 0 and box.y1 <= ax.get_window_extent(renderer).y1 + 1
    # The labels name each optimizer's threshold, in its colour.
    labels = [t for t in ax.texts if "diverge" in t.get_text()]
    assert [t.get_text().split(":")[0] for t in labels] == list(bowl_sweep.labels)
    assert labels[0].get_text() == f"gd: diverges above lr = {bowl_sweep.threshold[0]:.4g}"
    theme = themes.for_size(theme_name, size)
    assert [t.get_color() for t in labels] == theme.run_colours(bowl_sweep.specs)


@pytest.fixture(scope="module")
def bowl_map():
    return phase.rate_map("bowl", "momentum", lo=0.01, hi=3, points=48, points2=40)


def test_the_measured_rate_map_agrees_with_the_theory(bowl_map):
    converged = bowl_map.rate < 1
    assert converged.sum() > 0.7 * converged.size
    for row, beta in enumerate(bowl_map.values2):
        for col, lr in enumerate(bowl_map.values):
            theory = _roots_rate(lr, beta, [MU, L])
            if converged[row, col]:
                assert bowl_map.rate[row, col] == pytest.approx(theory, rel=0.05), (lr, beta)
            elif np.isnan(bowl_map.rate[row, col]):  # diverged: theory says it must
                assert theory > 1 - 1e-9 or lr * L >= 2 * (1 + beta) * 0.99, (lr, beta)
    lr, beta, rate = bowl_map.fastest()
    assert rate == pytest.approx(POLYAK_RATE, rel=0.05)


@pytest.mark.parametrize("size,theme_name", [((800, 560), "light"), ((480, 360), "dark")])
def test_the_map_figure_keeps_its_text_inside_and_apart(bowl_map, size, theme_name):
    figure = phase.draw(bowl_map, size=size, theme=theme_name)
    _assert_texts_inside_and_apart(figure, size)
    labels = [t.get_text() for t in figure.axes[0].texts]
    assert f"Polyak: lr = {POLYAK_LR:.3g}, β = {POLYAK_BETA:.3g}, rate {POLYAK_RATE:.3g}" in labels


def test_the_map_command(tmp_path):
    out = tmp_path / "m.png"
    args = ["sweep", "bowl", "--opt", "momentum", "--param2", "beta", "--range", "0.05,3"]
    result = CliRunner().invoke(main, [*args, "--points", "30", "--points2", "20", "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    assert f"theory (Polyak): lr = {POLYAK_LR:.4g}" in result.stdout and out.exists()
    for extra, message in [
        (["--opt", "gd"], "maps one optimizer"),
        (["--range2", "0.5,0.2"], "ranges must have"),
    ]:
        bad = CliRunner().invoke(main, [*args, *extra, "-o", str(out)])
        assert bad.exit_code == 2 and message in bad.stderr, bad.stderr
    with pytest.raises(ValueError, match="gd has no beta to map"):
        phase.rate_map("bowl", "gd")
