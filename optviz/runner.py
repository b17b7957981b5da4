"""The runner: every optimizer's whole run is one jitted call, steps in ``lax.scan`` and starts
in ``vmap``.

A run whose loss or gradient stops being finite, or that wanders more than `FAR` half-widths
of the plot window from its centre, has diverged: from that step on it holds still at its last
good point, so paths never contain NaN, and the step is recorded.
"""

from __future__ import annotations

import functools
import operator
import os
import pathlib
from typing import NamedTuple, Sequence

import jax
import jax.numpy as jnp
import numpy as np
import surfaces as catalogue

from optviz import executables, external, limits, noise, presets, rules, schedules
from optviz.spec import Spec, as_spec, hyperparameters
from optviz.trajectories import Trajectories

FAR = 10.0
GAP_FLOOR = 1e-12  # gaps below this are taken as reached: float32 sees no further


def log_gap(surface, loss):
    """The scale losses are compared on: log10 of the gap above the known minimum (floored at
    `GAP_FLOOR`), or the loss itself where no minimum is known."""
    gap = surface.gap(loss)
    return jnp.log10(jnp.maximum(gap, GAP_FLOOR)) if surface.fmin is not None else gap


def use_compilation_cache(path=None) -> None:
    """Keep compiled runs on disk (``path``, default ``$OPTVIZ_CACHE`` or ~/.cache/optviz), so
    that the next process starts without compiling them; ``""`` (or ``OPTVIZ_CACHE=""``) turns
    it off. The command line turns it on; in Python it is opt-in."""
    if path is None:
        path = os.environ.get("OPTVIZ_CACHE", str(pathlib.Path.home() / ".cache" / "optviz"))
    jax.config.update("jax_compilation_cache_dir", path or None)
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)


def evaluate(fn, points) -> np.ndarray:
    """``fn`` at each of the (k, 2) ``points``, in one jitted call."""
    return np.asarray(jax.jit(jax.vmap(fn))(jnp.asarray(points, dtype=float)))


def as_surface(surface, l1: float = 0.0, l2: float = 0.0) -> catalogue.Surface:
    """A `Surface` from a surface or a catalogue name, with the penalty
    ``l1·(|x| + |y|) + l2/2·(x² + y²)`` added (see `surfaces.penalized`)."""
    if isinstance(surface, str):
        surface = catalogue.get(surface)
    if not isinstance(surface, catalogue.Surface):
        raise ValueError(f"a surface is a catalogue name or a Surface, got {surface!r}")
    return catalogue.penalized(surface, l1, l2)


def build(rule, hparams: dict, static: tuple, steps: int) -> rules.Optimizer:
    """The optimizer ``rule`` (see `rule_of`) with traced ``hparams`` and compile-time
    ``static`` ones, for a run of ``steps``; a schedule among them turns its learning rate
    into ``t -> lr · s(t)``."""
    static = dict(static)
    schedule = static.pop("schedule", None)
    if schedule is not None:
        key = "learning_rate" if callable(rule) else "lr"
        hparams = {**hparams, key: schedules.rate(schedule, hparams[key], steps)}
    if callable(rule):
        return external.build(rule, **hparams, **static)
    return rules.RULES[rule](**hparams, **static)


def rule_of(name: str):
    """What the compiled runs are keyed on: our rules by name, the others by their factory, so
    that a name registered again never runs code compiled for its old factory."""
    return external.factory(name) if external.is_external(name) else name


def split(spec: Spec) -> tuple[dict, tuple]:
    """A spec's hyper-parameters as (traced, static): only learning rates are traced for optax
    specs, everything but array sizes for our rules; a schedule is static."""
    if external.is_external(spec.name):
        traced = {k: v for k, v in spec.hparams if k == "learning_rate"}
    else:
        traced = {k: v for k, v in spec.hparams if k not in rules.STATIC}
    for key, value in traced.items():
        limits.representable(f"{spec.name}: {key}", value)
    static = tuple((k, v) for k, v in spec.hparams if k not in traced)
    return traced, static + ((("schedule", spec.schedule),) if spec.schedule else ())


