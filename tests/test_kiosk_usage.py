"""Library kiosks: postcode search, the offline list, and anonymous usage counts with their workspace page."""
from __future__ import annotations

import csv
import html as htmllib
import io
import json
import math
import re
import shutil
from datetime import date, datetime

import pytest
from test_workspace import NOW, ORIGIN, sign_in

from app import create_app, store
from app.accounts import User
from app.kiosks import usage
from app.kiosks.kiosk import save_kiosk

ASHA = User(1, "Asha", "connector")
KIOSK = "/kiosk/belgrave-library"
WELCOME = f"http://localhost{KIOSK}/?lang=en"


@pytest.fixture
def db(live_db):
    database = store.connect(live_db)
    yield database
    database.conn.close()


@pytest.fixture
def kiosk(db, area):
    return save_kiosk(db, area, ASHA, {"name": "Belgrave Library", "place": "belgrave-library", "printer": "receipt"})


def make_app(live_db, now=NOW, **config):
    return create_app({"TESTING": True, "DATABASE": str(live_db), "TILE_URL": "", "NOW": now,
                       "SECRET_KEY": "test only", "SESSION_COOKIE_SECURE": False, **config})


@pytest.fixture
def app(live_db):
    return make_app(live_db)


@pytest.fixture
def kiosk_client(live_db, kiosk):
    return make_app(live_db).test_client()


@pytest.fixture(scope="module")
def screens(built_db, area, tmp_path_factory):
    """A client of one kiosk's screens, for the tests that only look at them (one database: quicker)."""
    path = tmp_path_factory.mktemp("kiosk-screens") / "kiosk.db"
    shutil.copy(built_db[0], path)
    database = store.connect(path)
    store.migrate_connection(database.conn)
    save_kiosk(database, area, ASHA, {"name": "Belgrave Library", "place": "belgrave-library"})
    database.conn.close()
    return make_app(path).test_client()


def counted(db, kiosk) -> dict[tuple[str, str], int]:
    return usage.counts(db, kiosk.id)


# The counters

def test_one_event_is_one_count_and_only_known_events_count(db, kiosk):
    day = date(2026, 11, 26)
    usage.record(db, kiosk.id, "slip_printed", day)
    assert counted(db, kiosk) == {("2026-11-26", "slip_printed"): 1}
    usage.record(db, kiosk.id, "slip_printed", day)
    usage.record(db, kiosk.id, "qr_shown", day)
    assert counted(db, kiosk) == {("2026-11-26", "qr_shown"): 1, ("2026-11-26", "slip_printed"): 2}
    with pytest.raises(usage.UsageError):
        usage.record(db, kiosk.id, "LE4 6JD", day)
    assert db.execute("select count(*) from kiosk_usage").fetchone()[0] == 2


def test_pages_count_what_was_used_and_the_day_comes_from_the_clock(live_db, db, kiosk):
    late = make_app(live_db, datetime(2026, 11, 26, 23, 59)).test_client()
    late.get(f"{KIOSK}/assets/belgrave-library")
    late.get(f"{KIOSK}/near?lang=en", headers={"Referer": WELCOME})       # a tile on the welcome screen
    late.get(f"{KIOSK}/near?lang=en&page=2", headers={"Referer": f"http://localhost{KIOSK}/near?lang=en"})
    late.get(f"{KIOSK}/areas", headers={"Referer": f"http://evil.example{KIOSK}/"})  # not this site's page
    late.get(f"{KIOSK}/category/group_activity", headers={"Referer": WELCOME})
    # The kiosk's own service worker filling its cache is nobody's use.
    late.get(f"{KIOSK}/assets/belgrave-library", headers={"X-Kiosk-Cache": "refresh"})
    early = make_app(live_db, datetime(2026, 11, 27, 0, 0)).test_client()
    early.get(f"{KIOSK}/assets/belgrave-library")
    assert counted(db, kiosk) == {
        ("2026-11-26", "listing_opened"): 1, ("2026-11-26", "qr_shown"): 4, ("2026-11-26", "tile_category"): 1,
        ("2026-11-26", "tile_near"): 1, ("2026-11-27", "listing_opened"): 1, ("2026-11-27", "qr_shown"): 1}
    # Nothing but the kiosk, the day, the event and the count: no time, no address.
    assert [r[1] for r in db.execute("pragma table_info(kiosk_usage)")] == ["kiosk_id", "day", "event", "count"]


