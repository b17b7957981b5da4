"""Surfaces from formula text, e.g. ``"x**2 + 10*y**2"``, without ``eval``.

The text is parsed with `ast` and only a small grammar is accepted: numbers, ``x``, ``y``,
``pi``, ``e``, ``+ - * / **``, unary signs, and calls of the functions in `FUNCTIONS` with one
argument. The tree is turned into a jax.numpy function by walking it; anything else is rejected
with one line saying what is not allowed.

A formula is also refused when it would take too long to compile (`optviz.limits`): longer than
`MAX_LENGTH` characters, more than `MAX_DEPTH` operations deep (a tower ``x**x**x**...``
compiles in time that grows faster than its depth), or with a gradient of more than
`MAX_GRADIENT_OPS` operations once traced; and numbers must be finite in float32.
"""

from __future__ import annotations

import ast
import math
import operator

import jax
import jax.numpy as jnp
import numpy as np
import surfaces
from surfaces import minima

from optviz import limits, runner

FUNCTIONS = {
    "sin": jnp.sin,
    "cos": jnp.cos,
    "tan": jnp.tan,
    "exp": jnp.exp,
    "log": jnp.log,
    "sqrt": jnp.sqrt,
    "abs": jnp.abs,
    "tanh": jnp.tanh,
    "sinh": jnp.sinh,
    "cosh": jnp.cosh,
    "arctan": jnp.arctan,
    "log1p": jnp.log1p,
    "sign": jnp.sign,
}
CONSTANTS = {"pi": math.pi, "e": math.e}
_BINARY = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: jnp.divide,  # 1/0 is inf, as in the arrays, not a ZeroDivisionError
    ast.Pow: jnp.power,
}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos}
MAX_LENGTH = limits.MAX_FORMULA_LENGTH
MAX_DEPTH = limits.MAX_FORMULA_DEPTH
MAX_GRADIENT_OPS = limits.MAX_GRADIENT_OPS
MAX_TEX_DEPTH = 16
DEFAULT_BOUNDS = ((-3.0, 3.0), (-3.0, 3.0))


def _reject(what: str) -> ValueError:
    return ValueError(
        f"formula: {what} is not allowed; use numbers, x, y, pi, e, + - * / **, "
        f"and {', '.join(FUNCTIONS)}"
    )


def _constant(value) -> float:
    """A constant of the formula as a float, once it is finite in float32."""
    number = float(value) if abs(value) < 10**39 else math.inf  # no OverflowError on 400 digits
    if not abs(number) <= limits.FLOAT32_MAX:
        shown = f"{value:.3g}" if isinstance(value, float) else f"{str(value)[:12]}..."
        raise ValueError(f"formula: the number {shown} is not finite in float32 (|x| <= 3.4e38)")
    return number


def _chain(node) -> bool:
    """Whether ``node`` is a link of a chain of + - * (``a + b - c * d ...``, nested to the
    left): a long sum or product compiles in time linear in its length, so it is one level of
    nesting, not a tower, and is evaluated in a loop rather than by recursion."""
    return isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult))


def _compile(node, depth=0):
    """A function ``(x, y) -> value`` for the expression ``node``, ``depth`` operations deep."""
    if depth > MAX_DEPTH:
        raise ValueError(f"formula: more than {MAX_DEPTH} operations deep")

    def deeper(child):
        return _compile(child, depth + 1)

    if isinstance(node, ast.Expression):
        return _compile(node.body, depth)
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            raise _reject(f"the constant {node.value!r}")
        value = _constant(node.value)
        return lambda x, y: value
    if isinstance(node, ast.Name):
        if node.id == "x":
            return lambda x, y: x
        if node.id == "y":
            return lambda x, y: y
        if node.id in CONSTANTS:
            value = CONSTANTS[node.id]
            return lambda x, y: value
        raise _reject(f"the name {node.id!r}")
    if _chain(node):
        links = []
        while _chain(node):
            links.append((_BINARY[type(node.op)], deeper(node.right)))
            node = node.left
        first, links = deeper(node), links[::-1]

        def chain(x, y):
            value = first(x, y)
            for op, term in links:
                value = op(value, term(x, y))
            return value

        return chain
    if isinstance(node, ast.BinOp):
        if type(node.op) not in _BINARY:
            hint = " (write powers as **)" if isinstance(node.op, ast.BitXor) else ""
            raise _reject(f"the operator {type(node.op).__name__}{hint}")
        op, left, right = _BINARY[type(node.op)], deeper(node.left), deeper(node.right)
        return lambda x, y: op(left(x, y), right(x, y))
    if isinstance(node, ast.UnaryOp):
        if type(node.op) not in _UNARY:
            raise _reject(f"the operator {type(node.op).__name__}")
        op, operand = _UNARY[type(node.op)], deeper(node.operand)
        return lambda x, y: op(operand(x, y))
    if isinstance(node, ast.Call):
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name not in FUNCTIONS:
            raise _reject(f"calling {ast.unparse(node.func)!r}")
        if node.keywords or len(node.args) != 1:
            raise ValueError(f"formula: {name} takes exactly one argument")
        fn, arg = FUNCTIONS[name], deeper(node.args[0])
        return lambda x, y: fn(arg(x, y))
    raise _reject(f"{type(node).__name__.lower()} ({ast.unparse(node)!r})")


