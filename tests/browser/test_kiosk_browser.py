"""The library kiosk on a touch screen, portrait 1080x1920 and landscape 1920x1080: taps only, print, idle reset."""
from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from app.accounts import User
from app.kiosks.kiosk import save_kiosk

from .conftest import SCREENSHOTS, live_copy, run_axe, serve_app

SCREENS = {"portrait": {"width": 1080, "height": 1920}, "landscape": {"width": 1920, "height": 1080}}
IDLE, COUNTDOWN = 3, 8  # seconds (time enough to check the dialog); a real kiosk waits 30 at least, then counts 30


@pytest.fixture(scope="module")
def kiosk_server(site_db, tmp_path_factory, area):
    db_path, db = live_copy(site_db, tmp_path_factory.mktemp("kiosk"))
    asha = User(1, "Asha", "connector")
    # One kiosk as a library would have it, and one that resets within seconds, to watch it happen.
    kiosk = save_kiosk(db, area, asha, {"name": "Belgrave Library", "place": "belgrave-library", "printer": "receipt"})
    quick = save_kiosk(db, area, asha, {"name": "Quick reset", "place": "belgrave-library", "printer": "receipt",
                                        "idle_seconds": str(IDLE)}, min_idle=IDLE)
    db.conn.close()
    base, server = serve_app({"DATABASE": str(db_path), "SECRET_KEY": "browser test",
                              "KIOSK_COUNTDOWN_SECONDS": COUNTDOWN})
    yield base, f"{base}/kiosk/{kiosk.slug}", f"{base}/kiosk/{quick.slug}", db_path
    server.shutdown()


# Every visible control: at least 48 px each way, and at least 8 px from its neighbours.
# Measured scrolled to the end: a long page (bigger text) scrolls its last controls out from under the bar.
MEASURE = """() => {
  window.scrollTo(0, document.documentElement.scrollHeight);
  const targets = [...document.querySelectorAll('a[href], button')].filter(el => el.offsetParent !== null);
  const boxes = targets.map(el => ({text: el.textContent.trim().slice(0, 40), r: el.getBoundingClientRect()}));
  const small = boxes.filter(b => b.r.width < 48 || b.r.height < 48).map(b => b.text);
  const close = [];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const a = boxes[i].r, b = boxes[j].r;
    const dx = Math.max(0, Math.max(a.left, b.left) - Math.min(a.right, b.right));
    const dy = Math.max(0, Math.max(a.top, b.top) - Math.min(a.bottom, b.bottom));
    if (Math.max(dx, dy) < 8) close.push(boxes[i].text + ' / ' + boxes[j].text);
  }
  const texts = [...document.querySelectorAll('body *')].filter(el => el.offsetParent !== null &&
      [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()));
  const tiny = texts.filter(el => parseFloat(getComputedStyle(el).fontSize) < 24)
                    .map(el => el.textContent.trim().slice(0, 40));
  const top = Math.min(...boxes.map(b => b.r.top + window.scrollY));
  const scrolls = document.documentElement.scrollHeight > window.innerHeight;
  window.scrollTo(0, 0);
  return {count: boxes.length, small, close, tiny, top, scrolls};
}"""


def check_screen(page, name: str, orientation: str, axe: bool = True, keypad: bool = False) -> dict:
    """Screenshot a kiosk screen, run axe-core, measure its targets and text; return the measures."""
    page.wait_for_load_state("load")
    page.screenshot(path=str(SCREENSHOTS / f"kiosk-{name}-{orientation}.png"))
    if axe:
        assert run_axe(page) == [], name
    measured = page.evaluate(MEASURE)
    assert measured["count"] and measured["small"] == [] and measured["close"] == [], (name, measured)
    assert measured["tiny"] == [], (name, measured["tiny"])
    # Normal text fits the screen: nothing to scroll for (bigger text may scroll).
    assert not measured["scrolls"] or name == "bigger-text", (name, measured)
    html = page.content()
    assert "/workspace" not in html
    if not keypad:  # only the postcode keypad has a field, and it is typed into by its own keys
        assert "<input" not in html and "<form" not in html
    return measured


def _count(db_path, event: str) -> int:
    """How many times this event was counted today, on every kiosk."""
    import sqlite3

    with sqlite3.connect(db_path) as conn:
        return conn.execute("select coalesce(sum(count), 0) from kiosk_usage where event = ?", [event]).fetchone()[0]


def tap(page, name: str):
    """Tap a control and wait for the page it replaces this one with."""
    with page.expect_navigation():
        page.get_by_role("link", name=name, exact=True).first.tap()


