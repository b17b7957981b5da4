"""The catalogue's claims, checked for every surface in double precision."""

import subprocess
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import surfaces

ALL = [surfaces.get(name) for name in surfaces.names()]
MINIMA = [(s, m) for s in ALL for m in s.minima]
SADDLES = [(s, sd) for s in ALL for sd in s.saddles]
LOCAL = [(s, m) for s in ALL for m in s.local_minima]
REQUIRED = {
    "bowl",
    "rotated-bowl",
    "saddle",
    "monkey-saddle",
    "rosenbrock",
    "beale",
    "himmelblau",
    "rastrigin",
    "ackley",
    "six-hump-camel",
    "styblinski-tang",
    "goldstein-price",
    "linreg",
}


def test_catalogue_holds_the_required_surfaces():
    assert REQUIRED <= set(surfaces.names())


@pytest.mark.parametrize("surface,minimum", MINIMA, ids=[f"{s.name}-{m}" for s, m in MINIMA])
def test_value_and_gradient_at_each_minimum(surface, minimum):
    with jax.enable_x64(True):
        p = jnp.asarray(minimum, dtype=jnp.float64)
        assert float(surface.fn(p)) == pytest.approx(surface.fmin, abs=1e-9)
        np.testing.assert_allclose(jax.grad(surface.fn)(p), 0.0, atol=1e-7)
        # A minimum, not just a critical point: the Hessian is positive semi-definite.
        assert np.all(np.linalg.eigvalsh(jax.hessian(surface.fn)(p)) >= -1e-9)


@pytest.mark.parametrize("surface,minimum", LOCAL, ids=[f"{s.name}-{m}" for s, m in LOCAL])
def test_local_minima_are_strict_minima_above_fmin(surface, minimum):
    with jax.enable_x64(True):
        p = jnp.asarray(minimum, dtype=jnp.float64)
        np.testing.assert_allclose(jax.grad(surface.fn)(p), 0.0, atol=1e-7)
        assert np.all(np.linalg.eigvalsh(jax.hessian(surface.fn)(p)) > 0)
        assert float(surface.fn(p)) > surface.fmin + 1e-3
        # Lower than everything on a small circle around it, and distinct from the others.
        theta = jnp.linspace(0, 2 * jnp.pi, 64, endpoint=False)
        ring = p + 1e-2 * jnp.stack([jnp.cos(theta), jnp.sin(theta)], -1)
        assert float(jax.vmap(surface.fn)(ring).min()) > float(surface.fn(p))
    others = [m for m in (*surface.minima, *surface.local_minima) if m != minimum]
    assert min(np.hypot(*np.subtract(minimum, m)) for m in others) > 0.1


def test_surfaces_with_a_few_traps_list_them():
    counts = {s.name: len(s.local_minima) for s in ALL}
    assert counts["six-hump-camel"] == 4 and counts["styblinski-tang"] == 3
    assert counts["goldstein-price"] == 3


@pytest.mark.parametrize("surface", ALL, ids=lambda s: s.name)
def test_no_point_of_the_window_is_below_fmin(surface):
    if surface.fmin is None:
        pytest.skip("unbounded below")
    (x0, x1), (y0, y1) = surface.bounds
    with jax.enable_x64(True):
        axes = jnp.linspace(x0, x1, 101), jnp.linspace(y0, y1, 101)
        values = jax.vmap(jax.vmap(surface.fn))(jnp.stack(jnp.meshgrid(*axes), -1))
        assert float(values.min()) >= surface.fmin - 1e-9


@pytest.mark.parametrize("surface,saddle", SADDLES, ids=[s.name for s, _ in SADDLES])
def test_saddles_have_the_hessian_signs_they_claim(surface, saddle):
    with jax.enable_x64(True):
        p = jnp.asarray(saddle.point, dtype=jnp.float64)
        np.testing.assert_allclose(jax.grad(surface.fn)(p), 0.0, atol=1e-12)
        eig = np.linalg.eigvalsh(jax.hessian(surface.fn)(p))[::-1]
        signs = tuple(int(np.sign(e)) if abs(e) > 1e-9 else 0 for e in eig)
        assert signs == saddle.hessian_signs
        # Not an extremum: the loss rises and falls on a small circle around it.
        theta = jnp.linspace(0, 2 * jnp.pi, 64, endpoint=False)
        ring = p + 1e-2 * jnp.stack([jnp.cos(theta), jnp.sin(theta)], -1)
        around = jax.vmap(surface.fn)(ring) - surface.fn(p)
        assert float(around.max()) > 0 > float(around.min())


@pytest.mark.parametrize("surface", ALL, ids=lambda s: s.name)
def test_window_start_and_levels_are_consistent(surface):
    (x0, x1), (y0, y1) = surface.bounds
    assert x0 < x1 and y0 < y1
    assert x0 <= surface.start[0] <= x1 and y0 <= surface.start[1] <= y1
    for m in (*surface.minima, *surface.local_minima):
        assert x0 <= m[0] <= x1 and y0 <= m[1] <= y1
    assert list(surface.levels) == sorted(set(surface.levels)) and len(surface.levels) >= 10
    assert np.isfinite(float(surface.fn(jnp.asarray(surface.start))))
    assert surface.formula and surface.reference


def test_wide_ranges_get_log_spaced_levels():
    levels = np.array(surfaces.get("goldstein-price").levels) - 3.0
    ratios = levels[1:] / levels[:-1]
    np.testing.assert_allclose(ratios, ratios[0], rtol=1e-9)


def test_linreg_is_the_mse_of_a_line_on_fixed_data():
    surface = surfaces.get("linreg")
    assert 100 <= surface.n_data <= 1000
    everything = jnp.arange(surface.n_data)
    p = jnp.array([0.3, -0.7])
    assert float(surface.batch_fn(p, everything)) == pytest.approx(float(surface.fn(p)), rel=1e-6)
    # The listed minimum is the least-squares fit, close to the generating line t = 1.5 s - 1.
    w, b = surface.minima[0]
    assert w == pytest.approx(1.5, abs=0.1) and b == pytest.approx(-1.0, abs=0.2)


def test_unknown_name_lists_close_matches():
    with pytest.raises(ValueError, match=r"unknown surface 'bael'; did you mean 'beale'\?"):
        surfaces.get("bael")
    with pytest.raises(ValueError, match="choose from: bowl, rotated-bowl"):
        surfaces.get("zzz")


def test_surfaces_does_not_import_optviz():
    code = "import sys, surfaces; surfaces.get('beale'); print('optviz' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
