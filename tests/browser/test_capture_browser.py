"""Add what I found, on a 390 px phone: photograph a poster, check what was read, save a draft; axe-clean."""
from __future__ import annotations

import pytest
from PIL import Image
from posters import GUJARATI_LINE, encoded, font_file, poster

from app.accounts import add_user

from .conftest import PHONE, SCREENSHOTS, live_copy, run_axe, serve_app, signed_in_phone

LIMIT = 1024 * 1024


@pytest.fixture(scope="module")
def capture_server(site_db, tmp_path_factory):
    db_path, db = live_copy(site_db, tmp_path_factory.mktemp("capture"))
    add_user(db, "Asha", "correct horse battery", "connector")
    db.conn.close()
    base, server = serve_app({"DATABASE": str(db_path), "SECRET_KEY": "browser test", "CAPTURE_MAX_BYTES": LIMIT})
    yield base
    server.shutdown()




def no_sideways_scroll(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def test_a_poster_photographed_on_a_phone_becomes_a_draft(browser, capture_server):
    base = capture_server
    context, page = signed_in_phone(browser, base)          # the phone does not share its location
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.get_by_role("link", name="Add what I found").click()
    page.wait_for_selector("h1:has-text('Add what I found')")
    photo = page.get_by_label("Photo of the poster or flyer")
    assert photo.get_attribute("accept") == "image/*" and photo.get_attribute("capture") == "environment"
    assert run_axe(page) == [] and no_sideways_scroll(page)
    page.screenshot(path=str(SCREENSHOTS / "workspace-capture-phone.png"), full_page=True)

    # Too large a photo is refused on the phone, before it is sent.
    big = encoded(Image.new("RGB", (80, 60), "white"), "JPEG")
    photo.set_input_files(files=[{"name": "IMG_0001.jpg", "mimeType": "image/jpeg",
                                  "buffer": big + b"\0" * (LIMIT + 500_000)}])
    assert page.locator("#photo-error").inner_text() == (
        "That photo is 1.5 MB; photos can be up to 1 MB. Take it again, or choose a smaller copy.")
    assert page.evaluate("() => document.getElementById('photo').files.length") == 0
    assert run_axe(page) == []

    gujarati = font_file("Noto Sans Gujarati") is not None
    photo.set_input_files(files=[{"name": "poster.png", "mimeType": "image/png",
                                  "buffer": encoded(poster(gujarati=gujarati))}])
    assert page.locator("#photo-error").is_hidden()
    page.get_by_role("button", name="Read the photo").click()
    page.wait_for_selector("h1:has-text('Check what was read')")
    assert page.get_by_label("Name of the activity or place").input_value() == "Coffee Morning"
    assert page.get_by_label("Day and time").input_value() == "Tue 10:00-12:00"
    assert page.get_by_label("Phone number on the poster").input_value() == "0116 496 0123"
    if gujarati:
        assert GUJARATI_LINE in page.get_by_label("Description").input_value()
    assert page.evaluate("() => document.querySelector('.capture-photo img').naturalWidth") > 0
    assert run_axe(page) == [] and no_sideways_scroll(page)
    page.screenshot(path=str(SCREENSHOTS / "workspace-capture-check-phone.png"), full_page=True)

    # GPS refused: the page says so and the postcode field takes over.
    page.get_by_role("button", name="Use my location").click()
    status = page.locator("#location-status")
    status.filter(has_text="did not share its location").wait_for(timeout=20_000)
    assert page.evaluate("() => document.activeElement.id") == "c-postcode"
    page.get_by_label("Name of the activity or place").fill("Coffee morning at the centre")
    page.get_by_label("Postcode").fill("LE4 6JD")
    page.get_by_role("button", name="Save as a draft").click()
    assert "Saved as a draft in the suggestions queue" in page.locator("main").inner_text()
    assert run_axe(page) == []

    page.goto(base + "/workspace/suggestions")
    assert "Seen on foot: Coffee morning at the centre" in page.locator("main").inner_text()
    assert page.evaluate("() => document.querySelector('.capture-photo img').naturalWidth") > 0
    assert run_axe(page) == [] and no_sideways_scroll(page)
    page.screenshot(path=str(SCREENSHOTS / "workspace-queue-capture-phone.png"), full_page=True)
    assert errors == []
    context.close()


def test_the_phones_location_is_used_when_shared(browser, capture_server):
    # LE4 6JD, Belgrave.
    context, page = signed_in_phone(browser, capture_server, permissions=["geolocation"],
                                    geolocation={"latitude": 52.65404, "longitude": -1.12447})
    page.goto(capture_server + "/workspace/capture")
    page.get_by_label("Photo of the poster or flyer").set_input_files(files=[{
        "name": "flyer.jpg", "mimeType": "image/jpeg", "buffer": encoded(Image.new("RGB", (80, 60), "white"), "JPEG")}])
    page.get_by_role("button", name="Read the photo").click()
    page.wait_for_selector("h1:has-text('Check what was read')")
    assert "No writing could be read" in page.locator("main").inner_text()
    page.get_by_role("button", name="Use my location").click()
    page.locator("#location-status").filter(has_text="will be saved").wait_for()
    page.get_by_label("Name of the activity or place").fill("Flyer with no words")
    page.get_by_role("button", name="Save as a draft").click()
    assert "Saved as a draft" in page.locator("main").inner_text()
    context.close()
