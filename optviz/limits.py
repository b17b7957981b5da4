"""What a request may cost: every limit that keeps an accepted input within a few GB of memory
and a few minutes on a 2-core machine, and the checks that refuse the rest up front, before
anything is traced, run or drawn, with one line naming the limit.

The budgets follow from measurements (benchmarks/engine.py and the figures in README's
"Limits"): a run keeps its whole path, 12 bytes per start and step and optimizer, held about
three times over while it is gathered (`MAX_PATH_POINTS` is then about 400 MB); a summary run
(tune, sweep, basins) keeps none and does some 25 million start-steps a second on one core
(`MAX_WORK` is then about two minutes); an animation's frames are drawn at some 10 million
pixels a second and a GIF or WebP holds each one, a byte per pixel, until it is written
(`MAX_FRAME_PIXELS`); and each frame draws the paths up to its step (a cloud of many starts,
a short trail per start), some 3 microseconds a point, so frames x points drawn is bounded
too (`MAX_DRAWN_POINTS`, about a minute and a half).
"""

from __future__ import annotations

import math
import operator

MAX_STEPS = 10_000_000
MAX_PATH_POINTS = 10_000_000  # (steps + 1) x starts x optimizers of a run that keeps paths
MAX_WORK = 3_000_000_000  # steps x starts x optimizers x values of a run that keeps summaries
MAX_STARTS = 4_000_000  # a 2000 x 2000 basin grid
MAX_FRAMES = 10_000
MAX_FRAME_PIXELS = 500_000_000  # frames x width x height of an animation
MAX_DRAWN_POINTS = 30_000_000  # frames x path points an animation's frames draw
MIN_SIDE, MAX_SIDE = 64, 4096  # pixels per side of a picture
MAX_FPS = 60
MAX_GRID = 2000
MAX_POINTS = 1000  # values of a sweep
MAX_RATES = 1000  # learning rates of a tuning grid
FLOAT32_MAX = 3.4028234663852886e38  # numpy.finfo(numpy.float32).max, without importing NumPy
MAX_FORMULA_LENGTH = 1000  # characters
MAX_FORMULA_DEPTH = 40  # nested operations: x**x**x... compiles in time superlinear in depth
MAX_GRADIENT_OPS = 2000  # operations in the traced gradient of a formula

LIMITS = f"""\b
LIMITS (a request must fit in a few GB and a few minutes; anything larger is refused up front):
  render keeps paths: (steps + 1) x starts x optimizers <= {MAX_PATH_POINTS:,}
  tune, sweep, basins: steps x starts x optimizers x values <= {MAX_WORK:,}
  steps <= {MAX_STEPS:,}; starts <= {MAX_STARTS:,}; --grid <= {MAX_GRID}; --points <= {MAX_POINTS}
  pictures {MIN_SIDE} to {MAX_SIDE} pixels a side; frames <= {MAX_FRAMES:,}
  frames x width x height <= {MAX_FRAME_PIXELS:,}; fps <= {MAX_FPS} (GIF: <= 50)
  animations: frames x (steps + 1) x starts x optimizers <= {MAX_DRAWN_POINTS:,}
  (a cloud of many starts on a map draws a short trail of each, not steps + 1)
  formulas: <= {MAX_FORMULA_LENGTH} characters, <= {MAX_FORMULA_DEPTH} nested operations,
  <= {MAX_GRADIENT_OPS} operations in the gradient
  numbers (starts, hyper-parameters, ranges) finite in float32: |x| <= 3.4e38"""


def whole(name: str, value, lo: int, hi: int) -> int:
    """``value`` as an int; ``ValueError`` naming ``name`` unless it is a whole number (a NumPy
    integer included) in [lo, hi]."""
    try:
        number = None if isinstance(value, bool) else operator.index(value)
    except TypeError:
        number = None
    if number is None or not lo <= number <= hi:
        raise ValueError(f"{name} must be a whole number from {lo:,} to {hi:,}, got {value!r}")
    return number


def representable(name: str, value: float) -> float:
    """``value``, once it is finite as the float32 the runs compute in (1e39 is not)."""
    if not math.isfinite(value) or abs(value) > FLOAT32_MAX:
        raise ValueError(f"{name} must be finite in float32 (|value| <= 3.4e38), got {value:g}")
    return value


def check_paths(steps: int, starts: int, optimizers: int) -> None:
    """Refuse a run whose paths would not fit in `MAX_PATH_POINTS`."""
    points = (steps + 1) * starts * optimizers
    if points > MAX_PATH_POINTS:
        raise ValueError(
            f"{steps:,} steps x {starts:,} starts x {optimizers} optimizers keep {points:,} "
            f"points on their paths; the limit is {MAX_PATH_POINTS:,} (about 400 MB)"
        )


def check_work(steps: int, starts: int, optimizers: int, values: int = 1) -> None:
    """Refuse summary runs (tune, sweep, basins) of more than `MAX_WORK` start-steps."""
    if starts > MAX_STARTS:
        raise ValueError(f"{starts:,} starts; the limit is {MAX_STARTS:,}")
    work = steps * starts * optimizers * values
    if work > MAX_WORK:
        per = f" x {values:,} values" if values > 1 else ""
        raise ValueError(
            f"{steps:,} steps x {starts:,} starts x {optimizers} optimizers{per} is "
            f"{work:,} steps to run; the limit is {MAX_WORK:,} (about two minutes)"
        )


def check_size(size) -> tuple[int, int]:
    """``size`` (w, h) in pixels, each side in [`MIN_SIDE`, `MAX_SIDE`]."""
    try:
        w, h = size
    except (TypeError, ValueError):
        raise ValueError(f"size must be (width, height) in pixels, got {size!r}") from None
    try:
        w, h = (None if isinstance(v, bool) else operator.index(v) for v in (w, h))
    except TypeError:
        raise ValueError(f"size must be whole pixels, got {size!r}") from None
    if not (MIN_SIDE <= w <= MAX_SIDE and MIN_SIDE <= h <= MAX_SIDE):
        raise ValueError(
            f"size must be between {MIN_SIDE}x{MIN_SIDE} and {MAX_SIDE}x{MAX_SIDE} pixels, "
            f"got {w}x{h}"
        )
    return w, h


def check_frames(frames: int, size, points: int) -> None:
    """Refuse an animation of more than `MAX_FRAME_PIXELS` pixels, or whose frames would draw
    more than `MAX_DRAWN_POINTS` points of its paths (``points``: the most one frame draws,
    `scene.drawn_points`)."""
    w, h = size
    if frames * w * h > MAX_FRAME_PIXELS:
        raise ValueError(
            f"{frames:,} frames of {w}x{h} are {frames * w * h:,} pixels; the limit is "
            f"{MAX_FRAME_PIXELS:,} (fewer frames or a smaller size)"
        )
    if frames * points > MAX_DRAWN_POINTS:
        raise ValueError(
            f"{frames:,} frames of paths with {points:,} points draw {frames * points:,} points; "
            f"the limit is {MAX_DRAWN_POINTS:,} (fewer frames, steps, starts or optimizers)"
        )
