"""Learning-rate schedules, from optax: ``lr_t = lr · s(t)``, with ``s`` one of optax's
schedules at a peak of 1 and ``lr`` the spec's rate, its peak (so `tune` tunes the peak, and
every peak runs in the same compiled program).

A spec names one: ``sgd:lr=0.1,schedule=cosine`` or ``adam:lr=0.05,schedule=warmup-cosine,
warmup=30``. The step taken at step t (counting from 0) uses ``lr_t``. Parameters, in steps
or as fractions of the peak; defaults that are a share of the run (``steps``) are worked out
when it runs:

- ``constant`` (warmup): 1, after a linear warm-up from 0 (``warmup_constant_schedule``);
- ``step`` (every, decay): decay^floor(t / every) (``exponential_decay``, staircase);
- ``exponential`` (every, decay): decay^(t / every) (``exponential_decay``);
- ``cosine`` (end): end + (1 − end)(1 + cos(π t / steps))/2 (``cosine_decay_schedule``;
  Loshchilov & Hutter 2017);
- ``warmup-cosine`` (warmup, end): linear from 0 to 1 over warmup steps, then cosine to end
  (``warmup_cosine_decay_schedule``; Goyal et al. 2017 for the warm-up);
- ``one-cycle`` (warmup): a cosine up from 1/25 to 1 over warmup steps, then down to 1/250000
  (``cosine_onecycle_schedule``; Smith & Topin 2017);
- ``sgdr`` (every, end, warmup): the cosine from 1 to end over ``every`` steps, restarted
  (``sgdr_schedule``; Loshchilov & Hutter 2017).

Defaults: ``every`` a third of the run, ``decay=0.1``, ``end=0``, ``warmup`` a tenth of the run
for warmup-cosine and 30% for one-cycle (0 otherwise). optax is imported only here, and only
when a schedule is built.
"""

from __future__ import annotations

import math
from typing import NamedTuple

# schedule -> its parameters and their defaults; None: a share of the run, see `_defaults`.
SCHEDULES: dict[str, dict[str, float | None]] = {
    "constant": {"warmup": 0},
    "step": {"every": None, "decay": 0.1},
    "exponential": {"every": None, "decay": 0.1},
    "cosine": {"end": 0.0},
    "warmup-cosine": {"warmup": None, "end": 0.0},
    "one-cycle": {"warmup": None},
    "sgdr": {"every": None, "end": 0.0, "warmup": 0},
}
STEP_COUNTS = frozenset({"warmup", "every"})  # whole numbers of steps
_CHECKS = {
    "warmup": (lambda v: v >= 0, "a whole number of steps >= 0"),
    "every": (lambda v: v >= 1, "a whole number of steps >= 1"),
    "decay": (lambda v: 0 < v <= 1, "in (0, 1]"),
    "end": (lambda v: 0 <= v <= 1, "in [0, 1], a fraction of the peak"),
}


class Schedule(NamedTuple):
    """A schedule by name with the parameters set explicitly (the others take their
    defaults when the run's length is known)."""

    name: str
    params: tuple[tuple[str, float], ...] = ()

    def __str__(self):
        return ",".join([f"schedule={self.name}", *(f"{k}={v:g}" for k, v in self.params)])


def check_name(name) -> str:
    """``name`` if it is a schedule's; ``ValueError`` naming the choices otherwise."""
    if name not in SCHEDULES:
        raise ValueError(f"unknown schedule {name!r}; choose from: {', '.join(SCHEDULES)}")
    return name


def schedule(name: str, **params: float) -> Schedule:
    """A checked `Schedule`: ``schedule("warmup-cosine", warmup=20)``."""
    valid = SCHEDULES[check_name(name)]
    checked = {}
    for key, value in params.items():
        if key not in valid:
            takes = f"takes {', '.join(valid)}" if valid else "takes no parameters"
            raise ValueError(f"unknown parameter {key!r} for schedule {name}; {name} {takes}")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"schedule {name}: {key} must be a number, got {value!r}")
        test, must = _CHECKS[key]
        whole = key not in STEP_COUNTS or float(value).is_integer()
        if not (math.isfinite(value) and whole and test(value)):
            raise ValueError(f"schedule {name}: {key} must be {must}, got {value:g}")
        checked[key] = int(value) if key in STEP_COUNTS else float(value)
    return Schedule(name, tuple((k, checked[k]) for k in valid if k in checked))


def share(name: str, key: str) -> tuple[int, int]:
    """The default of a parameter that is a share of the run, as a fraction (num, den)."""
    if key == "every":
        return 1, 3
    return (3, 10) if name == "one-cycle" else (1, 10)


def described(name: str) -> str:
    """The parameters of the schedule ``name`` and their defaults, for people."""
    return ", ".join(
        f"{k}={v:g}" if v is not None else f"{k}=steps·{share(name, k)[0]}/{share(name, k)[1]}"
        for k, v in SCHEDULES[name].items()
    )


def _defaults(sched: Schedule, steps: int) -> dict:
    """Every parameter of ``sched`` for a run of ``steps`` steps; ``ValueError`` where the run
    is too short for them."""
    values = dict(SCHEDULES[sched.name])
    for key in [k for k, v in values.items() if v is None]:
        num, den = share(sched.name, key)
        values[key] = steps * num // den
    if "every" in values:
        values["every"] = max(values["every"], 1)  # a run of one or two steps
    values |= dict(sched.params)
    span = values.get("every", steps) if sched.name == "sgdr" else steps
    if values.get("warmup", 0) >= span:
        raise ValueError(
            f"schedule {sched.name}: warmup={values['warmup']} must be shorter than the "
            f"{'cycle' if sched.name == 'sgdr' else 'run'} ({span} steps)"
        )
    return values


def shape(sched: Schedule, steps: int):
    """``s(t)``: optax's schedule for ``sched`` at a peak of 1, over a run of ``steps``."""
    import optax

    p = _defaults(sched, steps)
    name = sched.name
    if name == "constant" and p["warmup"]:
        return optax.warmup_constant_schedule(0.0, 1.0, p["warmup"])
    if name == "constant":
        return optax.constant_schedule(1.0)
    if name in ("step", "exponential"):
        return optax.exponential_decay(1.0, p["every"], p["decay"], staircase=name == "step")
    if name == "cosine":
        return optax.cosine_decay_schedule(1.0, steps, alpha=p["end"])
    if name == "warmup-cosine":
        return optax.warmup_cosine_decay_schedule(0.0, 1.0, p["warmup"], steps, p["end"])
    if name == "one-cycle":
        return optax.cosine_onecycle_schedule(steps, 1.0, pct_start=p["warmup"] / steps)
    cycle = dict(
        init_value=0.0,
        peak_value=1.0,
        decay_steps=p["every"],
        warmup_steps=p["warmup"],
        end_value=p["end"],
    )
    return optax.sgdr_schedule([cycle] * -(-steps // p["every"]))


def rate(sched: Schedule, lr, steps: int):
    """``t -> lr · s(t)``, for an update rule; ``lr`` may be traced."""
    s = shape(sched, steps)
    return lambda count: lr * s(count)


def values(sched: Schedule | None, lr: float, steps: int):
    """``lr_t`` for t = 0 .. steps − 1, as a NumPy array (``lr`` throughout without a
    schedule)."""
    import jax
    import numpy as np

    if sched is None:
        return np.full(steps, float(lr))
    return lr * np.asarray(jax.vmap(shape(sched, steps))(np.arange(steps)), dtype=float)
