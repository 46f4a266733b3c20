"""A connector on a 390 px phone walks Belgrave: the signal drops, outcomes wait on the phone, then sync."""
from __future__ import annotations

import time

import pytest
from PIL import Image
from posters import encoded

from app import store
from app.accounts import User, add_user
from app.assets.edits import form_values, history, save_asset, workspace_asset
from app.walks.walk import load_walk, save_walk

from .conftest import PHONE, SCREENSHOTS, live_copy, run_axe, serve_app, signed_in_phone

STOPS = ["belgrave-library", "brandon-street-surgery-le4-6aw", "dr-gandecha-and-partner-le4-6aw",
         "test-thursday-lunch"]


@pytest.fixture(scope="module")
def walk_server(site_db, tmp_path_factory):
    db_path, db = live_copy(site_db, tmp_path_factory.mktemp("walk"))
    add_user(db, "Asha", "correct horse battery", "connector")
    add_user(db, "Ben", "another long password", "connector")
    walk_id = save_walk(db, User(1, "Asha", "connector"), ward_code="E05010461", title="Belgrave, Thursday",
                        asset_ids=STOPS, budget_minutes=90)
    db.conn.close()
    base, server = serve_app({"DATABASE": str(db_path), "SECRET_KEY": "browser test"})
    yield base, db_path, walk_id
    server.shutdown()


def eventually(check, seconds=10.0) -> bool:
    """Say whether check() comes true within a few seconds (the page's caching runs in the background)."""
    end = time.monotonic() + seconds
    while not check():
        if time.monotonic() > end:
            return False
        time.sleep(0.2)
    return True




def test_outcomes_made_offline_are_kept_then_synced_into_history(browser, walk_server, area):
    base, db_path, walk_id = walk_server
    context, page = signed_in_phone(browser, base)
    errors, requests = [], []
    page.on("pageerror", lambda e: errors.append(str(e)))
    context.on("request", lambda r: requests.append(r.url))
    go = f"{base}/workspace/walks/{walk_id}/go"
    page.goto(go)
    # Once the service worker runs the page and the phone has kept the walk, the signal may go.
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    kept = """async (walk) => (await (await caches.open('assetmap-walks-v1')).keys()).map(r => new URL(r.url).pathname)"""
    assert eventually(lambda: {f"/workspace/walks/{walk_id}/go", f"/workspace/walks/{walk_id}.json", "/static/walk.js",
                               "/static/site.css", "/static/walk.css"} <= set(page.evaluate(kept)))
    assert page.locator("h2:visible").first.inner_text() == "Stop 1 of 4: Belgrave Library"
    assert page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 0
    for name in ("Still running, details right", "Closed / not there", "Couldn't find it"):
        box = page.get_by_role("button", name=name).bounding_box()
        assert box["height"] >= 56 and box["width"] >= 300, name
    page.screenshot(path=str(SCREENSHOTS / "walk-phone.png"), full_page=True)
    assert run_axe(page) == []

    context.set_offline(True)
    page.reload()  # served by the service worker from what the phone kept
    assert page.locator("h2:visible").first.inner_text() == "Stop 1 of 4: Belgrave Library"
    note = page.locator("section.stop:visible").get_by_label("Anything to add? (optional)")
    note.fill("Spoke to the librarian")
    note.press("Enter")  # Enter alone decides nothing: the stop is still the current one
    assert page.locator("h2:visible").first.inner_text() == "Stop 1 of 4: Belgrave Library"
    page.get_by_role("button", name="Still running, details right").click()
    assert page.locator("h2:visible").first.inner_text() == "Stop 2 of 4: Brandon Street Surgery"
    page.get_by_role("button", name="Still running, details right").click()
    page.get_by_role("button", name="Closed / not there").click()
    # Meanwhile someone else changes the fourth listing; the phone still has the old one.
    db = store.connect(db_path)
    lunch = workspace_asset(db, "test-thursday-lunch")
    save_asset(db, area, User(2, "Ben", "connector"), {**form_values(lunch), "schedule": "Fri 12:00-14:00"},
               "test-thursday-lunch", lunch["version"], "Ben rang them")
    shown = page.locator("section.stop:visible")
    shown.get_by_text("Something changed").click()
    shown.get_by_label("Day and time").fill("Wed 12:00-14:00")
    shown.get_by_role("button", name="Save what changed").click()
    status = page.locator("#walk-status")
    assert "4 outcomes are kept on this phone" in status.inner_text()
    assert all(s.outcome is None for s in load_walk(db, walk_id).stops)  # nothing has reached the server
    page.screenshot(path=str(SCREENSHOTS / "walk-phone-offline.png"), full_page=True)

    context.set_offline(False)
    status.filter(has_text="Sent.").wait_for()
    assert "1 stop was not saved" in status.inner_text()
    outcomes = [(s.outcome, s.outcome_by) for s in load_walk(db, walk_id).stops]
    assert outcomes == [("verified", "Asha"), ("verified", "Asha"), ("closed", "Asha"), (None, None)]
    for asset_id, action in zip(STOPS[:3], ("verify", "verify", "status")):
        latest = history(db, asset_id)[0]
        assert latest["action"] == action and walk_id in latest["note"] and latest["user_name"] == "Asha"
    assert workspace_asset(db, STOPS[2])["status"] == "closed"
    assert "Spoke to the librarian" in history(db, STOPS[0])[0]["note"]
    # The conflict is shown with both versions; Ben's save stands.
    attention = page.locator("#walk-attention").inner_text()
    assert "Someone saved this listing after your phone loaded it" in attention
    assert "Fri 12:00-14:00" in attention and "Wed 12:00-14:00" in attention and "Ben" in attention
    assert workspace_asset(db, "test-thursday-lunch")["schedule"] == "Fri 12:00-14:00"
    assert page.locator("#stop-4").is_visible()  # to check again
    page.screenshot(path=str(SCREENSHOTS / "walk-phone-conflict.png"), full_page=True)
    assert run_axe(page) == []
    # Checked again against Ben's version, it saves; the walk is finished and leaves the phone's cache.
    page.locator("#stop-4").get_by_role("button", name="Still running, details right").click()
    status.filter(has_text="All outcomes sent and saved.").wait_for()
    assert load_walk(db, walk_id).status == "finished"
    assert history(db, "test-thursday-lunch")[0]["action"] == "verify"
    assert eventually(lambda: not any(walk_id in path for path in page.evaluate(kept)))
    assert errors == []
    assert all(url.startswith(base) for url in requests), [u for u in requests if not u.startswith(base)]
    db.conn.close()
    context.close()


