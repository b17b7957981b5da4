"""Words on the picture: what each run is called where it is drawn.

A run is named by its optimizer; where several runs share one (an lr or beta sweep), each name
also states the values that differ between them, in the field's symbols: ``momentum β = 0.9``,
and its learning-rate schedule where those differ: ``sgd cosine``.
"""

from __future__ import annotations

import re

SYMBOLS = {
    "lr": "lr",
    "learning_rate": "lr",
    "beta": "β",
    "rho": "ρ",
    "b1": "β₁",
    "b2": "β₂",
    "eps": "ε",
    "noise": "σ",
    "batch": "batch",
}


SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def coordinate(name: str) -> str:
    """A surface's coordinate as its formula writes it: ``w1`` as w₁ (letters, then digits)."""
    parts = re.fullmatch(r"([^\W\d]+)(\d+)", name)
    return parts[1] + parts[2].translate(SUBSCRIPTS) if parts else name


def symbol(key: str) -> str:
    """How the hyper-parameter ``key`` is written on a picture."""
    return SYMBOLS.get(key, key)


def direct_labels(specs) -> list[str]:
    """A short name per run of ``specs``: the optimizer, plus what varies among its runs."""
    labels = []
    for spec in specs:
        same = [dict(s.hparams) for s in specs if s.name == spec.name]
        varying = [k for k, _ in spec.hparams if len({str(h.get(k)) for h in same}) > 1]
        values = dict(spec.hparams)
        parts = [f"{symbol(k)} = {values[k]:g}" for k in varying]
        if len({s.schedule for s in specs if s.name == spec.name}) > 1:
            parts.append(spec.schedule.name if spec.schedule else "constant")
        labels.append(f"{spec.name} {', '.join(parts)}" if parts else spec.name)
    return labels
