"""The runner: shapes, labels, divergence, stochastic gradients, compilation, bad arguments."""

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import surfaces

import optviz
from optviz import runner


def test_shapes_labels_and_default_start():
    traj = optviz.run("beale", ["gd", "adam:lr=0.05,b1=0.8"], steps=7)
    assert traj.params.shape == (2, 1, 8, 2)
    assert traj.loss.shape == (2, 1, 8)
    assert traj.diverged_at.shape == (2, 1)
    np.testing.assert_allclose(traj.params[:, 0, 0], [surfaces.get("beale").start] * 2)
    assert traj.labels[1] == "adam lr=0.05 b1=0.8"
    assert traj.labels[0].startswith("gd lr=")
    assert traj.path("adam lr=0.05 b1=0.8").shape == (8, 2)
    np.testing.assert_array_equal(traj.path("adam"), traj.params[1, 0])
    # The loss is the surface's value at every recorded point.
    expected = jax.vmap(traj.surface.fn)(jnp.asarray(traj.params[1, 0]))
    np.testing.assert_allclose(traj.loss[1, 0], expected, rtol=1e-6)


def test_labels_show_non_default_hyperparameters_only():
    traj = optviz.run(
        "bowl",
        ["momentum:lr=0.1,beta=0.9", "momentum:lr=0.1,beta=0.5", "sgd:lr=0.1,noise=0.3"],
        steps=1,
    )
    assert traj.labels == ("momentum lr=0.1", "momentum lr=0.1 beta=0.5", "sgd lr=0.1 noise=0.3")
    assert optviz.run("linreg", ["sgd:lr=0.1"], steps=1).labels == ("sgd lr=0.1 batch=16",)


def test_specs_record_every_hyperparameter_used():
    traj = optviz.run("bowl", ["adam"], steps=1)
    assert dict(traj.specs[0].hparams) == {"lr": 0.3, "b1": 0.9, "b2": 0.999, "eps": 1e-8}


def test_many_starts_at_once_equal_one_start_at_a_time():
    starts = np.array([[-1.2, 1.0], [0.5, 2.5], [-1.9, -0.5], [1.5, 1.5]])
    specs = ["gd:lr=1e-3", "nesterov-lookahead:lr=2e-4", "adam:lr=0.02", "sgd:lr=1e-3,noise=2"]
    together = optviz.run("rosenbrock", specs, starts=starts, steps=60, seed=3)
    for i, start in enumerate(starts):
        alone = optviz.run("rosenbrock", specs, start=start, steps=60, seed=3)
        # SGD's noise too is the start's own, wherever the start sits among the others.
        np.testing.assert_allclose(alone.params[:, 0], together.params[:, i], rtol=1e-5, atol=1e-6)
    # Reversed, the starts keep their paths; another seed moves SGD's.
    backwards = optviz.run("rosenbrock", specs, starts=starts[::-1], steps=60, seed=3)
    np.testing.assert_array_equal(backwards.params[:, ::-1], together.params)
    other = optviz.run("rosenbrock", specs[3:], starts=starts, steps=60, seed=4)
    assert not np.allclose(other.params[0], together.params[3])


def test_a_mini_batch_is_the_starts_own_wherever_it_sits():
    starts = np.array([[1.0, 2.0], [0.0, -0.0], [3.0, 1.0]])
    together = optviz.run("linreg", ["sgd:lr=0.05"], starts=starts, steps=30, seed=1)
    alone = optviz.run("linreg", ["sgd:lr=0.05"], start=(0.0, 0.0), steps=30, seed=1)
    np.testing.assert_array_equal(alone.params[0, 0], together.params[0, 1])


def test_divergence_stops_at_the_last_finite_point_and_spares_the_others():
    traj = optviz.run("bowl", ["gd:lr=1.5", "adam:lr=0.3"], steps=100)
    assert np.all(np.isfinite(traj.params)) and np.all(np.isfinite(traj.loss))
    step = int(traj.diverged_at[0, 0])
    assert step > 0 and traj.diverged_at[1, 0] == -1
    path = traj.path(0)
    # GD on y with lr 1.5 multiplies y by (1 - 2 lr) = -2 each step until it leaves the window
    # by more than FAR half-widths; from then on it holds still.
    np.testing.assert_allclose(path[1:step, 1], 2.0 * (-2.0) ** np.arange(1, step), rtol=1e-5)
    assert np.all(path[step:] == path[step - 1])
    assert abs(path[step - 1, 1]) <= runner.FAR * 5 < abs(2.0 * 2.0**step)
    assert traj.loss[1, 0, -1] < 1e-3


def test_non_finite_gradients_count_as_divergence():
    log_surface = dataclasses.replace(
        surfaces.get("bowl"), name="log", fn=lambda p: jnp.log(p[0]) + p[1] ** 2
    )
    traj = optviz.run(log_surface, ["gd:lr=0.5"], start=(0.3, 0.0), steps=10)
    assert traj.diverged_at[0, 0] == 1
    assert np.all(np.isfinite(traj.params))
    assert np.all(traj.path(0)[1:] == traj.path(0)[0])


def test_sgd_is_reproducible_and_noise_zero_is_gd():
    a = optviz.run("bowl", ["sgd:lr=0.5,noise=1"], steps=50, seed=1)
    b = optviz.run("bowl", ["sgd:lr=0.5,noise=1"], steps=50, seed=1)
    c = optviz.run("bowl", ["sgd:lr=0.5,noise=1"], steps=50, seed=2)
    np.testing.assert_array_equal(a.params, b.params)
    assert np.abs(a.params - c.params).max() > 0.1
    assert type(a.seed) is int and a.seed == 1  # recorded as given
    exact = optviz.run("bowl", ["gd:lr=0.5", "sgd:lr=0.5,noise=0"], steps=50, seed=1)
    np.testing.assert_array_equal(exact.params[0], exact.params[1])


def test_sgd_noise_has_the_stated_std():
    starts = np.tile([[-7.0, 2.0]], (4000, 1))
    traj = optviz.run("bowl", ["sgd:lr=0.1,noise=0.7"], starts=starts, steps=1)
    noise = (traj.params[0, :, 0] - traj.params[0, :, 1]) / 0.1 - np.array([-0.7, 4.0])
    assert np.abs(noise.mean(0)).max() < 0.05
    np.testing.assert_allclose(noise.std(0), 0.7, rtol=0.05)


def test_sgd_on_linreg_uses_real_minibatches():
    surface = surfaces.get("linreg")
    full = optviz.run("linreg", ["gd:lr=0.05", f"sgd:lr=0.05,batch={surface.n_data}"], steps=40)
    np.testing.assert_array_equal(full.params[0], full.params[1])
    starts = np.tile([[0.0, 0.0]], (3000, 1))
    traj = optviz.run("linreg", ["sgd:lr=1,batch=8"], starts=starts, steps=1)
    grads = traj.params[0, :, 0] - traj.params[0, :, 1]
    exact = np.asarray(jax.grad(surface.fn)(jnp.zeros(2)))
    # Unbiased: the mean of mini-batch gradients is the full gradient ...
    np.testing.assert_allclose(grads.mean(0), exact, rtol=0.05)
    # ... and each is the gradient on 8 distinct data points: no two starts agree exactly,
    # and the spread shrinks with the batch.
    bigger = optviz.run("linreg", ["sgd:lr=1,batch=64"], starts=starts, steps=1)
    spread64 = (bigger.params[0, :, 0] - bigger.params[0, :, 1]).std(0)
    assert np.all(grads.std(0) > 2 * spread64)


def test_repeated_calls_with_the_same_shapes_do_not_recompile():
    traces = []

    def fn(p):
        traces.append(1)
        return p[0] ** 2 + p[1] ** 2

    counted = dataclasses.replace(surfaces.get("bowl"), name="counted", fn=fn)
    optviz.run(counted, ["adam:lr=0.1"], steps=20)
    first = len(traces)
    optviz.run(counted, ["adam:lr=0.2"], start=(1.0, 1.0), steps=20)
    optviz.run(counted, ["adam:lr=0.3,b1=0.5"], steps=20, seed=4)
    assert first > 0 and len(traces) == first
    optviz.run(counted, ["adam:lr=0.1"], steps=21)
    assert len(traces) > first


BAD = [
    (dict(surface="bael"), "unknown surface 'bael'; did you mean 'beale'"),
    (dict(steps=0), "steps must be a whole number from 1 to 10,000,000, got 0"),
    (dict(steps=2.5), "steps must be a whole number from 1 to 10,000,000"),
    (dict(starts=[[1.0, 2.0, 3.0]]), r"starts must have shape \(n, 2\)"),
    (dict(starts=[[1.0, np.nan]]), "starts must be finite"),
    (dict(start=(1.0, "a")), r"starts must be numbers"),
    (dict(starts=np.zeros((0, 2))), r"starts must have shape \(n, 2\) with n >= 1"),
    (dict(optimizers=[]), "no optimizers given"),
    (dict(optimizers=["adam:lr=-1"]), "adam: lr must be > 0"),
    (dict(start=(0, 0), starts=[[0, 0]]), "give start or starts, not both"),
    (dict(seed=-1), "seed must be a whole number from 0 to 4294967295, got -1"),
    (dict(seed=2**32), "seed must be a whole number from 0 to 4294967295, got 4294967296"),
    (dict(seed=1.5), "seed must be a whole number from 0 to 4294967295, got 1.5"),
]


@pytest.mark.parametrize("kwargs,message", BAD, ids=[m[:30] for _, m in BAD])
def test_bad_arguments_raise_one_clear_line(kwargs, message):
    args = dict(surface="beale", optimizers=["adam"], steps=3) | kwargs
    with pytest.raises(ValueError, match=message) as info:
        optviz.run(args.pop("surface"), args.pop("optimizers"), **args)
    assert "\n" not in str(info.value)


def _run_in_a_new_process(cache, code):
    """Run ``code`` (which prints JSON) in a fresh Python with ``cache`` as optviz's cache."""
    import json
    import subprocess
    import sys

    script = f"from optviz import runner; runner.use_compilation_cache({str(cache)!r})\n{code}"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_compiled_run_kept_on_disk_gives_the_same_paths_in_a_new_process(tmp_path):
    code = (
        "import json, optviz\n"
        "t = optviz.run('beale', ['sgd:noise=0.3', 'adam', 'nesterov'], steps=40, seed=3)\n"
        "print(json.dumps(t.params.tolist()))"
    )
    first = _run_in_a_new_process(tmp_path, code)
    kept = sorted((tmp_path / "runs").iterdir())
    assert len(kept) == 3  # one executable per optimizer, under its key
    again = _run_in_a_new_process(tmp_path, code)  # loaded, not traced
    fresh = optviz.run("beale", ["sgd:noise=0.3", "adam", "nesterov"], steps=40, seed=3).params
    np.testing.assert_array_equal(np.array(first), fresh)
    np.testing.assert_array_equal(np.array(again), fresh)
    # An entry that cannot be loaded is compiled again and replaced.
    kept[0].write_bytes(b"not an executable")
    np.testing.assert_array_equal(np.array(_run_in_a_new_process(tmp_path, code)), fresh)
    assert kept[0].stat().st_size > 1000


def test_only_runs_that_can_be_named_are_kept():
    from optviz import executables

    bowl = surfaces.get("bowl")
    args = ({"lr": 0.1}, jnp.zeros((1, 2)), jnp.zeros(1, jnp.uint32), jnp.uint32(0))
    assert executables.key(bowl, "gd", (), 10, args) is not None
    # Another number of steps or of starts is another executable.
    assert executables.key(bowl, "gd", (), 11, args) != executables.key(bowl, "gd", (), 10, args)
    more = (args[0], jnp.zeros((2, 2)), jnp.zeros(2, jnp.uint32), args[3])
    assert executables.key(bowl, "gd", (), 10, more) != executables.key(bowl, "gd", (), 10, args)
    # A surface of one's own (even a copy of a catalogue one) or an optax factory is not.
    assert executables.key(dataclasses.replace(bowl), "gd", (), 10, args) is None
    assert executables.key(bowl, lambda: None, (), 10, args) is None
