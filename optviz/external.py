"""Any optimizer optax provides, as a spec ``optax:NAME[:key=value,...]``.

optax is an optional extra (``pip install 'optviz[optax]'``). Its ``learning_rate`` is traced,
so learning-rate grids run in one call; the other hyper-parameters are compile-time constants.
"""

from __future__ import annotations

import inspect

PREFIX = "optax:"


def lr_key(name: str) -> str:
    """The name of the learning rate in a spec called ``name``: optax's ``learning_rate`` for
    optax specs, ``lr`` for ours."""
    return "learning_rate" if name.startswith(PREFIX) else "lr"


def _optax():
    try:
        import optax
    except ImportError:
        raise ValueError(
            "optax specs need optax, which is not installed: pip install 'optviz[optax]'"
        ) from None
    return optax


def _factory(name: str):
    optax = _optax()
    short = name[len(PREFIX) :]
    factory = getattr(optax, short, None) if short and not short.startswith("_") else None
    if not callable(factory) or "learning_rate" not in _signature(factory):
        raise ValueError(
            f"{short!r} is not an optax optimizer (a function of optax taking learning_rate), "
            "e.g. optax:adam, optax:lion, optax:adabelief"
        )
    return factory


def _signature(factory) -> dict:
    try:
        return dict(inspect.signature(factory).parameters)
    except (TypeError, ValueError):
        return {}


def hyperparameters(name: str) -> dict[str, float | None]:
    """The numeric hyper-parameters of optax's ``NAME`` and their defaults."""
    params = _signature(_factory(name))
    return {
        key: (None if p.default is inspect.Parameter.empty else p.default)
        for key, p in params.items()
        if key == "learning_rate"
        or (isinstance(p.default, (int, float)) and not isinstance(p.default, bool))
    }


def build(name: str, learning_rate, **static):
    """optax's ``NAME(learning_rate, **static)`` as an ``(init, update)`` pair."""
    return _factory(name)(learning_rate=learning_rate, **static)
