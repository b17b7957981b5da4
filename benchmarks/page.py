"""Interactive pages: how large the default page is, and how long a slider drag or a click takes
to recompute and redraw every run, measured in a headless Chromium.

The default scene is `optviz page SURFACE`: the seven classic optimizers, 300 steps. A drag is
a slider's ``input`` event (all the page does for it: recompute that run, redraw the map and
the loss panel); a click on the map recomputes all seven runs from there and redraws. Both are
synchronous, so the time from dispatching the event to its return is the whole cost (best,
median and 90th percentile of 60). Targets: at most 1.5 MB, at most 16 ms.

    python benchmarks/page.py [SURFACE ...]
"""

from __future__ import annotations

import pathlib
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "tests"))

import browser  # noqa: E402

import optviz  # noqa: E402
from optviz import presets, runner  # noqa: E402

SURFACES = ("rosenbrock", "himmelblau", "linreg")
REPEATS = 60

MEASURE = """
const [kind, repeats] = arguments;
const times = [];
const slider = document.getElementById("slider-6-lr");
const map = document.getElementById("map");
const box = map.getBoundingClientRect();
for (let i = 0; i < repeats; i++) {
  const begin = performance.now();
  if (kind === "drag") {
    slider.value = String(Number(slider.min) + (i % 20) * 0.05 * (slider.max - slider.min));
    slider.dispatchEvent(new Event("input"));
  } else {
    const x = box.left + box.width * (0.3 + 0.4 * ((i * 7) % 10) / 10);
    const y = box.top + box.height * (0.3 + 0.4 * ((i * 3) % 10) / 10);
    map.dispatchEvent(new MouseEvent("click", {clientX: x, clientY: y, bubbles: true}));
    optviz.moveTo(optviz.data.steps);
  }
  times.push(performance.now() - begin);
}
times.sort((a, b) => a - b);
return [times[0], times[times.length >> 1], times[Math.floor(times.length * 0.9)]];
"""


def main(names) -> None:
    print(f"{'surface':<12} {'page size':>10} {'drag best / median / p90':>26}"
          f" {'click best / median / p90':>27}")
    with browser.chromium() as driver, tempfile.TemporaryDirectory() as folder:
        for name in names:
            surface = runner.as_surface(name)
            traj = optviz.run(surface, presets.lineup(surface), steps=300)
            path = optviz.page(traj).save(pathlib.Path(folder) / f"{name}.html")
            browser.load(driver, path)
            size = path.stat().st_size
            drag = driver.execute_script(MEASURE, "drag", REPEATS)
            click = driver.execute_script(MEASURE, "click", REPEATS)
            print(
                f"{name:<12} {size / 1e6:>7.2f} MB"
                + "".join(f" {a:>9.1f} / {b:>4.1f} / {c:>5.1f} ms" for a, b, c in (drag, click))
            )


if __name__ == "__main__":
    main(sys.argv[1:] or SURFACES)
