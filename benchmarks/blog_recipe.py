"""The recipe blog posts use to animate optimizers, written the way they write it: NumPy loops
for the update rules, a contour plot, `FuncAnimation`, and `PillowWriter` for the GIF.

It is the baseline of benchmarks/render.py; run alone it writes one GIF:

    python benchmarks/blog_recipe.py OUT.gif
"""

from __future__ import annotations

import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.animation import FuncAnimation, PillowWriter  # noqa: E402
from matplotlib.colors import LogNorm  # noqa: E402


def beale(x, y):
    return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2


def beale_grad(p):
    x, y = p
    a, b, c = 1.5 - x + x * y, 2.25 - x + x * y**2, 2.625 - x + x * y**3
    return np.array(
        [
            2 * a * (y - 1) + 2 * b * (y**2 - 1) + 2 * c * (y**3 - 1),
            2 * a * x + 2 * b * 2 * x * y + 2 * c * 3 * x * y**2,
        ]
    )


def optimize(name, lr, x0, steps, rng):
    x = np.array(x0, dtype=float)
    v, s, m = np.zeros(2), np.zeros(2), np.zeros(2)
    path = [x.copy()]
    for t in range(1, steps + 1):
        g = beale_grad(x)
        if name == "sgd":
            g = g + rng.normal(size=2)
        if name in ("gd", "sgd"):
            x = x - lr * g
        elif name == "momentum":
            v = 0.9 * v + g
            x = x - lr * v
        elif name == "nesterov":
            v = 0.9 * v + g
            x = x - lr * (g + 0.9 * v)
        elif name == "adagrad":
            s = s + g * g
            x = x - lr * g / (np.sqrt(s) + 1e-10)
        elif name == "rmsprop":
            s = 0.99 * s + 0.01 * g * g
            x = x - lr * g / (np.sqrt(s) + 1e-8)
        elif name == "adam":
            m = 0.9 * m + 0.1 * g
            s = 0.999 * s + 0.001 * g * g
            x = x - lr * (m / (1 - 0.9**t)) / (np.sqrt(s / (1 - 0.999**t)) + 1e-8)
        path.append(x.copy())
    return np.array(path)


def render(out, optimizers, start=(1.0, 1.5), steps=300, frames=150, size=(640, 480)):
    """``optimizers``: (name, lr) pairs."""
    rng = np.random.default_rng(0)
    paths = {name: optimize(name, lr, start, steps, rng) for name, lr in optimizers}
    xs, ys = np.meshgrid(np.linspace(-4.5, 4.5, 200), np.linspace(-4.5, 4.5, 200))
    fig, ax = plt.subplots(figsize=(size[0] / 100, size[1] / 100), dpi=100)
    ax.contourf(
        xs,
        ys,
        beale(xs, ys),
        levels=np.logspace(-1, 5, 35),
        norm=LogNorm(),
        cmap=plt.cm.jet,
        alpha=0.6,
    )
    ax.plot(3, 0.5, "r*", markersize=15)
    lines = {name: ax.plot([], [], lw=2, label=name)[0] for name in paths}
    points = {name: ax.plot([], [], "o", color=lines[name].get_color())[0] for name in paths}
    ax.legend(loc="upper left")
    title = ax.set_title("")

    def animate(i):
        step = int(round(i * steps / (frames - 1)))
        for name, path in paths.items():
            lines[name].set_data(path[: step + 1, 0], path[: step + 1, 1])
            points[name].set_data([path[step, 0]], [path[step, 1]])
        title.set_text(f"step {step}")
        return [*lines.values(), *points.values(), title]

    anim = FuncAnimation(fig, animate, frames=frames, interval=33, blit=True)
    anim.save(out, writer=PillowWriter(fps=30))
    plt.close(fig)


if __name__ == "__main__":
    render(
        sys.argv[1],
        [
            ("gd", 0.0036),
            ("sgd", 0.0036),
            ("momentum", 0.00071),
            ("nesterov", 0.00071),
            ("adagrad", 0.9),
            ("rmsprop", 0.045),
            ("adam", 0.18),
        ],
    )
