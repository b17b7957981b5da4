"""JavaScript from the engine's own functions: a function is traced with ``jax.make_jaxpr`` in
float64 and each equation of its jaxpr is written out as JavaScript statements on scalars.

This is how a page computes the same paths as `optviz.run` without a second copy of any surface
or rule: the surface's value and gradient and each rule's ``init``, ``update`` and ``query`` are
the very functions the runner calls, translated. Arrays are unrolled into one JavaScript
variable per element (the surfaces work on 2-vectors; ``linreg``'s 256 data points are the
largest arrays), numbers are written by Python's ``repr`` (which JavaScript reads back to the
same double), and no text other than those numbers and fixed identifiers reaches the output.

A primitive outside `ELEMENTWISE` and the structural ones handled below raises `Unsupported`;
the page then shows that optimizer's precomputed path instead.
"""

from __future__ import annotations

import math

import jax
import numpy as np
from jax.extend import core

MAX_STATEMENTS = 60_000  # beyond this a function is too large to ship in a page

# Elementwise primitives: a template over the operands' elements (names or number literals).
ELEMENTWISE = {
    "add": "{0} + {1}",
    "add_any": "{0} + {1}",
    "sub": "{0} - {1}",
    "mul": "{0} * {1}",
    "div": "{0} / {1}",
    "max": "Math.max({0}, {1})",
    "min": "Math.min({0}, {1})",
    "pow": "Math.pow({0}, {1})",
    "atan2": "Math.atan2({0}, {1})",
    "rem": "{0} % {1}",
    "gt": "{0} > {1}",
    "lt": "{0} < {1}",
    "ge": "{0} >= {1}",
    "le": "{0} <= {1}",
    "eq": "{0} === {1}",
    "ne": "{0} !== {1}",
    "and": "{0} && {1}",
    "or": "{0} || {1}",
    "not": "!{0}",
    "neg": "-{0}",
    "abs": "Math.abs({0})",
    "sign": "Math.sign({0})",
    "floor": "Math.floor({0})",
    "ceil": "Math.ceil({0})",
    "square": "{0} * {0}",
    "sqrt": "Math.sqrt({0})",
    "rsqrt": "1 / Math.sqrt({0})",
    "cbrt": "Math.cbrt({0})",
    "exp": "Math.exp({0})",
    "exp2": "Math.pow(2, {0})",
    "expm1": "Math.expm1({0})",
    "log": "Math.log({0})",
    "log1p": "Math.log1p({0})",
    "sin": "Math.sin({0})",
    "cos": "Math.cos({0})",
    "tan": "Math.tan({0})",
    "asin": "Math.asin({0})",
    "acos": "Math.acos({0})",
    "atan": "Math.atan({0})",
    "sinh": "Math.sinh({0})",
    "cosh": "Math.cosh({0})",
    "tanh": "Math.tanh({0})",
    "asinh": "Math.asinh({0})",
    "acosh": "Math.acosh({0})",
    "atanh": "Math.atanh({0})",
    "logistic": "1 / (1 + Math.exp(-{0}))",
    "is_finite": "Number.isFinite({0})",
    "copy": "{0}",
    "copy_p": "{0}",
    "stop_gradient": "{0}",
}
# Primitives that call a nested jaxpr, and the parameter that holds it.
CALLS = {
    "pjit": "jaxpr",
    "jit": "jaxpr",
    "closed_call": "call_jaxpr",
    "core_call": "call_jaxpr",
    "remat": "jaxpr",
    "checkpoint": "jaxpr",
    "custom_jvp_call": "call_jaxpr",
    "custom_vjp_call": "call_jaxpr",
    "custom_vjp_call_jaxpr": "fun_jaxpr",
}


class Unsupported(ValueError):
    """A function the translator cannot write as JavaScript."""


