"""Every update rule, step by step, against independent references: the textbook formulas in
NumPy (float64, hand-written gradients) and optax's own transforms (float32)."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
import surfaces

import optviz
from reference import GRADIENTS, textbook_path

STEPS = 150

# (rule, hyper-parameters) per surface; eps is large in some cases so that where it sits
# (outside the square root) changes the path visibly.
CASES = {
    "bowl": [
        ("gd", dict(lr=0.9)),
        ("momentum", dict(lr=0.1)),
        ("momentum", dict(lr=0.05, beta=0.5)),
        ("nesterov", dict(lr=0.1)),
        ("nesterov", dict(lr=0.2, beta=0.7)),
        ("nesterov-lookahead", dict(lr=0.1)),
        ("nesterov-lookahead", dict(lr=0.3, beta=0.6)),
        ("adagrad", dict(lr=1.5, eps=1e-10)),
        ("adagrad", dict(lr=1.5, eps=0.5)),
        ("rmsprop", dict(lr=0.05, rho=0.99, eps=1e-8)),
        ("rmsprop", dict(lr=0.1, rho=0.9, eps=0.3)),
        ("adam", dict(lr=0.3, b1=0.9, b2=0.999, eps=1e-8)),
        ("adam", dict(lr=0.2, b1=0.5, b2=0.9, eps=0.2)),
    ],
    "rosenbrock": [
        ("gd", dict(lr=1e-3)),
        ("momentum", dict(lr=2e-4)),
        ("nesterov", dict(lr=2e-4)),
        ("nesterov-lookahead", dict(lr=2e-4)),
        ("adagrad", dict(lr=0.3, eps=1e-10)),
        ("rmsprop", dict(lr=0.01, rho=0.99, eps=1e-8)),
        ("adam", dict(lr=0.02, b1=0.9, b2=0.999, eps=1e-8)),
        ("adam", dict(lr=0.05, b1=0.8, b2=0.99, eps=0.1)),
    ],
}
ALL = [(s, rule, h) for s, cases in CASES.items() for rule, h in cases]
IDS = [f"{s}-{rule}-" + ",".join(f"{k}={v}" for k, v in h.items()) for s, rule, h in ALL]


@pytest.mark.parametrize("surface,rule,hparams", ALL, ids=IDS)
def test_rule_matches_the_textbook_formula_in_float64(surface, rule, hparams):
    start = surfaces.get(surface).start
    expected = textbook_path(rule, GRADIENTS[surface], start, STEPS, **hparams)
    with jax.enable_x64(True):
        traj = optviz.run(surface, [optviz.Spec(rule, **hparams)], steps=STEPS)
    assert traj.params.dtype == np.float64
    np.testing.assert_allclose(traj.path(0), expected, rtol=1e-9, atol=1e-12)


def _optax_transform(rule, h):
    """optax's own optimizer for ``rule``, set to torch.optim's conventions where they differ."""
    if rule == "gd":
        return optax.sgd(h["lr"])
    if rule == "momentum":
        return optax.sgd(h["lr"], momentum=h.get("beta", 0.9))
    if rule == "nesterov":
        return optax.sgd(h["lr"], momentum=h.get("beta", 0.9), nesterov=True)
    if rule == "adagrad":
        # optax puts eps inside the square root; with eps = 0 the two conventions agree.
        return optax.adagrad(h["lr"], initial_accumulator_value=0.0, eps=0.0)
    if rule == "rmsprop":
        return optax.rmsprop(h["lr"], decay=h["rho"], eps=h["eps"], eps_in_sqrt=False)
    if rule == "adam":
        return optax.adam(h["lr"], b1=h["b1"], b2=h["b2"], eps=h["eps"])
    raise KeyError(rule)


def _optax_path(surface, tx, steps):
    def step(carry, _):
        x, state = carry
        updates, state = tx.update(jax.grad(surface.fn)(x), state, x)
        return (optax.apply_updates(x, updates), state), x

    x0 = jnp.asarray(surface.start, dtype=jnp.float32)
    (last, _), path = jax.jit(lambda x: jax.lax.scan(step, (x, tx.init(x)), None, steps))(x0)
    return np.concatenate([np.asarray(path), np.asarray(last)[None]])


OPTAX = [
    (s, r, dict(h, eps=0.0) if r == "adagrad" else h)
    for s, r, h in ALL
    if r != "nesterov-lookahead" and not (r == "adagrad" and h["eps"] > 0.1)
]


@pytest.mark.parametrize("surface,rule,hparams", OPTAX, ids=lambda v: str(v))
def test_rule_matches_optax_in_float32(surface, rule, hparams):
    surface = surfaces.get(surface)
    expected = _optax_path(surface, _optax_transform(rule, hparams), STEPS)
    traj = optviz.run(surface, [optviz.Spec(rule, **hparams)], steps=STEPS)
    assert traj.params.dtype == np.float32
    scale = np.abs(expected).max()
    np.testing.assert_allclose(traj.path(0), expected, rtol=1e-4, atol=1e-5 * scale)


@pytest.mark.parametrize("rule", ["momentum", "nesterov", "nesterov-lookahead"])
@pytest.mark.parametrize("surface", ["bowl", "rosenbrock"])
def test_momentum_rules_with_beta_zero_are_gd(rule, surface):
    lr = 0.5 if surface == "bowl" else 1e-3
    traj = optviz.run(surface, [f"gd:lr={lr}", f"{rule}:lr={lr},beta=0"], steps=100)
    np.testing.assert_array_equal(traj.params[0], traj.params[1])


def test_the_two_nesterov_forms_draw_different_paths():
    traj = optviz.run("bowl", ["nesterov:lr=0.1", "nesterov-lookahead:lr=0.1"], steps=30)
    assert np.abs(traj.params[0] - traj.params[1]).max() > 0.1


def test_eps_sits_outside_the_square_root():
    # One Adagrad step from g: x1 = x0 - lr g / (|g| + eps); inside the root it would be
    # g / sqrt(g^2 + eps).
    with jax.enable_x64(True):
        traj = optviz.run("bowl", ["adagrad:lr=1,eps=1"], start=(0.0, 1.0), steps=1)
    step = traj.path(0)[0] - traj.path(0)[1]
    assert step[1] == pytest.approx(2.0 / (2.0 + 1.0), rel=1e-12)
