"""The command line: exit codes, messages and what it prints."""

import os
import re
import subprocess
import sys

import pytest
from gifs import shown
import surfaces
from click.testing import CliRunner

import optviz
from optviz import rules
from optviz.cli import main


def invoke(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_version():
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.output.strip() == f"optviz, version {optviz.__version__}"


def test_list_prints_every_surface_and_optimizer_with_its_formula():
    result = invoke("list")
    assert result.exit_code == 0
    for name in surfaces.names():
        assert re.search(
            rf"^  {re.escape(name)} +{re.escape(surfaces.get(name).formula)}$", result.output, re.M
        ), name
    for name in rules.RULES:
        assert re.search(
            rf"^  {re.escape(name)} +{re.escape(rules.formula(name))}$", result.output, re.M
        ), name
    # Which Nesterov is which is said where people choose.
    assert "x ← x − lr·(g + β·v),  g = ∇f(x)" in result.output
    assert "v ← β·v − lr·∇f(x + β·v);  x ← x + v" in result.output


def test_python_dash_m_is_the_command():
    out = subprocess.run(
        [sys.executable, "-m", "optviz", "--version"], capture_output=True, text=True
    )
    assert out.returncode == 0 and out.stdout.strip() == f"optviz, version {optviz.__version__}"


def test_a_whole_mp4_render_prints_only_its_path(tmp_path):
    pytest.importorskip("imageio_ffmpeg")
    out = tmp_path / "a.mp4"
    args = ["render", "bowl", "--steps", "6", "--frames", "3", "--size", "160x120", "-o", str(out)]
    result = subprocess.run([sys.executable, "-m", "optviz", *args], capture_output=True, text=True)
    # Starting ffmpeg from a process with jax's threads must not fork Python (jax warns then).
    assert (result.returncode, result.stdout, result.stderr) == (0, f"{out}\n", "")
    assert out.stat().st_size > 0


def test_help_does_not_import_jax():
    code = "import sys; from optviz.cli import main; print('jax' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def render(tmp_path, *args):
    out = tmp_path / "out.gif"
    base = ["render", "bowl", "--steps", "6", "--frames", "3", "--size", "160x120", "-o", str(out)]
    return CliRunner().invoke(main, base + list(args)), out


def test_render_prints_only_the_output_path(tmp_path):
    result, out = render(
        tmp_path, "--opt", "adam:lr=0.3", "--opt", "gd:lr=0.5", "--start", "-5,1", "--start", "3,-2"
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{out}\n" and result.stderr == ""
    frames, _ = shown(out)
    assert len(frames) == 3 and frames[0].size == (160, 120)


def test_render_takes_a_formula(tmp_path):
    result, out = render(tmp_path, "--opt", "gd:lr=0.05")
    result = CliRunner().invoke(
        main,
        [
            "render",
            "x**2 + 10*y**2",
            "--bounds",
            "-3,3,-2,2",
            "--steps",
            "5",
            "--frames",
            "2",
            "--size",
            "160x120",
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert out.exists()


def test_a_diverging_optimizer_is_not_an_error(tmp_path):
    result, out = render(tmp_path, "--opt", "gd:lr=5", "--steps", "30")
    assert result.exit_code == 0 and out.exists()


BAD = [
    (["render", "bael"], "unknown surface 'bael'; did you mean 'beale'"),
    (["render", "bowl", "--opt", "adm"], "unknown optimizer 'adm'; did you mean 'adam'"),
    (["render", "bowl", "--opt", "adam:lr=-1"], "adam: lr must be > 0, got -1"),
    (["render", "bowl", "--steps", "0"], "'--steps': 0 is not in the range 1<=x<=10000000"),
    (["render", "bowl", "--frames", "0"], "'--frames': 0 is not in the range 1<=x<=10000"),
    (["render", "bowl", "--fps", "0"], "'--fps': 0 is not in the range 1<=x<=60"),
    (["render", "bowl", "--start", "1"], "expected X,Y, got '1'"),
    (["render", "bowl", "--seed", "-1"], "'--seed': -1 is not in the range 0<=x<=4294967295"),
    (["render", "bowl", "--start", "1,nan"], "X,Y must be finite numbers"),
    (["render", "bowl", "--size", "big"], "expected WxH in pixels"),
    (["render", "bowl", "--size", "10x10"], "size must be between 64x64 and 4096x4096"),
    (["render", "bowl", "--bounds", "1,0,0,1"], "need XMIN < XMAX and YMIN < YMAX"),
    (["render", "bowl", "--layout", "stack"], "'stack' is not one of 'overlay', 'grid'"),
    (["render", "bowl", "-o", "out.bmp"], "cannot write '.bmp' (out.bmp); use one of: .gif"),
    (
        ["render", "bowl", "-o", "no/such/dir/out.gif"],
        "output directory 'no/such/dir' does not exist",
    ),
    (
        ["render", "__import__('os').system('touch pwned')"],
        "formula: calling \"__import__('os').system\" is not allowed",
    ),
    (["render", "x.real"], "attribute ('x.real') is not allowed"),
    (["render", "x[0] + y"], "subscript ('x[0]') is not allowed"),
    (["render", "x ^ 2"], "write powers as **"),
    (["show", "nowhere"], "unknown surface 'nowhere'"),
]


@pytest.mark.parametrize("args,message", BAD, ids=[" ".join(a)[:40] for a, _ in BAD])
def test_bad_input_is_one_line_and_exit_code_2(args, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ")
    assert message in lines[0], lines[0]
    assert os.listdir(tmp_path) == []  # nothing written, nothing run


def test_a_failed_render_keeps_the_existing_file(tmp_path, monkeypatch):
    out = tmp_path / "keep.gif"
    out.write_bytes(b"good")
    from optviz import encoders

    def broken(self, frame, duration_ms):
        raise ValueError("encoder broke")

    monkeypatch.setattr(encoders.GifEncoder, "add", broken)
    result = CliRunner().invoke(
        main,
        ["render", "bowl", "--steps", "4", "--frames", "2", "--size", "160x120", "-o", str(out)],
    )
    assert result.exit_code == 2 and "encoder broke" in result.stderr
    assert out.read_bytes() == b"good" and os.listdir(tmp_path) == ["keep.gif"]


def test_show_prints_the_facts():
    result = CliRunner().invoke(main, ["show", "himmelblau"])
    assert result.exit_code == 0
    assert "himmelblau: (x² + y − 11)² + (x + y² − 7)²" in result.stdout
    assert "(3, 2), (-2.80512, 3.13131)" in result.stdout and "f* = 0" in result.stdout
    assert "start    (0.5, -0.5)" in result.stdout
    assert "default  gd:lr=0.01 sgd:lr=0.01,noise=3" in result.stdout
    assert "local" not in result.stdout  # its four minima are all global
    trap = CliRunner().invoke(main, ["show", "styblinski-tang"]).stdout
    assert "local    (2.7468, -2.90353), (-2.90353, 2.7468), (2.7468, 2.7468)\n" in trap
