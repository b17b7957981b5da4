"""Optimizers from outside optviz: any that optax provides, as a spec
``optax:NAME[:key=value,...]``, and any a user registers with `register`.

Either is a factory ``f(learning_rate, ...) -> (init, update)`` in optax's convention. Its
``learning_rate`` is traced, so learning-rate grids run in one call; its other keyword
arguments with numeric defaults are hyper-parameters set at compile time. optax is imported
only when an optax spec is used, so that runs of optviz's own rules do not pay for it.
"""

from __future__ import annotations

import inspect
import re

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
    """The numeric hyper-parameters of ``name``'s factory and their defaults."""
    params = _signature(factory(name))
    return {
        key: (None if p.default is inspect.Parameter.empty else p.default)
        for key, p in params.items()
        if key == "learning_rate"
        or (isinstance(p.default, (int, float)) and not isinstance(p.default, bool))
    }


def build(factory, learning_rate, **static) -> rules.Optimizer:
    """``factory(learning_rate, **static)`` as an optviz `Optimizer`."""
    opt = factory(learning_rate=learning_rate, **static)
    return rules.Optimizer(opt.init, opt.update)
