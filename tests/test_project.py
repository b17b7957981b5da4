"""The project's promises about itself: CI runs exactly the README's test command."""

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_ci_runs_exactly_the_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)\n```", readme, re.S)
    install_and_render, install_and_test = blocks[0], blocks[1]
    assert install_and_render.startswith("python3 -m pip install -e .")
    assert "optviz render" in install_and_render
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()
    assert ci[-1] == install_and_test
    assert "pytest" in install_and_test and ".[test]" in install_and_test
