"""Where a network surface's regions are, on its map: the plateau hatched and named, the curve
of minima dashed (the facts are the surface's own, `Surface.plateau` and `.minimum_set`)."""

from __future__ import annotations

import numpy as np

NAMED_ABOVE = 0.05  # share of the map a plateau must cover to have its name written on it


def mark_regions(ax, surface, X, Y, theme) -> None:
    """Hatch ``surface``'s plateau over the grid ``X``, ``Y`` and, where it is large enough,
    name it; draw its curve of minima as a dashed line. Nothing for a surface without them."""
    if surface.minimum_set is not None:
        for branch in surface.minimum_set.branches:
            x, y = np.asarray(branch).T
            ax.plot(x, y, color=theme.foreground, lw=0.9, ls=(0, (4, 3)), zorder=2)
    if surface.plateau is None:
        return
    inside = surface.plateau.contains(np.stack([X, Y], -1))
    if not inside.any():
        return
    hatch = ax.contourf(
        X, Y, inside.astype(float), levels=[0.5, 1.5], colors="none", hatches=["////"], zorder=1
    )
    hatch.set_edgecolor(theme.muted)
    hatch.set_linewidth(0)
    if inside.mean() > NAMED_ABOVE:
        x, y = X[inside], Y[inside]
        near = np.argmin((x - x.mean()) ** 2 + (y - y.mean()) ** 2)  # inside, near the middle
        ax.text(
            x[near],
            y[near],
            "dead" if surface.plateau.bound == 0 else "plateau",
            ha="center",
            va="center",
            color=theme.muted,
            style="italic",
            fontsize=theme.font_size * 0.85,
            zorder=2,
            bbox=dict(boxstyle="round,pad=0.15", lw=0, fc=theme.background, alpha=0.8),
        )