def test_a_count_that_cannot_be_written_never_breaks_the_kiosks_page(screens, monkeypatch):
    import sqlite3

    def busy(*args):
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(usage, "record", busy)
    response = screens.get(f"{KIOSK}/assets/belgrave-library")
    assert response.status_code == 200 and "Belgrave Library" in response.get_data(as_text=True)


def test_a_postcode_search_counts_as_used_and_its_postcode_is_stored_nowhere(live_db, db, kiosk, kiosk_client):
    before = set(db.conn.iterdump())
    kiosk_client.get(f"{KIOSK}/postcode?lang=en", headers={"Referer": WELCOME})
    for typed in ("LE4 6JD", "le46jd", "SW1A 1AA", "XX99"):
        kiosk_client.get(f"{KIOSK}/postcode", query_string={"postcode": typed, "lang": "en"})
    kiosk_client.get(f"{KIOSK}/assets/belgrave-library",
                     query_string={"from": f"{KIOSK}/postcode?postcode=LE4+6JD&lang=en"})
    assert counted(db, kiosk) == {("2026-11-26", "tile_postcode"): 1, ("2026-11-26", "postcode_search"): 4,
                                  ("2026-11-26", "listing_opened"): 1, ("2026-11-26", "qr_shown"): 3}
    added = "\n".join(sorted(set(db.conn.iterdump()) - before)).upper()
    assert "KIOSK_USAGE" in added
    for typed in ("LE4 6JD", "LE46JD", "LE4+6JD", "SW1A", "XX99"):
        assert typed not in added, typed


def test_the_browser_reports_prints_with_the_pages_token_and_nothing_else(live_db, db, kiosk):
    client = make_app(live_db, RATE_LIMITS={"kiosk-usage": [3, 3600]}).test_client()
    page = client.get(f"{KIOSK}/assets/belgrave-library").get_data(as_text=True)
    url = re.search(r'data-usage="([^"]+)"', page).group(1)
    token = re.search(r'data-token="([^"]+)"', page).group(1)
    assert url == f"{KIOSK}/usage"
    before = counted(db, kiosk)

    def send(data, headers={"Origin": ORIGIN}):  # noqa: B006
        return client.post(url, data=data, headers=headers)

    assert send({"event": "slip_printed"}).status_code == 400                   # no token: not from the page
    assert send({"event": "slip_printed", "csrf_token": token}, {}).status_code == 400  # not from this site
    assert send({"event": "listing_opened", "csrf_token": token}).status_code == 400   # the server counts those
    assert send({"event": "<script>", "csrf_token": token}).status_code == 400
    assert counted(db, kiosk) == before
    assert send({"event": "slip_printed", "csrf_token": token}).status_code == 204
    assert counted(db, kiosk)[("2026-11-26", "slip_printed")] == 1
    assert "Set-Cookie" not in client.get(f"{KIOSK}/").headers
    # Bounded per kiosk: a loop cannot swell the counts.
    assert [send({"event": "slip_printed", "csrf_token": token}).status_code for _ in range(3)] == [204, 204, 429]
    assert counted(db, kiosk)[("2026-11-26", "slip_printed")] == 3
    keys = {r[0] for r in db.execute("select key from rate_events where bucket = 'kiosk-usage'")}
    assert keys == {str(kiosk.id)}  # the kiosk, never an address


# The usage page

