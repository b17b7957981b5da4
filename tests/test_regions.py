"""The map says where a network surface's plateau and curve of minima are."""

import numpy as np
import surfaces
from matplotlib.figure import Figure

from optviz import theme as themes
from optviz.drawing import surface_grid
from optviz.regions import mark_regions


def marked(name):
    surface = surfaces.get(name)
    ax = Figure().add_subplot()
    X, Y, _ = surface_grid(surface, surface.bounds)
    mark_regions(ax, surface, X, Y, themes.THEMES["light"])
    return surface, ax


def test_a_dead_region_is_hatched_and_named_and_the_curve_of_minima_drawn():
    relu, ax = marked("neuron-relu")
    assert [t.get_text() for t in ax.texts] == ["dead"]
    x, y = ax.texts[0].get_position()
    assert relu.plateau.contains(np.array([x, y]))
    hatched = [c for c in ax.collections if getattr(c, "hatches", [None])[0] == "////"]
    assert len(hatched) == 1
    (line,) = ax.lines
    np.testing.assert_array_equal(np.stack(line.get_data(), -1), relu.minimum_set.branches[0])


def test_a_small_plateau_is_hatched_without_a_word_and_plain_surfaces_get_nothing():
    deep, ax = marked("deep-linear")
    assert not ax.texts and len(ax.lines) == 2
    assert [c for c in ax.collections if getattr(c, "hatches", [None])[0] == "////"]
    _, plain = marked("bowl")
    assert not plain.texts and not plain.lines and not plain.collections
