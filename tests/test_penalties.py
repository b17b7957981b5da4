"""Penalties, weight decay, early stopping and input scaling, checked against closed forms and
textbook NumPy loops."""

import re

import jax
import numpy as np
import pytest
from click.testing import CliRunner

from gifs import shown
import optviz
import surfaces
from optviz import formula, overlays
from optviz.cli import main

WINDOW = ((-3.0, 3.0), (-3.0, 3.0))


def quadratic(a, c, b, d):
    """``a(x − c)² + b(y − d)²`` as a formula surface over `WINDOW`."""
    return formula.surface(f"{a}*(x - {c})**2 + {b}*(y - ({d}))**2", WINDOW)


# (a, c, b, d, A): the L1 threshold A/(2a) kills a coordinate in some rows and not in others.
QUADRATICS = [
    (1.0, 1.5, 4.0, -0.5, 0.7),
    (3.0, 1.2, 0.5, -0.4, 2.0),
    (0.5, -2.0, 2.0, 0.3, 1.0),
    (2.0, 0.1, 1.0, 1.0, 0.5),
]


@pytest.mark.parametrize("a,c,b,d,A", QUADRATICS)
def test_l2_minimum_is_the_ridge_shrinkage(a, c, b, d, A):
    surface = surfaces.penalized(quadratic(a, c, b, d), l2=A)
    (x, y), = surface.minima
    assert x == pytest.approx(2 * a * c / (2 * a + A), abs=1e-6)
    assert y == pytest.approx(2 * b * d / (2 * b + A), abs=1e-6)
    np.testing.assert_allclose(surface.ghost_minima, [(c, d)], atol=1e-6)


@pytest.mark.parametrize("a,c,b,d,A", QUADRATICS)
def test_l1_minimum_is_the_soft_threshold(a, c, b, d, A):
    surface = surfaces.penalized(quadratic(a, c, b, d), l1=A)
    (x, y), = surface.minima
    assert x == pytest.approx(np.sign(c) * max(abs(c) - A / (2 * a), 0.0), abs=1e-6)
    assert y == pytest.approx(np.sign(d) * max(abs(d) - A / (2 * b), 0.0), abs=1e-6)


def test_formula_minima_are_found():
    text = "(x**2 + y - 11)**2 + (x + y**2 - 7)**2"
    found = formula.surface(text, ((-5.0, 5.0), (-5.0, 5.0)))
    known = surfaces.get("himmelblau")
    assert found.fmin == pytest.approx(0.0, abs=1e-9)
    np.testing.assert_allclose(sorted(found.minima), sorted(known.minima), atol=1e-6 * 10)
    # Unbounded below in the window: no global minimum to show.
    assert formula.surface("x**2 - y**2").fmin is None


def test_penalties_add_up_and_refuse_bad_values():
    once = surfaces.penalized(surfaces.get("bowl"), l1=0.2, l2=0.1)
    twice = surfaces.penalized(surfaces.penalized(surfaces.get("bowl"), l1=0.2), l2=0.1)
    assert (twice.penalty.l1, twice.penalty.l2) == (once.penalty.l1, once.penalty.l2)
    assert twice.penalty.base is surfaces.get("bowl")
    for bad in (-1.0, float("nan"), float("inf"), "1"):
        with pytest.raises(ValueError, match="l1 must be"):
            surfaces.penalized(surfaces.get("bowl"), l1=bad)
    with pytest.raises(ValueError, match="no minimum inside its window"):
        surfaces.penalized(surfaces.get("saddle"), l2=0.5)
    with pytest.raises(ValueError, match="l2 must be a finite number >= 0"):
        optviz.run("bowl", "gd", l2=-0.1)


def test_penalized_minibatches_are_penalized_too():
    surface = surfaces.penalized(surfaces.get("linreg"), l1=0.3, l2=0.2)
    p = jax.numpy.array([0.4, -1.2])
    everything = jax.numpy.arange(surface.n_data)
    assert float(surface.batch_fn(p, everything)) == pytest.approx(float(surface.fn(p)), rel=1e-6)
    expected = float(surfaces.get("linreg").fn(p)) + 0.3 * 1.6 + 0.1 * (0.16 + 1.44)
    assert float(surface.fn(p)) == pytest.approx(expected, rel=1e-6)


def _linreg_gradient(data, beta):
    X = np.column_stack([data.s, np.ones_like(data.s)])
    return 2 * X.T @ (X @ beta - data.t) / data.s.size


def test_prox_gd_is_ista():
    lr, A, steps = 0.05, 1.0, 200
    with jax.enable_x64(True):
        traj = optviz.run("linreg", [f"prox-gd:lr={lr}", f"gd:lr={lr}"], steps=steps, l1=A)
    data = surfaces.get("linreg").data
    beta, path = np.array(surfaces.get("linreg").start), []
    for _ in range(steps + 1):
        path.append(beta)
        z = beta - lr * _linreg_gradient(data, beta)
        beta = np.sign(z) * np.maximum(np.abs(z) - lr * A, 0.0)
    np.testing.assert_allclose(traj.path("prox-gd"), path, rtol=1e-10, atol=1e-12)
    # The proximal step lands on the axis and stays; plain gradient descent chatters across it.
    assert np.all(traj.path("prox-gd")[-50:, 1] == 0.0)
    chatter = traj.path("gd")[-50:, 1]
    assert np.all(chatter != 0.0) and np.count_nonzero(np.diff(np.sign(chatter))) > 20


