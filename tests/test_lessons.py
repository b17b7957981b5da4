"""The numbers the training-problem scenes of the gallery state, computed again from runs."""

import pathlib

import numpy as np
import pytest
import surfaces

import optviz
from optviz import gallery

SCENES = {s.name: s for s in gallery.load(pathlib.Path(__file__).parents[1] / "gallery/gallery.toml")}


def lesson(name):
    return SCENES[name].lesson


def test_sigmoid_cloud_counts_starts_on_the_plateau():
    sig, n = surfaces.get("neuron-sigmoid"), SCENES["sigmoid-init"].starts
    runs = {
        init: optviz.run(sig, ["gd:lr=0.9", "adam:lr=0.3"], init=init, starts=n, steps=300)
        for init in ("normal:4", "he")
    }
    on = sig.plateau.contains(runs["normal:4"].starts)
    still = sig.plateau.contains(runs["normal:4"].params[0, :, -1]) & on
    below = {init: (traj.loss[:, :, -1] < 0.01).sum(1) for init, traj in runs.items()}
    text = lesson("sigmoid-init")
    assert f"{n} starts drawn from N(0, 4²): {on.sum()} of them begin on" in text
    assert f"against {sig.plateau.contains(runs['he'].starts).sum()} of {n} He starts" in text
    assert f"brought {below['normal:4'][0]} of the {n} below f = 0.01 but left {still.sum()}" in text
    assert f"{below['normal:4'][1]} of the {n} below 0.01" in text
    assert f"gradient descent brings {below['he'][0]} of {n} below 0.01" in text
    ended = sig.plateau.contains(runs["normal:4"].params[0, :, -1]).sum()
    assert f"In all, {ended} of gradient descent's runs end on the plateau" in text


def test_relu_cloud_counts_dead_starts():
    relu = surfaces.get("neuron-relu")
    n = SCENES["relu-dead"].starts
    traj = optviz.run(relu, ["gd:lr=0.1", "adam:lr=0.1"], init="he", starts=n, steps=300)
    dead = [relu.plateau.contains(traj.params[i, :, -1]).sum() for i in range(2)]
    reached = (traj.loss[:, :, -1] < 1e-3).sum(1)
    text = lesson("relu-dead")
    assert f"{relu.plateau.contains(traj.starts).sum()} begin dead" in text
    assert f"{dead[0]} of gradient descent's runs are dead and {reached[0]}" in text
    assert f"Adam loses {dead[1]} and brings {reached[1]}" in text


def test_deep_linear_cloud_times_and_zero_init():
    traj = optviz.run("deep-linear", ["gd:lr=0.3"], init="normal:0.01", starts=100, steps=100)
    reach = (traj.loss[0] < 0.01).argmax(1)
    assert (traj.loss[0, :, -1] < 0.01).all()
    assert f"by step {int(np.median(reach))} and the last at step {reach.max()}" in lesson(
        "deep-linear-init"
    )
    zero = optviz.run("deep-linear", ["gd:lr=0.3"], init="zero", starts=100, steps=100)
    assert np.all(zero.loss == 0.5) and "f stays 0.5 for all 100" in lesson("deep-linear-init")


@pytest.mark.parametrize(
    "spec,sentence",
    [
        ("sgd:lr=0.168,batch=256,schedule=cosine", "diverges at step {}."),
        ("sgd:lr=0.168,batch=256,schedule=constant,warmup=60", "diverges at step {}."),
    ],
)
def test_large_batch_divergence_steps(spec, sentence):
    traj = optviz.run("linreg", [spec], steps=300)
    assert sentence.format(traj.diverged_at[0, 0]) in lesson("large-batch-warmup")


def test_large_batch_with_warmup_trains():
    spec = "sgd:lr=0.168,batch=256,schedule=warmup-cosine,warmup=60"
    traj = optviz.run("linreg", [spec], steps=300)
    assert traj.diverged_at[0, 0] == -1 and traj.loss[0, 0, -1] - traj.surface.fmin < 1e-6
    assert "the run ends within 10⁻⁶ of f*" in lesson("large-batch-warmup")
