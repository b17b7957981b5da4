"""Pacing: which step each frame shows, and for how long, so a speaker can talk over it.

The first frame is held `HOLD_FIRST_MS` and the last `HOLD_LAST_MS`; between them, frames are
spent where the picture moves. With ``pace="motion"`` a frame is placed at every equal share of
``u(s) = (1 - a)·M(s)/M(S) + a·s/S``, where ``M(s)`` is how far, in pixels, the heads have
travelled on screen by step ``s`` (runs that diverged or left the window stop adding), so
quick early steps are slowed down and long stretches where nothing moves are skipped quickly;
``a = LINEAR_SHARE`` keeps time moving when nothing does. ``pace="linear"`` spreads the frames
evenly over the steps. Frames that would show the same step are merged into one longer frame.
"""

from __future__ import annotations

import numpy as np

PACES = ("motion", "linear")
HOLD_FIRST_MS = 1000
HOLD_LAST_MS = 2500
DURATION_S = 10.0  # the default length of an animation, both holds included
LINEAR_SHARE = 0.2
TICK_MS = 10  # GIF delays are whole hundredths of a second


def motion(pixels: np.ndarray, box) -> np.ndarray:
    """``M(s)``, the cumulative on-screen travel of every head, from ``pixels`` (runs, steps + 1,
    2) clipped to the plotting ``box`` (x0, y0, x1, y1); shape (steps + 1,)."""
    x0, y0, x1, y1 = box
    clipped = np.stack([np.clip(pixels[..., 0], x0, x1), np.clip(pixels[..., 1], y0, y1)], -1)
    step = np.linalg.norm(np.diff(clipped, axis=1), axis=-1).sum(0)
    return np.concatenate([[0.0], np.cumsum(step)])


def schedule(
    travel: np.ndarray, frames: int, *, pace: str = "motion", duration_s: float = DURATION_S,
    fps: int = 30,
) -> tuple[np.ndarray, list[int]]:
    """``(steps, durations_ms)``: the step each frame shows and how long, for at most
    ``frames`` frames over ``duration_s`` seconds (holds included), no frame shorter than one
    period of ``fps``. ``travel`` is `motion`'s ``M(s)``."""
    if pace not in PACES:
        raise ValueError(f"unknown pace {pace!r}; choose from: {', '.join(PACES)}")
    steps = len(travel) - 1
    linear = np.arange(steps + 1) / max(steps, 1)
    if pace == "motion" and travel[-1] > 0:
        u = (1 - LINEAR_SHARE) * travel / travel[-1] + LINEAR_SHARE * linear
    else:
        u = linear
    slots = max(frames - 1, 1)
    shown = np.searchsorted(u, np.arange(slots + 1) / slots - 1e-12).clip(0, steps)
    shown[0], shown[-1] = 0, steps
    moving_ms = max(duration_s * 1000 - HOLD_FIRST_MS - HOLD_LAST_MS, 0)
    slot_ms = max(moving_ms / max(slots - 1, 1), 1000 / fps)
    times = [float(HOLD_FIRST_MS)] + [slot_ms] * (slots - 1) + [float(HOLD_LAST_MS)]
    merged_steps, merged_ms = [], []
    for step, ms in zip(shown.tolist(), times):
        if merged_steps and merged_steps[-1] == step:
            merged_ms[-1] += ms
        else:
            merged_steps.append(step)
            merged_ms.append(ms)
    return np.asarray(merged_steps), _ticks(merged_ms)


def _ticks(durations: list[float]) -> list[int]:
    """``durations`` in whole `TICK_MS`, rounding errors carried forward so the total holds."""
    out, carry = [], 0.0
    for ms in durations:
        whole = max(TICK_MS, round((ms + carry) / TICK_MS) * TICK_MS)
        carry += ms - whole
        out.append(int(whole))
    return out
