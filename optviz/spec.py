"""Optimizer specs: a rule's name and the hyper-parameters the user set.

``parse_spec("adam:lr=0.05,b1=0.8")`` and ``Spec("adam", lr=0.05, b1=0.8)`` build the same
object; both check names, keys and ranges and raise ``ValueError`` with one line naming the bad
part and the valid choices. Hyper-parameters left out take the rule's default, and ``lr``,
which has none, the surface's (see `optviz.presets`).

A spec may carry a learning-rate schedule and its parameters, ``lr`` then being its peak:
``sgd:lr=0.1,schedule=cosine`` or ``Spec("sgd", lr=0.1, schedule="warmup-cosine", warmup=20)``
(see `optviz.schedules`).
"""

from __future__ import annotations

import difflib
import math
import numbers

from optviz import external, rules, schedules

# Range checks by hyper-parameter name: (test, what the value must be).
_CHECKS = {
    "lr": (lambda v: v > 0, "> 0"),
    "learning_rate": (lambda v: v > 0, "> 0"),
    "beta": (lambda v: 0 <= v < 1, "in [0, 1)"),
    "rho": (lambda v: 0 <= v < 1, "in [0, 1)"),
    "b1": (lambda v: 0 <= v < 1, "in [0, 1)"),
    "b2": (lambda v: 0 <= v < 1, "in [0, 1)"),
    "eps": (lambda v: v >= 0, ">= 0"),
    "noise": (lambda v: v >= 0, ">= 0"),
    "batch": (lambda v: v >= 1 and v == int(v), "a whole number >= 1"),
    "wd": (lambda v: v >= 0, ">= 0"),
    "l1": (lambda v: v >= 0, ">= 0"),
}


def _did_you_mean(word: str, choices) -> str:
    close = difflib.get_close_matches(word, list(choices), n=2)
    return f"did you mean {' or '.join(repr(c) for c in close)}? " if close else ""


def hyperparameters(name: str) -> dict:
    """The hyper-parameters of the optimizer ``name`` (ours, optax's or a registered one) and
    their defaults (None where there is none); ``ValueError`` for an unknown name."""
    if not isinstance(name, str):
        raise ValueError(f"an optimizer's name is a string, got {name!r:.60}")
    if external.is_external(name):
        return external.hyperparameters(name)
    if name not in rules.RULES:
        known = [*rules.RULES, *external.registered()]
        raise ValueError(
            f"unknown optimizer {name!r}; {_did_you_mean(name, known)}"
            f"choose from: {', '.join(known)}, or optax:NAME"
        )
    return rules.hyperparameters(name)


def _check_key(name: str, key: str) -> None:
    valid = [*hyperparameters(name), "schedule"]
    if key not in valid:
        hint = (
            f"{key} is a schedule's: add schedule=NAME; "
            if any(key in params for params in schedules.SCHEDULES.values())
            else _did_you_mean(key, valid)
        )
        raise ValueError(
            f"unknown hyper-parameter {key!r} for {name}; {hint}valid: {', '.join(valid)}"
        )


