"""The tiny-network surfaces: their data, gradients (against hand-written ones), sets of
minima and plateaus."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import surfaces

NEURONS = {  # name -> (activation, its derivative), in NumPy
    "neuron-sigmoid": (lambda z: 1 / (1 + np.exp(-z)), lambda z: 0.25 / np.cosh(z / 2) ** 2),
    "neuron-tanh": (np.tanh, lambda z: 1 / np.cosh(z) ** 2),
    "neuron-relu": (lambda z: np.maximum(z, 0), lambda z: (z > 0).astype(float)),
}
NETWORKS = [surfaces.get(n) for n in (*NEURONS, "deep-linear")]
POINTS = [(-6.0, -2.0), (-1.3, 0.7), (0.4, 2.2), (2.5, -1.5), (1.0, 1.0)]


def neuron_reference(name, w1, w2):
    """Loss and gradient of ŷ = w2·φ(w1·s) on the documented data, by hand."""
    act, dact = NEURONS[name]
    s = np.random.default_rng(1).uniform(0.5, 2.5, 64)
    t = act(s)
    r = w2 * act(w1 * s) - t
    grad = [np.mean(2 * r * w2 * dact(w1 * s) * s), np.mean(2 * r * act(w1 * s))]
    return np.mean(r**2), np.array(grad)


def deep_linear_reference(w1, w2):
    r = 1 - w1 * w2
    return 0.5 * r**2, np.array([-r * w2, -r * w1])


@pytest.mark.parametrize("surface", NETWORKS, ids=lambda s: s.name)
@pytest.mark.parametrize("point", POINTS, ids=str)
def test_loss_and_gradient_match_the_hand_written_ones(surface, point):
    if surface.name == "deep-linear":
        loss, grad = deep_linear_reference(*point)
    else:
        loss, grad = neuron_reference(surface.name, *point)
    with jax.enable_x64(True):
        p = jnp.asarray(point, dtype=jnp.float64)
        assert float(surface.fn(p)) == pytest.approx(loss, rel=1e-12, abs=1e-15)
        np.testing.assert_allclose(jax.grad(surface.fn)(p), grad, rtol=1e-10, atol=1e-14)
        # The mini-batch loss on every point is the loss.
        everything = jnp.arange(surface.n_data) if surface.n_data else None
        if everything is not None:
            assert float(surface.batch_fn(p, everything)) == pytest.approx(loss, rel=1e-12)


@pytest.mark.parametrize("surface", [s for s in NETWORKS if s.minimum_set], ids=lambda s: s.name)
def test_every_point_of_a_minimum_set_is_a_minimum(surface):
    points = np.concatenate([np.asarray(b) for b in surface.minimum_set.branches])
    assert len(points) >= 50
    np.testing.assert_allclose(points[:, 0] * points[:, 1], 1.0, rtol=1e-12)
    (x0, x1), (y0, y1) = surface.bounds
    assert np.all((points >= [x0, y0]) & (points <= [x1, y1]))
    with jax.enable_x64(True):
        p = jnp.asarray(points)
        np.testing.assert_allclose(jax.vmap(surface.fn)(p), surface.fmin, atol=1e-12)
        np.testing.assert_allclose(jax.vmap(jax.grad(surface.fn))(p), 0.0, atol=1e-10)
        # Off the curve the loss is higher: it is a valley floor, not a ridge.
        assert bool(jnp.all(jax.vmap(surface.fn)(p * 1.01) > surface.fmin + 1e-8))


@pytest.mark.parametrize("surface", NETWORKS, ids=lambda s: s.name)
def test_plateau_gradient_is_below_its_bound_and_its_edge_is_not(surface):
    plateau = surface.plateau
    (x0, x1), (y0, y1) = surface.bounds
    # Beyond the window along w1, and finely around the origin for small plateaus.
    wide = np.meshgrid(np.linspace(x0 - 10, x1 + 10, 601), np.linspace(y0, y1, 301))
    fine = np.meshgrid(np.linspace(-0.1, 0.1, 201), np.linspace(-0.1, 0.1, 201))
    points = np.concatenate([np.stack(g, -1).reshape(-1, 2) for g in (wide, fine)])
    inside = plateau.contains(points)
    assert inside.sum() > 100
    with jax.enable_x64(True):
        grads = jax.vmap(jax.grad(surface.fn))(jnp.asarray(points))
        norms = np.linalg.norm(grads, axis=-1)
        assert norms[inside].max() <= plateau.bound
        # The bound says something: the window outside the plateau is steeper.
        window = (points[:, 0] >= x0) & (points[:, 0] <= x1) & ~inside
        outside = grads[window]
        assert np.linalg.norm(outside, axis=-1).max() > 10 * max(plateau.bound, 0.01)


def test_a_dead_relu_has_exactly_zero_gradient_and_a_live_one_does_not():
    relu = surfaces.get("neuron-relu")
    g = jax.grad(relu.fn)
    assert np.all(np.asarray(g(jnp.array([-0.5, 2.0]))) == 0.0)
    assert np.all(np.asarray(g(jnp.array([0.0, 2.0]))) == 0.0)  # relu'(0) = 0: dead at zero
    assert np.all(np.asarray(g(jnp.array([0.1, 2.0]))) != 0.0)


def test_the_deep_linear_plateau_lasts_log_one_over_epsilon():
    """From (ε, ε), GD leaves the saddle as u <- u (1 + lr (1 - u²)): while u is small, a
    factor 1 + lr per step, so a start 100 times smaller takes log(100)/log(1 + lr) steps longer
    to reach f < 0.01 (Saxe et al. 2014)."""
    deep = surfaces.get("deep-linear")
    lr = 0.05
    step = jax.jit(lambda p: p - lr * jax.grad(deep.fn)(p))

    def steps_to_leave(eps):
        p, t = jnp.array([eps, eps], dtype=jnp.float64), 0
        while float(deep.fn(p)) >= 0.01:
            p, t = step(p), t + 1
        return t

    with jax.enable_x64(True):
        t2, t4, t6 = steps_to_leave(1e-2), steps_to_leave(1e-4), steps_to_leave(1e-6)
    expected = np.log(100) / np.log(1 + lr)
    assert abs((t4 - t2) - expected) <= 2 and abs((t6 - t4) - expected) <= 2


@pytest.mark.parametrize("surface", NETWORKS, ids=lambda s: s.name)
def test_network_surfaces_declare_the_fans_of_their_one_unit_layers(surface):
    assert surface.fans == ((1, 1), (1, 1))