def test_gps_refused_says_so_and_the_walk_still_works(browser, walk_server):
    base, db_path, _ = walk_server
    db = store.connect(db_path)
    walk_id = save_walk(db, User(1, "Asha", "connector"), ward_code="E05010461", title="Another day",
                        asset_ids=STOPS[:2])
    db.conn.close()
    context, page = signed_in_phone(browser, base)  # no geolocation permission granted: the phone refuses
    page.goto(f"{base}/workspace/walks/{walk_id}/go?stop=2")
    page.get_by_role("button", name="How far am I from this stop?").click()
    where = page.locator("#where")
    where.filter(has_text="did not share its location").wait_for()
    assert "go by the address" in where.inner_text()
    assert page.get_by_role("button", name="Still running, details right").is_visible()
    assert run_axe(page) == []
    context.close()


@pytest.mark.parametrize("width", [360, 414])
def test_the_walk_page_fits_phones_from_360_to_414_px(browser, walk_server, width):
    base, db_path, _ = walk_server
    db = store.connect(db_path)
    walk_id = save_walk(db, User(1, "Asha", "connector"), ward_code="E05010461", title="Narrow", asset_ids=STOPS[:2])
    db.conn.close()
    context, page = signed_in_phone(browser, base)
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(f"{base}/workspace/walks/{walk_id}/go")
    assert page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 0
    shown = page.locator("section.stop:visible")
    for control in [shown.get_by_role("button", name=n) for n in
                    ("Still running, details right", "Closed / not there", "Couldn't find it")] + [
                    shown.get_by_text("Something changed")]:
        box = control.bounding_box()
        assert box["height"] >= 56 and box["width"] >= width - 60
    for link in page.locator(".stop-list a").all():
        assert link.bounding_box()["height"] >= 44
    context.close()


