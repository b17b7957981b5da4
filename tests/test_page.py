"""Interactive pages: what the file holds, checked in Python, and what it does, checked in a
real headless Chromium against `optviz.run` in float64."""

import functools
import json
import pathlib
import re

import browser
import jax
import numpy as np
from matplotlib.colors import to_rgb
import pytest
import surfaces
from click.testing import CliRunner

import optviz
from optviz import formula, gallery, presets, rules
from optviz.cli import main
from optviz.interactive import translate

FORMULA = "0.5*x**2 + 2*y**2 + sin(2*x)*cos(y) + exp(-x**2/4)"
STEPS = 120
RATES = (1.0, 3.0, 0.3)  # times each rule's preset rate: slow, fast (some diverge), slower
RTOL = 1e-6


def surface_of(name):
    return formula.surface(FORMULA) if name == "formula" else surfaces.get(name)


def data_of(text: str) -> dict:
    pattern = r'<script type="application/json" id="optviz-data">(.*?)</script>'
    block = re.search(pattern, text, re.S)
    return json.loads(block[1])


@pytest.fixture(scope="module")
def driver():
    with browser.chromium() as d:
        yield d


def write(tmp_path, traj, name="page.html", **kw):
    path = tmp_path / name
    optviz.page(traj, **kw).save(path)
    return path


# ---- the file ----------------------------------------------------------------------------


def test_numbers_are_written_to_read_back_exactly():
    for value in (0.1, 1e-5, -2.5, 1 / 3, 5e-324, 1.7976931348623157e308):
        text = translate.number(value)
        assert float(text.strip("()")) == value
    assert translate.number(float("nan")) == "NaN"
    assert translate.number(float("-inf")) == "(-Infinity)"
    assert translate.number(-0.0) == "(-0)"


def test_a_function_outside_the_translator_is_refused():
    with pytest.raises(translate.Unsupported, match="cumsum"):
        translate.function("f", lambda p: jax.numpy.cumsum(p)[-1], np.zeros(2))