def _observer(surface, opt: rules.Optimizer, takes: str | None = None):
    """``observe(x, state, seed, start, step) -> (loss at x, the gradient the optimizer sees)``:
    exact, at the rule's query point, from a random mini-batch, or with Gaussian noise added;
    the randomness is that of the start whose `noise.start_word` is ``start``, at ``step``. A
    rule that applies one of the surface's penalties itself (``takes``, see `rules.TAKES`) sees the gradient of
    the loss without it."""
    if takes is not None and surface.penalty is not None:
        grad = jax.grad(surface.penalty.without(takes))

        def value_and_grad(x):
            return surface.fn(x), grad(x)

    else:
        grad = jax.grad(surface.fn)
        value_and_grad = jax.value_and_grad(surface.fn)
    minibatch = (
        opt.batch is not None and surface.batch_fn is not None and opt.batch < surface.n_data
    )
    noisy = opt.noise is not None and surface.batch_fn is None
    batch_grad = jax.grad(surface.batch_fn) if minibatch else None

    def observe(x, state, seed, start, step):
        point = x if opt.query is None else opt.query(x, state)
        if minibatch:
            key = noise.key(seed, start, step)
            idx = jax.random.choice(key, surface.n_data, (opt.batch,), replace=False)
            return surface.fn(x), batch_grad(point, idx)
        loss, grads = value_and_grad(x) if opt.query is None else (surface.fn(x), grad(point))
        if noisy:
            grads = grads + opt.noise * noise.normal(seed, start, step).astype(grads.dtype)
        return loss, grads

    return observe


def _dynamics(surface, rule, static, steps, hparams, starts, copies, seed):
    """``(init, advance)``: every run from ``starts`` as (position, optimizer state, step of
    divergence), and ``advance(carry, t) -> (carry, loss at the position before the step)``.

    Runs are not stopped here when they diverge, only marked: holding still costs more per
    step than the step itself, so the callers hold paths still afterwards, once."""
    opt = build(rule, hparams, static, steps)
    observe = _observer(surface, opt, rules.TAKES.get(rule, (None,))[0])
    (x0, x1), (y0, y1) = surface.bounds
    centre = ((x0 + x1) / 2, (y0 + y1) / 2)
    reach = (FAR * (x1 - x0) / 2, FAR * (y1 - y0) / 2)

    def point_step(t, x, state, diverged_at, start):
        loss, grads = observe(x, state, seed, start, t.astype(jnp.uint32))
        # One sum is non-finite when any of its terms is; no reductions over the two axes.
        bad = (
            ~jnp.isfinite(loss + grads[0] + grads[1])
            | (jnp.abs(x[0] - centre[0]) > reach[0])
            | (jnp.abs(x[1] - centre[1]) > reach[1])
        )
        diverged_at = jnp.where((diverged_at < 0) & bad, t, diverged_at)
        updates, state = opt.update(grads, state, x)
        return (x + updates, state, diverged_at), loss

    words = jax.vmap(noise.start_word, in_axes=(None, 0, 0))(seed, starts, copies)
    batch_step = jax.vmap(point_step, in_axes=(None, 0, 0, 0, 0))
    init = (starts, jax.vmap(opt.init)(starts), jnp.full(starts.shape[0], -1, jnp.int32))
    return init, lambda carry, t: batch_step(t, *carry, words)


def _hold_still(values, diverged_at):
    """``values`` (steps + 1, n, ...) with each run's entries from the step it diverged on
    replaced by its last good one."""
    steps = jnp.arange(values.shape[0])[:, None]
    last = jnp.maximum(diverged_at - 1, 0)
    held = values[last, jnp.arange(values.shape[1])]
    after = (diverged_at >= 0)[None, :] & (steps >= diverged_at[None, :])
    return jnp.where(after.reshape(after.shape + (1,) * (values.ndim - 2)), held[None], values)


def simulate(surface, rule, static, steps, hparams, starts, copies, seed):
    """Run one optimizer from every start: (params, loss, diverged_at) as arrays of shape
    (steps + 1, n, 2), (steps + 1, n) and (n,): steps first, as ``scan`` stacks them."""
    init, advance = _dynamics(surface, rule, static, steps, hparams, starts, copies, seed)

    def step(carry, t):
        x = carry[0]
        carry, loss = advance(carry, t)
        return carry, (x, loss)

    carry, (path, loss) = jax.lax.scan(step, init, jnp.arange(steps + 1, dtype=jnp.int32))
    diverged_at = carry[2]
    return _hold_still(path, diverged_at), _hold_still(loss, diverged_at), diverged_at


