"""The catalogue of analytic surfaces, each written for one point ``p = (x, y)``.

Formulas follow the usual test-function references (Surjanovic & Bingham's Virtual Library of
Simulation Experiments; scipy's global-optimization benchmarks); minima were refined with
Newton's method in double precision.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np

from surfaces.regression import Regression
from surfaces.surface import MinimumSet, Plateau, Saddle, Surface, linear_levels, log_levels


def bowl(p):
    r"""$f(x, y) = x^2/20 + y^2$"""
    x, y = p
    return x**2 / 20 + y**2


_COS, _SIN = math.cos(math.pi / 6), math.sin(math.pi / 6)


def rotated_bowl(p):
    r"""$f = u^2/20 + v^2$, with $u = x\cos 30^\circ + y\sin 30^\circ$,
    $v = -x\sin 30^\circ + y\cos 30^\circ$"""
    x, y = p
    u = _COS * x + _SIN * y
    v = -_SIN * x + _COS * y
    return u**2 / 20 + v**2


def saddle(p):
    r"""$f(x, y) = x^2 - y^2$"""
    x, y = p
    return x**2 - y**2


def monkey_saddle(p):
    r"""$f(x, y) = x^3 - 3xy^2$"""
    x, y = p
    return x**3 - 3 * x * y**2


def rosenbrock(p):
    r"""$f(x, y) = (1 - x)^2 + 100(y - x^2)^2$"""
    x, y = p
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def beale(p):
    r"""$f = (1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2$"""
    x, y = p
    return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2


def himmelblau(p):
    r"""$f(x, y) = (x^2 + y - 11)^2 + (x + y^2 - 7)^2$"""
    x, y = p
    return (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2


def rastrigin(p):
    r"""$f = 20 + \sum_i \left(x_i^2 - 10\cos 2\pi x_i\right)$"""
    return 20 + jnp.sum(p**2 - 10 * jnp.cos(2 * jnp.pi * p))


def ackley(p):
    r"""$f = -20 e^{-0.2\sqrt{(x^2+y^2)/2}} - e^{(\cos 2\pi x + \cos 2\pi y)/2} + e + 20$

    The minimum is the tip of a cone, where the gradient is not defined; the radius is written so
    that its gradient there is 0 (a subgradient), not NaN.
    """
    r2 = 0.5 * jnp.sum(p**2)
    safe = jnp.where(r2 > 0, r2, 1.0)
    r = jnp.where(r2 > 0, jnp.sqrt(safe), 0.0)
    return -20 * jnp.exp(-0.2 * r) - jnp.exp(0.5 * jnp.sum(jnp.cos(2 * jnp.pi * p))) + jnp.e + 20


def six_hump_camel(p):
    r"""$f = (4 - 2.1x^2 + x^4/3)x^2 + xy + (-4 + 4y^2)y^2$"""
    x, y = p
    return (4 - 2.1 * x**2 + x**4 / 3) * x**2 + x * y + (-4 + 4 * y**2) * y**2


def styblinski_tang(p):
    r"""$f = \frac{1}{2}\sum_i \left(x_i^4 - 16x_i^2 + 5x_i\right)$"""
    return 0.5 * jnp.sum(p**4 - 16 * p**2 + 5 * p)


def goldstein_price(p):
    r"""$f = [1 + (x+y+1)^2(19 - 14x + 3x^2 - 14y + 6xy + 3y^2)]
    \,[30 + (2x-3y)^2(18 - 32x + 12x^2 + 48y - 36xy + 27y^2)]$"""
    x, y = p
    a = 1 + (x + y + 1) ** 2 * (19 - 14 * x + 3 * x**2 - 14 * y + 6 * x * y + 3 * y**2)
    b = 30 + (2 * x - 3 * y) ** 2 * (18 - 32 * x + 12 * x**2 + 48 * y - 36 * x * y + 27 * y**2)
    return a * b


# Lines fitted on data (see `surfaces.regression`): the full set, a small noisy one with a
# held-out set (early stopping), and the full set on inputs that were never scaled.
_LINREG = Regression.line(256, lo=0.0, hi=4.0, noise=0.5, seed=0)
_LINREG_SMALL = Regression.line(16, lo=0.0, hi=4.0, noise=2.0, seed=2, heldout=200)
_LINREG_RAW = Regression.line(256, lo=0.0, hi=100.0, noise=0.5, seed=0)


def _fitted(name, title, data: Regression, about: str, levels_top: float) -> Surface:
    """The catalogue entry of a line fitted on ``data``, over the window of ``linreg``."""
    minimum, fmin = data.fit()
    return Surface(
        name=name,
        title=title,
        tex=r"f(w, b) = \mathrm{mean}_i\,(w s_i + b - t_i)^2",
        axes=("w", "b"),
        fn=data.loss,
        formula=f"mean over {data.n} points of (w·s + b − t)², (x, y) = (w, b)",
        bounds=((-1.0, 4.0), (-4.0, 3.0)),
        start=(-0.5, 2.5),
        levels=log_levels(fmin, levels_top, 18, 1e-3),
        reference=data.loss.__doc__ + "\n" + about,
        minima=(minimum,),
        fmin=fmin,
        n_data=data.n,
        batch_fn=data.batch_loss,
        data=data,
    )


# Tiny networks: two weights, one unit per layer, fitted to data made here from a fixed seed.

_INPUTS = np.random.default_rng(1).uniform(0.5, 2.5, 64)  # positive: w1 < 0 turns a unit off
_ONE_UNIT = ((1, 1), (1, 1))  # (fan-in, fan-out) of each weight's layer


def _neuron(name, act, phi, tex, lesson, **facts) -> Surface:
    """The surface of ``ŷ = w2·act(w1·s)`` against targets from the same network at
    ``(w1, w2) = (1, 1)`` (noise-free, so f* = 0 exactly), with ``facts`` about its shape;
    ``phi`` and ``tex`` name ``act`` in plain text and in mathtext."""

    def batch_fn(p, idx):
        r"""$\frac{1}{|B|}\sum_{i \in B} (w_2\,\phi(w_1 s_i) - t_i)^2$, $t_i = \phi(s_i)$"""
        w1, w2 = p
        s = jnp.asarray(_INPUTS, p.dtype)[idx]  # at the caller's precision, as linreg's
        return jnp.mean((w2 * act(w1 * s) - act(s)) ** 2)

    return Surface(
        name=name,
        fn=lambda p: batch_fn(p, slice(None)),
        formula=f"mean over 64 points of (w2·{phi}(w1·s) − {phi}(s))²",
        tex=rf"f = \mathrm{{mean}}_i\,(w_2\,{tex}(w_1 s_i) - {tex}(s_i))^2",
        axes=("w1", "w2"),
        reference=f"{batch_fn.__doc__}, φ = {phi}\nTwo one-unit layers, {phi} between them, "
        "mean squared error on synthetic data (s ~ U(0.5, 2.5), 64 points, seed 1; t = φ(s), "
        f"the same network at (1, 1)): {lesson}",
        fmin=0.0,
        n_data=_INPUTS.size,
        batch_fn=batch_fn,
        fans=_ONE_UNIT,
        **facts,
    )


def deep_linear(p):
    r"""$f(w_1, w_2) = \frac{1}{2}(1 - w_1 w_2)^2$"""
    w1, w2 = p
    return 0.5 * (1 - w1 * w2) ** 2


def _hyperbola(lo, hi, n=64):
    """Exact points of ``w1·w2 = 1`` for w1 from lo to hi, spaced evenly in log |w1|."""
    u = np.sign(lo) * np.geomspace(abs(lo), abs(hi), n)
    return tuple((float(a), float(1 / a)) for a in u)


_FLOOR = float(np.mean(np.tanh(_INPUTS)))  # a saturated tanh predicts ±w2: best ±mean(t)
NETWORKS = (
    _neuron(
        "neuron-sigmoid",
        jax.nn.sigmoid,
        "σ",
        r"\sigma",
        "for w1 < 0 the unit saturates off.",
        title="A sigmoid neuron: the saturation plateau",
        bounds=((-8.0, 4.0), (-3.0, 3.0)),
        start=(-6.0, -2.0),
        levels=log_levels(0.0, 12.0, 18, 1e-3),
        minima=((1.0, 1.0),),
        plateau=Plateau(
            "w1 ≤ −4, |w2| ≤ 3: the unit is off (σ(w1·s) < 0.12) and |∇f| < 0.06",
            lambda p: (p[..., 0] <= -4) & (abs(p[..., 1]) <= 3),
            0.06,
        ),
    ),
    _neuron(
        "neuron-tanh",
        jnp.tanh,
        "tanh",
        r"\tanh",
        "for large |w1| the unit saturates at ±1 and the loss is a valley in w2 with a nearly "
        "flat floor along w1.",
        title="A tanh neuron: saturated valleys",
        bounds=((-6.0, 6.0), (-3.0, 3.0)),
        start=(-5.0, 2.5),
        levels=log_levels(0.0, 20.0, 18, 1e-3),
        minima=((1.0, 1.0), (-1.0, -1.0)),
        saddles=(Saddle((0.0, 0.0), (1, -1)),),
        plateau=Plateau(
            f"|w1| ≥ 4 on the valley floor |w2 ∓ {_FLOOR:.3f}| ≤ 0.05: the unit saturates at ±1 "
            "and |∇f| < 0.11",
            lambda p: (abs(p[..., 0]) >= 4)
            & (abs(p[..., 1] - np.sign(p[..., 0]) * _FLOOR) <= 0.05),
            0.11,
        ),
    ),
    _neuron(
        "neuron-relu",
        jax.nn.relu,  # relu'(0) = 0: a unit at w1 = 0 is dead too
        "relu",
        r"\mathrm{relu}",
        "for w1 > 0 the unit is linear and the minima are the curve w1·w2 = 1; for w1 ≤ 0 it is "
        "dead: from the default start no optimizer moves.",
        title="A ReLU neuron: the dead region",
        bounds=((-3.0, 3.0), (-3.0, 3.0)),
        start=(-1.0, 2.0),
        levels=log_levels(0.0, 280.0, 20, 1e-3),
        plateau=Plateau(
            "w1 ≤ 0: the unit is dead (relu(w1·s) = 0 for every s > 0) and ∇f = 0 exactly",
            lambda p: p[..., 0] <= 0,
            0.0,
        ),
        minimum_set=MinimumSet("w1·w2 = 1, w1 > 0", (_hyperbola(1 / 3, 3.0),)),
    ),
    Surface(
        name="deep-linear",
        fn=deep_linear,
        formula="½(1 − w1·w2)²",
        title="A deep linear network: saddle and hyperbola",
        tex=r"f = \frac{1}{2}(1 - w_1 w_2)^2",
        axes=("w1", "w2"),
        bounds=((-2.0, 2.0), (-2.0, 2.0)),
        start=(0.02, 0.01),
        levels=log_levels(0.0, 12.5, 18, 1e-3),
        reference=deep_linear.__doc__ + "\nThe deep linear network y = w2·w1·x of Saxe, "
        "McClelland & Ganguli (2014), fitted to y = x: a saddle at the origin, a hyperbola of "
        "minima, and a plateau that a start of size ε takes about log(1/ε)/lr steps to leave.",
        fmin=0.0,
        saddles=(Saddle((0.0, 0.0), (1, -1)),),
        fans=_ONE_UNIT,
        plateau=Plateau(
            "|w1|, |w2| ≤ 0.05 around the saddle: |∇f| < 0.071",
            lambda p: (abs(p[..., 0]) <= 0.05) & (abs(p[..., 1]) <= 0.05),
            0.071,
        ),
        minimum_set=MinimumSet("w1·w2 = 1", (_hyperbola(-2.0, -0.5), _hyperbola(0.5, 2.0))),
    ),
)

_HIMMELBLAU_MINIMA = (
    (3.0, 2.0),
    (-2.805118086952745, 3.131312518250573),
    (-3.779310253377747, -3.2831859912861696),
    (3.5844283403304917, -1.8481265269644034),
)
_CAMEL = (0.08984201310031806, -0.7126564030207396)
_CAMEL_LOCAL = ((1.7036067149699807, -0.7960835686726252), (1.6071047529201974, 0.5686514548841314))
_STYBLINSKI, _STYBLINSKI_LOCAL = -2.903534027771177, 2.746802770990837

CATALOGUE = (
    Surface(
        name="bowl",
        title='Anisotropic bowl',
        tex=r"f = x^2/20 + y^2",
        fn=bowl,
        formula="x²/20 + y²",
        bounds=((-10.0, 10.0), (-5.0, 5.0)),
        start=(-7.0, 2.0),
        levels=log_levels(0.0, 30.0, 16, 1e-2),
        reference=bowl.__doc__
        + "\nThe anisotropic bowl of Saitoh, Deep Learning from Scratch, ch. 6.",
        minima=((0.0, 0.0),),
        fmin=0.0,
    ),
    Surface(
        name="rotated-bowl",
        title='Rotated bowl',
        tex=r"f = u^2/20 + v^2,\ (u, v) = (x, y)\ \mathrm{turned\ by}\ 30^\circ",
        fn=rotated_bowl,
        formula="u²/20 + v², (u, v) = (x, y) turned by 30°",
        bounds=((-10.0, 10.0), (-8.0, 8.0)),
        start=(-7.0, -2.0),
        levels=log_levels(0.0, 60.0, 16, 1e-2),
        reference=rotated_bowl.__doc__
        + "\nThe same bowl turned by 30 degrees: its axes are not the "
        "coordinate axes, so per-coordinate step sizes (Adagrad, RMSprop, Adam) lose their edge.",
        minima=((0.0, 0.0),),
        fmin=0.0,
    ),
    Surface(
        name="saddle",
        title='Saddle',
        tex=r"f = x^2 - y^2",
        fn=saddle,
        formula="x² − y²",
        bounds=((-2.0, 2.0), (-2.0, 2.0)),
        start=(-1.8, 1e-4),
        levels=linear_levels(-4.0, 4.0, 17),
        reference=saddle.__doc__ + "\nA saddle point at the origin; unbounded below along y.",
        saddles=(Saddle((0.0, 0.0), (1, -1)),),
    ),
    Surface(
        name="monkey-saddle",
        title='Monkey saddle',
        tex=r"f = x^3 - 3xy^2",
        fn=monkey_saddle,
        formula="x³ − 3xy²",
        bounds=((-1.5, 1.5), (-1.5, 1.5)),
        start=(1.2, 0.05),
        levels=linear_levels(-6.0, 6.0, 25),
        reference=monkey_saddle.__doc__
        + "\nA degenerate saddle (zero Hessian) with three valleys.",
        saddles=(Saddle((0.0, 0.0), (0, 0)),),
    ),
    Surface(
        name="rosenbrock",
        title="Rosenbrock's valley",
        tex=r"f = (1 - x)^2 + 100\,(y - x^2)^2",
        fn=rosenbrock,
        formula="(1 − x)² + 100(y − x²)²",
        bounds=((-2.0, 2.0), (-1.0, 3.0)),
        start=(-1.2, 1.0),
        levels=log_levels(0.0, 2500.0, 20, 1e-2),
        reference=rosenbrock.__doc__ + "\nRosenbrock (1960): a curved, flat-bottomed valley.",
        minima=((1.0, 1.0),),
        fmin=0.0,
    ),
    Surface(
        name="beale",
        title='Beale function',
        tex=r"f = (1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2",
        fn=beale,
        formula="(1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²",
        bounds=((-0.5, 4.5), (-1.5, 2.5)),
        start=(1.0, 1.5),
        levels=log_levels(0.0, 1e3, 16, 1e-3),
        reference=beale.__doc__
        + "\nBeale (1958); sharp ridges and a flat basin around the minimum.",
        minima=((3.0, 0.5),),
        fmin=0.0,
    ),
    Surface(
        name="himmelblau",
        title="Himmelblau's function",
        tex=r"f = (x^2 + y - 11)^2 + (x + y^2 - 7)^2",
        fn=himmelblau,
        formula="(x² + y − 11)² + (x + y² − 7)²",
        bounds=((-5.0, 5.0), (-5.0, 5.0)),
        start=(0.5, -0.5),
        levels=log_levels(0.0, 900.0, 20, 1e-1),
        reference=himmelblau.__doc__ + "\nHimmelblau (1972): four minima of equal value.",
        minima=_HIMMELBLAU_MINIMA,
        fmin=0.0,
    ),
    Surface(
        name="rastrigin",
        title='Rastrigin function',
        tex=r"f = 20 + \Sigma_i\,(x_i^2 - 10\cos 2\pi x_i)",
        fn=rastrigin,
        formula="20 + x² − 10cos(2πx) + y² − 10cos(2πy)",
        bounds=((-5.12, 5.12), (-5.12, 5.12)),
        start=(3.2, 2.1),
        levels=log_levels(0.0, 80.0, 16, 1e-1),
        reference=rastrigin.__doc__ + "\nRastrigin (1974): a bowl covered in local minima.",
        minima=((0.0, 0.0),),
        fmin=0.0,
    ),
    Surface(
        name="ackley",
        title='Ackley function',
        tex=r"f = -20\,e^{-0.2\sqrt{(x^2 + y^2)/2}} - e^{(\cos 2\pi x + \cos 2\pi y)/2} + e + 20",
        fn=ackley,
        formula="−20exp(−0.2√((x² + y²)/2)) − exp((cos 2πx + cos 2πy)/2) + e + 20",
        bounds=((-5.0, 5.0), (-5.0, 5.0)),
        start=(-3.6, 3.1),
        levels=log_levels(0.0, 15.0, 16, 1e-2),
        reference=ackley.__doc__
        + "\nAckley (1987): a near-flat plate of ripples around one deep well.",
        minima=((0.0, 0.0),),
        fmin=0.0,
    ),
    Surface(
        name="six-hump-camel",
        title='Six-hump camel',
        tex=r"f = (4 - 2.1x^2 + x^4/3)\,x^2 + xy + (4y^2 - 4)\,y^2",
        fn=six_hump_camel,
        formula="(4 − 2.1x² + x⁴/3)x² + xy + (−4 + 4y²)y²",
        bounds=((-2.0, 2.0), (-1.2, 1.2)),
        start=(-1.6, -0.9),
        levels=log_levels(-1.0316284534898774, 10.0, 18, 1e-2),
        reference=six_hump_camel.__doc__ + "\nSix-hump camel back: two global minima among six.",
        minima=(_CAMEL, (-_CAMEL[0], -_CAMEL[1])),
        fmin=-1.0316284534898774,
        local_minima=tuple(p for x, y in _CAMEL_LOCAL for p in ((x, y), (-x, -y))),
    ),
    Surface(
        name="styblinski-tang",
        title='Styblinski–Tang function',
        tex=r"f = \frac{1}{2}\Sigma_i\,(x_i^4 - 16x_i^2 + 5x_i)",
        fn=styblinski_tang,
        formula="(x⁴ − 16x² + 5x + y⁴ − 16y² + 5y)/2",
        bounds=((-5.0, 5.0), (-5.0, 5.0)),
        start=(4.5, 0.5),
        levels=log_levels(-78.33233140754282, 250.0, 18, 1e-1),
        reference=styblinski_tang.__doc__
        + "\nStyblinski & Tang (1990): one global and three local minima.",
        minima=((_STYBLINSKI, _STYBLINSKI),),
        fmin=-78.33233140754282,
        local_minima=(
            (_STYBLINSKI_LOCAL, _STYBLINSKI),
            (_STYBLINSKI, _STYBLINSKI_LOCAL),
            (_STYBLINSKI_LOCAL, _STYBLINSKI_LOCAL),
        ),
    ),
    Surface(
        name="goldstein-price",
        title='Goldstein–Price function',
        tex=r"f = [1 + (x + y + 1)^2\,(19 - 14x + \ldots)]\,[30 + (2x - 3y)^2\,(18 - 32x + \ldots)]",
        fn=goldstein_price,
        formula="[1 + (x+y+1)²(19 − 14x + 3x² − 14y + 6xy + 3y²)]"
        "·[30 + (2x−3y)²(18 − 32x + 12x² + 48y − 36xy + 27y²)]",
        bounds=((-2.0, 2.0), (-2.0, 2.0)),
        start=(-1.5, 1.5),
        levels=log_levels(3.0, 1e6, 24, 1e-1),
        reference=goldstein_price.__doc__.replace("\n    ", " ") + "\nGoldstein & Price (1971): "
        "a steep surface spanning six decades, with local minima.",
        minima=((0.0, -1.0),),
        fmin=3.0,
        local_minima=((-0.6, -0.4), (1.8, 0.2), (1.2, 0.8)),
    ),
    _fitted(
        "linreg",
        "Fitting a line: mean squared error",
        _LINREG,
        "Mean squared error of the line t = w s + b on 256 synthetic points (s ~ U(0, 4), "
        "t = 1.5 s - 1 + noise, seed 0): a real model, for real mini-batches.",
        60.0,
    ),
    _fitted(
        "linreg-small",
        "Fitting a line to 16 noisy points",
        _LINREG_SMALL,
        "The same line from only 16 points with more noise (sd 2, seed 2), and 200 held-out "
        "points from the same line: the fit chases the noise, so stopping early can be better.",
        60.0,
    ),
    _fitted(
        "linreg-raw",
        "Fitting a line to inputs never scaled",
        _LINREG_RAW,
        "The same line on inputs s ~ U(0, 100), neither centred nor scaled: XᵀX/n has a "
        "condition number near 10⁴, so the valley is long, thin and tilted.",
        1e5,
    ),
    *NETWORKS,
)
