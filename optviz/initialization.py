"""Clouds of starting points drawn the way networks are initialized.

``zero`` puts every start at the origin of a network's weights (a symmetric start);
``normal:SIGMA`` and ``uniform:A`` draw each coordinate from N(0, SIGMA²) or U(−A, A);
``xavier`` and ``he`` scale by the fans of the layer each coordinate is a weight of:

- Xavier (Glorot & Bengio 2010, eq. 16, "normalized initialization"):
  ``w ~ U(−a, a)``, ``a = sqrt(6 / (fan_in + fan_out))``, so Var w = 2 / (fan_in + fan_out);
- He (He, Zhang, Ren & Sun 2015, eq. 10): ``w ~ N(0, 2 / fan_in)``.

On a network surface (one that declares ``fans``) the cloud is centred on the origin, where
weights start; on any other surface it is centred on the surface's default start, ``zero``
putting every start there, and Xavier and He, which need fans, are refused.
Same seed, same cloud.
"""

from __future__ import annotations

import math
import operator
from typing import NamedTuple

import numpy as np

KINDS = ("zero", "normal", "uniform", "xavier", "he")
SCALED = {"normal": "SIGMA", "uniform": "A"}  # kinds that take a scale, and its name
DEFAULT_STARTS = 100
MAX_STARTS = 10_000  # paths are kept for every start and step: more would not fit in memory


class Init(NamedTuple):
    """A distribution of starting points: ``kind`` in `KINDS`, with ``scale`` for normal
    (its standard deviation) and uniform (its half-width)."""

    kind: str
    scale: float | None = None

    def __str__(self):
        return self.kind if self.scale is None else f"{self.kind}:{self.scale:g}"


def parse(text: str) -> Init:
    """Read ``zero``, ``normal:SIGMA``, ``uniform:A``, ``xavier`` or ``he``."""
    if isinstance(text, Init):
        return text
    if not isinstance(text, str):
        raise ValueError(f"an init is a string such as 'he' or 'normal:0.5', got {text!r}")
    kind, colon, value = (part.strip() for part in text.strip().partition(":"))
    usage = "zero, normal:SIGMA, uniform:A, xavier or he"
    if kind not in KINDS:
        raise ValueError(f"unknown init {text!r}; choose from: {usage}")
    if kind not in SCALED:
        if colon:
            raise ValueError(f"init {kind} takes no scale, got {text!r}")
        return Init(kind)
    try:
        scale = float(value)
    except ValueError:
        raise ValueError(
            f"init {kind} needs a scale, {kind}:{SCALED[kind]}, got {text!r}"
        ) from None
    if not (math.isfinite(scale) and scale > 0):
        raise ValueError(f"init {kind}: {SCALED[kind]} must be a finite number > 0, got {value}")
    return Init(kind, scale)


def check_count(n) -> int:
    """``n`` as an int; ``ValueError`` unless it is a whole number from 1 to `MAX_STARTS`."""
    try:
        value = None if isinstance(n, bool) else operator.index(n)
    except TypeError:
        value = None
    if value is None or not 1 <= value <= MAX_STARTS:
        raise ValueError(
            f"the number of starts must be a whole number from 1 to {MAX_STARTS}, got {n!r}"
        )
    return value


def draw(init, surface, n: int = DEFAULT_STARTS, seed: int = 0) -> np.ndarray:
    """``n`` starting points on ``surface`` from ``init`` (an `Init` or its string), shape
    (n, 2): the same for the same seed."""
    from optviz import noise

    init, n, seed = parse(init), check_count(n), noise.check_seed(seed)
    fans = surface.fans
    if init.kind in ("xavier", "he") and fans is None:
        import surfaces

        networks = [name for name in surfaces.names() if surfaces.get(name).fans]
        raise ValueError(
            f"init {init.kind} scales by fan-in and fan-out, which only network surfaces "
            f"declare ({', '.join(networks)}); on {surface.name} use normal:SIGMA or uniform:A"
        )
    rng = np.random.default_rng(seed)
    if init.kind == "zero":
        offsets = np.zeros((n, 2))
    elif init.kind == "normal":
        offsets = rng.normal(0.0, init.scale, (n, 2))
    elif init.kind == "uniform":
        offsets = rng.uniform(-init.scale, init.scale, (n, 2))
    elif init.kind == "xavier":
        a = np.array([math.sqrt(6 / (fan_in + fan_out)) for fan_in, fan_out in fans])
        offsets = rng.uniform(-a, a, (n, 2))
    else:
        offsets = rng.normal(0.0, [math.sqrt(2 / fan_in) for fan_in, _ in fans], (n, 2))
    centre = np.zeros(2) if fans is not None else np.asarray(surface.start, dtype=float)
    return centre + offsets