def test_cli_page_writes_one_self_contained_file(tmp_path):
    out = tmp_path / "bowl.html"
    result = CliRunner().invoke(main, ["page", "bowl", "--steps", "20", "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert "default-src 'none'" in text  # the page may load nothing, not even from disk
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", text)
    assert len(data_of(text)["runs"]) == len(presets.LINEUP)


@pytest.mark.parametrize(
    "args",
    [
        ["bael"],
        ["bowl", "--opt", "adam:lr=-1"],
        ["x**"],
        ["bowl", "--size", "10x10"],
        ["bowl", "--start", "1"],
        ["bowl", "--bounds", "1,0,0,1"],
    ],
    ids=["surface", "spec", "formula", "size", "start", "bounds"],
)
def test_page_rejects_what_render_rejects_with_the_same_line(tmp_path, args):
    runner = CliRunner()
    rendered = runner.invoke(main, ["render", *args, "-o", str(tmp_path / "x.gif")])
    paged = runner.invoke(main, ["page", *args, "-o", str(tmp_path / "x.html")])
    assert rendered.exit_code == paged.exit_code == 2
    assert paged.output == rendered.output
    assert len(paged.output.strip().splitlines()) == 1
    assert not list(tmp_path.iterdir())


def test_page_refuses_what_a_page_cannot_show(tmp_path):
    runner = CliRunner()
    for args, message in (
        (["bowl", "-o", str(tmp_path / "x.gif")], "a page is a .html file"),
        (["bowl", "--layout", "grid", "-o", str(tmp_path / "x.html")], "overlay layout"),
        (
            ["bowl", "--opt", "gd", "--steps", "10001", "-o", str(tmp_path / "x.html")],
            "at most 10000 steps",
        ),
    ):
        result = runner.invoke(main, ["page", *args])
        assert result.exit_code == 2 and message in result.output
    result = runner.invoke(main, ["basins", "bowl", "--grid", "4", "-o", str(tmp_path / "b.html")])
    assert result.exit_code == 2 and "still image" in result.output


def test_animation_save_html_and_the_notebook_frame(tmp_path):
    traj = optviz.run("bowl", ["gd", "adam"], steps=10)
    anim = optviz.animate(traj, frames=5)
    path = anim.save(tmp_path / "a.html")
    assert data_of(path.read_text(encoding="utf-8"))["steps"] == 10
    frame = anim.page()._repr_html_()
    assert frame.startswith("<iframe srcdoc=") and "<script" not in frame


def test_user_text_reaches_the_page_only_as_escaped_data(tmp_path):
    bowl = surfaces.get("bowl")
    evil = "</script><script>alert(1)</script>&amp;"
    surface = surfaces.Surface(**{**vars(bowl), "name": evil, "formula": evil})
    traj = optviz.run(surface, ["gd"], steps=5)
    text = optviz.page(traj, title=evil).html
    assert evil not in text and "<script>alert" not in text
    assert text.count("<script") == 3  # the data block and the two scripts, nothing injected
    data = data_of(text)
    assert data["title"] == evil and data["surface"]["formula"] == evil


def test_runs_the_page_cannot_compute_are_shipped_fixed():
    optax = pytest.importorskip("optax")
    del optax
    traj = optviz.run("linreg", ["sgd", "optax:lion", "adam"], steps=10)
    runs = data_of(optviz.page(traj).html)["runs"]
    assert [bool(r["fixed"]) for r in runs] == [True, True, False]
    np.testing.assert_array_equal(np.array(runs[1]["path"]), traj.params[1])


def test_default_page_size():
    # The default scene of seven optimizers on the surface with the largest program (linreg's
    # 256 data points): at most 1.5 MB.
    surface = surfaces.get("linreg")
    traj = optviz.run(surface, presets.lineup(surface), steps=300)
    assert len(optviz.page(traj).html.encode()) <= 1_500_000


# ---- in the browser ----------------------------------------------------------------------


def reference(surface, runs, starts, shake=False, steps=STEPS):
    """`optviz.run` in float64 for the page's runs as they are set now (``shake``: with every
    learning rate one ulp larger)."""
    specs = [
        optviz.Spec(
            run["name"], **{**run["hparams"], "lr": float(np.nextafter(run["hparams"]["lr"], 1))}
        )
        if shake
        else optviz.Spec(run["name"], **run["hparams"])
        for run in runs
    ]
    with jax.enable_x64(True):
        return optviz.run(surface, specs, starts=starts, steps=steps)


def assert_same_path(page_path, ref, shaken, span, what):
    """The page's points against float64 optviz within RTOL (relative to the point, or to the
    window where a point is near 0).

    Where the dynamics are chaotic, rounding grows without bound: a one-ulp change of the
    learning rate (``shaken()``) moves the engine's own path by more than 1e-9 within a few dozen
    steps, an amplification of ten million, and a JavaScript Math.sqrt or a sum rounded in
    another order does the same to the page. There the page must agree within RTOL up to the
    step where the engine has drifted from itself by 1e-9."""
    scale = np.maximum(np.abs(ref), span)
    close = np.abs(page_path - ref) <= RTOL * scale
    if close.all():
        return True
    apart = np.abs(shaken() - ref) > 1e-9 * scale
    assert apart.any(), f"{what}: the page departs from optviz.run on stable dynamics"
    first = np.argmax(apart.any(-1))
    assert close[:first].all(), f"{what}: the page departs before the dynamics amplify rounding"
    return False


@pytest.mark.parametrize("name", ["bowl", "rosenbrock", "himmelblau", "formula"])
def test_page_paths_are_optviz_paths(driver, tmp_path, name):
    surface = surface_of(name)
    (x0, x1), (y0, y1) = surface.bounds
    starts = [surface.start, (x0 + 0.7 * (x1 - x0), y0 + 0.3 * (y1 - y0))]
    with jax.enable_x64(True):  # compiled once, for the page and the references alike
        traj = optviz.run(surface, list(rules.RULES), starts=starts, steps=STEPS)
    browser.load(driver, write(tmp_path, traj))
    base = driver.execute_script("return optviz.state.runs.map(r => r.hparams.lr)")
    page_starts = driver.execute_script("return optviz.state.starts")
    np.testing.assert_allclose(page_starts, starts, rtol=1e-7)
    exact = 0
    for rate in RATES:
        driver.execute_script(
            "arguments[0].forEach((lr, i) => optviz.set(i, {lr: lr * arguments[1]}))", base, rate
        )
        runs = driver.execute_script("return optviz.runs()")
        ref = reference(surface, runs, page_starts)
        shaken = functools.cache(lambda: reference(surface, runs, page_starts, shake=True))
        for i, run in enumerate(runs):
            what = f"{name} {run['label']}"
            path = np.array(run["path"]).reshape(len(starts), STEPS + 1, 2)
            for k in range(len(starts)):
                exact += assert_same_path(
                    path[k],
                    ref.params[i, k],
                    lambda i=i, k=k: shaken().params[i, k],
                    x1 - x0,
                    f"{what} start {k}",
                )
            assert run["diverged_at"] == ref.diverged_at[i].tolist(), what
    # Chaos is the exception: nearly every run matches to the last step.
    assert exact >= 0.9 * len(RATES) * len(rules.RULES) * len(starts)
    assert browser.console_errors(driver) == []


def wait_for_hash(driver, text):
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 3).until(lambda d: text in d.execute_script("return location.hash"))


def test_page_opens_offline_and_its_controls_work(driver, tmp_path):
    surface = surfaces.get("himmelblau")
    with jax.enable_x64(True):
        traj = optviz.run(surface, ["gd", "sgd", "momentum", "adam"], steps=STEPS)
    path = write(tmp_path, traj)
    browser.load(driver, path)
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    # Nothing but the file itself (and the image inside it) was requested; nothing went wrong.
    requested = [url for url in browser.requested(driver) if not url.startswith("data:")]
    assert requested == [path.resolve().as_uri()]
    assert browser.console_errors(driver) == []

    # A slider: the run is computed again at the new rate, as optviz computes it.
    slider = driver.find_element(By.ID, "slider-0-lr")
    slider.send_keys(Keys.ARROW_RIGHT * 20)
    run = driver.execute_script("return optviz.runs()[0]")
    assert run["hparams"]["lr"] == pytest.approx(0.01 * 10**0.2, rel=1e-2)
    label = driver.find_element(By.CSS_SELECTOR, "#run-0 label").text
    assert label == f"gd lr={run['hparams']['lr']:g}"
    with jax.enable_x64(True):
        ref = optviz.run(surface, [f"gd:lr={run['hparams']['lr']!r}"], steps=STEPS)
    np.testing.assert_allclose(
        np.reshape(run["path"], (STEPS + 1, 2)), ref.params[0, 0], rtol=RTOL
    )
    wait_for_hash(driver, f"lr:{run['hparams']['lr']!r}")
    command = driver.find_element(By.ID, "command").text
    assert f"--opt gd:lr={run['hparams']['lr']!r}" in command

    # A click on the map: every run starts from there.
    canvas = driver.find_element(By.ID, "map")
    ActionChains(driver).move_to_element_with_offset(canvas, 40, -60).click().perform()
    start = driver.execute_script("return optviz.state.starts")
    assert len(start) == 1 and start[0] != list(surface.start)
    runs = driver.execute_script("return optviz.runs()")
    for run in runs:
        assert run["path"][0][:2] == start[0]
    with jax.enable_x64(True):
        spec = f"momentum:lr={runs[2]['hparams']['lr']!r}"
        ref = optviz.run(surface, [spec], start=start[0], steps=STEPS)
    np.testing.assert_allclose(
        np.reshape(runs[2]["path"], (STEPS + 1, 2)), ref.params[0, 0], rtol=RTOL
    )
    shown = ",".join(re.sub(r"\.0$", "", repr(v)) for v in start[0])
    assert f"--start {shown} " in driver.find_element(By.ID, "command").text

    # A run hidden: not drawn, not in the command, remembered in the URL.
    driver.find_element(By.ID, "show-1").click()
    assert "--opt sgd" not in driver.find_element(By.ID, "command").text
    wait_for_hash(driver, "off=1")

    # The scrubber and the keyboard.
    driver.execute_script("optviz.moveTo(0); document.getElementById('play').click()")
    assert driver.find_element(By.ID, "play").text == "Pause"
    driver.find_element(By.TAG_NAME, "body").send_keys(Keys.SPACE)
    assert driver.find_element(By.ID, "play").text == "Play"
    driver.execute_script("optviz.moveTo(10)")
    driver.find_element(By.TAG_NAME, "body").send_keys(Keys.ARROW_RIGHT, Keys.ARROW_RIGHT)
    assert driver.find_element(By.ID, "counter").text == f"step 12 / {STEPS}"
    scrub = driver.find_element(By.ID, "scrub")
    scrub.send_keys(Keys.END)
    assert driver.find_element(By.ID, "counter").text == f"step {STEPS} / {STEPS}"
    assert browser.console_errors(driver) == []

    # The state is in the URL: opening it again shows the same runs.
    wait_for_hash(driver, f"t={STEPS}")
    url = driver.current_url
    before = driver.execute_script("return optviz.runs().map(r => r.path)")
    driver.get(url)
    driver.refresh()
    assert driver.execute_script("return optviz.runs().map(r => r.path)") == before


def test_heads_that_meet_share_a_ring_round_the_star_in_the_page(driver, tmp_path):
    # Three runs end at the bowl's minimum: each shows a slice of one ring round its star.
    traj = optviz.run("bowl", ["gd:lr=0.9", "adam:lr=0.3", "momentum:lr=0.1"], steps=300)
    browser.load(driver, write(tmp_path, traj))
    circle = """const [x, y] = optviz.toCanvas(...arguments[0]);
        const canvas = document.getElementById("map");
        const scale = canvas.width / canvas.getBoundingClientRect().width;
        const r = arguments[1] * optviz.data.theme.head * scale;
        const ctx = canvas.getContext("2d");
        const out = [];
        for (let a = 0; a < 360; a += 2) {
          const t = (a * Math.PI) / 180;
          const d = ctx.getImageData(
            Math.round(x * scale + r * Math.cos(t)), Math.round(y * scale + r * Math.sin(t)), 1, 1
          ).data;
          out.push([d[0], d[1], d[2]]);
        }
        return out;"""
    colours = driver.execute_script("return optviz.data.runs.map(r => r.colour)")
    M = driver.execute_script("return optviz.data.marks")

    def shows(ring, colour, at_least=10):
        target = np.round(np.array(to_rgb(colour)) * 255)
        return (np.abs(np.array(ring) - target).max(-1) <= 12).sum() >= at_least

    driver.execute_script("optviz.moveTo(300)")
    ring = driver.execute_script(circle, [0, 0], (M["star"] / 2 + M["band"] / 2) * 1.1)
    assert all(shows(ring, colour) for colour in colours)
    # At the first step, a ring of slices round the start's own ring, which shows over them.
    driver.execute_script("optviz.moveTo(0)")
    start = [float(v) for v in traj.starts[0]]
    ring = driver.execute_script(circle, start, (M["start"] / 2 + M["band"] / 2) * 1.1)
    assert all(shows(ring, colour) for colour in colours)
    own = np.array([driver.execute_script(circle, start, r) for r in (0.62, 0.68, 0.74)])
    assert (own.max(-1).min(0) < 170).mean() > 0.6  # a dark line round the ring (the halo: light)


def test_a_hostile_hash_or_title_changes_nothing(driver, tmp_path):
    traj = optviz.run("bowl", ["gd", "adam"], steps=20)
    evil = "<img src=x onerror=alert(1)>"
    path = write(tmp_path, traj, title=evil)
    driver.get(path.resolve().as_uri() + "#s=<b>&r0=lr:1e99,beta:x&t=-4&off=9")
    assert driver.find_element("id", "title").text == evil
    assert driver.execute_script("return document.images.length") == 1  # the contour map only
    state = driver.execute_script("return optviz.state")
    assert state["starts"] == [[-7.0, 2.0]] and state["step"] == 20
    lr = driver.execute_script("return optviz.runs()[0].hparams.lr")
    assert lr == dict(traj.specs[0].hparams)["lr"]
    assert browser.console_errors(driver) == []


def test_the_gallery_pages_open_offline_and_play(driver):
    from selenium.webdriver.support.ui import WebDriverWait

    root = pathlib.Path(__file__).resolve().parents[1] / "gallery"
    browser.load(driver, root / "index.html")
    assert driver.execute_script("return document.images[0].naturalWidth") > 0
    assert browser.console_errors(driver) == []
    for scene in gallery.load(root / "gallery.toml"):
        if not scene.interactive:
            continue
        path = root / scene.page
        browser.load(driver, path)
        requested = [url for url in browser.requested(driver) if not url.startswith("data:")]
        assert requested == [path.as_uri()]
        driver.execute_script("optviz.moveTo(0); document.getElementById('play').click()")
        WebDriverWait(driver, 3).until(lambda d: d.execute_script("return optviz.state.step") > 0)
        assert browser.console_errors(driver) == [], scene.name


def test_fixed_runs_show_their_note_and_disabled_sliders(driver, tmp_path):
    pytest.importorskip("optax")
    traj = optviz.run("linreg", ["sgd", "optax:lion", "adam"], steps=20)
    browser.load(driver, write(tmp_path, traj))
    from selenium.webdriver.common.by import By

    assert not driver.find_element(By.ID, "slider-1-learning_rate").is_enabled()
    assert not driver.find_element(By.ID, "slider-0-lr").is_enabled()
    assert driver.find_element(By.ID, "slider-2-lr").is_enabled()
    note = driver.find_element(By.CSS_SELECTOR, "#run-1 .run-note").text
    assert "at fixed settings and from the scene's starts" in note
    driver.execute_script("optviz.setStarts([[1, 1]])")
    runs = driver.execute_script("return optviz.runs()")
    np.testing.assert_array_equal(np.reshape(runs[1]["path"], (1, 21, 2)), traj.params[1])
    assert runs[2]["path"][0][:2] == [1, 1]
    assert "optax:lion:learning_rate=" in driver.find_element(By.ID, "command").text
    assert browser.console_errors(driver) == []


@pytest.mark.parametrize("name", ["ackley", "linreg"])
def test_every_kind_of_surface_program_runs_in_the_page(driver, tmp_path, name):
    # Sums over vectors and jnp.where inside a nested jit (Ackley), and 256 data points as
    # constants (linreg): gradient descent shows the surface's own value and gradient.
    surface = surfaces.get(name)
    with jax.enable_x64(True):
        traj = optviz.run(surface, ["gd"], steps=60)
    browser.load(driver, write(tmp_path, traj))
    runs = driver.execute_script("return optviz.runs()")
    starts = [list(surface.start)]
    ref = reference(surface, runs, starts, steps=60)
    shaken = functools.cache(lambda: reference(surface, runs, starts, shake=True, steps=60))
    (x0, x1), _ = surface.bounds
    path = np.reshape(runs[0]["path"], (61, 2))
    if assert_same_path(path, ref.params[0, 0], lambda: shaken().params[0, 0], x1 - x0, name):
        np.testing.assert_allclose(runs[0]["loss"][0], ref.loss[0, 0], rtol=RTOL)
    assert browser.console_errors(driver) == []
