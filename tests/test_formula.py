"""Formula surfaces: the good is computed right, the hostile is refused and never run."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import optviz
from optviz import formula

GOOD = [
    ("x**2 + 10*y**2", lambda x, y: x**2 + 10 * y**2),
    ("-x + +y", lambda x, y: -x + y),
    ("sin(x)*cos(y) + exp(-abs(x))", lambda x, y: np.sin(x) * np.cos(y) + np.exp(-abs(x))),
    ("sqrt(x**2 + y**2 + 1) / tanh(2)", lambda x, y: np.sqrt(x**2 + y**2 + 1) / np.tanh(2)),
    ("log(1 + x**2) - pi*e*y", lambda x, y: np.log(1 + x**2) - math.pi * math.e * y),
    ("(1 - x)**2 + 100*(y - x**2)**2", lambda x, y: (1 - x) ** 2 + 100 * (y - x**2) ** 2),
    ("2.5e-1 * x", lambda x, y: 0.25 * x),
]


@pytest.mark.parametrize("text,reference", GOOD, ids=[t for t, _ in GOOD])
def test_good_formulas_compute_what_they_say(text, reference):
    fn = formula.parse(text)
    rng = np.random.default_rng(0)
    for x, y in rng.uniform(-2, 2, (5, 2)):
        got = float(fn(jnp.array([x, y], dtype=jnp.float32)))
        assert got == pytest.approx(reference(x, y), rel=1e-5, abs=1e-5)


def test_gradients_flow_through_a_formula():
    fn = formula.parse("x**2 + 10*y**2")
    np.testing.assert_allclose(jax.grad(fn)(jnp.array([1.0, 2.0])), [2.0, 40.0])


HOSTILE = [
    ("__import__('os').system('touch {marker}')", "calling"),
    ("open('{marker}', 'w')", "calling 'open'"),
    ("x.__class__", "attribute"),
    ("[x for x in ()]", "listcomp"),
    ("x[0]", "subscript"),
    ("lambda: 0", "lambda"),
    ("y if x else x", "ifexp"),
    ("x < y", "compare"),
    ("x and y", "boolop"),
    ("z + 1", "the name 'z'"),
    ("'{marker}'", "the constant"),
    ("1j * x", "the constant 1j"),
    ("x @ y", "MatMult"),
    ("x // y", "FloorDiv"),
    ("sin(x, y)", "sin takes exactly one argument"),
    ("sin(x=1)", "sin takes exactly one argument"),
    ("x +", "formula: invalid syntax"),
    ("", "empty formula"),
    ("(" * 5000 + "x" + ")" * 5000, "formula:"),
]


@pytest.mark.parametrize("template,message", HOSTILE, ids=[t[:20] for t, _ in HOSTILE])
def test_hostile_text_is_refused_and_never_run(template, message, tmp_path):
    marker = tmp_path / "ran"
    with pytest.raises(ValueError, match="formula") as info:
        formula.parse(template.format(marker=marker))
    assert message in str(info.value) and "\n" not in str(info.value)
    assert not marker.exists()


def test_huge_powers_overflow_to_inf_instead_of_hanging():
    fn = formula.parse("9**9**9**9 + x")
    assert math.isinf(float(fn(jnp.array([1.0, 1.0]))))


def test_formula_surface_runs_like_any_other():
    surface = formula.surface("x**2 + 10*y**2", ((-3.0, 3.0), (-2.0, 2.0)))
    assert surface.bounds == ((-3.0, 3.0), (-2.0, 2.0)) and surface.minima == ((0.0, 0.0),)
    (x0, x1), (y0, y1) = surface.bounds
    assert x0 < surface.start[0] < x1 and y0 < surface.start[1] < y1
    traj = optviz.run(surface, ["gd:lr=0.04"], steps=200)
    assert traj.loss[0, 0, -1] < 1e-3 * traj.loss[0, 0, 0]


def test_formula_surfaces_refuse_what_cannot_be_drawn():
    with pytest.raises(ValueError, match="constant over the window"):
        formula.surface("3 + 0*x")
    with pytest.raises(ValueError, match="not finite anywhere"):
        formula.surface("log(-1 - x**2)")