def number(value) -> str:
    """A number (or bool) as a JavaScript literal that reads back to the same double."""
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    value = float(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "(-Infinity)"
    if value == 0:
        return "(-0)" if math.copysign(1.0, value) < 0 else "0"
    text = repr(value)
    return f"({text})" if value < 0 else text


class _Writer:
    """Statements of one JavaScript function body; values are object arrays of element names."""

    def __init__(self, prefix: str):
        self.prefix, self.lines, self.constants, self.count = prefix, [], [], 0

    def emit(self, expression: str) -> str:
        name = f"{self.prefix}{self.count}"
        self.count += 1
        if self.count > MAX_STATEMENTS:
            raise Unsupported("the function is too large for a page")
        self.lines.append(f"const {name} = {expression};")
        return name

    def constant(self, value) -> np.ndarray:
        array = np.asarray(value)
        if array.size <= 4:
            return _each(number, array)
        name = f"{self.prefix.upper()}K{len(self.constants)}"
        items = ", ".join(number(v) for v in array.ravel())
        kind = "Float64Array" if array.dtype.kind == "f" else "Array"
        self.constants.append(f"const {name} = new {kind}([{items}]);")
        return np.array([f"{name}[{i}]" for i in range(array.size)], dtype=object).reshape(
            array.shape
        )


def _each(fn, *operands) -> np.ndarray:
    """``fn`` of the operands' elements (broadcast together), as an object array."""
    arrays = np.broadcast_arrays(*operands)
    out = np.empty(arrays[0].shape, dtype=object)
    for index in np.ndindex(out.shape):
        out[index] = fn(*(a[index] for a in arrays))
    return out


def _integer_pow(writer: _Writer, x: str, y: int) -> str:
    """``x ** y`` by the same square-and-multiply sequence as jax's lowering."""
    acc, power = None, abs(y)
    while power > 0:
        if power & 1:
            acc = x if acc is None else writer.emit(f"{acc} * {x}")
        power >>= 1
        if power > 0:
            x = writer.emit(f"{x} * {x}")
    acc = "1" if acc is None else acc
    return writer.emit(f"1 / {acc}") if y < 0 else acc


def _select(which: str, cases) -> str:
    """select_n: ``cases[which]``, for a boolean or an integer ``which``."""
    expression = cases[-1]
    for k in reversed(range(len(cases) - 1)):
        test = f"!{which}" if len(cases) == 2 else f"{which} == {k}"
        expression = f"({test} ? {cases[k]} : {expression})"
    return expression


def _convert(element: str, dtype) -> str:
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return f"{element} != 0"
    if dtype.kind in "iu":
        return f"Math.trunc(+{element})"
    if dtype == np.float32:
        return f"Math.fround(+{element})"
    return f"+{element}"


def _map(writer, template: str, operands) -> np.ndarray:
    """A statement per element: ``template`` over the operands' elements."""
    return _each(lambda *elements: writer.emit(template.format(*elements)), *operands)


def _reduce(writer, operand: np.ndarray, axes, template: str) -> np.ndarray:
    kept = [a for a in range(operand.ndim) if a not in axes]
    moved = np.transpose(operand, kept + list(axes))
    moved = moved.reshape(moved.shape[: len(kept)] + (-1,))
    out = np.empty(moved.shape[:-1], dtype=object)
    for index in np.ndindex(out.shape):
        acc = moved[index][0]
        for element in moved[index][1:]:
            acc = writer.emit(template.format(acc, element))
        out[index] = acc
    return out


def _dot(writer, lhs, rhs, dimension_numbers) -> np.ndarray:
    (lc, rc), (lb, rb) = dimension_numbers
    if lb or rb:
        raise Unsupported("dot_general with batch dimensions")
    lf = [a for a in range(lhs.ndim) if a not in lc]
    rf = [a for a in range(rhs.ndim) if a not in rc]
    left = np.transpose(lhs, lf + list(lc)).reshape([lhs.shape[a] for a in lf] + [-1])
    right = np.transpose(rhs, rf + list(rc)).reshape([rhs.shape[a] for a in rf] + [-1])
    out = np.empty(left.shape[:-1] + right.shape[:-1], dtype=object)
    for i in np.ndindex(left.shape[:-1]):
        for j in np.ndindex(right.shape[:-1]):
            terms = [writer.emit(f"{a} * {b}") for a, b in zip(left[i], right[j])]
            acc = terms[0]
            for term in terms[1:]:
                acc = writer.emit(f"{acc} + {term}")
            out[i + j] = acc
    return out


def _pad(operand, value, config) -> np.ndarray:
    out = operand
    for axis, (lo, hi, interior) in enumerate(config):
        if interior:
            parts = []
            for k in range(out.shape[axis]):
                parts.append(np.take(out, [k], axis))
                if k < out.shape[axis] - 1:
                    shape = list(out.shape)
                    shape[axis] = interior
                    parts.append(np.full(shape, value, dtype=object))
            out = np.concatenate(parts, axis)
        for amount, front in ((lo, True), (hi, False)):
            if amount < 0:
                index = [slice(None)] * out.ndim
                index[axis] = slice(-amount, None) if front else slice(None, amount)
                out = out[tuple(index)]
            elif amount:
                shape = list(out.shape)
                shape[axis] = amount
                block = np.full(shape, value, dtype=object)
                out = np.concatenate([block, out] if front else [out, block], axis)
    return out


def _equation(writer: _Writer, eqn, args: list[np.ndarray]) -> list[np.ndarray]:
    name, params = eqn.primitive.name, eqn.params
    if name in CALLS:
        inner = params[CALLS[name]]
        return _body(writer, inner.jaxpr, inner.consts, args)
    if name in ELEMENTWISE:
        return [_map(writer, ELEMENTWISE[name], args)]
    aval = eqn.outvars[0].aval if eqn.outvars else None
    if name == "integer_pow":
        return [_each(lambda e: _integer_pow(writer, e, params["y"]), args[0])]
    if name == "convert_element_type":
        return [_map(writer, _convert("{0}", params["new_dtype"]), args)]
    if name == "select_n":
        return [_each(lambda which, *cases: writer.emit(_select(which, cases)), *args)]
    if name in ("reduce_sum", "reduce_max", "reduce_min", "reduce_prod"):
        template = {
            "reduce_sum": "{0} + {1}",
            "reduce_max": "Math.max({0}, {1})",
            "reduce_min": "Math.min({0}, {1})",
            "reduce_prod": "{0} * {1}",
        }[name]
        return [_reduce(writer, args[0], tuple(params["axes"]), template)]
    if name == "broadcast_in_dim":
        shape, dims = tuple(aval.shape), tuple(params["broadcast_dimensions"])
        operand = args[0]
        expanded = operand.reshape(
            [operand.shape[dims.index(a)] if a in dims else 1 for a in range(len(shape))]
        )
        return [np.broadcast_to(expanded, shape)]
    if name in ("reshape", "squeeze", "expand_dims"):  # row-major, as XLA lays arrays out
        return [args[0].reshape(aval.shape)]
    if name == "slice":
        strides = params["strides"] or (1,) * args[0].ndim
        index = tuple(
            slice(a, b, s)
            for a, b, s in zip(params["start_indices"], params["limit_indices"], strides)
        )
        return [args[0][index]]
    if name == "pad":
        return [_pad(args[0], args[1][()], params["padding_config"])]
    if name == "concatenate":
        return [np.concatenate(args, params["dimension"])]
    if name == "transpose":
        return [np.transpose(args[0], params["permutation"])]
    if name == "rev":
        return [np.flip(args[0], params["dimensions"])]
    if name == "iota":
        return [_each(number, np.arange(aval.size).reshape(aval.shape))]
    if name == "dot_general":
        return [_dot(writer, args[0], args[1], params["dimension_numbers"])]
    raise Unsupported(f"the primitive {name!r}")


def _body(writer: _Writer, jaxpr, consts, args: list[np.ndarray]) -> list[np.ndarray]:
    env = {}

    def read(atom):
        if isinstance(atom, core.Literal):
            return writer.constant(atom.val)
        return env[atom]

    for var, value in zip(jaxpr.constvars, consts):
        env[var] = writer.constant(value)
    for var, value in zip(jaxpr.invars, args):
        env[var] = value
    for eqn in jaxpr.eqns:
        outs = _equation(writer, eqn, [read(a) for a in eqn.invars])
        for var, value in zip(eqn.outvars, outs):
            if not isinstance(var, core.DropVar):
                env[var] = value
    return [read(v) for v in jaxpr.outvars]


def function(name: str, fn, *example) -> tuple[str, int, int]:
    """``fn`` traced in float64 at the ``example`` arguments (pytrees of arrays) and written
    as ``function NAME(inp, out)``, which reads the flattened arguments from ``inp`` and writes
    the flattened results to ``out``. Returns the JavaScript text and the numbers of inputs
    and outputs."""
    with jax.enable_x64(True):
        example = jax.tree_util.tree_map(lambda a: np.asarray(a, dtype=np.float64), example)
        closed = jax.make_jaxpr(fn)(*example)
    writer = _Writer(name.lower().replace("-", "_") + "_")
    args, offset = [], 0
    for var in closed.jaxpr.invars:
        size = int(np.prod(var.aval.shape))
        names = np.array([f"inp[{offset + k}]" for k in range(size)], dtype=object)
        args.append(names.reshape(var.aval.shape))
        offset += size
    outs = _body(writer, closed.jaxpr, closed.consts, args)
    flat = [element for out in outs for element in np.asarray(out, dtype=object).ravel()]
    body = writer.lines + [f"out[{k}] = {element};" for k, element in enumerate(flat)]
    text = "\n".join(
        [*writer.constants, f"function {name}(inp, out) {{", *("  " + line for line in body), "}"]
    )
    return text, offset, len(flat)