@pytest.mark.parametrize("orientation", SCREENS)
def test_a_listing_reached_by_taps_printed_and_forgotten_when_idle(browser, kiosk_server, orientation):
    base, kiosk, quick, db_path = kiosk_server
    context = browser.new_context(viewport=SCREENS[orientation], has_touch=True)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{kiosk}/")
    welcome = check_screen(page, "welcome", orientation)
    assert page.locator("h1").inner_text() == "Find things to do near this library"
    if orientation == "portrait":
        # Everything to touch is in the lower part of a tall screen, within reach of a seated person.
        assert welcome["top"] > SCREENS["portrait"]["height"] * 0.25, welcome
    tap(page, "Near this library")
    check_screen(page, "near", orientation)
    assert page.locator("h1").inner_text() == "Near this library"
    with page.expect_navigation():
        page.locator("a.pick").first.tap()
    listing = page.url
    assert "/assets/belgrave-library" in listing
    check_screen(page, "listing", orientation)
    assert page.locator("svg.qr[role=img]").count() == 1

    # "Print this" asks the browser to print (with --kiosk-printing, straight to the default printer).
    page.evaluate("window.print = () => { window.printed = true; }")
    printed = _count(db_path, "slip_printed")
    with page.expect_request(lambda r: r.url.endswith("/usage") and r.method == "POST"):
        page.get_by_role("button", name="Print this").tap()
    assert page.evaluate("window.printed === true")
    page.wait_for_timeout(300)
    assert _count(db_path, "slip_printed") == printed + 1  # counted for the library's usage figures
    # A receipt slip: the page as the kiosk's printer gets it, 80 mm wide.
    page.emulate_media(media="print")
    assert not page.get_by_role("button", name="Print this").is_visible()
    pdf = page.pdf(path=str(SCREENSHOTS / f"kiosk-slip-{orientation}.pdf"), prefer_css_page_size=True,
                   print_background=True)
    widths = {round(float(w) / 72 * 25.4) for w in re.findall(rb"/MediaBox \[0 0 ([\d.]+) [\d.]+\]", pdf)}
    assert widths == {80}, widths  # every page of the slip is 80 mm wide
    if shutil.which("gs"):  # a picture of the PDF itself, to look at
        subprocess.run(["gs", "-q", "-dNOPAUSE", "-dBATCH", "-sDEVICE=png16m", "-r110",
                        f"-sOutputFile={SCREENSHOTS / f'kiosk-slip-{orientation}-pdf.png'}",
                        str(SCREENSHOTS / f"kiosk-slip-{orientation}.pdf")], check=True)
    page.emulate_media(media="screen")
    assert page.get_by_role("button", name="Print this").is_visible()
    context.close()

    # The same taps on a kiosk that resets after a few seconds.
    context = browser.new_context(viewport=SCREENS[orientation], has_touch=True)
    page = context.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.clock.install()  # the browser's timers run on when the test says, not in real seconds
    page.goto(f"{quick}/")
    tap(page, "Near this library")
    with page.expect_navigation():
        page.locator("a.pick").first.tap()
    listing = page.url
    # Left alone: "Still there?" with a countdown, the answer button focused.
    dialog = page.get_by_role("alertdialog", name="Still there?")
    page.clock.run_for((IDLE + 1) * 1000)
    dialog.wait_for(timeout=2000)
    assert page.evaluate("document.activeElement.textContent") == "Yes, I'm still here"
    assert int(page.locator(".idle-count").inner_text()) <= COUNTDOWN
    assert page.evaluate("document.querySelector('.screen').inert")  # nothing behind it can be reached
    page.screenshot(path=str(SCREENSHOTS / f"kiosk-still-there-{orientation}.png"))
    assert run_axe(page) == []
    page.get_by_role("button", name="Yes, I'm still here").tap()
    assert not dialog.is_visible() and page.url == listing  # still here: nothing changes
    # Left alone again: back to the welcome screen, with nothing of the last person's screens.
    page.clock.run_for((IDLE + 1) * 1000)
    dialog.wait_for(timeout=2000)
    with page.expect_navigation():
        page.clock.run_for((COUNTDOWN + 1) * 1000)
    page.wait_for_url(f"{quick}/?lang=en", timeout=5000)
    page.wait_for_load_state("load")
    assert "Belgrave Library" not in page.locator("main").inner_text()
    assert "Cossington" not in page.content() and "Near this library</h1>" not in page.content()
    assert page.evaluate("document.cookie") == ""
    assert page.evaluate("localStorage.length + sessionStorage.length") == 0
    # Each screen replaced the one before: going back finds no earlier screen of this kiosk.
    page.evaluate("setTimeout(() => history.back(), 0)")
    page.wait_for_timeout(1000)
    assert page.url in (f"{quick}/?lang=en", f"{quick}/", "about:blank"), page.url  # never the listing or the list
    assert errors == []
    context.close()


