"""Bring your own optimizer: `optviz.register` runs a user's optax-style factory everywhere a
spec goes, checked against the textbook formula."""

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from reference import GRADIENTS

import optviz
from optviz import external


class SignumState(NamedTuple):
    m: jax.Array


def signum(learning_rate, beta=0.9):
    """Signum (Bernstein et al. 2018): m <- beta m + (1 - beta) g; x <- x - lr sign(m).
    A plain (init, update) pair, no optax."""

    class Signum(NamedTuple):
        init: object
        update: object

    def update(grads, state, params=None):
        m = beta * state.m + (1 - beta) * grads
        return -learning_rate * jnp.sign(m), SignumState(m)

    return Signum(lambda params: SignumState(jnp.zeros_like(params)), update)


def signum_path(x0, steps, lr, beta):
    x, m, path = np.array(x0, dtype=np.float64), np.zeros(2), []
    path.append(x.copy())
    for _ in range(steps):
        m = beta * m + (1 - beta) * GRADIENTS["rosenbrock"](x)
        x = x - lr * np.sign(m)
        path.append(x.copy())
    return np.array(path)


@pytest.fixture(autouse=True)
def registry(monkeypatch):
    """Each test registers into an empty registry that is thrown away after it."""
    monkeypatch.setattr(external, "_REGISTERED", {})


def test_a_registered_optimizer_runs_its_formula_with_its_hyperparameters():
    optviz.register("signum", signum)
    with jax.enable_x64(True):
        traj = optviz.run(
            "rosenbrock", ["signum:learning_rate=0.01,beta=0.5"], start=(-1.2, 1.0), steps=120
        )
    np.testing.assert_allclose(traj.path(0), signum_path((-1.2, 1.0), 120, 0.01, 0.5), atol=1e-9)
    assert traj.labels == ("signum lr=0.01 beta=0.5",)
    # Left out, the learning rate is the one optimizers from outside get: Adam's on the surface.
    default = optviz.run("rosenbrock", ["signum", "adam"], steps=1)
    assert dict(default.specs[0].hparams)["learning_rate"] == dict(default.specs[1].hparams)["lr"]


def test_tune_and_sweep_take_it_like_any_other():
    optviz.register("signum", signum)
    (tuned,) = optviz.tune("bowl", ["signum"], steps=100)
    assert tuned.spec == optviz.Spec("signum", learning_rate=tuned.lr)
    assert tuned.value <= np.nanmin(tuned.scores)  # refined beyond the grid
    swept = optviz.sweep("bowl", ["signum"], lo=1e-3, hi=10, points=8)
    assert swept.final.shape == (1, 8)
    assert np.isnan(swept.threshold[0])  # steps of size lr per coordinate never run away
    # Only the learning rate of an optimizer from outside is traced, so only it is swept.
    with pytest.raises(ValueError, match="signum: beta cannot be swept; choose from: learning"):
        optviz.sweep("bowl", ["signum"], param="beta", lo=0, hi=0.9, points=4)


def test_registering_a_name_again_runs_the_new_factory():
    optviz.register("signum", signum)
    first = optviz.run("bowl", ["signum:learning_rate=0.1"], steps=3)
    optviz.register("signum", lambda learning_rate: signum(2 * learning_rate))
    second = optviz.run("bowl", ["signum:learning_rate=0.1"], steps=3)
    np.testing.assert_allclose(np.diff(first.path(0), axis=0), [[0.1, -0.1]] * 3, rtol=1e-5)
    np.testing.assert_allclose(np.diff(second.path(0), axis=0), [[0.2, -0.2]] * 3, rtol=1e-5)


@pytest.mark.parametrize(
    "name,factory,message",
    [
        ("Sign Um", signum, "an optimizer's name is lower-case letters, digits, - and _"),
        ("adam", signum, "'adam' is one of optviz's own rules; choose another name"),
        ("mine", lambda lr: None, "mine: the factory must be a function taking learning_rate"),
    ],
)
def test_bad_registrations_are_one_clear_line(name, factory, message):
    with pytest.raises(ValueError, match=message):
        optviz.register(name, factory)


def test_unknown_names_suggest_registered_ones():
    optviz.register("signum", signum)
    with pytest.raises(ValueError, match="did you mean 'signum'.*, signum, or optax:NAME"):
        optviz.parse_spec("sigum")
