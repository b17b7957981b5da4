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


def descend(lr, *transforms: T.GradientTransformation, then=()) -> Optimizer:
    """Chain ``transforms`` and step against their output, ``x <- x - lr u``, with ``lr`` a
    number or a schedule ``t -> lr_t`` (see `optviz.schedules`), then apply the transforms
    ``then`` to that step."""
    return Optimizer(*T.chain(*transforms, T.scale_by_learning_rate(lr), *then))


def gd(lr, wd=0.0):
    """x ← x − lr·(g + wd·x)

    Gradient descent with the exact gradient g = ∇f(x); weight decay wd as in torch.optim.SGD,
    where it is an L2 penalty wd/2·|x|² in the loss."""
    return descend(lr, T.add_decayed_weights(wd))


def sgd(lr, noise=1.0, batch=16, wd=0.0):
    """x ← x − lr·(ĝ + wd·x),  ĝ a stochastic gradient

    On a surface fitted to data (linreg) ĝ is the gradient of the loss on a random mini-batch of
    ``batch`` points; on an analytic surface it is ∇f(x) + noise·N(0, I). Weight decay as gd's."""
    return descend(lr, T.add_decayed_weights(wd))._replace(noise=noise, batch=batch)


def prox_gd(lr, l1=0.0):
    """x ← S(x − lr·∇g(x), lr·l1),  S(z, t) = sign(z)·max(|z| − t, 0)

    Proximal gradient descent (ISTA; Beck & Teboulle 2009) on f = g + l1·(|x| + |y|): a gradient
    step on the smooth part g, then soft-thresholding, which sets small coordinates exactly to
    0. ``l1`` is the surface's L1 penalty (``--l1``): see `TAKES`."""
    if callable(lr):
        raise ValueError("prox-gd runs at a constant rate: its threshold is lr·l1")
    return descend(lr, then=(T.soft_threshold(lr * l1),))


def momentum(lr, beta=0.9, wd=0.0):
    """v ← β·v + g + wd·x;  x ← x − lr·v

    Heavy-ball momentum in the form of torch.optim.SGD(momentum=β, weight_decay=wd)."""
    return descend(lr, T.add_decayed_weights(wd), T.trace(beta))


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


def adamw(lr, b1=0.9, b2=0.999, eps=1e-8, wd=0.01):
    """x ← x − lr·(m̂/(√ν̂ + eps) + wd·x),  m̂, ν̂ as Adam's

    AdamW (Loshchilov & Hutter 2019) as torch.optim.AdamW: the decay is decoupled from the
    gradient's scaling, so it is not an L2 penalty. At a constant rate it confines the iterates
    to the box |x|, |y| <= 1/wd, and inside it heads for the unpenalized minimum (Xie & Li
    2024). On a surface with an L2 penalty (``--l2``) wd is that penalty: see `TAKES`."""
    return descend(lr, T.scale_by_adam(b1, b2, eps), T.add_decayed_weights(wd))


RULES: dict[str, Callable[..., Optimizer]] = {
    "gd": gd,
    "sgd": sgd,
    "momentum": momentum,
    "nesterov": nesterov,
    "nesterov-lookahead": nesterov_lookahead,
    "adagrad": adagrad,
    "rmsprop": rmsprop,
    "adam": adam,
    "adamw": adamw,
    "prox-gd": prox_gd,
}

# Rules that apply a penalty of the surface themselves, instead of through its gradient:
# rule -> (the penalty, the hyper-parameter that is its strength). The rule sees the gradient of
# the loss without that penalty, and its hyper-parameter is the surface's strength.
TAKES = {"prox-gd": ("l1", "l1"), "adamw": ("l2", "wd")}

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
