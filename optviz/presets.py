"""Per-surface defaults: the learning rate a spec gets when it sets none, and the default lineup.

A learning rate is first looked up in `TUNED` (hand-picked so each optimizer makes visible
progress on that surface, from its default start); otherwise it follows from the surface's
curvature at its default start, ``L = max |eig H(x0)|``, and its size, ``span``:
gradient methods take a fraction of ``1/L`` (the step that is stable on the steepest direction),
adaptive methods, whose steps do not scale with the gradient, a fraction of ``span``.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from optviz import external
from optviz.spec import Spec

LINEUP = ("gd", "sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")

# rule -> (fraction of 1/L, fraction of span): exactly one of the two is used.
_AUTO = {
    "gd": (1.0, None),
    "sgd": (1.0, None),
    "momentum": (0.2, None),
    "nesterov": (0.2, None),
    "nesterov-lookahead": (0.2, None),
    "adagrad": (None, 1 / 10),
    "rmsprop": (None, 1 / 200),
    "adam": (None, 1 / 50),
}

# Hand-picked from a log grid of learning rates (the one with the lowest mean log-gap to f*
# over 300 steps from the default start, then eased off where that value drew a blur): each
# rule makes visible progress and the differences between them show.
TUNED: dict[str, dict[str, float | dict[str, float]]] = {
    "bowl": {
        "gd": 0.95,
        "sgd": {"lr": 0.95, "noise": 0.3},
        "momentum": 0.1,
        "nesterov": 0.1,
        "nesterov-lookahead": 0.1,
        "adagrad": 1.5,
        "rmsprop": 0.1,
        "adam": 0.3,
    },
    "rotated-bowl": {
        "gd": 0.5,
        "sgd": {"lr": 0.5, "noise": 0.3},
        "momentum": 0.1,
        "nesterov": 0.1,
        "nesterov-lookahead": 0.1,
        "adagrad": 1.5,
        "rmsprop": 0.1,
        "adam": 0.3,
    },
    "saddle": {
        "gd": 0.01,
        "sgd": {"lr": 0.01, "noise": 0.2},
        "momentum": 0.01,
        "nesterov": 0.01,
        "nesterov-lookahead": 0.01,
        "adagrad": 0.1,
        "rmsprop": 0.01,
        "adam": 0.02,
    },
    "monkey-saddle": {
        "gd": 0.01,
        "sgd": {"lr": 0.01, "noise": 0.2},
        "momentum": 0.002,
        "nesterov": 0.002,
        "nesterov-lookahead": 0.002,
        "adagrad": 0.1,
        "rmsprop": 0.005,
        "adam": 0.01,
    },
    "rosenbrock": {
        "gd": 0.002,
        "sgd": {"lr": 0.002, "noise": 2.0},
        "momentum": 0.0005,
        "nesterov": 0.0005,
        "nesterov-lookahead": 0.0005,
        "adagrad": 0.5,
        "rmsprop": 0.03,
        "adam": 0.2,
    },
    "beale": {
        "gd": 0.01,
        "sgd": {"lr": 0.01, "noise": 0.5},
        "momentum": 0.002,
        "nesterov": 0.002,
        "nesterov-lookahead": 0.002,
        "adagrad": 0.5,
        "rmsprop": 0.03,
        "adam": 0.1,
    },
    "himmelblau": {
        "gd": 0.01,
        "sgd": {"lr": 0.01, "noise": 3.0},
        "momentum": 0.002,
        "nesterov": 0.002,
        "nesterov-lookahead": 0.002,
        "adagrad": 1.0,
        "rmsprop": 0.05,
        "adam": 0.2,
    },
    "rastrigin": {
        "gd": 0.003,
        "sgd": {"lr": 0.003, "noise": 3.0},
        "momentum": 0.001,
        "nesterov": 0.001,
        "nesterov-lookahead": 0.001,
        "adagrad": 1.0,
        "rmsprop": 0.05,
        "adam": 0.3,
    },
    "ackley": {
        "gd": 0.1,
        "sgd": {"lr": 0.1, "noise": 0.5},
        "momentum": 0.02,
        "nesterov": 0.02,
        "nesterov-lookahead": 0.02,
        "adagrad": 1.0,
        "rmsprop": 0.05,
        "adam": 0.2,
    },
    "six-hump-camel": {
        "gd": 0.05,
        "sgd": {"lr": 0.05, "noise": 0.5},
        "momentum": 0.01,
        "nesterov": 0.01,
        "nesterov-lookahead": 0.01,
        "adagrad": 0.3,
        "rmsprop": 0.02,
        "adam": 0.1,
    },
    "styblinski-tang": {
        "gd": 0.01,
        "sgd": {"lr": 0.01, "noise": 3.0},
        "momentum": 0.002,
        "nesterov": 0.002,
        "nesterov-lookahead": 0.002,
        "adagrad": 2.0,
        "rmsprop": 0.1,
        "adam": 0.5,
    },
    "goldstein-price": {
        "gd": 1e-6,
        "sgd": {"lr": 1e-6, "noise": 1000.0},
        "momentum": 2e-7,
        "nesterov": 2e-7,
        "nesterov-lookahead": 2e-7,
        "adagrad": 0.3,
        "rmsprop": 0.02,
        "adam": 0.1,
    },
    "linreg": {
        "gd": 0.05,
        "sgd": 0.05,
        "momentum": 0.02,
        "nesterov": 0.02,
        "nesterov-lookahead": 0.02,
        "adagrad": 1.0,
        "rmsprop": 0.02,
        "adam": 0.1,
    },
}


@functools.lru_cache(maxsize=None)
def _curvature(surface) -> float:
    import jax
    import jax.numpy as jnp

    hessian = jax.jit(jax.hessian(surface.fn))(jnp.asarray(surface.start, dtype=float))
    return float(np.max(np.abs(np.linalg.eigvalsh(np.asarray(hessian, dtype=float)))))


def _span(surface) -> float:
    (x0, x1), (y0, y1) = surface.bounds
    return max(x1 - x0, y1 - y0)


def _tuned(surface, name: str) -> dict[str, float]:
    entry = TUNED.get(surface.name, {}).get(name, {})
    return entry if isinstance(entry, dict) else {"lr": entry}


def default_lr(surface, name: str) -> float:
    """The learning rate ``name`` runs with on ``surface`` when its spec sets none; optax
    optimizers, most of them adaptive, get Adam's."""
    if name.startswith(external.PREFIX):
        name = "adam"
    if "lr" in _tuned(surface, name):
        return _tuned(surface, name)["lr"]
    of_curvature, of_span = _AUTO[name]
    if of_curvature is not None:
        curvature = _curvature(surface)
        if math.isfinite(curvature) and curvature > 0:
            return float(f"{of_curvature / curvature:.2g}")
    return float(f"{(of_span or 1 / 100) * _span(surface):.2g}")


def with_lr(spec: Spec, surface) -> Spec:
    """``spec`` with its learning rate made explicit."""
    key = "learning_rate" if spec.name.startswith(external.PREFIX) else "lr"
    if key in dict(spec.hparams):
        return spec
    return spec.replace(**{key: default_lr(surface, spec.name)})


def lineup(surface) -> list[Spec]:
    """The default comparison on ``surface``: the seven classic rules at its default rates
    (and, for sgd, the gradient noise chosen for it)."""
    return [with_lr(Spec(name, **_tuned(surface, name)), surface) for name in LINEUP]
