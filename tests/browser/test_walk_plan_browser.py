"""A connector on a 390 px phone plans a 90-minute walk in Belgrave, prints its sheet, opens it from the QR
code, loses signal, checks stops and photographs a poster, and sees it all reach the listings' history and the
suggestions queue when back online."""
from __future__ import annotations

import shutil
import subprocess

import pytest
from posters import ENGLISH_LINES, GUJARATI_LINE, encoded, font_file, poster

from app import store
from app.accounts import add_user
from app.assets.edits import history, workspace_asset
from app.walks.walk import load_walk

from .conftest import SCREENSHOTS, live_copy, run_axe, serve_app, signed_in_phone
from .test_walk_phone_browser import eventually
from .test_walk_sheet_browser import pdf_pages


@pytest.fixture(scope="module")
def plan_server(site_db, tmp_path_factory):
    db_path, db = live_copy(site_db, tmp_path_factory.mktemp("plan"))
    add_user(db, "Asha", "correct horse battery", "connector")
    db.conn.close()
    base, server = serve_app({"DATABASE": str(db_path), "SECRET_KEY": "browser test"})
    yield base, db_path
    server.shutdown()


def fits_the_phone(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def test_plan_print_walk_offline_and_sync(browser, plan_server):
    base, db_path = plan_server
    context, page = signed_in_phone(browser, base)
    requests = []
    context.on("request", lambda r: requests.append(r.url))

    # Plan: from the dashboard, Belgrave, from the library and back, 90 minutes.
    page.goto(f"{base}/workspace/")
    page.get_by_role("link", name="Plan a walk", exact=True).click()
    assert fits_the_phone(page) and run_axe(page) == []
    page.get_by_label("Ward", exact=True).select_option(label="Belgrave")
    start = page.locator("#f-start")
    start.get_by_label("A library or community centre").check()
    start.get_by_label("Start: which library or community centre").select_option(label="Belgrave Library (Belgrave)")
    page.get_by_label("Time you have, in minutes").fill("90")
    page.screenshot(path=str(SCREENSHOTS / "walk-plan-form.png"), full_page=True)
    page.get_by_role("button", name="Propose stops").click()
    assert page.locator("h1").inner_text() == "Proposed walk: Belgrave"
    route = page.locator("ol.walk-route li")
    assert route.first.inner_text().startswith("Start: Belgrave Library")
    assert route.last.inner_text().startswith("End: Belgrave Library")
    assert "Somewhere in this ward: ask around" in page.content()
    assert fits_the_phone(page) and run_axe(page) == []
    for button in ("Save this walk", "Update the route"):
        assert page.get_by_role("button", name=button).bounding_box()["height"] >= 44
    page.screenshot(path=str(SCREENSHOTS / "walk-plan-proposal.png"), full_page=True)
    page.get_by_label("Name for this walk (optional)").fill("Belgrave, Thursday round")
    page.get_by_role("button", name="Save this walk").click()
    assert page.locator("h1").inner_text() == "Belgrave, Thursday round"
    assert fits_the_phone(page) and run_axe(page) == []
    walk_id = page.url.rstrip("/").rsplit("/", 1)[1]
    db = store.connect(db_path)
    walk = load_walk(db, walk_id)
    located = [s.asset_id for s in walk.stops if workspace_asset(db, s.asset_id)["location_precision"] != "ward"]
    assert walk.budget_minutes == 90 and walk.plan["total_minutes"] <= 90 and len(located) >= 3

    # Print the sheet, looked at as A4; read its QR code as a phone camera would, and open the walk from it.
    page.get_by_role("link", name="Print the walk sheet").click()
    assert run_axe(page) == []
    pdf = page.pdf(format="A4")
    (SCREENSHOTS / "walk-plan-sheet.pdf").write_bytes(pdf)
    assert 1 <= pdf_pages(pdf) <= 5  # ten stops with their checks and note lines; looked at: clean in black and white
    if not shutil.which("zbarimg"):
        pytest.fail("zbarimg is missing: install Debian's zbar-tools (scripts/test does)")
    code = SCREENSHOTS / "walk-plan-qr.png"
    page.locator(".open-on-phone svg.qr").screenshot(path=str(code))
    read = subprocess.run(["zbarimg", "--quiet", "--raw", str(code)], capture_output=True, text=True, timeout=30)
    assert read.returncode == 0
    page.goto(read.stdout.strip())
    assert page.url == f"{base}/workspace/walks/{walk_id}/go"
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    kept = "async () => (await (await caches.open('assetmap-walks-v1')).keys()).map(r => new URL(r.url).pathname)"
    assert eventually(lambda: f"/workspace/walks/{walk_id}.json" in page.evaluate(kept))
    assert run_axe(page) == []

    # The signal goes: two stops checked, one closed, all kept on the phone.
    context.set_offline(True)
    page.reload()
    for _ in range(2):
        page.get_by_role("button", name="Still running, details right").click()
    page.locator("section.stop:visible").get_by_role("button", name="Closed / not there").click()
    status = page.locator("#walk-status")
    assert "3 outcomes are kept on this phone" in status.inner_text()
    assert all(s.outcome is None for s in load_walk(db, walk_id).stops)
    # Still offline: a poster in a shop window, in English and Gujarati. Its photo waits on the phone too.
    assert font_file("Noto Sans Gujarati"), "the Gujarati font is missing: scripts/test installs fonts-noto-core"
    found = page.locator("#capture")
    found.get_by_label("Photo of the poster or flyer").set_input_files(files=[{
        "name": "IMG_0042.png", "mimeType": "image/png", "buffer": encoded(poster(gujarati=True))}])
    found.get_by_label("Postcode").fill("LE4 6JD")
    found.get_by_role("button", name="Keep it to send").click()
    photos = page.locator("#capture-status")
    assert "1 photo is waiting on this phone" in photos.inner_text()
    assert "A photo, taken at" in found.inner_text() and "waiting to be sent" in found.inner_text()
    assert found.get_by_label("Postcode").input_value() == ""           # the form is ready for the next one
    assert fits_the_phone(page) and run_axe(page) == []
    page.screenshot(path=str(SCREENSHOTS / "walk-plan-offline.png"), full_page=True)

    # Back online: everything reaches the walk and each listing's history, with the walk's id.
    context.set_offline(False)
    status.filter(has_text="Sent").wait_for()
    outcomes = [(s.asset_id, s.outcome) for s in load_walk(db, walk_id).stops if s.outcome]
    assert [o for _, o in outcomes] == ["verified", "verified", "closed"]
    for asset_id, outcome in outcomes:
        latest = history(db, asset_id)[0]
        assert walk_id in latest["note"] and latest["user_name"] == "Asha"
    assert workspace_asset(db, outcomes[2][0])["status"] == "closed"
    # The photo went through the same reading as an online capture: a draft of this walk, filled in from its words.
    photos.filter(has_text="All photos sent").wait_for()
    assert "sent at" in found.inner_text()
    draft = db.execute("select s.name, s.when_text, s.contact, s.details, s.postcode, c.walk_id from suggestions s "
                       "join captures c on c.suggestion_id = s.id").fetchall()
    assert [d[:3] + d[4:] for d in draft] == [
        ("Coffee Morning", "Tue 10:00-12:00", "0116 496 0123", "LE4 6JD", walk_id)]
    assert ENGLISH_LINES[2] in draft[0][3] and GUJARATI_LINE in draft[0][3]
    page.goto(f"{base}/workspace/suggestions")
    queue = page.locator("main").inner_text()
    assert "Seen on foot: Coffee Morning" in queue and "0116 496 0123" in queue and walk_id in queue
    assert all(url.startswith(base) for url in requests), [u for u in requests if not u.startswith(base)]
    db.conn.close()
    context.close()
