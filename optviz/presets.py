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

TUNED: dict[str, dict[str, float]] = {
    "bowl": {"gd": 0.95, "sgd": 0.95, "momentum": 0.1, "nesterov": 0.1,
             "nesterov-lookahead": 0.1, "adagrad": 1.5, "rmsprop": 0.05, "adam": 0.3},
}


@functools.lru_cache(maxsize=None)
def _curvature(surface) -> float:
    import jax
    import jax.numpy as jnp

    hessian = jax.hessian(surface.fn)(jnp.asarray(surface.start, dtype=float))
    return float(jnp.max(jnp.abs(jnp.linalg.eigvalsh(hessian))))


def _span(surface) -> float:
    (x0, x1), (y0, y1) = surface.bounds
    return max(x1 - x0, y1 - y0)


def default_lr(surface, name: str) -> float:
    """The learning rate ``name`` runs with on ``surface`` when its spec sets none."""
    if name in TUNED.get(surface.name, {}):
        return TUNED[surface.name][name]
    if name.startswith(external.PREFIX):
        name = "adam"
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
    """The default comparison on ``surface``: the seven classic rules at its default rates."""
    return [with_lr(Spec(name), surface) for name in LINEUP]