@pytest.mark.parametrize("orientation", SCREENS)
def test_every_other_kiosk_screen_is_readable_and_reachable(browser, kiosk_server, orientation):
    base, kiosk, _, _ = kiosk_server
    context = browser.new_context(viewport=SCREENS[orientation], has_touch=True)
    page = context.new_page()
    for name, path in (("areas", "/areas"), ("area", "/areas/belgrave"), ("today", "/today"),
                       ("category", "/category/group_activity"), ("trades", "/traders"), ("trade", "/traders/plumber"),
                       ("tell-us", "/tell-us"), ("suggest", "/tell-us/suggest"), ("gujarati", "/?lang=gu"),
                       ("bigger-text", "/near?big=1"), ("not-found", "/assets/no-such-listing")):
        page.goto(kiosk + path)
        # The same page in the other orientation differs only in layout: axe-core once keeps the suite quick.
        check_screen(page, name, orientation, axe=orientation == "portrait")
    page.goto(f"{base}/kiosk/no-such-kiosk/")
    page.screenshot(path=str(SCREENSHOTS / f"kiosk-no-kiosk-{orientation}.png"))
    if orientation == "portrait":
        assert run_axe(page) == []
    context.close()


KEPT = """async () => {
  const urls = [];
  for (const name of await caches.keys()) {
    for (const request of await (await caches.open(name)).keys()) urls.push(decodeURIComponent(request.url));
  }
  return urls;
}"""


def type_on_keypad(page, keys: str):
    for key in keys:
        page.locator(f'.keypad button[data-key="{key}"]').tap()


def test_a_postcode_typed_on_the_keypad_then_the_network_drops(browser, kiosk_server):
    base, kiosk, quick, db_path = kiosk_server
    context = browser.new_context(viewport=SCREENS["portrait"], has_touch=True)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{kiosk}/?lang=en")
    # Once the welcome screen has been seen, the service worker keeps it, today's list and its listings.
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.wait_for_function(KEPT.replace("return urls;", "return urls.some(u => u.includes('/assets/'));"))
    entries = page.evaluate("history.length")
    tap(page, "Search by postcode")
    assert page.evaluate("history.length") == entries  # replaced, never pushed
    measured = check_screen(page, "postcode", "portrait", keypad=True)
    keys = page.locator(".keypad button")
    assert keys.count() == 36 + 3
    sizes = [keys.nth(i).bounding_box() for i in range(keys.count())]
    assert min(min(b["width"], b["height"]) for b in sizes) >= 48, sizes
    # Every key in the lower part of the tall screen, within reach of a seated person.
    assert min(b["y"] for b in sizes) > SCREENS["portrait"]["height"] * 0.4 and measured["top"] > 400
    field = page.get_by_role("textbox", name="Your postcode")
    assert field.get_attribute("readonly") is not None and field.get_attribute("inputmode") == "none"
    type_on_keypad(page, "LE2 0QZ")
    page.get_by_role("button", name="Delete").tap()
    type_on_keypad(page, "A")
    assert field.input_value() == "LE2 0QA"
    with page.expect_navigation():
        page.get_by_role("button", name="Find").tap()
    assert page.locator("h1").inner_text() == "Nearest to your postcode\nLE2 0QA"
    assert page.locator("a.pick").count() == 5 and page.evaluate("history.length") == entries
    page.screenshot(path=str(SCREENSHOTS / "kiosk-postcode-results-portrait.png"))
    with page.expect_navigation():
        page.locator("a.pick").first.tap()
    assert "from=" in page.url and "postcode" in page.url
    # A bad postcode: the residents' site's kind message, on the keypad, with what was typed to put right.
    tap(page, "Start again")
    tap(page, "Search by postcode")
    type_on_keypad(page, "SW1A 1AA")
    with page.expect_navigation():
        page.get_by_role("button", name="Find").tap()
    assert "is outside Leicester" in page.get_by_role("alert").inner_text()
    assert field.input_value() == "SW1A 1AA"
    check_screen(page, "postcode-problem", "portrait", keypad=True)
    # The keypad in landscape: the field on the left, every key still reachable without scrolling.
    page.set_viewport_size(SCREENS["landscape"])
    measured = check_screen(page, "postcode", "landscape", axe=False, keypad=True)
    assert page.locator(".keypad").bounding_box()["y"] > 300
    page.set_viewport_size(SCREENS["portrait"])
    # Counted for the library: the tile (the browser names the welcome screen as the page before), the searches.
    assert _count(db_path, "tile_postcode") >= 1 and _count(db_path, "postcode_search") >= 2
    # Nothing that anyone typed is kept for offline use.
    kept = page.evaluate(KEPT)
    assert kept and not [u for u in kept if "postcode" in u or "SW1A" in u or "LE2 0QA" in u], kept

    # The network drops: the welcome screen, a list and a listing still open, saying how old they are.
    context.set_offline(True)
    page.goto(f"{kiosk}/?lang=en")
    assert page.locator("h1").inner_text() == "Find things to do near this library"
    assert page.get_by_text("Information from 26 November 2026 at 9am").is_visible()
    tap(page, "On today")
    with page.expect_navigation():
        page.locator("a.pick").first.tap()
    assert "/assets/" in page.url and page.locator("svg.qr").count() == 1
    assert page.get_by_text("Information from 26 November 2026").is_visible()
    page.screenshot(path=str(SCREENSHOTS / "kiosk-offline-listing-portrait.png"))
    context.set_offline(False)
    assert errors == []
    context.close()