def test_staff_see_the_counts_per_week_with_a_chart_and_a_csv(client, db, kiosk):
    for day, event, times in ((date(2026, 11, 23), "tile_today", 3), (date(2026, 11, 26), "tile_near", 2),
                              (date(2026, 11, 26), "slip_printed", 1), (date(2026, 11, 16), "listing_opened", 5),
                              (date(2026, 8, 1), "qr_shown", 9)):  # long before the weeks shown
        for _ in range(times):
            usage.record(db, kiosk.id, event, day)
    assert client.get(f"/workspace/kiosks/{kiosk.id}/usage").status_code == 302  # signed in only
    assert client.get(f"/workspace/kiosks/{kiosk.id}/usage.csv").status_code == 302
    sign_in(client)
    html = client.get(f"/workspace/kiosks/{kiosk.id}/usage").get_data(as_text=True)
    rows = re.findall(r'<tr><th scope="row">(\d{4}-W\d\d) .*?</th>\s*((?:<td>\d+</td>)+)</tr>', html)
    table = {week: [int(n) for n in re.findall(r"\d+", cells)] for week, cells in rows}
    assert len(table) == 12 and list(table)[0] == "2026-W48"  # the newest week first
    # Tiles used, listings opened, QR codes shown, slips printed, postcode searches.
    assert table["2026-W48"] == [5, 0, 0, 1, 0] and table["2026-W47"] == [0, 5, 0, 0, 0]
    assert sum(sum(v) for v in table.values()) == 11  # August is outside the last 12 weeks
    # The chart: one bar per week for each kind of use, its height proportional to the count.
    assert html.count('<svg viewBox="0 0 600 172" role="img"') == 5
    tiles_chart = re.search(r'aria-labelledby="chart-tiles".*?</svg>', html, re.S).group(0)
    heights = [float(h) for h in re.findall(r'<rect [^>]*height="([\d.]+)"', tiles_chart)]
    assert len(heights) == 12 and heights[-1] == 110.0 and heights.count(0.0) == 11
    assert "W48 5" in tiles_chart  # the chart's text alternative
    assert 'href="/workspace/kiosks/%d/usage.csv"' % kiosk.id in html
    response = client.get(f"/workspace/kiosks/{kiosk.id}/usage.csv")
    assert response.mimetype == "text/csv" and "kiosk-belgrave-library-usage.csv" in response.headers[
        "Content-Disposition"]
    lines = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert {(r["day"], r["iso_week"], r["event"], r["count"]) for r in lines} == {
        ("2026-11-23", "2026-W48", "tile_today", "3"), ("2026-11-26", "2026-W48", "tile_near", "2"),
        ("2026-11-26", "2026-W48", "slip_printed", "1"), ("2026-11-16", "2026-W47", "listing_opened", "5"),
        ("2026-08-01", "2026-W31", "qr_shown", "9")}
    assert client.get("/workspace/kiosks/999/usage").status_code == 404
    assert f'href="/workspace/kiosks/{kiosk.id}/usage"' in client.get(f"/workspace/kiosks/{kiosk.id}").get_data(
        as_text=True)


# Search by postcode

def test_a_postcode_search_lists_nearest_that_postcode_and_is_never_cached(kiosk_client, db):
    keypad = kiosk_client.get(f"{KIOSK}/postcode")
    html = keypad.get_data(as_text=True)
    assert keypad.headers["Cache-Control"] == "no-store"
    assert 'readonly inputmode="none"' in html and '<label for="postcode" id="postcode-label">Your postcode' in html
    for key in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        assert f'data-key="{key}">{key}</button>' in html
    assert ">Space</button>" in html and ">Delete</button>" in html
    assert 'type="submit" class="key key-wide key-find">Find' in html
    welcome = kiosk_client.get(f"{KIOSK}/").get_data(as_text=True)
    assert f'href="{KIOSK}/postcode?lang=en">Search by postcode</a>' in welcome
    assert "Cache-Control" not in kiosk_client.get(f"{KIOSK}/").headers

    found = kiosk_client.get(f"{KIOSK}/postcode", query_string={"postcode": "le2 0qa", "lang": "en"})
    page = found.get_data(as_text=True)
    assert found.status_code == 200 and found.headers["Cache-Control"] == "no-store"
    assert "Nearest to your postcode" in page and "LE2 0QA" in page
    ids = re.findall(rf'href="{KIOSK}/assets/([^"?]+)\?from=', page)
    postcode = db.execute("select easting, northing from postcodes where postcode = 'LE2 0QA'").fetchone()
    placed = {r[0]: (r[1], r[2])
              for r in db.execute("select id, easting, northing from assets where easting is not null")}
    distances = [math.dist(placed[i], postcode) for i in ids]
    assert len(ids) == 5 and distances == sorted(distances)
    assert ids[0] != "belgrave-library"  # measured from the postcode, not the library
    # A listing reached from it carries the postcode in its "Back": not cached either.
    link = htmllib.unescape(re.search(rf'href="({KIOSK}/assets/[^"]+)"', page).group(1))
    listing = kiosk_client.get(link)
    assert listing.headers["Cache-Control"] == "no-store" and "Back to the list" in listing.get_data(as_text=True)
    assert "Cache-Control" not in kiosk_client.get(f"{KIOSK}/assets/{ids[0]}").headers


