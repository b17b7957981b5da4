"""A headless Chromium for tests and benchmarks, driven by selenium.

Without the browser the tests that need it are skipped with a message that says how to install
it; under ``CI=true`` a missing browser is a failure (``.ci/run`` installs it).
"""

import contextlib
import json
import os
import pathlib
import shutil

import pytest

INSTALL = (
    "the browser tests need Chromium and its driver (Debian: apt-get install chromium "
    "chromium-driver) and selenium (pip install -e '.[test]')"
)


def _missing() -> str | None:
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed"
    if not (shutil.which("chromium") or shutil.which("chromium-browser")):
        return "chromium is not installed"
    if not shutil.which("chromedriver"):
        return "chromedriver is not installed"
    return None


def require() -> None:
    """Skip (or under CI=true, fail) unless the browser and its driver are here."""
    missing = _missing()
    if missing:
        message = f"{missing}: {INSTALL}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


@contextlib.contextmanager
def chromium(width: int = 1400, height: int = 1000):
    """A headless Chromium that keeps its console and network logs."""
    require()
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        f"--window-size={width},{height}",
    ):
        options.add_argument(argument)
    options.binary_location = shutil.which("chromium") or shutil.which("chromium-browser")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def load(driver, path) -> None:
    """Open ``path`` from disk, after dropping the logs of earlier pages."""
    driver.get_log("browser")
    driver.get_log("performance")
    driver.get(pathlib.Path(path).resolve().as_uri())


def console_errors(driver) -> list[str]:
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def requested(driver) -> list[str]:
    """Every URL the browser asked for since the logs were last read."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls
