"""`usvmask review` end to end in a real browser: Debian's Chromium driven by Playwright (no browser download).

Skipped, with the reason, where Playwright or Chromium is missing (`apt-get install chromium`; another binary can
be named in USVMASK_CHROMIUM). Screenshots go to pytest's temporary folder, or to the folder named in
USVMASK_SCREENSHOTS (`USVMASK_SCREENSHOTS=reports/figures` refreshes the committed review_*.png); the keyboard test
prints the time to review 50 images (pytest -s shows it).
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from usvmask.data.dataset import Dataset, load_dataset, load_masks, write_dataset
from usvmask.data.store import write_stack
from usvmask.pipeline.corrections import import_corrections
from usvmask.review.session import decode_runs

CHROMIUM = Path(os.environ.get("USVMASK_CHROMIUM", "/usr/bin/chromium"))
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
START_S = 90  # the server's start (imports, reading the images) on a busy 2-core machine


class Server:
    """`usvmask review` in a subprocess, on a fixed port once it has one (so a restart keeps the page's address)."""

    def __init__(self, args: list[str], log: Path) -> None:
        self.args, self.log, self.port, self.proc = args, log, 0, None

    def start(self) -> Server:
        cmd = [sys.executable, "-m", "usvmask.cli", "review", *self.args, "--port", str(self.port)]
        with open(self.log, "a") as log:
            self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log, text=True)
        ready, _, _ = select.select([self.proc.stdout], [], [], START_S)
        line = self.proc.stdout.readline() if ready else ""
        assert "http://127.0.0.1:" in line, f"server did not start: {line!r}\n{self.log.read_text()[-2000:]}"
        self.port = int(line.split("http://127.0.0.1:")[1].split("/")[0])
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def get(self, path: str) -> dict:
        with urllib.request.urlopen(self.url + path.lstrip("/"), timeout=10) as response:
            return json.load(response)

    def kill(self) -> None:
        self.proc.kill()  # SIGKILL: no clean-up of any kind
        self.proc.wait()


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    """Where the screenshots go: USVMASK_SCREENSHOTS if set, else a temporary folder (never the repository)."""
    folder = os.environ.get("USVMASK_SCREENSHOTS")
    out = Path(folder) if folder else tmp_path_factory.mktemp("screenshots")
    out.mkdir(parents=True, exist_ok=True)
    return out


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is needed: pip install -e '.[test]'")
    if not CHROMIUM.is_file():
        pytest.skip(f"no Chromium at {CHROMIUM}: apt-get install chromium (or set USVMASK_CHROMIUM)")
    playwright = sync_api.sync_playwright().start()
    chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
    yield chromium
    chromium.close()
    playwright.stop()


def _server(inputs: dict, out: Path, tmp_path: Path, compare: bool = True) -> Server:
    args = ["--data", str(inputs["data"]), "--masks", str(inputs["masks"]), "--out", str(out)]
    return Server(args + (["--compare", str(inputs["previous"])] if compare else []), tmp_path / "server.log")


@pytest.fixture
def tabs(browser):
    """A browser profile of its own (tabs opened in it share localStorage, as in a person's browser)."""
    context = browser.new_context(viewport={"width": 1300, "height": 900}, bypass_csp=True)  # waits evaluate JS
    yield context
    context.close()


def _page(tabs, server: Server):
    page = tabs.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(server.url)
    page.wait_for_selector("body[data-shown]", timeout=30_000)
    return page


def _open(page, name: str) -> None:
    page.click(f'#queue li[data-name="{name}"]')
    page.wait_for_function(f"document.body.dataset.shown === '{name}'")


def _saved(page) -> None:
    page.wait_for_function("document.body.dataset.pending === '0'", timeout=30_000)


def _drag(page, points: list[tuple[int, int]]) -> None:
    """A mouse stroke through canvas-relative points."""
    box = page.locator("#view").bounding_box()
    page.mouse.move(box["x"] + points[0][0], box["y"] + points[0][1])
    page.mouse.down()
    for x, y in points[1:]:
        page.mouse.move(box["x"] + x, box["y"] + y, steps=8)
    page.mouse.up()


