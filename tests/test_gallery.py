"""The gallery: its README never drifts from gallery.toml, and rendering is reproducible."""

import pathlib
import shlex

import pytest
from click.testing import CliRunner
from PIL import Image
from gifs import shown

from optviz import gallery
from optviz.cli import main

ROOT = pathlib.Path(__file__).resolve().parents[1]
TOML = ROOT / "gallery" / "gallery.toml"
SCENES = gallery.load(TOML)


def test_readme_matches_the_scenes():
    assert (ROOT / "gallery" / "README.md").read_text(encoding="utf-8") == gallery.readme(
        SCENES, "gallery"
    ), "gallery/README.md is stale: run `optviz gallery`"
    assert (ROOT / "gallery" / "index.html").read_text(encoding="utf-8") == gallery.index(
        SCENES, "gallery"
    ), "gallery/index.html is stale: run `optviz gallery`"


def test_at_least_five_scenes_are_interactive_pages():
    interactive = [s for s in SCENES if s.interactive]
    assert len(interactive) >= 5
    index = (ROOT / "gallery" / "index.html").read_text(encoding="utf-8")
    for scene in interactive:
        assert (ROOT / "gallery" / scene.page).read_text(encoding="utf-8").startswith("<!DOCTYPE")
        assert f'href="{scene.page}"' in index
        words = shlex.split(shlex.join(["optviz", *scene.page_args("gallery")]))
        ctx = main.get_command(None, "page").make_context("page", words[2:])
        assert ctx.params["output"] == pathlib.Path("gallery") / scene.page


@pytest.mark.parametrize("scene", SCENES, ids=lambda s: s.name)
def test_every_picture_is_there_with_its_frames(scene):
    path = ROOT / "gallery" / scene.filename
    assert path.stat().st_size < 450_000
    options = dict(scene.options)
    if scene.format != "gif":
        with Image.open(path) as im:
            assert getattr(im, "n_frames", 1) == 1
        return
    frames, durations = shown(path)
    assert 2 <= len(frames) <= options.get("frames", 150)
    # Long enough to talk over: the first frame held a second, the last 2.5 s.
    assert 8000 <= sum(durations) <= 12000 and durations[0] == 1000 and durations[-1] == 2500


def test_the_gallery_stays_small():
    assert sum(p.stat().st_size for p in (ROOT / "gallery").iterdir()) < 10_000_000


@pytest.mark.parametrize("scene", SCENES, ids=lambda s: s.name)
def test_every_command_line_is_a_valid_command(scene):
    words = shlex.split(scene.command_line("gallery"))
    assert words[0] == "optviz" and words[1:] == scene.args("gallery")
    command = main.get_command(None, words[1])
    ctx = command.make_context(words[1], words[2:])  # raises on anything it would refuse
    assert ctx.params["output"] == pathlib.Path("gallery") / scene.filename
    assert ctx.params.get("theme", "light") == dict(scene.options).get("theme", "light")


def test_the_gallery_teaches_what_a_course_teaches():
    assert len(SCENES) >= 12
    surfaces = {s.surface for s in SCENES}
    assert {
        "bowl",
        "saddle",
        "linreg",
        "rosenbrock",
        "himmelblau",
        "rastrigin",
        "beale",
    } <= surfaces
    options = [dict(s.options) for s in SCENES]
    assert any(o.get("theme") == "dark" for o in options)
    assert any(o.get("layout") == "grid" for o in options)
    dlfs = next(s for s in SCENES if s.name == "bowl-dlfs")
    assert dlfs.starts == ((-7.0, 2.0),)
    assert set(dlfs.optimizers) == {
        "gd:lr=0.95",
        "momentum:lr=0.1",
        "adagrad:lr=1.5",
        "adam:lr=0.3",
    }
    beale = next(s for s in SCENES if s.name == "beale")
    assert beale.optimizers == ()  # the default render


TINY = """
[[scene]]
name = "tiny"
title = "Tiny"
lesson = "Two optimizers on the bowl."
surface = "bowl"
optimizers = ["gd:lr=0.5", "sgd:lr=0.5,noise=0.5"]
steps = 8
frames = 4
size = "160x120"
"""


def test_regenerating_is_reproducible(tmp_path):
    (tmp_path / "gallery.toml").write_text(TINY)
    runner = CliRunner()
    first = runner.invoke(main, ["gallery", str(tmp_path / "gallery.toml")])
    assert first.exit_code == 0, first.output
    assert "[1/1] tiny" in first.stderr
    data = (tmp_path / "tiny.gif").read_bytes()
    readme = (tmp_path / "README.md").read_text()
    assert "![Tiny](tiny.gif)" in readme and "Two optimizers on the bowl." in readme
    second = runner.invoke(main, ["gallery", str(tmp_path / "gallery.toml"), "--only", "tiny"])
    assert second.exit_code == 0
    assert (tmp_path / "tiny.gif").read_bytes() == data


@pytest.mark.parametrize(
    "text,message",
    [
        (TINY + 'colour = "red"\n', "unknown key 'colour'"),
        (TINY.replace('title = "Tiny"\n', ""), "missing 'title'"),
        (TINY + TINY, "two scenes are called 'tiny'"),
        ("", "no [[scene]] tables"),
        ("[[scene]\n", "gallery.toml: "),
    ],
)
def test_bad_gallery_files_are_one_line(tmp_path, text, message):
    (tmp_path / "gallery.toml").write_text(text)
    result = CliRunner().invoke(main, ["gallery", str(tmp_path / "gallery.toml")])
    assert result.exit_code == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_an_interactive_scene_gets_its_page_and_the_index_escapes_text(tmp_path):
    toml = TINY.replace('title = "Tiny"', 'title = "Tiny <b>bold</b>"') + "interactive = true\n"
    (tmp_path / "gallery.toml").write_text(toml)
    result = CliRunner().invoke(main, ["gallery", str(tmp_path / "gallery.toml")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "tiny.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "Tiny &lt;b&gt;bold&lt;/b&gt;" in index and "<b>" not in index
    assert '<a class="play" href="tiny.html">' in index and "<script" not in index
    bad = TINY.replace('size = "160x120"', 'layout = "grid"') + "interactive = true\n"
    (tmp_path / "gallery.toml").write_text(bad)
    result = CliRunner().invoke(main, ["gallery", str(tmp_path / "gallery.toml")])
    assert result.exit_code == 2 and "overlay layout can be interactive" in result.stderr


def test_only_names_a_scene(tmp_path):
    (tmp_path / "gallery.toml").write_text(TINY)
    result = CliRunner().invoke(main, ["gallery", str(tmp_path / "gallery.toml"), "--only", "huge"])
    assert result.exit_code == 2 and "no scene 'huge'; scenes: tiny" in result.stderr
