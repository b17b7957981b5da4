"""Themes: the visual language every picture speaks, in one place.

One colour per optimizer, the same in every scene, layout, command and theme. The classic
rules take seven colours chosen so that any two stay at least 10 CIEDE2000 units apart for
normal vision and under a simulation of protanopia, deuteranopia and tritanopia (Machado,
Oliveira & Fernandes 2009), on the light and the dark background alike; each keeps a WCAG
contrast of at least 3 against its background. The dark theme uses lighter variants of the
same hues. Several runs of one rule (an lr or beta sweep) take shades of that rule's colour.
Contours are drawn in a narrow band of neutral tones so that the paths carry the colour.
"""

from __future__ import annotations

import dataclasses

import numpy as np

# Rules in the order of the lineup; optax and registered optimizers come after them and take
# `EXTRA` colours in the order they first appear in a picture.
RULES = (
    "gd", "sgd", "momentum", "nesterov", "nesterov-lookahead", "adagrad", "rmsprop", "adam",
    "prox-gd", "adamw",
)
SHADE_SPREAD = 0.6  # how far apart the first and last shade of a sweep are mixed


def mix(colour, towards, amount: float) -> tuple[float, float, float, float]:
    """``colour`` moved ``amount`` (0 to 1) of the way to ``towards``, as opaque RGBA."""
    from matplotlib.colors import to_rgb

    start, end = np.array(to_rgb(colour)), np.array(to_rgb(towards))
    return (*(start * (1 - amount) + end * amount), 1.0)


@dataclasses.dataclass(frozen=True)
class Theme:
    name: str
    background: str
    foreground: str
    muted: str  # secondary text, contour lines
    low: str  # contour fill at the lowest level
    high: str  # contour fill at the highest level
    rules: tuple[str, ...]  # a colour per rule, in the order of `RULES`
    extra: tuple[str, ...]  # for optimizers from outside optviz, in order of appearance
    relief: str = "#7d8ea3"  # the 3-D surface's colour at its top (at the bottom: ``low``)
    categories: tuple[str, ...] = (  # for things that are not optimizers (a basin's minimum)
        "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#999999",
    )
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

    def colour(self, name: str, others: tuple[str, ...] = ()) -> str:
        """The colour of the optimizer ``name``; one from outside optviz takes the extra colour
        at its place in ``others`` (the outside names of the picture, in order)."""
        if name in RULES:
            return self.rules[RULES.index(name)]
        k = others.index(name) if name in others else 0
        return self.extra[k % len(self.extra)]

    def run_colours(self, specs) -> list[str]:
        """A colour per run of ``specs`` (Specs, or names): the optimizer's own colour, and
        for several runs of one optimizer shades of it, darkest first on a light background."""
        names = [getattr(s, "name", s) for s in specs]
        others = tuple(dict.fromkeys(n for n in names if n not in RULES))
        colours = [self.colour(name, others) for name in names]
        for name in dict.fromkeys(names):
            runs = [i for i, n in enumerate(names) if n == name]
            if len(runs) > 1:
                for i, colour in zip(runs, self.shades(colours[runs[0]], len(runs))):
                    colours[i] = colour
        return colours

    def shades(self, colour: str, n: int) -> list[str]:
        """``n`` shades of ``colour`` for the runs of a sweep, evenly spread over `SHADE_SPREAD`
        of mixing: from the colour mixed towards the foreground (darker on a light background,
        brighter on a dark one) to the colour mixed towards the background, the window moved
        towards the background for a colour that is already nearly the foreground's (such as a
        dark olive on white); the shade nearest the colour is the colour itself."""
        from matplotlib.colors import to_hex, to_rgb

        rgb, fg = np.array(to_rgb(colour)), np.array(to_rgb(self.foreground))
        # How far the colour is from the foreground, in luminance: its room to move that way.
        luminance = np.array([0.2126, 0.7152, 0.0722])
        room = abs(float((rgb - fg) @ luminance))
        amounts = -SHADE_SPREAD / 2 * min(1.0, room / 0.3) + SHADE_SPREAD * np.linspace(0, 1, n)
        out = [
            to_hex(mix(colour, self.foreground if m < 0 else self.background, abs(m)))
            for m in amounts
        ]
        out[int(np.argmin(np.abs(amounts)))] = colour
        return out


THEMES = {
    "light": Theme(
        "light",
        background="#ffffff",
        foreground="#1a1a1a",
        muted="#8a939c",
        low="#fcfcfb",
        high="#d5dde6",
        rules=(
            "#1A1A1A",  # gd
            "#444400",  # sgd
            "#FF0000",  # momentum
            "#EE6688",  # nesterov
            "#AA2266",  # nesterov-lookahead
            "#228866",  # adagrad
            "#662266",  # rmsprop
            "#2244FF",  # adam
            "#E69F00",  # prox-gd
            "#56B4E9",  # adamw
        ),
        extra=("#8888CC", "#999933", "#CC79A7", "#0072B2"),
    ),
    "dark": Theme(
        "dark",
        background="#15191f",
        foreground="#eeeeee",
        muted="#8d98a6",
        low="#1b2029",
        high="#46505e",
        rules=(
            "#E6E6E6",  # gd
            "#817E3B",  # sgd
            "#FF0000",  # momentum
            "#EE6688",  # nesterov
            "#D24C88",  # nesterov-lookahead
            "#278C6A",  # adagrad
            "#AA62A8",  # rmsprop
            "#6A69FF",  # adam
            "#E69F00",  # prox-gd
            "#56B4E9",  # adamw
        ),
        extra=("#8888CC", "#BBBB55", "#CC79A7", "#4DA3E0"),
        relief="#59667a",
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