def _area(server: Server, name: str) -> int:
    return int(decode_runs(server.get(f"/api/items/{name}")["mask"], (227, 227)).sum())


def _pixel(page, x: int, y: int) -> list[int]:
    return page.evaluate(f"Array.from(document.getElementById('view').getContext('2d').getImageData({x}, {y}, 1, 1)"
                         ".data)")


def _paint_polygon_undo_redo(page, server: Server, shots: Path) -> tuple[str, int]:
    """A brush stroke on the first image, then a polygon, undone, redone, undone; returns (name, stroke area)."""
    first = page.evaluate("document.body.dataset.shown")
    _drag(page, [(120, 120), (300, 160), (500, 200)])  # brush (the default tool), canvas pixels
    _saved(page)
    page.screenshot(path=str(shots / "review_editor.png"))
    stroke = _area(server, first)
    assert server.get(f"/api/items/{first}")["decision"] == "edit" and stroke > 100
    page.keyboard.press("p")  # polygon: four clicks, Enter fills
    box = page.locator("#view").bounding_box()
    for x, y in ((560, 400), (700, 400), (700, 600), (560, 600)):
        page.mouse.click(box["x"] + x, box["y"] + y)
    for key, grown in (("Enter", True), ("Control+z", False), ("Control+Shift+z", True), ("Control+z", False)):
        page.keyboard.press(key)
        _saved(page)
        assert (_area(server, first) > stroke + 2000) if grown else (_area(server, first) == stroke), key
    return first, stroke


def _clear_accept_reload(page, server: Server, shots: Path, first: str, noise: str, accepted: str) -> None:
    _open(page, noise)
    page.keyboard.press("n")  # noise: clear all (and on to the next)
    _open(page, accepted)
    page.keyboard.press(" ")  # accept as is
    _saved(page)
    assert server.get(f"/api/items/{noise}")["decision"] == "noise" and _area(server, noise) == 0
    assert server.get(f"/api/items/{accepted}")["decision"] == "accept"
    page.reload()
    page.wait_for_selector("body[data-shown]")
    classes = {n: page.get_attribute(f'#queue li[data-name="{n}"]', "class") for n in (first, noise, accepted)}
    assert "edit" in classes[first] and "noise" in classes[noise] and "accept" in classes[accepted]
    _open(page, first)
    red, green, *_ = _pixel(page, 300, 160)  # on the stroke: the red overlay is back after the reload
    assert red > green + 40 and "edited" in page.inner_text("#facts")
    page.screenshot(path=str(shots / "review_reloaded.png"))


def _second_tab_conflict(tabs, page, server: Server, shots: Path, contested: str) -> None:
    other = _page(tabs, server)
    _open(page, contested)
    _open(other, contested)
    page.screenshot(path=str(shots / "review_call.png"))
    page.keyboard.press("n")
    _saved(page)
    _drag(other, [(200, 300), (400, 300)])  # painted on the version the first tab has replaced
    other.wait_for_selector("#banner:not([hidden])")
    assert "another tab or by another reviewer" in other.inner_text("#banner")
    other.screenshot(path=str(shots / "review_conflict.png"))
    other.click("#banner-reload")
    other.wait_for_function("document.body.dataset.status === 'noise'")
    other.close()
    assert server.get(f"/api/items/{contested}")["decision"] == "noise" and _area(server, contested) == 0


