"""Learning-rate schedules: the step taken at step t uses optax's schedule value at t."""

import os
import subprocess
import sys

import jax
import numpy as np
import optax
import pytest
from click.testing import CliRunner

import optviz
from optviz import schedules
from optviz.cli import main

STEPS, LR = 60, 0.5

# spec suffix -> optax's own schedule with the peak LR, written out independently
CASES = {
    "schedule=constant": optax.constant_schedule(LR),
    "schedule=constant,warmup=10": optax.warmup_constant_schedule(0.0, LR, 10),
    "schedule=step,every=20,decay=0.5": optax.exponential_decay(LR, 20, 0.5, staircase=True),
    "schedule=step": optax.exponential_decay(LR, STEPS // 3, 0.1, staircase=True),
    "schedule=exponential,every=10,decay=0.7": optax.exponential_decay(LR, 10, 0.7),
    "schedule=cosine": optax.cosine_decay_schedule(LR, STEPS),
    "schedule=cosine,end=0.1": optax.cosine_decay_schedule(LR, STEPS, alpha=0.1),
    "schedule=warmup-cosine,warmup=15": optax.warmup_cosine_decay_schedule(0.0, LR, 15, STEPS),
    "schedule=warmup-cosine": optax.warmup_cosine_decay_schedule(0.0, LR, STEPS // 10, STEPS),
    "schedule=one-cycle": optax.cosine_onecycle_schedule(STEPS, LR),
    "schedule=one-cycle,warmup=12": optax.cosine_onecycle_schedule(STEPS, LR, pct_start=0.2),
    "schedule=sgdr,every=20": optax.sgdr_schedule(
        [dict(init_value=0.0, peak_value=LR, decay_steps=20, warmup_steps=0, end_value=0.0)] * 3
    ),
}


@pytest.mark.parametrize("suffix", CASES)
def test_the_step_at_t_uses_optax_schedule_value_at_t(suffix):
    """On the bowl, gd's step in x is -lr_t x_t / 10: the rate taken is read off the path."""
    traj = optviz.run("bowl", [f"gd:lr={LR},{suffix}"], start=(-7.0, 2.0), steps=STEPS)
    x = traj.params[0, 0, :, 0].astype(float)
    taken = -(x[1:] - x[:-1]) / (x[:-1] / 10)
    expected = np.array([CASES[suffix](t) for t in range(STEPS)], dtype=float)
    np.testing.assert_allclose(taken, expected, rtol=2e-4, atol=1e-6)
    assert not np.allclose(expected, expected[0]) or suffix == "schedule=constant"
    drawn = schedules.values(traj.specs[0].schedule, LR, STEPS)  # what the lr(t) strip shows
    np.testing.assert_allclose(drawn, expected, rtol=1e-5, atol=1e-7)


SGDR_CYCLE = dict(init_value=0.0, peak_value=5e-4, decay_steps=30, warmup_steps=0, end_value=0.0)


def optax_path(transform, start, steps, fn):
    """A plain loop of an optax optimizer, the reference."""
    params = np.asarray(start, dtype=np.float32)
    state = transform.init(params)
    path = [params]
    for _ in range(steps):
        updates, state = transform.update(jax.grad(fn)(params), state, params)
        params = optax.apply_updates(params, updates)
        path.append(np.asarray(params))
    return np.array(path)


@pytest.mark.parametrize(
    "spec,reference",
    [
        (
            "adam:lr=0.3,schedule=warmup-cosine,warmup=20",
            lambda: optax.adam(optax.warmup_cosine_decay_schedule(0.0, 0.3, 20, 80)),
        ),
        (
            "momentum:lr=0.0005,schedule=sgdr,every=30",
            lambda: optax.sgd(optax.sgdr_schedule([SGDR_CYCLE] * 3), momentum=0.9),
        ),
        (
            "optax:adam:learning_rate=0.3,schedule=one-cycle",
            lambda: optax.adam(optax.cosine_onecycle_schedule(80, 0.3)),
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_scheduled_rules_follow_optax_step_by_step(spec, reference):
    traj = optviz.run("rosenbrock", [spec], start=(-1.2, 1.0), steps=80)
    expected = optax_path(reference(), (-1.2, 1.0), 80, traj.surface.fn)
    np.testing.assert_allclose(traj.params[0, 0], expected, rtol=2e-4, atol=2e-5)


def test_nesterov_lookahead_takes_no_schedule():
    """Its look-ahead form v <- b v - lr grad(x + b v) equals the form it is computed in only
    at a constant rate."""
    with pytest.raises(ValueError, match="nesterov-lookahead runs at a constant learning rate"):
        optviz.parse_spec("nesterov-lookahead:lr=0.3,schedule=cosine")


def test_tune_tunes_the_peak_of_a_schedule():
    (tuned,) = optviz.tune("bowl", ["gd:schedule=cosine,end=0.1"], steps=50, metric="final")
    assert tuned.spec.schedule == schedules.schedule("cosine", end=0.1)
    assert tuned.lr == dict(tuned.spec.hparams)["lr"]
    # The score of the best rate is that of running the tuned, scheduled spec (whose rate is
    # rounded to three digits), and not that of the constant rate.
    traj = optviz.run("bowl", [tuned.spec], steps=50)
    gap = max(float(traj.loss[0, 0, -1]) - 0.0, 1e-12)
    assert tuned.value == pytest.approx(np.log10(gap), abs=0.01)
    (plain,) = optviz.tune("bowl", ["gd"], steps=50, metric="final")
    assert abs(plain.value - tuned.value) > 0.1


def test_specs_with_schedules_read_back_and_compare():
    spec = optviz.parse_spec("sgd:lr=0.1,schedule=warmup-cosine,warmup=20,end=0.05")
    assert spec == optviz.Spec("sgd", lr=0.1, schedule="warmup-cosine", warmup=20, end=0.05)
    again = optviz.parse_spec(str(spec))
    assert again == spec and hash(again) == hash(spec)
    assert spec != optviz.Spec("sgd", lr=0.1)
    assert spec.replace(lr=0.3).schedule == spec.schedule


@pytest.mark.parametrize(
    "text,message",
    [
        ("sgd:schedule=cosin", "unknown schedule 'cosin'; choose from: constant, step"),
        ("sgd:schedule=cosine,warmup=20", "unknown hyper-parameter 'warmup' for sgd with"),
        ("sgd:warmup=20", "warmup is a schedule's: add schedule=NAME"),
        ("sgd:schedule=step,decay=2", "schedule step: decay must be in (0, 1], got 2"),
        ("sgd:schedule=step,every=2.5", "every must be a whole number of steps >= 1"),
        ("sgd:schedule=constant,warmup=-1", "warmup must be a whole number of steps >= 0"),
        ("sgd:schedule=cosine,end=x", "end must be a number, got 'x'"),
        ("sgd:schedule=cosine,schedule=step", "schedule is given twice"),
        ("optax:rmsprop:schedule=step,decay=0.5", "decay is a hyper-parameter of optax:rmsprop"),
    ],
)
def test_bad_schedules_are_one_line_errors(text, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        optviz.parse_spec(text)
    result = CliRunner().invoke(main, ["render", "bowl", "--opt", text, "-o", "x.png"])
    assert result.exit_code == 2 and result.output.count("\n") == 1
    assert message in result.output


def test_a_warmup_longer_than_the_run_is_refused_when_it_runs():
    with pytest.raises(ValueError, match=r"warmup=50 must be shorter than the run \(40 steps\)"):
        optviz.run("bowl", ["gd:schedule=warmup-cosine,warmup=50"], steps=40)
    result = CliRunner().invoke(
        main, ["render", "bowl", "--opt", "gd:schedule=warmup-cosine,warmup=50", "--steps", "40"]
    )
    assert result.exit_code == 2 and "must be shorter than the run" in result.output


def test_registered_optimizers_take_no_schedule():
    optviz.register("plain-gd", lambda learning_rate: optax.sgd(learning_rate))
    with pytest.raises(ValueError, match="plain-gd runs at a constant learning rate"):
        optviz.parse_spec("plain-gd:schedule=cosine")


def _imports_optax(*args, cache):
    code = (
        "import sys; from optviz.cli import main; "
        f"main({list(args)!r}, standalone_mode=False); print('optax' in sys.modules)"
    )
    env = dict(os.environ, OPTVIZ_CACHE=str(cache))
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    return out.stdout.strip().splitlines()[-1] == "True"


def test_a_plain_render_does_not_import_optax_and_a_schedule_does(tmp_path):
    render = ["render", "bowl", "--steps", "5", "--frames", "2", "--size", "200x150"]
    cache = tmp_path / "cache"  # empty: the runs are traced, not loaded compiled
    assert not _imports_optax(*render, "--opt", "adam", "-o", str(tmp_path / "a.png"), cache=cache)
    schedule = [*render, "--opt", "adam:schedule=cosine", "-o", str(tmp_path / "b.png")]
    assert _imports_optax(*schedule, cache=cache)
    # Run again, compiled code kept on disk is loaded and needs no optax at all.
    assert not _imports_optax(*schedule, cache=cache)
