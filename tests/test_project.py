"""The project's promises about itself: CI runs exactly the README's test command, and the
README's own-optimizer example runs as written."""

import pathlib
import re

import numpy as np
from gifs import shown

from optviz import external

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


def test_the_readme_example_of_an_own_optimizer_runs_as_written(tmp_path, monkeypatch):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    (example,) = [b for b in re.findall(r"```python\n(.*?)\n```", readme, re.S) if "register" in b]
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(external, "_REGISTERED", {})
    names = {}
    exec(compile(example, "README.md", "exec"), names)
    assert [t.spec.name for t in names["tuned"]] == ["signum", "adam"]
    assert names["traj"].labels[0] == f"signum lr={names['tuned'][0].lr:g} (tuned)"
    frames, _ = shown(tmp_path / "signum.gif")
    assert 2 <= len(frames) <= 60  # at most the frames asked for: equal steps are merged
    # Signum moves every coordinate by exactly lr per step: a staircase.
    steps = np.abs(np.diff(names["traj"].path(0), axis=0))
    np.testing.assert_allclose(steps, names["tuned"][0].lr, rtol=1e-4)
