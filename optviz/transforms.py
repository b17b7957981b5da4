"""Small gradient transformations, optax-style, that the update rules are chained from.

Each is a pair of pure functions ``init(params) -> state`` and
``update(grads, state, params) -> (updates, state)``; state is a NamedTuple of arrays. The
transforms work on one point; the runner lifts them with ``vmap`` and ``scan``.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

import jax
import jax.numpy as jnp


class GradientTransformation(NamedTuple):
    init: Callable
    update: Callable


class EmptyState(NamedTuple):
    pass


class ScaleByScheduleState(NamedTuple):
    count: jax.Array  # steps taken so far


class TraceState(NamedTuple):
    trace: jax.Array


class ScaleByRssState(NamedTuple):
    sum_of_squares: jax.Array


class ScaleByRmsState(NamedTuple):
    nu: jax.Array


class ScaleByAdamState(NamedTuple):
    mu: jax.Array
    nu: jax.Array
    b1_t: jax.Array  # b1 to the power t, the step count
    b2_t: jax.Array


def scale(step_size) -> GradientTransformation:
    """``u <- step_size * u``."""
    return GradientTransformation(
        lambda params: EmptyState(),
        lambda updates, state, params=None: (step_size * updates, state),
    )


def scale_by_learning_rate(lr) -> GradientTransformation:
    """``u <- -lr u``, the step against the direction; ``lr`` a number or a schedule
    ``count -> lr_t`` evaluated at the step's count t = 0, 1, ... (optax's
    ``scale_by_learning_rate``)."""
    if not callable(lr):
        return scale(-lr)

    def update(updates, state, params=None):
        return -lr(state.count) * updates, ScaleByScheduleState(state.count + 1)

    return GradientTransformation(
        lambda params: ScaleByScheduleState(jnp.zeros([], jnp.int32)), update
    )


def add_decayed_weights(wd) -> GradientTransformation:
    """Weight decay: ``u <- u + wd x`` (optax's ``add_decayed_weights``). Before the other
    transforms it is an L2 penalty ``wd/2 |x|^2`` in the loss (torch.optim.SGD's
    ``weight_decay``); after Adam's scaling it is decoupled from it (Loshchilov & Hutter 2019)."""
    return GradientTransformation(
        lambda params: EmptyState(),
        lambda updates, state, params=None: (updates + wd * params, state),
    )


def soft_threshold(threshold) -> GradientTransformation:
    """The proximal step of ``(threshold/lr)·|x|_1`` after a step ``u`` from ``x``: the update
    that lands on ``S(x + u, threshold)``, with ``S(z, t) = sign(z) max(|z| - t, 0)`` applied
    to each coordinate, so that coordinates within ``threshold`` of 0 land exactly on 0."""

    def update(updates, state, params=None):
        z = params + updates
        return jnp.sign(z) * jnp.maximum(jnp.abs(z) - threshold, 0.0) - params, state

    return GradientTransformation(lambda params: EmptyState(), update)


def trace(beta, nesterov: bool = False) -> GradientTransformation:
    """The momentum buffer of torch.optim.SGD: ``v <- beta v + g``; emits ``v``, or
    ``g + beta v`` with ``nesterov``."""

    def update(updates, state, params=None):
        v = beta * state.trace + updates
        return (updates + beta * v if nesterov else v), TraceState(v)

    return GradientTransformation(lambda params: TraceState(jnp.zeros_like(params)), update)


def scale_by_rss(eps) -> GradientTransformation:
    """Adagrad's scaling: ``s <- s + g^2;  u <- g / (sqrt(s) + eps)``."""

    def update(updates, state, params=None):
        s = state.sum_of_squares + updates**2
        return updates / (jnp.sqrt(s) + eps), ScaleByRssState(s)

    return GradientTransformation(lambda params: ScaleByRssState(jnp.zeros_like(params)), update)


def scale_by_rms(rho, eps) -> GradientTransformation:
    """RMSprop's scaling: ``nu <- rho nu + (1 - rho) g^2;  u <- g / (sqrt(nu) + eps)``."""

    def update(updates, state, params=None):
        nu = rho * state.nu + (1 - rho) * updates**2
        return updates / (jnp.sqrt(nu) + eps), ScaleByRmsState(nu)

    return GradientTransformation(lambda params: ScaleByRmsState(jnp.zeros_like(params)), update)


def scale_by_adam(b1, b2, eps) -> GradientTransformation:
    """Adam's scaling with bias correction, t counting from 1:
    ``mu <- b1 mu + (1 - b1) g;  nu <- b2 nu + (1 - b2) g^2;
    u <- mu_hat / (sqrt(nu_hat) + eps)`` with ``mu_hat = mu / (1 - b1^t)``,
    ``nu_hat = nu / (1 - b2^t)``.

    The powers ``b1^t`` and ``b2^t`` are carried as running products: a power per step and
    start would cost more than the rest of the rule."""

    def init(params):
        zeros = jnp.zeros_like(params)
        one = jnp.ones([], params.dtype)
        return ScaleByAdamState(zeros, zeros, one, one)

    def update(updates, state, params=None):
        mu = b1 * state.mu + (1 - b1) * updates
        nu = b2 * state.nu + (1 - b2) * updates**2
        b1_t, b2_t = state.b1_t * b1, state.b2_t * b2
        mu_hat = mu / (1 - b1_t)
        nu_hat = nu / (1 - b2_t)
        return mu_hat / (jnp.sqrt(nu_hat) + eps), ScaleByAdamState(mu, nu, b1_t, b2_t)

    return GradientTransformation(init, update)


def chain(*transforms: GradientTransformation) -> GradientTransformation:
    """Apply ``transforms`` in order; the state is the tuple of their states."""

    def init(params):
        return tuple(t.init(params) for t in transforms)

    def update(updates, state, params=None):
        new_state = []
        for t, s in zip(transforms, state):
            updates, s = t.update(updates, s, params)
            new_state.append(s)
        return updates, tuple(new_state)

    return GradientTransformation(init, update)
