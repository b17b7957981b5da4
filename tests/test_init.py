"""Clouds of starts: their distributions, seeds, errors, and zero initialization's saddle."""

import math

import numpy as np
import pytest
import surfaces
from click.testing import CliRunner

import optviz
from optviz import initialization, rules
from optviz.cli import main

N = initialization.MAX_STARTS


def ks_statistic(sample, cdf):
    """Kolmogorov-Smirnov distance between a sample and a distribution's CDF."""
    x = np.sort(sample)
    f = np.array([cdf(v) for v in x])
    n = len(x)
    return max(np.max(np.arange(1, n + 1) / n - f), np.max(f - np.arange(n) / n))


def normal_cdf(sigma, centre=0.0):
    return lambda v: 0.5 * (1 + math.erf((v - centre) / (sigma * math.sqrt(2))))


def uniform_cdf(a, centre=0.0):
    return lambda v: min(max((v - centre + a) / (2 * a), 0.0), 1.0)


KS_95 = 1.36 / math.sqrt(N)  # the 5% critical value of the KS distance


@pytest.mark.parametrize(
    "init,surface,cdf",
    [
        # One-unit layers: He is N(0, 2/fan_in) = N(0, 2); Xavier U(-a, a), a = sqrt(6/2).
        ("he", "neuron-relu", normal_cdf(math.sqrt(2))),
        ("xavier", "neuron-tanh", uniform_cdf(math.sqrt(3))),
        ("normal:0.3", "deep-linear", normal_cdf(0.3)),
        ("uniform:2", "neuron-sigmoid", uniform_cdf(2.0)),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_each_coordinate_follows_the_distribution(init, surface, cdf):
    cloud = initialization.draw(init, surfaces.get(surface), N, seed=3)
    assert cloud.shape == (N, 2)
    for coordinate in cloud.T:
        assert ks_statistic(coordinate, cdf) < KS_95
    # The two weights are drawn independently.
    assert abs(np.corrcoef(cloud.T)[0, 1]) < 4 / math.sqrt(N)


def test_he_and_xavier_scale_by_the_declared_fans():
    wide = surfaces.Surface(**{**vars(surfaces.get("deep-linear")), "fans": ((8, 2), (50, 1))})
    he = initialization.draw("he", wide, N, seed=1)
    np.testing.assert_allclose(he.std(0), [math.sqrt(2 / 8), math.sqrt(2 / 50)], rtol=0.03)
    xavier = initialization.draw("xavier", wide, N, seed=1)
    a = np.array([math.sqrt(6 / 10), math.sqrt(6 / 51)])
    assert np.all(np.abs(xavier) <= a) and np.all(np.abs(xavier).max(0) > 0.99 * a)
    np.testing.assert_allclose(xavier.var(0), 2 / np.array([10, 51]), rtol=0.04)


def test_off_a_network_the_cloud_is_centred_on_the_surface_start():
    bowl = surfaces.get("bowl")
    cloud = initialization.draw("normal:0.5", bowl, N, seed=0)
    np.testing.assert_allclose(cloud.mean(0), bowl.start, atol=4 * 0.5 / math.sqrt(N))
    np.testing.assert_allclose(cloud.std(0), 0.5, rtol=0.03)
    assert np.all(initialization.draw("zero", bowl, 5) == bowl.start)
    assert np.all(initialization.draw("zero", surfaces.get("neuron-relu"), 5) == 0.0)


def test_same_seed_same_cloud_and_another_seed_another():
    relu = surfaces.get("neuron-relu")
    a, b = (initialization.draw("he", relu, 50, seed=7) for _ in range(2))
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, initialization.draw("he", relu, 50, seed=8))
    traj = optviz.run("neuron-relu", ["gd:lr=0.1"], init="he", starts=50, steps=3, seed=7)
    np.testing.assert_array_equal(traj.starts, a.astype(traj.starts.dtype))
    assert optviz.run("neuron-relu", ["gd:lr=0.1"], init="he", steps=1).starts.shape == (100, 2)


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"init": "glorot"}, "unknown init 'glorot'; choose from: zero, normal:SIGMA"),
        ({"init": "normal"}, "init normal needs a scale, normal:SIGMA"),
        ({"init": "uniform:0"}, "A must be a finite number > 0, got 0"),
        ({"init": "he:2"}, "init he takes no scale"),
        ({"init": "he", "starts": 0}, "whole number from 1 to 10000, got 0"),
        ({"init": "he", "starts": 10**7}, "whole number from 1 to 10000, got 10000000"),
        ({"init": "he", "starts": [[0, 0]]}, "an init draws the starts"),
        ({"init": "he", "start": (0, 0)}, "an init draws the starts"),
        ({"starts": 5}, "starts=N draws N starts from an init: give init= too"),
    ],
)
def test_bad_clouds_are_refused_in_python(kwargs, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        optviz.run("deep-linear", ["gd"], steps=2, **kwargs)


def test_xavier_and_he_need_a_network_surface():
    with pytest.raises(ValueError, match="only network surfaces declare .*deep-linear.*bowl"):
        optviz.run("bowl", ["gd"], init="he", steps=2)


@pytest.mark.parametrize(
    "args,message",
    [
        (["--init", "glorot"], "Invalid value for '--init': unknown init 'glorot'"),
        (["--init", "he", "--starts", "0"], "Invalid value for '--starts'"),
        (["--init", "he", "--starts", "-3"], "Invalid value for '--starts'"),
        (["--init", "he", "--starts", "99999999"], "from 1 to 10000"),
        (["--starts", "5"], "--starts N draws N starts from --init; give --init too"),
        (["--init", "he", "--start", "1,1"], "give --start points or --init, not both"),
    ],
)
@pytest.mark.parametrize("command", ["render", "tune"])
def test_bad_clouds_are_one_line_and_exit_2_on_the_command_line(command, args, message):
    output = ["-o", "x.png"] if command == "render" else []
    result = CliRunner().invoke(main, [command, "deep-linear", *args, *output])
    assert result.exit_code == 2
    assert message in result.output and result.output.count("\n") <= 2


DETERMINISTIC = [name for name in rules.RULES if name != "sgd"] + ["optax:adam", "optax:lion"]


def test_zero_init_on_deep_linear_stays_on_the_saddle_for_every_deterministic_rule():
    """At w = 0 the gradient is exactly 0, and so is every deterministic rule's step."""
    traj = optviz.run("deep-linear", DETERMINISTIC, init="zero", starts=3, steps=200)
    assert np.all(traj.params == 0.0)
    assert np.all(traj.loss == 0.5)


def test_noisy_sgd_escapes_the_saddle_of_zero_init():
    traj = optviz.run("deep-linear", ["sgd:lr=0.05,noise=0.1"], init="zero", starts=20, steps=400)
    assert np.all(np.abs(traj.params[0, :, 1]).max(-1) > 0)  # it moved at the first step
    assert np.all(traj.loss[0, :, -1] < 0.01)  # and every run reached the curve of minima


def test_a_cloud_is_limited_by_the_trails_it_draws():
    traj = optviz.run("beale", ["gd"], init="normal:0.5", starts=1000, steps=300)
    optviz.animate(traj, frames=150)  # 1,000 short trails a frame: accepted
    with pytest.raises(ValueError, match="the limit is 30,000,000"):
        optviz.animate(traj, frames=150, layout="3d")  # 3-D draws 1,000 whole paths a frame
