"""The command line: exit codes, messages and what it prints."""

import re
import subprocess
import sys

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
        assert re.search(rf"^  {re.escape(name)} +{re.escape(surfaces.get(name).formula)}$",
                         result.output, re.M), name
    for name in rules.RULES:
        assert re.search(rf"^  {re.escape(name)} +{re.escape(rules.formula(name))}$",
                         result.output, re.M), name
    # Which Nesterov is which is said where people choose.
    assert "x ← x − lr·(g + β·v),  g = ∇f(x)" in result.output
    assert "v ← β·v − lr·∇f(x + β·v);  x ← x + v" in result.output


def test_python_dash_m_is_the_command():
    out = subprocess.run([sys.executable, "-m", "optviz", "--version"],
                         capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == f"optviz, version {optviz.__version__}"


def test_help_does_not_import_jax():
    code = "import sys; from optviz.cli import main; print('jax' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