def _decide_offline_close_restart(tabs, page, server: Server, shots: Path, offline: str):
    """Kill the server, decide, close the tab, restart: a new tab sends the decision. Returns the new tab."""
    _open(page, offline)
    server.kill()
    page.keyboard.press("n")  # decided while the server is dead ...
    page.wait_for_function("document.body.dataset.pending === '1'")
    page.wait_for_selector("#savestate.bad")
    page.screenshot(path=str(shots / "review_offline.png"))
    page.close()  # ... and the tab closed before it could be sent
    server.start()  # same port, same folder
    page = _page(tabs, server)  # a new tab adopts the closed tab's unsent decision
    deadline = time.monotonic() + 40
    while server.get(f"/api/items/{offline}")["decision"] != "noise" and time.monotonic() < deadline:
        time.sleep(0.5)
    assert server.get(f"/api/items/{offline}")["decision"] == "noise"
    _saved(page)
    return page


def test_paint_clear_accept_reload_kill_restart_import(tabs, review_inputs, shots, tmp_path):
    out, spoiled = tmp_path / "manual", review_inputs["spoiled"]
    noise, accepted, contested, offline = spoiled[-1], "usv_000010", spoiled[1], spoiled[0]
    server = _server(review_inputs, out, tmp_path).start()
    try:
        page = _page(tabs, server)
        first, stroke = _paint_polygon_undo_redo(page, server, shots)
        _clear_accept_reload(page, server, shots, first, noise, accepted)
        _second_tab_conflict(tabs, page, server, shots, contested)
        page = _decide_offline_close_restart(tabs, page, server, shots, offline)
        page.reload()
        page.wait_for_selector("body[data-shown]")
        page.wait_for_function("document.body.dataset.reviewed === '5'")
        progress = server.get("/api/progress")
        assert (progress["reviewed"], progress["fixed"], progress["total"]) == (5, 4, 32)
    finally:
        server.kill()
    facts = import_corrections(review_inputs["data"], review_inputs["masks"], [out], tmp_path / "corrected.zip")
    assert facts["changed"] == 4
    names = [first, noise, accepted, offline, contested]
    new, old = load_masks(tmp_path / "corrected.zip", names), load_masks(review_inputs["masks"], names)
    assert new[0].sum() == stroke and np.array_equal(new[2], old[2]) and not new[[1, 3, 4]].any()


@pytest.fixture(scope="module")
def sixty_four(tiny_prepared, tmp_path_factory) -> dict:
    """The tiny folder twice over (64 images), masks = truth with a false call on every noise image."""
    data = load_dataset(tiny_prepared, with_truth=True)
    twice = pd.concat([data.table, data.table.assign(name=data.table["name"] + "_b")], ignore_index=True)
    images, truth = np.concatenate([data.images] * 2), np.concatenate([data.truth] * 2)
    out = tmp_path_factory.mktemp("sixty_four")
    write_dataset(out / "prepared", Dataset(twice.drop(columns="has_truth"), images, truth))
    masks = truth.copy()
    masks[(twice["kind"] == "noise").to_numpy(), 60:80, 60:80] = True
    write_stack(out / "masks.zip", list(twice["name"]), masks)
    return {"data": out / "prepared", "masks": out / "masks.zip"}


def test_fifty_images_by_keyboard(tabs, sixty_four, shots, tmp_path, capsys):
    server = _server(sixty_four, tmp_path / "manual", tmp_path, compare=False).start()
    try:
        page = _page(tabs, server)
        start = time.perf_counter()
        for i in range(50):
            shown = page.evaluate("document.body.dataset.shown")
            page.keyboard.press("n" if i % 5 == 4 else " ")  # every fifth: noise, clear all; else accept
            page.wait_for_function(f"document.body.dataset.shown !== '{shown}'")
        _saved(page)
        seconds = time.perf_counter() - start
        page.screenshot(path=str(shots / "review_after_50.png"))
        progress = server.get("/api/progress")
    finally:
        server.kill()
    with capsys.disabled():
        print(f"\nreviewed 50 images by keyboard only in {seconds:.1f} s ({1000 * seconds / 50:.0f} ms per image)")
    assert progress["reviewed"] == 50 and progress["total"] == 64
    log = (tmp_path / "manual" / "review.tsv").read_text().splitlines()[1:]
    assert sum(row.split("\t")[1] == "noise" for row in log) == 10
    assert seconds < 120
