"""The walk sheet in a real browser: accessible, printed to A4 in one to three pages, its QR code read back by zbar."""
from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from app.accounts import User, add_user
from app.walks.walk import save_walk

from .conftest import SCREENSHOTS, live_copy, run_axe, serve_app, signed_in_phone

# Four Belgrave listings with a place (two share a postcode, two others another) and one known only to the ward.
STOPS = ["belgrave-library", "test-thursday-lunch", "brandon-street-surgery-le4-6aw",
         "dr-gandecha-and-partner-le4-6aw", "yoga-belgrave"]
PLAN = {"left_out": [{"asset_id": "belgrave-network", "name": "Belgrave Network", "reason": "Over the time allowed"}],
        "ward_level": [{"asset_id": "knitting-group-belgrave", "name": "The knitting group"}]}


@pytest.fixture(scope="module")
def sheet_server(site_db, tmp_path_factory):
    db_path, db = live_copy(site_db, tmp_path_factory.mktemp("sheet"))
    add_user(db, "Asha", "correct horse battery", "connector")
    walk_id = save_walk(db, User(1, "Asha", "connector"), ward_code="E05010461", title="Belgrave, Thursday",
                        asset_ids=STOPS, budget_minutes=90, minutes_per_stop=5, plan=PLAN)
    db.conn.close()
    base, server = serve_app({"DATABASE": str(db_path), "SECRET_KEY": "browser test"})
    yield base, walk_id
    server.shutdown()


def pdf_pages(pdf: bytes) -> int:
    """Count a PDF's pages by their page objects (Chromium writes them uncompressed)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-z])", pdf))


def test_the_sheet_is_accessible_prints_on_a4_and_its_qr_code_opens_the_walk(browser, sheet_server):
    base, walk_id = sheet_server
    context, page = signed_in_phone(browser, base)
    requests = []
    context.on("request", lambda r: requests.append(r.url))
    page.goto(f"{base}/workspace/walks/{walk_id}/sheet")
    assert page.locator("h1").inner_text() == "Belgrave, Thursday"
    # On a 390 px phone: nothing wider than the screen, every action big enough for a finger.
    assert page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 0
    for name in ("Print this sheet", "Download the route for a phone map app (GPX)", "Open the walk on this device"):
        box = page.get_by_role("button", name=name).or_(page.get_by_role("link", name=name)).bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44, name
    assert run_axe(page) == []
    page.screenshot(path=str(SCREENSHOTS / "walk-sheet-phone.png"), full_page=True)

    # Printed: A4, one to three pages, the site's navigation left off.
    page.set_viewport_size({"width": 1280, "height": 900})
    pdf = page.pdf(format="A4", print_background=False)
    (SCREENSHOTS / "walk-sheet.pdf").write_bytes(pdf)
    assert 1 <= pdf_pages(pdf) <= 3
    page.emulate_media(media="print")
    assert page.locator(".site-header").is_hidden() and page.locator("[data-print]").is_hidden()
    map_box = page.locator("svg.route-map").bounding_box()
    assert map_box["width"] > 400 and map_box["height"] > 200
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi, to look at as printed
    page.screenshot(path=str(SCREENSHOTS / "walk-sheet-print.png"), full_page=True)
    page.emulate_media(media="screen")

    # The printed QR code, read as a phone's camera would, opens this walk.
    if not shutil.which("zbarimg"):
        pytest.fail("zbarimg is missing: install Debian's zbar-tools (scripts/test does)")
    code = SCREENSHOTS / "walk-sheet-qr.png"
    page.locator(".open-on-phone svg.qr").screenshot(path=str(code))
    read = subprocess.run(["zbarimg", "--quiet", "--raw", str(code)], capture_output=True, text=True, timeout=30)
    go = read.stdout.strip()
    assert read.returncode == 0 and go == f"{base}/workspace/walks/{walk_id}/go"
    page.goto(go)
    assert page.locator("h1").inner_text() == "Belgrave, Thursday" and page.locator("#walk").count() == 1
    assert all(url.startswith(base) for url in requests), [u for u in requests if not u.startswith(base)]
    context.close()
