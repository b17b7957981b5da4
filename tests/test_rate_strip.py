"""The lr(t) strip under the loss panel: drawn for scheduled runs, in step with the frames."""

import numpy as np
import optax
import pytest

import optviz
from optviz.labels import direct_labels
from optviz.scene import Scene, Style

STEPS = 40


@pytest.fixture(scope="module")
def scheduled():
    return optviz.run(
        "bowl",
        ["gd:lr=0.5,schedule=cosine", "adam:lr=0.3,schedule=warmup-cosine,warmup=8", "gd:lr=0.2"],
        steps=STEPS,
    )


def test_the_strip_draws_each_run_rate_up_to_the_step_shown(scheduled):
    scene = Scene(scheduled, Style(size=(320, 240), loss_panel=True), animated=False)
    assert scene.rates is not None
    expected = [
        [optax.cosine_decay_schedule(0.5, STEPS)(t) for t in range(STEPS)],
        [optax.warmup_cosine_decay_schedule(0.0, 0.3, 8, STEPS)(t) for t in range(STEPS)],
        [0.2] * STEPS,
    ]
    for step in (0, 17, STEPS - 1):
        scene.show(step)
        for line, rates in zip(scene.rates.lines, expected):
            x, y = line.get_data()
            np.testing.assert_array_equal(x, np.arange(step + 1))
            np.testing.assert_allclose(y, rates[: step + 1], rtol=1e-5, atol=1e-7)
        assert scene.rates.cursor.get_xdata()[0] == step == scene.loss.cursor.get_xdata()[0]
    # Under the loss panel, on the same steps, and the loss panel's step axis moved to it.
    strip, loss = scene.rates.cursor.axes, scene.loss.cursor.axes
    assert strip.get_position().y1 < loss.get_position().y0
    assert strip.get_xlim() == loss.get_xlim() == (0, STEPS)
    assert strip.get_xlabel() == "step" and loss.get_xlabel() == ""


def test_no_strip_without_a_schedule_or_without_a_loss_panel(scheduled):
    plain = optviz.run("bowl", ["gd:lr=0.5"], steps=10)
    assert Scene(plain, Style(size=(200, 150), loss_panel=True), animated=False).rates is None
    assert Scene(scheduled, Style(size=(200, 150)), animated=False).rates is None


def test_runs_that_differ_by_schedule_are_named_by_it(scheduled):
    specs = [optviz.parse_spec(s) for s in ("sgd:lr=0.1", "sgd:lr=0.1,schedule=step")]
    assert direct_labels(specs) == ["sgd constant", "sgd step"]
    assert direct_labels(scheduled.specs)[1] == "adam"


def test_an_animation_with_a_strip_renders(scheduled, tmp_path):
    path = tmp_path / "strip.gif"
    optviz.animate(scheduled, frames=4, size=(200, 150), loss_panel=True).save(path)
    from PIL import Image

    with Image.open(path) as gif:
        assert gif.size == (200, 150) and gif.n_frames >= 2
