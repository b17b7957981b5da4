"""optviz in a real Jupyter notebook: a kernel is started, the cells run, and the outputs carry
the animation (inline HTML) and the plot (a PNG)."""

import base64

import nbformat
import pytest
from nbclient import NotebookClient

CELLS = [
    "import optviz\ntraj = optviz.run('bowl', ['gd:lr=0.9', 'adam:lr=0.3'], steps=12)\ntraj.labels",
    "optviz.animate(traj, frames=3, size=(160, 120))",
    "ax = optviz.plot(traj)",
]


@pytest.fixture(scope="module")
def executed():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])
    NotebookClient(nb, timeout=300, kernel_name="python3").execute()
    return nb


def test_the_run_is_shown(executed):
    text = executed.cells[0].outputs[0]["data"]["text/plain"]
    assert text == "('gd lr=0.9', 'adam lr=0.3')"


def test_the_animation_shows_inline_as_a_gif(executed):
    html = executed.cells[1].outputs[0]["data"]["text/html"]
    assert html.startswith('<img src="data:image/gif;base64,')
    gif = base64.b64decode(html.split("base64,")[1].split('"')[0])
    assert gif[:6] == b"GIF89a"


def test_the_plot_shows_as_a_figure(executed):
    outputs = executed.cells[2].outputs
    pngs = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(pngs) == 1
    assert base64.b64decode(pngs[0]["data"]["image/png"])[:8] == b"\x89PNG\r\n\x1a\n"