class Summary(NamedTuple):
    """What many runs end with, without their paths; arrays over the starts."""

    final: jax.Array  # (n, 2) the last good point
    loss: jax.Array  # (n,) the loss there
    diverged_at: jax.Array  # (n,) -1 where the run never diverged
    last_move: jax.Array  # (n,) length of the last step
    mean_log_gap: jax.Array  # (n,) mean over the steps of log10(f - f*), or of f without f*
    reached_at: jax.Array  # (n,) first step with f - f* <= tol, -1 if never
    settled_at: jax.Array  # (n,) step since which the run stays near a target (-1: it ends away)

    def numpy(self) -> Summary:
        """These summaries as NumPy arrays, once they are computed."""
        return Summary(*(np.asarray(field) for field in self))


def summarize(surface, rule, static, steps, area, settle, hparams, starts, copies, seed, tol):
    """Run one optimizer from every start, keeping a `Summary` instead of the paths.
    ``area=False`` skips the mean log-gap (a logarithm per step and start) for callers that
    do not need it; it is then 0. ``settle=(targets, radius)`` tracks since when each run has
    stayed within ``radius`` of one of the (k, 2) ``targets``; without it ``settled_at`` is -1."""
    init, advance = _dynamics(surface, rule, static, steps, hparams, starts, copies, seed)

    def step(carry, t):
        runs, good_x, good_loss, before, total, reached_at, settled_at = carry
        x = runs[0]
        runs, loss = advance(runs, t)
        alive = runs[2] < 0
        before = jnp.where(alive[:, None], good_x, before)
        good_x = jnp.where(alive[:, None], x, good_x)
        good_loss = jnp.where(alive, loss, good_loss)
        if area:
            total = total + log_gap(surface, good_loss)
        reached_at = jnp.where(
            (reached_at < 0) & (surface.gap(good_loss) <= tol) & alive, t, reached_at
        )
        if settle is not None:
            # Elementwise, target by target: XLA runs small reductions in a scan slowly.
            targets, radius = settle
            near = functools.reduce(
                operator.or_,
                [(x[:, 0] - tx) ** 2 + (x[:, 1] - ty) ** 2 <= radius**2 for tx, ty in targets],
            )
            near = near & alive
            settled_at = jnp.where(near, jnp.where(settled_at < 0, t, settled_at), -1)
        return (runs, good_x, good_loss, before, total, reached_at, settled_at), None

    n = starts.shape[0]
    loss0 = jax.vmap(surface.fn)(starts)
    never = jnp.full(n, -1, jnp.int32)
    carry = (init, starts, loss0, starts, jnp.zeros(n, starts.dtype), never, never)
    (runs, good_x, good_loss, before, total, reached_at, settled_at), _ = jax.lax.scan(
        step, carry, jnp.arange(steps + 1, dtype=jnp.int32)
    )
    last_move = jnp.linalg.norm(good_x - before, axis=-1)
    mean_log_gap = total / (steps + 1)
    return Summary(good_x, good_loss, runs[2], last_move, mean_log_gap, reached_at, settled_at)


# The leading arguments are compile-time constants; the last ones are arrays.
_simulate = jax.jit(simulate, static_argnums=(0, 1, 2, 3))
_summarize = jax.jit(summarize, static_argnums=(0, 1, 2, 3, 4, 5))
# The same for a grid of hyper-parameter values: each value of ``hparams`` has a leading axis.
_summarize_grid = jax.jit(
    jax.vmap(summarize, in_axes=(None,) * 6 + (0, None, None, None, None)),
    static_argnums=(0, 1, 2, 3, 4, 5),
)
# Loss curves for such a grid; the paths are not returned, so XLA does not keep them.
_losses_grid = jax.jit(
    jax.vmap(lambda *args: simulate(*args)[1:], in_axes=(None,) * 4 + (0, None, None, None)),
    static_argnums=(0, 1, 2, 3),
)