def test_typing_is_forgotten_at_the_idle_reset_and_the_welcome_screen_reloads_at_night(browser, kiosk_server):
    base, kiosk, quick, db_path = kiosk_server
    context = browser.new_context(viewport=SCREENS["portrait"], has_touch=True, timezone_id="Europe/London",
                                  service_workers="block")
    page = context.new_page()
    page.clock.install(time="2026-11-27T02:58:00")  # the browser's own clock, run on by the test
    page.goto(f"{quick}/postcode?lang=en")
    type_on_keypad(page, "LE4")
    assert page.get_by_role("textbox", name="Your postcode").input_value() == "LE4"
    with page.expect_navigation():
        page.clock.run_for((IDLE + COUNTDOWN + 1) * 1000)
    page.wait_for_load_state("load")
    assert page.url == f"{quick}/?lang=en" and "LE4" not in page.content()
    # The welcome screen as the reset leaves it has nothing to reset: no "Still there?" ...
    page.clock.run_for((IDLE + COUNTDOWN + 1) * 1000)
    assert not page.get_by_role("alertdialog").is_visible() and page.url == f"{quick}/?lang=en"
    # ... but after 3 in the morning, left alone, it reloads itself.
    page.evaluate("window.before = true")
    with page.expect_navigation():
        page.clock.run_for(2 * 60 * 1000)
    page.wait_for_load_state("load")
    assert page.evaluate("window.before === undefined") and page.url == f"{quick}/?lang=en"
    # Back online after a drop, the welcome screen fetches itself afresh (once nobody is touching it).
    page.evaluate("window.before = true; window.dispatchEvent(new Event('online'))")
    with page.expect_navigation():
        page.clock.run_for(61 * 1000)
    page.wait_for_load_state("load")
    assert page.evaluate("window.before === undefined")
    context.close()


def test_a_connector_registers_a_kiosk_on_a_phone(browser, site_db, tmp_path, area):
    from app.accounts import add_user

    from .conftest import signed_in_phone

    db_path, db = live_copy(site_db, tmp_path)
    add_user(db, "Asha", "correct horse battery", "connector")
    db.conn.close()
    base, server = serve_app({"DATABASE": str(db_path), "SECRET_KEY": "browser test"})
    try:
        context, page = signed_in_phone(browser, base)
        page.get_by_role("link", name="Kiosks").click()
        page.get_by_role("link", name="Register a kiosk").click()
        page.get_by_label("Library name").fill("Belgrave Library")
        page.get_by_label("Where the kiosk is").fill("SW1A 1AA")
        page.get_by_label("Idle time, in seconds").fill("10")
        page.get_by_label("80 mm receipt roll").check()
        page.get_by_role("button", name="Register the kiosk").click()
        problems = page.locator(".error-summary").inner_text()  # explained, nothing saved
        assert "outside Leicester" in problems and "from 30 to 1800" in problems
        assert page.get_by_label("Library name").input_value() == "Belgrave Library"  # what was typed is kept
        page.screenshot(path=str(SCREENSHOTS / "kiosk-workspace-form-phone.png"), full_page=True)
        assert run_axe(page) == []
        page.get_by_label("Where the kiosk is").fill("LE4 6JD")
        page.get_by_label("Idle time, in seconds").fill("90")
        assert page.get_by_label("Idle time, in seconds").bounding_box()["height"] >= 44
        page.get_by_role("button", name="Register the kiosk").click()
        page.wait_for_selector("text=Saved.")
        assert page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 0
        assert f"{base}/kiosk/belgrave-library/" in page.content()
        page.get_by_role("link", name="All kiosks").click()
        assert page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 0
        assert run_axe(page) == []
        page.screenshot(path=str(SCREENSHOTS / "kiosk-workspace-list-phone.png"), full_page=True)
        # Its use, per week: charts with a table of the same numbers, readable on a phone.
        page.get_by_role("link", name="How much Belgrave Library is used").click()
        assert page.locator("svg.bar-chart[role=img]").count() == 5 and page.locator("table").count() == 2
        assert page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 0
        assert run_axe(page) == []
        page.screenshot(path=str(SCREENSHOTS / "kiosk-workspace-usage-phone.png"), full_page=True)
        context.close()
    finally:
        server.shutdown()