_PRECEDENCE = {ast.Add: 1, ast.Sub: 1, ast.Mult: 2, ast.Div: 2, ast.Pow: 4}
_TEX_NAMES = {"sin", "cos", "tan", "tanh", "sinh", "cosh", "log"}  # mathtext knows these


def _number(value: float) -> str:
    mantissa, _, exponent = f"{value:g}".partition("e")
    return mantissa + (rf"\times 10^{{{int(exponent)}}}" if exponent else "")


def _tex(node, outer: int = 0) -> str:
    """``node`` (an accepted expression) as matplotlib mathtext; ``outer`` is the precedence
    of the operator around it, which decides the parentheses. Every piece comes from the
    grammar or from a number Python formats, never from the text itself."""
    if isinstance(node, ast.Expression):
        return _tex(node.body)
    if isinstance(node, ast.Constant):
        return _number(float(node.value))
    if isinstance(node, ast.Name):
        return r"\pi" if node.id == "pi" else node.id
    if isinstance(node, ast.UnaryOp):
        sign = "-" if isinstance(node.op, ast.USub) else "+"
        text = sign + _tex(node.operand, 3)
        return f"({text})" if outer >= 2 else text
    if isinstance(node, ast.Call):
        name, arg = node.func.id, _tex(node.args[0])
        if name == "sqrt":
            return rf"\sqrt{{{arg}}}"
        if name == "abs":
            return f"|{arg}|"
        if name == "exp":
            return f"e^{{{arg}}}"
        command = rf"\{name}" if name in _TEX_NAMES else rf"\mathrm{{{name}}}"
        return rf"{command}({arg})"
    op = type(node.op)
    mine = _PRECEDENCE[op]
    if op is ast.Pow:
        text = f"{_tex(node.left, 5)}^{{{_tex(node.right)}}}"
    elif op is ast.Div:
        text = rf"\frac{{{_tex(node.left)}}}{{{_tex(node.right)}}}"
    else:
        symbol = {ast.Add: " + ", ast.Sub: " - ", ast.Mult: r"\,"}[op]
        right = _tex(node.right, mine + (op in (ast.Sub, ast.Mult)))
        text = f"{_tex(node.left, mine)}{symbol}{right}"
    return f"({text})" if mine < outer else text


def parse(text: str):
    """The function ``fn(p)`` of one point ``p = (x, y)`` that ``text`` describes."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError("formula: empty formula")
    if len(text) > MAX_LENGTH:
        raise ValueError(f"formula: longer than {MAX_LENGTH} characters")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as error:
        raise ValueError(f"formula: {error.msg} in {text!r}") from None
    except (RecursionError, MemoryError):
        raise ValueError("formula: nested too deeply") from None
    try:
        expression = _compile(tree)
    except RecursionError:
        raise ValueError("formula: nested too deeply") from None

    def fn(p):
        return jnp.asarray(expression(p[0], p[1]), dtype=p.dtype)

    # Tracing is cheap (milliseconds); compiling a huge gradient is not.
    traced = jax.make_jaxpr(jax.grad(fn))(jnp.ones(2))
    if len(traced.eqns) > MAX_GRADIENT_OPS:
        raise ValueError(
            f"formula: its gradient has {len(traced.eqns):,} operations; "
            f"the limit is {MAX_GRADIENT_OPS:,}"
        )
    return fn


def surface(text: str, bounds=None) -> surfaces.Surface:
    """A `Surface` for the formula ``text`` over ``bounds`` ((xmin, xmax), (ymin, ymax)).

    Its minima are found numerically (`surfaces.minima.find`: a grid, then Newton's method);
    its levels are log-spaced above the lowest value on a grid over the window, and its start
    lies near the window's top-left corner.
    """
    fn = parse(text)
    (x0, x1), (y0, y1) = bounds or DEFAULT_BOUNDS
    axes = np.linspace(x0, x1, 81), np.linspace(y0, y1, 81)
    values = runner.evaluate(fn, np.stack(np.meshgrid(*axes), -1).reshape(-1, 2))
    values = values[np.isfinite(values)]
    if values.size == 0:
        raise ValueError(f"formula: {text!r} is not finite anywhere in the window")
    if float(values.max()) - float(values.min()) < 1e-12:
        raise ValueError(f"formula: {text!r} is constant over the window")
    start = (x0 + 0.15 * (x1 - x0), y0 + 0.85 * (y1 - y0))
    found = minima.find(fn, ((x0, x1), (y0, y1)))
    return surfaces.Surface(
        name="formula",
        fn=fn,
        formula=text.strip(),
        bounds=((x0, x1), (y0, y1)),
        start=start,
        levels=surfaces.levels_over(values),
        reference=f"{text.strip()}\nA formula given on the command line.",
        tex=_drawable("f = " + _tex(ast.parse(text.strip(), mode="eval"))),
        minima=found.minima,
        fmin=found.fmin,
        local_minima=found.local_minima,
    )


def _drawable(tex: str) -> str | None:
    """``tex``, unless its groups nest deeper than matplotlib's mathtext parser can follow
    (it recurses per level and fails near 30): then None, and the formula is shown as text."""
    depth = deepest = 0
    for char in tex:
        depth += (char == "{") - (char == "}")
        deepest = max(deepest, depth)
    return tex if deepest <= MAX_TEX_DEPTH else None