def starts_of(surface, start=None, starts=None, init=None, seed=0) -> np.ndarray:
    """The (n, 2) starts of a run from ``start=(x, y)`` or ``starts``, by default the surface's
    own, or ``starts=N`` (default `initialization.DEFAULT_STARTS`) drawn from ``init`` with
    ``seed`` (see `optviz.initialization`); ``ValueError`` for both a start and starts, or an
    init and given points, or for anything not finite numbers of shape (n, 2)."""
    if start is not None and starts is not None:
        raise ValueError("give start or starts, not both")
    if init is not None:
        from optviz import initialization

        if start is not None or not (starts is None or isinstance(starts, (int, np.integer))):
            raise ValueError("an init draws the starts: give it a number of starts, not points")
        return initialization.draw(
            init, surface, initialization.DEFAULT_STARTS if starts is None else starts, seed
        )
    if isinstance(starts, (int, np.integer)) and not isinstance(starts, bool):
        raise ValueError("starts=N draws N starts from an init: give init= too, e.g. init='he'")
    if starts is None:
        starts = [surface.start if start is None else start]
    try:
        array = np.asarray(starts, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"starts must be numbers of shape (n, 2), got {starts!r}") from None
    if array.ndim != 2 or array.shape[1] != 2 or array.shape[0] < 1:
        raise ValueError(f"starts must have shape (n, 2) with n >= 1, got shape {array.shape}")
    if array.shape[0] > limits.MAX_STARTS:
        raise ValueError(f"{array.shape[0]:,} starts; the limit is {limits.MAX_STARTS:,}")
    if not np.all(np.isfinite(array)) or np.abs(array).max() > limits.FLOAT32_MAX:
        raise ValueError("starts must be finite numbers, and finite in float32 (|x| <= 3.4e38)")
    return array


def check_steps(steps) -> int:
    """``steps`` as an int; ``ValueError`` unless a whole number from 1 to `limits.MAX_STEPS`."""
    return limits.whole("steps", steps, 1, limits.MAX_STEPS)


def label(spec: Spec, surface, hide=()) -> str:
    """A readable label: the name, the learning rate, and every other hyper-parameter that
    differs from its default (for sgd, the source of its noise); never those in ``hide``."""
    defaults = hyperparameters(spec.name)
    shown = {"lr", "learning_rate", "batch" if surface.batch_fn is not None else "noise"}
    values = {**defaults, **dict(spec.hparams)}
    parts = [spec.name] + [
        f"{'lr' if key == 'learning_rate' else key}={value:g}"
        for key, value in values.items()
        if value is not None
        and key not in hide
        and (key in shown and key in defaults or value != defaults[key])
    ]
    if spec.schedule is not None:
        parts += [spec.schedule.name, *(f"{k}={v:g}" for k, v in spec.schedule.params)]
    return " ".join(parts)


def complete(spec: Spec, surface) -> Spec:
    """``spec`` with every hyper-parameter it runs with made explicit. A rule that applies one
    of the surface's penalties itself (`rules.TAKES`) gets its strength, and may not be given
    another one."""
    spec = presets.with_lr(spec, surface)
    if external.is_external(spec.name):
        return spec
    defaults = {k: v for k, v in rules.hyperparameters(spec.name).items() if v is not None}
    term, key = rules.TAKES.get(spec.name, (None, None))
    strength = getattr(surface.penalty, term, 0.0) if term else 0.0
    if strength or key == "l1":
        given = dict(spec.hparams).get(key, strength)
        if given != strength:
            flag = f"--{term}"
            raise ValueError(
                f"{spec.name}: {key}={given:g} differs from the surface's {term.upper()} penalty "
                f"{strength:g}; {spec.name} takes its {key} from the surface ({flag}, or "
                f"{term}= in Python)"
            )
        defaults[key] = strength
    return Spec(spec.name, schedule=spec.schedule, **{**defaults, **dict(spec.hparams)})