def _checked(name: str, key: str, value) -> float | int:
    _check_key(name, key)
    # numbers.Real takes NumPy's scalars too (np.float32(0.1)); bool is not a hyper-parameter.
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name}: {key} must be a number, got {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{name}: {key} must be finite, got {value!r}")
    test, must = _CHECKS.get(key, (lambda v: True, ""))
    if not test(value):
        raise ValueError(f"{name}: {key} must be {must}, got {value:g}")
    return int(value) if key in rules.STATIC else float(value)


def _schedule(name: str, schedule, hparams: dict) -> schedules.Schedule | None:
    """The schedule of a spec from its name (taking its parameters out of ``hparams``, where
    they came with the optimizer's) or a `schedules.Schedule`."""
    if schedule is None or isinstance(schedule, schedules.Schedule):
        return schedule
    if not isinstance(schedule, str):
        raise ValueError(f"{name}: a schedule is a name such as 'cosine', got {schedule!r}")
    if name in external.registered() or name in rules.CONSTANT_RATE:
        raise ValueError(f"{name} runs at a constant learning rate: it takes no schedule")
    params = schedules.SCHEDULES[schedules.check_name(schedule)]
    own = hyperparameters(name)
    for key in set(hparams) & set(params) & set(own):
        raise ValueError(
            f"{name}: {key} is a hyper-parameter of {name} and of the {schedule} schedule; "
            "pass schedule=optviz.schedules.schedule(...) from Python to set both"
        )
    taken = {key: hparams.pop(key) for key in list(hparams) if key not in own}
    for key in taken:
        if key not in params:
            valid = [*own, *params]
            raise ValueError(
                f"unknown hyper-parameter {key!r} for {name} with schedule {schedule}; "
                f"{_did_you_mean(key, valid)}valid: {', '.join(valid)}"
            )
    return schedules.schedule(schedule, **taken)


class Spec:
    """An optimizer by name with the hyper-parameters set explicitly: ``Spec("adam", lr=0.05)``,
    and maybe a learning-rate schedule: ``Spec("sgd", lr=0.1, schedule="cosine")``.

    Immutable and hashable; ``str(spec)`` is the spec string that `parse_spec` reads back.
    """

    __slots__ = ("name", "hparams", "schedule")

    def __init__(self, name: str, schedule=None, **hparams: float):
        valid = hyperparameters(name)
        schedule = _schedule(name, schedule, hparams)
        checked = {key: _checked(name, key, value) for key, value in hparams.items()}
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "hparams", tuple((k, checked[k]) for k in valid if k in checked))
        object.__setattr__(self, "schedule", schedule)

    def __setattr__(self, key, value):
        raise AttributeError("Spec is immutable")

    def _key(self):
        return self.name, self.hparams, self.schedule

    def __eq__(self, other):
        return isinstance(other, Spec) and self._key() == other._key()

    def __hash__(self):
        return hash(self._key())

    def __repr__(self):
        args = "".join(f", {k}={v!r}" for k, v in self.hparams)
        if self.schedule is not None:
            args += f", schedule={self.schedule!r}"
        return f"Spec({self.name!r}{args})"

    def __str__(self):
        values = [f"{k}={v:g}" for k, v in self.hparams]
        if self.schedule is not None:
            values.append(str(self.schedule))
        return f"{self.name}:{','.join(values)}" if values else self.name

    def replace(self, **hparams: float) -> "Spec":
        """A copy with some hyper-parameters set to new values (the schedule kept)."""
        return Spec(self.name, schedule=self.schedule, **{**dict(self.hparams), **hparams})


def parse_spec(text: str) -> Spec:
    """Read ``NAME`` or ``NAME:key=value,...`` (``optax:NAME[:key=value,...]`` for optax)."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError("empty optimizer spec; expected NAME or NAME:key=value,...")
    text = text.strip()
    prefix = ""
    if text.startswith(external.PREFIX):
        prefix, text = external.PREFIX, text[len(external.PREFIX) :]
    name, _, args = text.partition(":")
    name = prefix + name.strip()
    hyperparameters(name)
    hparams: dict[str, float] = {}
    schedule = None
    for item in args.split(",") if args.strip() else ():
        key, eq, value = (part.strip() for part in item.partition("="))
        if not eq or not key:
            raise ValueError(f"{name}: expected key=value, got {item.strip()!r}")
        if key in hparams or key == "schedule" and schedule is not None:
            raise ValueError(f"{name}: {key} is given twice")
        if not value:
            raise ValueError(f"{name}: empty value for {key}")
        if key == "schedule":
            schedule = schedules.check_name(value)
            continue
        try:
            hparams[key] = float(value)
        except ValueError:
            if schedule is None:
                _check_key(name, key)
            raise ValueError(f"{name}: {key} must be a number, got {value!r}") from None
    return Spec(name, schedule=schedule, **hparams)


def as_spec(optimizer: "Spec | str") -> Spec:
    """A `Spec` from a spec or its string."""
    if isinstance(optimizer, Spec):
        return optimizer
    if isinstance(optimizer, str):
        return parse_spec(optimizer)
    raise ValueError(f"an optimizer is a spec string or a Spec, got {optimizer!r}")