@pytest.mark.parametrize("typed, words, status", [
    ("SW1A 1AA", "The postcode SW1A 1AA is outside Leicester. This map only covers Leicester", 400),
    ("LE4 6J", "“LE4 6J” does not look like a postcode. A postcode looks like", 400),
    ("<script>alert(1)</script>", "&lt;script&gt;", 400),
    ("", None, 200),
])
def test_a_bad_postcode_gets_the_sites_kind_message_on_the_keypad(screens, typed, words, status):
    response = screens.get(f"{KIOSK}/postcode", query_string={"postcode": typed, "lang": "en"})
    html = response.get_data(as_text=True)
    assert response.status_code == status and response.headers["Cache-Control"] == "no-store"
    assert 'class="keypad"' in html and "<script>alert" not in html
    if words:
        assert words in html and 'role="alert"' in html and 'aria-invalid="true"' in html
    else:
        assert 'role="alert"' not in html


def test_a_mistyped_postcode_offers_the_one_meant(screens):
    html = screens.get(f"{KIOSK}/postcode", query_string={"postcode": "LE2 OQA"}).get_data(as_text=True)
    assert f'href="{KIOSK}/postcode?postcode=LE2+0QA&amp;lang=en">Did you mean LE2 0QA?</a>' in html


# Offline

def test_every_page_says_when_it_was_made(screens):
    for url in (f"{KIOSK}/", f"{KIOSK}/today", f"{KIOSK}/assets/belgrave-library", f"{KIOSK}/postcode"):
        assert "Information from 26 November 2026 at 9am" in screens.get(url).get_data(as_text=True), url


def test_the_service_worker_covers_the_kiosk_and_keeps_a_bounded_list(weekday_db_path, tmp_path, area):
    # Listings with times, so that "On today" and "This week" have listings to keep.
    path = tmp_path / "weekdays.db"
    shutil.copy(weekday_db_path, path)
    database = store.connect(path)
    store.migrate_connection(database.conn)
    save_kiosk(database, area, ASHA, {"name": "Belgrave Library", "place": "LE4 6JD"})
    database.conn.close()
    kiosk_client = make_app(path).test_client()
    worker = kiosk_client.get(f"{KIOSK}/sw.js")
    assert worker.status_code == 200 and worker.mimetype == "text/javascript"
    assert worker.headers["Cache-Control"] == "no-cache" or "max-age=0" in worker.headers["Cache-Control"]
    assert "no-store" in worker.get_data(as_text=True)  # it honours the pages that must not be kept
    welcome = kiosk_client.get(f"{KIOSK}/").get_data(as_text=True)
    assert f'data-sw="{KIOSK}/sw.js" data-scope="{KIOSK}/"' in welcome
    offline = kiosk_client.get(f"{KIOSK}/offline.json")
    assert offline.headers["Cache-Control"] == "no-store"
    wanted = json.loads(offline.get_data(as_text=True))
    assert wanted["files"] == ["/static/kiosk.css", "/static/kiosk.js"]
    pages = wanted["pages"]
    assert pages[0] == f"{KIOSK}/?lang=en" and f"{KIOSK}/today?lang=en" in pages
    assert f"{KIOSK}/this-week?lang=en" in pages
    listings = [p for p in pages if "/assets/" in p]
    assert 0 < len(listings) <= 10 and len(pages) <= 13
    # The very addresses the pages link to, so a tap offline finds its page.
    linked = set()
    for url in (f"{KIOSK}/?lang=en", f"{KIOSK}/today?lang=en", f"{KIOSK}/this-week?lang=en"):
        html = kiosk_client.get(url).get_data(as_text=True)
        linked |= {htmllib.unescape(h) for h in re.findall(r'href="([^"]+)"', html)}
    assert set(pages[1:]) <= linked
    assert all("postcode" not in p for p in pages)
