"""Optimizers from outside optviz: any that optax provides, as a spec
``optax:NAME[:key=value,...]``, and any a user registers with `register`.

Either is a factory ``f(learning_rate, ...) -> (init, update)`` in optax's convention: an
optax ``GradientTransformation`` or a plain ``(init, update)`` tuple. Its ``learning_rate`` is
traced, so learning-rate grids run in one call; its other keyword arguments with numeric
defaults are hyper-parameters set at compile time. optax is imported only when an optax spec
is used, so that runs of optviz's own rules do not pay for it.

A factory is tried once, abstractly (`jax.eval_shape`: nothing is compiled or run), before it
is used: one whose ``update`` needs more than ``(grads, state, params)`` (optax's ``lbfgs``
wants the loss and its function too) or that does not return an update of the point's shape is
refused with one line.
"""

from __future__ import annotations

import functools
import inspect
import re
import warnings

from optviz import rules

PREFIX = "optax:"
_REGISTERED: dict = {}  # name -> factory


def register(name: str, factory) -> None:
    """Run ``factory(learning_rate, ...)``, an optax-style ``(init, update)`` pair, as the
    optimizer ``name`` wherever a spec goes (`optviz.run`, `animate`, `tune`, `sweep`,
    `basins`): ``"name"`` or ``"name:learning_rate=0.1,b1=0.8"``. Registering a name again
    replaces the factory; runs compiled for the old one are not reused."""
    if not isinstance(name, str) or not re.fullmatch(r"[a-z][a-z0-9_-]*", name):
        raise ValueError(
            f"an optimizer's name is lower-case letters, digits, - and _, got {name!r}"
        )
    if name in rules.RULES:
        raise ValueError(f"{name!r} is one of optviz's own rules; choose another name")
    if not callable(factory) or "learning_rate" not in _signature(factory):
        raise ValueError(
            f"{name}: the factory must be a function taking learning_rate, "
            f"like optax's optimizers, got {factory!r}"
        )
    _REGISTERED[name] = factory


def registered() -> list[str]:
    """The names given to `register`, in order."""
    return list(_REGISTERED)


def is_external(name: str) -> bool:
    """Whether the spec name ``name`` runs a factory from outside optviz."""
    return name.startswith(PREFIX) or name in _REGISTERED


def lr_key(name: str) -> str:
    """The name of the learning rate in a spec called ``name``: ``learning_rate`` for
    optimizers from outside, ``lr`` for ours."""
    return "learning_rate" if is_external(name) else "lr"


def _optax():
    try:
        import optax
    except ImportError:
        raise ValueError(
            "optax specs need optax, which is not installed: pip install optax"
        ) from None
    return optax


def factory(name: str):
    """The factory behind the spec name ``name``; ``ValueError`` if there is none."""
    if name in _REGISTERED:
        return _REGISTERED[name]
    optax = _optax()
    short = name[len(PREFIX) :]
    found = getattr(optax, short, None) if short and not short.startswith("_") else None
    if not callable(found) or "learning_rate" not in _signature(found):
        raise ValueError(
            f"{short!r} is not an optax optimizer (a function of optax taking learning_rate), "
            "e.g. optax:adam, optax:lion, optax:adabelief"
        )
    return found


def _signature(fn) -> dict:
    try:
        return dict(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        return {}


def hyperparameters(name: str) -> dict[str, float | None]:
    """The numeric hyper-parameters of ``name``'s factory and their defaults; ``ValueError``
    if the factory does not give a gradient transformation optviz can run (see `_tried`)."""
    problem = _tried(factory(name))
    if problem:
        raise ValueError(f"{name}: {problem}")
    params = _signature(factory(name))
    return {
        key: (None if p.default is inspect.Parameter.empty else p.default)
        for key, p in params.items()
        if key == "learning_rate"
        or (isinstance(p.default, (int, float)) and not isinstance(p.default, bool))
    }


def build(factory, learning_rate, **static) -> rules.Optimizer:
    """``factory(learning_rate, **static)``, a gradient transformation or a plain
    ``(init, update)`` pair, as an optviz `Optimizer`."""
    with warnings.catch_warnings():
        # optax warns of its own future defaults (noisy_sgd's key) at every construction,
        # which a user of optviz can do nothing about.
        warnings.simplefilter("ignore", (UserWarning, DeprecationWarning, FutureWarning))
        opt = factory(learning_rate=learning_rate, **static)
    if hasattr(opt, "init") and hasattr(opt, "update"):
        return rules.Optimizer(opt.init, opt.update)
    if isinstance(opt, tuple) and len(opt) == 2 and all(map(callable, opt)):
        return rules.Optimizer(*opt)
    raise ValueError(f"expected an (init, update) pair, got {opt!r:.80}")


@functools.lru_cache(maxsize=None)
def _tried(factory) -> str | None:
    """Why ``factory`` at learning rate 0.1 cannot run here, in one line, or None if it can:
    its init and update traced on a point, abstractly, with update called as optviz calls it,
    ``update(grads, state, params) -> (updates, state)``."""
    import jax
    import jax.numpy as jnp

    def step():
        opt = build(factory, 0.1)
        point = jnp.zeros(2)
        updates, _ = opt.update(point, opt.init(point), point)
        return updates

    try:
        updates = jax.eval_shape(step)
    except Exception as error:  # a user's factory can fail in any way: say how, in one line
        first = (str(error).strip().splitlines() or [""])[0][:160]
        return (
            "not a gradient transformation optviz can run as update(grads, state, params) "
            f"({type(error).__name__}: {first})"
        )
    if getattr(updates, "shape", None) != (2,):
        return f"its update must be an array of the point's shape (2,), got {updates!r:.80}"
    return None