def test_prox_gd_takes_its_l1_from_the_surface():
    traj = optviz.run("bowl", "prox-gd", l1=0.4, steps=2)
    assert dict(traj.specs[0].hparams)["l1"] == 0.4
    with pytest.raises(ValueError, match=r"prox-gd: l1=0.3 differs from the surface's L1"):
        optviz.run("bowl", "prox-gd:l1=0.3", steps=2)


@pytest.mark.parametrize("rule", ["gd:lr=0.05", "sgd:lr=0.05,noise=0", "momentum:lr=0.02"])
def test_weight_decay_on_sgd_is_l2(rule):
    A = 0.7
    decayed = optviz.run("linreg", f"{rule},wd={A}", steps=150)
    penalized = optviz.run("linreg", rule, steps=150, l2=A)
    np.testing.assert_allclose(decayed.params, penalized.params, rtol=1e-5, atol=1e-6)


def test_adamw_is_torchs_update():
    lr, wd, b1, b2, eps = 0.05, 0.3, 0.9, 0.999, 1e-8
    surface = surfaces.get("bowl")
    traj = optviz.run(surface, f"adamw:lr={lr},wd={wd}", steps=300)
    x, m, v, path = np.array(surface.start), np.zeros(2), np.zeros(2), []
    for t in range(1, 302):
        path.append(x)
        g = np.array([x[0] / 10, 2 * x[1]])
        m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g**2
        step = (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
        x = x - lr * (step + wd * x)
    np.testing.assert_allclose(traj.path(0), path, rtol=1e-4, atol=1e-5)


def test_adamw_drifts_to_the_unpenalized_minimum_while_adam_with_l2_ends_at_ridge():
    """Xie & Li (2024): with a constant rate AdamW heads for the minimum of f inside the box
    |x|, |y| <= 1/wd, here the unpenalized one; Adam on f + wd/2 |x|² ends at the ridge point."""
    A = 0.5
    traj = optviz.run("linreg", ["adam:lr=0.01", "adamw:lr=0.01"], steps=20000, l2=A)
    assert traj.specs[1].hparams == (*traj.specs[1].hparams[:-1], ("wd", A))
    data = surfaces.get("linreg").data
    ridge, = data.ridge([A])
    unpenalized = np.linalg.lstsq(np.column_stack([data.s, np.ones_like(data.s)]), data.t)[0]
    assert np.all(np.abs(unpenalized) < 1 / A)
    adam, adamw = traj.params[:, 0, -1]
    assert np.linalg.norm(adam - ridge) < 5e-3
    assert np.linalg.norm(adamw - unpenalized) < 2e-2
    assert np.linalg.norm(adamw - ridge) > 0.5
    with pytest.raises(ValueError, match="adamw: wd=0.1 differs from the surface's L2"):
        optviz.run("linreg", "adamw:wd=0.1", l2=A)


def test_gradient_descent_from_zero_is_a_generalized_ridge():
    """Ali, Kolter & Tibshirani (2019): along each eigenvector of the Hessian (eigenvalue s),
    k steps of size eps from 0 reach the fraction 1 − (1 − eps s)^k of least squares."""
    eps, steps = 0.03, 200
    surface = surfaces.get("linreg-small")
    with jax.enable_x64(True):
        path = optviz.run(surface, f"gd:lr={eps}", start=(0.0, 0.0), steps=steps).path(0)
    X = np.column_stack([surface.data.s, np.ones(16)])
    s, V = np.linalg.eigh(2 * X.T @ X / 16)
    least_squares = np.linalg.solve(X.T @ X, X.T @ surface.data.t)
    k = np.arange(steps + 1)[:, None]
    expected = (V @ ((1 - (1 - eps * s) ** k) * (V.T @ least_squares)).T).T
    np.testing.assert_allclose(path, expected, rtol=1e-12, atol=1e-13)


def test_ridge_path_is_the_penalized_minimum():
    data = surfaces.get("linreg-small").data
    for lam in (0.1, 1.0, 10.0):
        found = surfaces.penalized(surfaces.get("linreg-small"), l2=lam).minima[0]
        np.testing.assert_allclose(data.ridge([lam])[0], found, atol=1e-6)
    path = overlays.ridge_path(data)
    np.testing.assert_allclose(path[0], 0.0)
    np.testing.assert_allclose(path[-1], surfaces.get("linreg-small").minima[0], atol=1e-9)


def test_condition_numbers_are_those_of_the_inputs():
    numbers = {}
    for name in ("linreg", "linreg-raw"):
        data = surfaces.get(name).data
        X = np.column_stack([data.s, np.ones_like(data.s)])
        eig = np.linalg.eigvalsh(X.T @ X / len(data.s))
        numbers[name] = eig[-1] / eig[0]
        assert data.condition() == pytest.approx(numbers[name], rel=1e-9)
        out = CliRunner().invoke(main, ["show", name])
        shown = re.search(r"condition number (\S+)", out.output)[1]
        assert float(shown) == pytest.approx(numbers[name], rel=1e-3)
    assert numbers["linreg-raw"] > 100 * numbers["linreg"]
    raw = surfaces.get("linreg-raw").data.s
    assert raw.min() >= 0 and raw.max() <= 100 and raw.max() > 90


def test_linreg_small_has_sixteen_points_and_a_held_out_set_from_the_same_line():
    data = surfaces.get("linreg-small").data
    assert data.n == 16 and data.heldout_s.size >= 100
    X = np.column_stack([data.heldout_s, np.ones_like(data.heldout_s)])
    w, b = np.linalg.lstsq(X, data.heldout_t)[0]
    assert w == pytest.approx(1.5, abs=0.2) and b == pytest.approx(-1.0, abs=0.5)


def test_early_stopping_step_is_the_lowest_held_out_loss():
    data = surfaces.get("linreg-small").data
    traj = optviz.run("linreg-small", "gd:lr=0.02", start=(0.0, 0.0), steps=300)
    path = traj.path(0).astype(float)
    heldout = np.mean((path[:, :1] * data.heldout_s + path[:, 1:] - data.heldout_t) ** 2, axis=1)
    curve, best = overlays.early_stop(traj)
    np.testing.assert_allclose(curve[0], heldout, rtol=1e-9)
    assert best[0] == np.argmin(heldout) and 0 < best[0] < 300
    assert heldout[best[0]] < heldout[-1]


def test_ghost_minimum_is_drawn_hollow_and_muted():
    from matplotlib.figure import Figure

    from optviz import drawing, theme

    surface = surfaces.penalized(surfaces.get("linreg"), l2=1.0)
    light = theme.get("light")
    ax = Figure().add_subplot()
    drawing.mark_minima(ax, surface, light)
    stars = {tuple(line.get_xydata()[0]): line for line in ax.lines}
    ghost = stars[surface.ghost_minima[0]]
    assert ghost.get_markerfacecolor() == "none" and ghost.get_markeredgecolor() == light.muted
    assert stars[surface.minima[0]].get_markerfacecolor() == light.foreground


def test_render_draws_the_held_out_loss_and_the_ridge_path(tmp_path):
    out = tmp_path / "es.gif"
    args = ["render", "linreg-small", "--opt", "gd:lr=0.02", "--start", "0,0", "--steps", "60"]
    args += ["--frames", "3", "--size", "240x160", "--loss-panel", "--ridge-path", "-o", str(out)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert len(shown(out)[0]) == 3


BAD = [
    (["render", "bowl", "--l1", "-1"], "l1 must be a finite number >= 0"),
    (["render", "bowl", "--l2", "nan"], "l2 must be a finite number >= 0"),
    (["render", "saddle", "--l2", "0.5"], "no minimum inside its window"),
    (["render", "bowl", "--opt", "gd:wd=-1"], "gd: wd must be >= 0"),
    (["render", "bowl", "--opt", "adamw:wd=-0.1"], "adamw: wd must be >= 0"),
    (["render", "bowl", "--opt", "prox-gd:l1=0.3"], "differs from the surface's L1 penalty"),
    (["render", "bowl", "--ridge-path"], "the ridge path needs linreg"),
    (["tune", "bowl", "--l1", "-2"], "l1 must be"),
    (["basins", "saddle", "--l1", "0.1"], "no minimum inside its window"),
    (["sweep", "bowl", "--opt", "gd", "--l2", "-1"], "l2 must be"),
    (["show", "bowl", "--l1", "-0.5"], "l1 must be"),
]


@pytest.mark.parametrize("args,message", BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_penalties_are_one_line_and_exit_2(args, message, tmp_path):
    runner = CliRunner()
    with runner.isolated_filesystem(temp_dir=tmp_path):
        result = runner.invoke(main, args)
    assert result.exit_code == 2
    assert message in result.output and len(result.output.strip().splitlines()) == 1


def test_penalties_reach_tune_basins_and_sweep():
    tuned = optviz.tune("bowl", ["gd"], steps=20, l2=1.0)
    assert tuned[0].lr is not None
    maps = optviz.basins("linreg", ["gd"], grid=3, steps=20, l2=0.5)
    assert maps.surface.penalty.l2 == 0.5
    swept = optviz.sweep("bowl", ["gd"], points=3, steps=20, l1=0.5)
    assert swept.surface.penalty.l1 == 0.5


def test_show_prints_the_penalized_and_the_unpenalized_minima():
    result = CliRunner().invoke(main, ["show", "linreg", "--l1", "1"])
    assert result.exit_code == 0
    assert re.search(r"minima   \(1\.04\d+, 0\)", result.output)
    assert "without the penalty  (1.48294, -0.985504)" in result.output