def run(
    surface,
    optimizers: Sequence[Spec | str],
    *,
    start=None,
    starts=None,
    steps: int = 200,
    seed: int = 0,
    tuned: bool = False,
    init=None,
    l1: float = 0.0,
    l2: float = 0.0,
) -> Trajectories:
    """Run each optimizer from each start for ``steps`` steps on ``surface``.

    ``surface``: a catalogue name or a `Surface`; ``optimizers``: spec strings or `Spec` objects;
    ``start=(x, y)`` or ``starts`` of shape (n, 2), by default the surface's own start; or
    ``init`` (``"he"``, ``"normal:0.5"``, ...; see `optviz.initialization`) and ``starts=N``
    starts drawn from it. Same ``seed``, same paths (and the same cloud of starts). ``tuned``
    marks the labels: the learning rates came from `optviz.tune`. ``l1``, ``l2`` add
    ``l1·(|x| + |y|) + l2/2·(x² + y²)`` to the surface.
    """
    surface = as_surface(surface, l1, l2)
    if isinstance(optimizers, (str, Spec)):
        optimizers = [optimizers]
    if not hasattr(optimizers, "__iter__"):
        raise ValueError(f"optimizers must be a list of specs, got {optimizers!r:.60}")
    specs = [complete(as_spec(o), surface) for o in optimizers]
    if not specs:
        raise ValueError("no optimizers given; name at least one, e.g. 'adam'")
    steps = check_steps(steps)
    seed = noise.check_seed(seed)
    starts = starts_of(surface, start, starts, init, seed)
    limits.check_paths(steps, len(starts), len(specs))
    starts, copies = jnp.asarray(starts, dtype=float), noise.copies(starts)
    split_specs = [split(spec) for spec in specs]
    results = []
    for spec, (traced, static) in zip(specs, split_specs):
        results.append(
            executables.call(
                _simulate, surface, rule_of(spec.name), static, steps, traced, starts, copies,
                jnp.uint32(seed),
            )
        )
    params, loss, diverged_at = (np.stack([np.asarray(r[i]) for r in results]) for i in range(3))
    params, loss = np.moveaxis(params, 1, 2), np.moveaxis(loss, 1, 2)
    return Trajectories(
        surface=surface,
        specs=tuple(specs),
        labels=tuple(label(s, surface) + (" (tuned)" if tuned else "") for s in specs),
        params=params,
        loss=loss,
        diverged_at=diverged_at,
        seed=seed,
    )


def summaries(
    surface,
    spec: Spec,
    starts,
    *,
    steps: int,
    seed: int = 0,
    tol: float = 1e-4,
    grid: dict[str, np.ndarray] | None = None,
    area: bool = True,
    settle: tuple | None = None,
) -> Summary:
    """`Summary` of ``spec`` run from every start. With ``grid`` (a hyper-parameter name -> k
    values), every value runs in the same call and each field gains a leading axis of length k.
    ``area`` and ``settle`` are `summarize`'s (``settle``'s targets a tuple of points).

    The fields are jax arrays still being computed: a caller with several optimizers asks for
    all of their summaries before reading any (`Summary.numpy`), so that jax traces the next
    optimizer while the last one runs."""
    spec = complete(spec, surface)
    traced, static = split(spec)
    starts = starts_of(surface, starts=starts)
    starts, copies = jnp.asarray(starts, dtype=float), noise.copies(starts)
    seed = jnp.uint32(noise.check_seed(seed))
    statics = (surface, rule_of(spec.name), static, check_steps(steps), area, settle)
    if grid is None:
        summary = _summarize(*statics, traced, starts, copies, seed, tol)
    else:
        summary = _summarize_grid(
            *statics, _grid_values(spec, traced, grid), starts, copies, seed, tol
        )
    return summary


def _grid_values(spec: Spec, traced: dict, grid: dict[str, np.ndarray]) -> dict:
    """``traced`` with a leading axis: the values of ``grid`` (name -> k values, all of the same
    length), the others repeated k times."""
    for name in grid:
        if name not in traced:
            raise ValueError(
                f"{spec.name}: {name} cannot be swept; choose from: {', '.join(traced)}"
            )
    k = len(next(iter(grid.values())))
    values = {name: jnp.full(k, value) for name, value in traced.items()}
    return values | {name: jnp.asarray(v, dtype=float) for name, v in grid.items()}


def losses(
    surface, spec: Spec, starts, *, steps: int, grid: dict[str, np.ndarray], seed: int = 0
) -> tuple[jax.Array, jax.Array]:
    """The loss curves of ``spec`` run from every start at every value of ``grid`` (as in
    `summaries`), in one call: (loss (k, steps + 1, n), diverged_at (k, n)), jax arrays still
    being computed. A diverged run's loss holds still from the step it diverged on."""
    spec = complete(spec, surface)
    traced, static = split(spec)
    starts = starts_of(surface, starts=starts)
    starts, copies = jnp.asarray(starts, dtype=float), noise.copies(starts)
    seed = jnp.uint32(noise.check_seed(seed))
    values = _grid_values(spec, traced, grid)
    statics = (surface, rule_of(spec.name), static, check_steps(steps))
    return _losses_grid(*statics, values, starts, copies, seed)