def test_outcomes_kept_while_signed_out_are_sent_after_signing_in_again(browser, walk_server):
    base, db_path, _ = walk_server
    db = store.connect(db_path)
    walk_id = save_walk(db, User(1, "Asha", "connector"), ward_code="E05010461", title="Long day", asset_ids=STOPS[:2])
    context, page = signed_in_phone(browser, base)
    page.goto(f"{base}/workspace/walks/{walk_id}/go")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    # The session ends (signed out elsewhere, or its 8 hours are up) while the walk page stays open.
    other = context.new_page()
    other.goto(base + "/workspace/")
    other.get_by_role("button", name="Sign out").click()
    page.get_by_role("button", name="Couldn't find it").click()
    status = page.locator("#walk-status")
    status.filter(has_text="You have been signed out").wait_for()
    assert "1 outcome is kept on this phone" in status.inner_text()
    assert load_walk(db, walk_id).stops[0].outcome is None

    def sign_in_as(name, password):
        other.goto(base + "/workspace/sign-in")
        other.get_by_label("Name").fill(name)
        other.get_by_label("Password").fill(password)
        other.get_by_role("button", name="Sign in").click()

    # Ben borrows the phone: Asha's outcome is not sent in his name; it waits for her.
    sign_in_as("Ben", "another long password")
    page.goto(f"{base}/workspace/walks/{walk_id}/go")
    status.filter(has_text="Asha made this on this phone").wait_for()
    assert load_walk(db, walk_id).stops[0].outcome is None
    other.get_by_role("button", name="Sign out").click()
    sign_in_as("Asha", "correct horse battery")
    page.goto(f"{base}/workspace/walks/{walk_id}/go")
    status.filter(has_text="All outcomes sent and saved.").wait_for()
    assert (load_walk(db, walk_id).stops[0].outcome, load_walk(db, walk_id).stops[0].outcome_by) == ("not_found", "Asha")
    db.conn.close()
    context.close()


def test_a_refused_photo_says_why_and_keeps_what_was_typed(browser, walk_server):
    base, db_path, _ = walk_server
    db = store.connect(db_path)
    walk_id = save_walk(db, User(1, "Asha", "connector"), ward_code="E05010461", title="Posters", asset_ids=STOPS[:1])
    context, page = signed_in_phone(browser, base)
    page.goto(f"{base}/workspace/walks/{walk_id}/go")
    # An outcome an older walk page kept in localStorage moves into the one queue, and is sent.
    page.evaluate("""([key, by]) => localStorage.setItem(key, JSON.stringify([{id: "old-1", seq: 1, outcome: "verified",
        based_on: document.querySelector('input[name="based_on"]').value, note: "",
        made_at: new Date().toISOString(), by}]))""",
                  [f"walk-outbox:{walk_id}", "Asha"])
    page.reload()
    page.locator("#walk-status").filter(has_text="All outcomes sent and saved.").wait_for()
    assert load_walk(db, walk_id).stops[0].outcome == "verified"
    assert page.evaluate(f"localStorage.getItem('walk-outbox:{walk_id}')") is None

    found = page.locator("#capture")
    photo = found.get_by_label("Photo of the poster or flyer")
    photo.set_input_files(files=[{"name": "IMG_0050.jpg", "mimeType": "image/jpeg",
                                  "buffer": b"Not a picture at all."}])
    name = found.get_by_label("Name of the activity or place (optional)")
    name.fill("Chair yoga")
    found.get_by_label("Postcode").fill("LE4 6JD")
    found.get_by_role("button", name="Keep it to send").click()
    page.locator("#capture-status").filter(has_text="1 photo was not saved").wait_for()
    listed = page.locator("#capture-list").inner_text()
    assert "“Chair yoga”, taken at" in listed and "That file is not a photo we can read" in listed
    assert "What you typed is kept here." in listed and db.execute("select count(*) from captures").fetchone()[0] == 0
    found.get_by_role("button", name="Change it and send again").click()
    assert name.input_value() == "Chair yoga" and found.get_by_label("Postcode").input_value() == "LE4 6JD"
    assert page.locator("#capture-error").inner_text().startswith("That file is not a photo we can read")
    assert page.evaluate("document.activeElement.id") == "photo"
    assert run_axe(page) == []
    # Taken again as a real photo, it is kept in place of the refused one; the first try to send it is cut off.
    page.route("**/captures", lambda route: route.abort())
    photo.set_input_files(files=[{"name": "IMG_0051.png", "mimeType": "image/png", "buffer": encoded(
        Image.new("RGB", (80, 60), "white"))}])
    assert found.get_by_role("button", name="Keep it to send").bounding_box()["height"] >= 44
    found.get_by_role("button", name="Keep it to send").click()
    page.locator("#capture-list").filter(has_text="The last try to send it failed").wait_for()
    assert "1 photo is waiting on this phone" in page.locator("#capture-status").inner_text()
    assert db.execute("select count(*) from captures").fetchone()[0] == 0
    # The photo itself is kept by the phone: after a reload it is sent and saved.
    page.unroute("**/captures")
    page.reload()
    page.locator("#capture-status").filter(has_text="All photos sent").wait_for()
    assert page.locator("#capture-list li").count() == 1 and "sent at" in page.locator("#capture-list").inner_text()
    assert [tuple(r) for r in db.execute("select s.name, c.walk_id from suggestions s join captures c "
                                         "on c.suggestion_id = s.id where c.walk_id = ?", [walk_id])] == \
        [("Chair yoga", walk_id)]
    db.conn.close()
    context.close()
