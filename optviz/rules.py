"""The update rules, each chained from the transforms in `optviz.transforms`.

Conventions are torch.optim's: eps outside the square root, Adam bias-corrected, Nesterov with
the gradient at the current point. ``nesterov-lookahead`` is the form taught in courses
(Sutskever et al. 2013), with the gradient at the point momentum is about to carry us to.

The first line of each rule's docstring is its update, printed by ``optviz list``.
"""

from __future__ import annotations

import inspect
from typing import Callable, NamedTuple

from optviz import transforms as T


class Optimizer(NamedTuple):
    """An update rule ready to run.

    ``query(params, state)`` is where the gradient is taken (``None``: at ``params``);
    ``noise`` and ``batch`` describe a stochastic gradient (``None``: the exact gradient).
    """

    init: Callable
    update: Callable
    query: Callable | None = None
    noise: object = None
    batch: int | None = None


def descend(lr, *transforms: T.GradientTransformation) -> Optimizer:
    """Chain ``transforms`` and step against their output: ``x <- x - lr u``, with ``lr`` a
    number or a schedule ``t -> lr_t`` (see `optviz.schedules`)."""
    return Optimizer(*T.chain(*transforms, T.scale_by_learning_rate(lr)))


def gd(lr):
    """x ← x − lr·g

    Gradient descent with the exact gradient g = ∇f(x)."""
    return descend(lr)


def sgd(lr, noise=1.0, batch=16):
    """x ← x − lr·ĝ,  ĝ a stochastic gradient

    On a surface fitted to data (linreg) ĝ is the gradient of the loss on a random mini-batch of
    ``batch`` points; on an analytic surface it is ∇f(x) + noise·N(0, I)."""
    return descend(lr)._replace(noise=noise, batch=batch)


def momentum(lr, beta=0.9):
    """v ← β·v + g;  x ← x − lr·v

    Heavy-ball momentum in the form of torch.optim.SGD(momentum=β)."""
    return descend(lr, T.trace(beta))


def nesterov(lr, beta=0.9):
    """v ← β·v + g;  x ← x − lr·(g + β·v),  g = ∇f(x)

    Nesterov momentum as torch.optim.SGD(nesterov=True): the gradient at the current point."""
    return descend(lr, T.trace(beta, nesterov=True))


def nesterov_lookahead(lr, beta=0.9):
    """v ← β·v − lr·∇f(x + β·v);  x ← x + v

    Nesterov's accelerated gradient as Sutskever et al. (2013) write it and courses teach it: the
    gradient at the look-ahead point. With u = −v/lr this is momentum's ``u ← β·u + g``,
    ``x ← x − lr·u`` with g taken at x − lr·β·u, which is how it is computed here."""

    def query(params, state):
        return params - lr * beta * state[0].trace

    return descend(lr, T.trace(beta))._replace(query=query)


def adagrad(lr, eps=1e-10):
    """s ← s + g²;  x ← x − lr·g/(√s + eps)

    Adagrad (Duchi et al. 2011) as torch.optim.Adagrad."""
    return descend(lr, T.scale_by_rss(eps))


def rmsprop(lr, rho=0.99, eps=1e-8):
    """ν ← ρ·ν + (1 − ρ)·g²;  x ← x − lr·g/(√ν + eps)

    RMSprop (Hinton 2012) as torch.optim.RMSprop(alpha=ρ)."""
    return descend(lr, T.scale_by_rms(rho, eps))


def adam(lr, b1=0.9, b2=0.999, eps=1e-8):
    """m ← b1·m + (1 − b1)·g;  ν ← b2·ν + (1 − b2)·g²;  x ← x − lr·m̂/(√ν̂ + eps)

    Adam (Kingma & Ba 2015) as torch.optim.Adam, bias-corrected: m̂ = m/(1 − b1ᵗ),
    ν̂ = ν/(1 − b2ᵗ)."""
    return descend(lr, T.scale_by_adam(b1, b2, eps))


RULES: dict[str, Callable[..., Optimizer]] = {
    "gd": gd,
    "sgd": sgd,
    "momentum": momentum,
    "nesterov": nesterov,
    "nesterov-lookahead": nesterov_lookahead,
    "adagrad": adagrad,
    "rmsprop": rmsprop,
    "adam": adam,
}

# Hyper-parameters that set array shapes, so they are compile-time constants.
STATIC = frozenset({"batch"})
# Rules computed in a form that equals theirs only at a constant rate: no schedule.
CONSTANT_RATE = frozenset({"nesterov-lookahead"})


def hyperparameters(name: str) -> dict[str, float | int | None]:
    """The rule's hyper-parameters and their defaults (``None``: no default, as lr)."""
    return {
        key: (None if p.default is inspect.Parameter.empty else p.default)
        for key, p in inspect.signature(RULES[name]).parameters.items()
    }


def formula(name: str) -> str:
    """The rule's update in one line."""
    return inspect.getdoc(RULES[name]).splitlines()[0]
