"""Browser tests: the real site served on localhost, driven in Debian's chromium by Playwright."""
from __future__ import annotations

import csv
import shutil
import threading
from datetime import datetime
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from app import create_app
from app.assets.pipeline import build
from app.config import PROJECT_ROOT

CHROMIUM = "/usr/bin/chromium"
AXE = PROJECT_ROOT / "tests" / "js" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = PROJECT_ROOT / "test-artifacts" / "screenshots"
EVIL = '<script>alert(1)</script>"><img src=x onerror=alert(1)>'
# A Thursday morning, so "on today" and "next on" are the same on every run.
NOW = datetime(2026, 11, 26, 9, 0)


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def site_db(tmp_path_factory, area):
    """The bundled assets plus one whose name and description try to run script."""
    tmp = tmp_path_factory.mktemp("site")
    with open(area.assets_csv, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        header, rows = reader.fieldnames, list(reader)
    blank = {h: "" for h in header}
    rows.append({**blank, "id": "evil", "name": EVIL, "description": EVIL,
                 "category": "cafe", "postcode": "LE5 5AA", "schedule": "Thu 10:00-12:00",
                 "cost": "Free", "source": "browser test", "source_date": "2026"})
    # A listing with the details a connector would add, for the newcomer's journey (test data only).
    rows.append({**blank, "id": "test-thursday-lunch", "name": "Thursday lunch club (test listing)",
                 "category": "group_activity", "postcode": "LE4 6JD", "schedule": "Thu 12:00-14:00",
                 "cost": "Free", "accessibility": "Step-free", "languages": "Gujarati; English",
                 "description": "Hot lunch and a chat.", "source": "browser test", "source_date": "2026"})
    path = tmp / "assets.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    report = build(area, tmp / "site.db", path)
    assert report.rejected == 0
    return tmp / "site.db", report


def _serve(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server


# These servers speak plain http on 127.0.0.1, so the session cookie cannot be Secure there.
PLAIN_HTTP = {"SESSION_COOKIE_SECURE": False}


def live_copy(site_db, folder):
    """A copy of the site's database with the workspace's tables, to change freely."""
    from app import store

    db_path = folder / "live.db"
    shutil.copy(site_db[0], db_path)
    db = store.connect(db_path)
    store.migrate_connection(db.conn)
    return db_path, db


def serve_app(config: dict):
    """Serve an app made from config on a free local port; return (base URL, server)."""
    server = _serve(create_app({"TESTING": True, "TILE_URL": "", "NOW": NOW, **PLAIN_HTTP, **config}))
    return f"http://127.0.0.1:{server.server_port}", server


@pytest.fixture(scope="session")
def live_server(site_db):
    """The site without map tiles: nothing may leave this machine."""
    db_path, _ = site_db
    server = _serve(create_app({"TESTING": True, "DATABASE": str(db_path), "TILE_URL": "", "NOW": NOW, **PLAIN_HTTP}))
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def tiled_server(site_db):
    """The site with a tile server configured (the only other host it may use)."""
    db_path, _ = site_db
    server = _serve(create_app({"TESTING": True, "DATABASE": str(db_path), "NOW": NOW, **PLAIN_HTTP,
                                "TILE_URL": "https://tiles.example.test/{z}/{x}/{y}.png",
                                "TILE_ATTRIBUTION": "Test tiles"}))
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (scripts/test does)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield chromium
        chromium.close()


class Watched:
    """A page whose console errors, dialogs and requests are recorded."""

    def __init__(self, page):
        self.page = page
        self.console_errors: list[str] = []
        self.dialogs: list[str] = []
        self.requests: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.console_errors.append(m.text))
        page.on("pageerror", lambda e: self.console_errors.append(str(e)))
        page.on("dialog", self._dialog)
        page.on("request", lambda r: self.requests.append(r.url))

    def _dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()


@pytest.fixture
def watched(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield Watched(page)
    context.close()


@pytest.fixture(scope="session", autouse=True)
def fresh_screenshots():
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)


def wait_for_map(page, timeout=10_000):
    """Wait until the map has drawn its points and wards; return the map element."""
    page.wait_for_selector(".folium-map[data-state=ready]", timeout=timeout)
    return page.query_selector(".folium-map")


def run_axe(page) -> list[dict]:
    """Run axe-core against WCAG 2.2 A and AA rules; return the violations."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci --prefix tests/js` (scripts/test does)")
    # Evaluated through the DevTools protocol: a <script> tag would be refused by the site's CSP.
    page.evaluate(AXE.read_text() + "\n;void 0")
    result = page.evaluate("""() => axe.run(document, {runOnly: {type: 'tag',
        values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})""")
    return [{"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in result["violations"]]


PHONE = {"width": 390, "height": 844}


def signed_in_phone(browser, base, **options):
    """Open a 390 px phone context signed in to the workspace as Asha; return (context, page)."""
    return signed_in(browser, base, PHONE, **options)


def signed_in(browser, base, viewport, **options):
    """Open a browser context of this size signed in to the workspace as Asha; return (context, page)."""
    context = browser.new_context(viewport=viewport, **options)
    page = context.new_page()
    page.goto(base + "/workspace/sign-in")
    page.get_by_label("Name").fill("Asha")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector("h1:has-text('Needs attention')")
    return context, page
