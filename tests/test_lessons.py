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
    sig = surfaces.get("neuron-sigmoid")
    for init, sentence in (("normal:4", "{} of them begin on"), ("he", "against {} of 200 He")):
        traj = optviz.run(sig, ["gd:lr=0.9"], init=init, starts=200, steps=1, seed=0)
        assert sentence.format(sig.plateau.contains(traj.starts).sum()) in lesson("sigmoid-init")


def test_relu_cloud_counts_dead_starts():
    relu = surfaces.get("neuron-relu")
    traj = optviz.run(relu, ["gd:lr=0.1", "adam:lr=0.1"], init="he", starts=200, steps=300)
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
