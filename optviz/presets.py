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
    "prox-gd": (1.0, None),
    "momentum": (0.2, None),
    "nesterov": (0.2, None),
    "nesterov-lookahead": (0.2, None),
    "adagrad": (None, 1 / 10),
    "rmsprop": (None, 1 / 200),
    "adam": (None, 1 / 50),
    "adamw": (None, 1 / 50),
}

# Per surface: the learning rates of gd, momentum, adagrad, rmsprop and adam, then sgd's
# gradient noise (None on linreg, whose sgd draws mini-batches). Hand-picked from a log grid of
# rates (the one with the lowest mean log-gap to f* over 300 steps from the default start, eased
# off where that value drew a blur), so that each rule makes visible progress. sgd runs at gd's
# rate and both Nesterov forms at momentum's: what differs between them is the rule alone.
# fmt: off
TUNED: dict[str, tuple] = {
    "bowl":              (0.95, 0.1, 1.5, 0.1, 0.3, 0.3),
    "rotated-bowl":      (0.5, 0.1, 1.5, 0.1, 0.3, 0.3),
    "saddle":            (0.01, 0.01, 0.1, 0.01, 0.02, 0.2),
    "monkey-saddle":     (0.01, 0.002, 0.1, 0.005, 0.01, 0.2),
    "rosenbrock":        (0.002, 0.0005, 0.5, 0.03, 0.2, 2.0),
    "beale":             (0.01, 0.002, 0.5, 0.03, 0.1, 0.5),
    "himmelblau":        (0.01, 0.002, 1.0, 0.05, 0.2, 3.0),
    "rastrigin":         (0.003, 0.001, 1.0, 0.05, 0.3, 3.0),
    "ackley":            (0.1, 0.02, 1.0, 0.05, 0.2, 0.5),
    "six-hump-camel":    (0.05, 0.01, 0.3, 0.02, 0.1, 0.5),
    "styblinski-tang":   (0.01, 0.002, 2.0, 0.1, 0.5, 3.0),
    "goldstein-price":   (1e-06, 2e-07, 0.3, 0.02, 0.1, 1000.0),
    "linreg":            (0.05, 0.02, 1.0, 0.02, 0.1, None),
    "neuron-sigmoid":    (0.9, 0.5, 0.5, 0.05, 0.3, None),
    "neuron-tanh":       (0.5, 0.2, 1.0, 0.05, 0.3, None),
    "neuron-relu":       (0.1, 0.02, 0.5, 0.02, 0.1, None),
    "deep-linear":       (0.3, 0.1, 0.3, 0.02, 0.05, 0.1),
}
# fmt: on


@functools.lru_cache(maxsize=None)
def _curvature(surface) -> float:
    import jax
    import jax.numpy as jnp

    hessian = jax.jit(jax.hessian(surface.fn))(jnp.asarray(surface.start, dtype=float))
    return float(np.max(np.abs(np.linalg.eigvalsh(np.asarray(hessian, dtype=float)))))


def _span(surface) -> float:
    (x0, x1), (y0, y1) = surface.bounds
    return max(x1 - x0, y1 - y0)


_COLUMN = {
    "gd": 0,
    "sgd": 0,
    "prox-gd": 0,
    "momentum": 1,
    "nesterov": 1,
    "nesterov-lookahead": 1,
    "adagrad": 2,
    "rmsprop": 3,
    "adam": 4,
    "adamw": 4,
}


def _tuned(surface, name: str) -> dict[str, float]:
    """The hand-picked hyper-parameters of ``name`` on ``surface``, if any."""
    row = TUNED.get(surface.name)
    if row is None or name not in _COLUMN:
        return {}
    tuned = {"lr": row[_COLUMN[name]]}
    if name == "sgd" and row[5] is not None:
        tuned["noise"] = row[5]
    return tuned


def default_lr(surface, name: str) -> float:
    """The learning rate ``name`` runs with on ``surface`` when its spec sets none; optimizers
    from outside optviz, most of them adaptive, get Adam's."""
    if external.is_external(name):
        name = "adam"
    tuned = _tuned(surface, name)
    if "lr" in tuned:
        return tuned["lr"]
    of_curvature, of_span = _AUTO[name]
    if of_curvature is not None:
        curvature = _curvature(surface)
        if math.isfinite(curvature) and curvature > 0:
            return float(f"{of_curvature / curvature:.2g}")
    return float(f"{(of_span or 1 / 100) * _span(surface):.2g}")


def with_lr(spec: Spec, surface) -> Spec:
    """``spec`` with its learning rate made explicit."""
    key = external.lr_key(spec.name)
    if key in dict(spec.hparams):
        return spec
    return spec.replace(**{key: default_lr(surface, spec.name)})


def lineup(surface) -> list[Spec]:
    """The default comparison on ``surface``: the seven classic rules at its default rates
    (and, for sgd, the gradient noise chosen for it)."""
    return [with_lr(Spec(name, **_tuned(surface, name)), surface) for name in LINEUP]
