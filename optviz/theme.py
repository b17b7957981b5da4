"""Themes: one palette per theme, colour-blind safe, and the sizes a picture is drawn at.

Optimizer colours are the Okabe–Ito palette (Okabe & Ito 2008), ordered per theme so that the
first colours have the most contrast on that background. Contours are drawn in a narrow band of
neutral tones so that the paths, not the surface, carry the colour.
"""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class Theme:
    name: str
    background: str
    foreground: str
    muted: str  # secondary text, contour lines
    low: str  # contour fill at the lowest level
    high: str  # contour fill at the highest level
    palette: tuple[str, ...]
    font_size: float = 9.0
    line_width: float = 1.8
    head_size: float = 6.0

    def scaled(self, k: float) -> "Theme":
        """The theme with fonts, lines and markers ``k`` times as large."""
        return dataclasses.replace(
            self,
            font_size=self.font_size * k,
            line_width=self.line_width * k,
            head_size=self.head_size * k,
        )

    def colour(self, i: int) -> str:
        """The colour of the ``i``-th optimizer (the palette repeats past its end)."""
        return self.palette[i % len(self.palette)]


THEMES = {
    "light": Theme(
        "light",
        background="#ffffff",
        foreground="#1a1a1a",
        muted="#8a939c",
        low="#fbfbfb",
        high="#b9c2cb",
        palette=(
            "#0072B2",
            "#D55E00",
            "#009E73",
            "#CC79A7",
            "#E69F00",
            "#56B4E9",
            "#000000",
            "#F0E442",
        ),
    ),
    "dark": Theme(
        "dark",
        background="#15191f",
        foreground="#eeeeee",
        muted="#6c7682",
        low="#1b2029",
        high="#46505e",
        palette=(
            "#56B4E9",
            "#E69F00",
            "#F0E442",
            "#CC79A7",
            "#009E73",
            "#D55E00",
            "#ffffff",
            "#0072B2",
        ),
    ),
}
THEMES["talk"] = dataclasses.replace(
    THEMES["light"], name="talk", font_size=15.0, line_width=3.5, head_size=11.0
)


def get(name: str) -> Theme:
    """The theme called ``name``."""
    if name not in THEMES:
        raise ValueError(f"unknown theme {name!r}; choose from: {', '.join(THEMES)}")
    return THEMES[name]


def for_size(name: str, size: tuple[int, int]) -> Theme:
    """The theme ``name`` for a picture of ``size`` pixels: its sizes are set for 640x480, so
    other sizes draw the same picture, scaled (between half and three times)."""
    w, h = size
    return get(name).scaled(min(max(min(w / 640, h / 480), 0.5), 3))
