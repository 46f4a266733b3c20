"""Library kiosks: registering one (model, workspace form, CLI) and its pages (tiles, order, QR codes, safety)."""
from __future__ import annotations

import math
import re
import shutil
import subprocess

import pytest
from PIL import Image, ImageDraw
from test_workspace import NOW, ORIGIN, post, sign_in

from app import create_app, store
from app.accounts import User
from app.assets.record import CATEGORIES
from app.cli import cli
from app.kiosks.kiosk import KioskError, get_kiosk, kiosk_history, list_kiosks, save_kiosk
from app.traders import directory as traders

ASHA = User(1, "Asha", "connector")
EVIL = '<script>alert(1)</script>"><img src=x onerror=alert(1)>'
KIOSK = "/kiosk/belgrave-library"


@pytest.fixture
def db(live_db):
    database = store.connect(live_db)
    yield database
    database.conn.close()


@pytest.fixture
def kiosk(db, area):
    return save_kiosk(db, area, ASHA, {"name": "Belgrave Library", "place": "belgrave-library", "printer": "receipt"})


@pytest.fixture
def app(live_db):
    return create_app({"TESTING": True, "DATABASE": str(live_db), "TILE_URL": "", "NOW": NOW,
                       "SECRET_KEY": "test only", "SESSION_COOKIE_SECURE": False})


@pytest.fixture(scope="module")
def site(built_db, area, tmp_path_factory):
    """One database for the kiosk's pages (they only read it): Belgrave Library's kiosk, with a receipt printer.

    Tests that change a kiosk register one of their own, so the order of tests does not matter.
    """
    path = tmp_path_factory.mktemp("kiosk") / "kiosk.db"
    shutil.copy(built_db[0], path)
    database = store.connect(path)
    store.migrate_connection(database.conn)
    save_kiosk(database, area, ASHA, {"name": "Belgrave Library", "place": "belgrave-library", "printer": "receipt"})
    yield path, database
    database.conn.close()


@pytest.fixture(scope="module")
def pages(site):
    """A client of the site as the kiosk's browser sees it: never signed in."""
    return create_app({"TESTING": True, "DATABASE": str(site[0]), "TILE_URL": "", "NOW": NOW,
                       "SECRET_KEY": "test only", "SESSION_COOKIE_SECURE": False}).test_client()


def own_kiosk(site, area, name, **values):
    """Register a kiosk of a test's own at Belgrave Library; return its address."""
    kiosk = save_kiosk(site[1], area, ASHA, {"name": name, "place": "belgrave-library", **values})
    return f"/kiosk/{kiosk.slug}"


def problems_of(db, area, values, kiosk_id=None) -> dict:
    with pytest.raises(KioskError) as caught:
        save_kiosk(db, area, ASHA, values, kiosk_id)
    return caught.value.problems


def qr_payload(html: str, tmp_path, index: int = 0) -> str:
    """Decode the index-th QR code on a page with zbarimg (its inline SVG drawn into a PNG first)."""
    svg = re.findall(r'<svg [^>]*class="qr".*?</svg>', html, re.S)[index]
    unit = float(re.search(r'transform="scale\(([\d.]+)\)"', svg).group(1))
    size = int(float(re.search(r'viewBox="0 0 ([\d.]+)', svg).group(1)) / unit)
    scale = 8
    image = Image.new("L", (size * scale, size * scale), 255)
    draw = ImageDraw.Draw(image)
    x = y = 0.0
    # segno's path is runs of dark modules: M/m moves to a row's middle, h draws along it.
    for op, a, b in re.findall(r"([MmHh])(-?[\d.]+)(?:[ ,](-?[\d.]+))?", re.search(r' d="([^"]+)"', svg).group(1)):
        if op in "Mm":
            x, y = (float(a), float(b)) if op == "M" else (x + float(a), y + float(b))
        else:
            end = float(a) if op == "H" else x + float(a)
            draw.rectangle([x * scale, (y - 0.5) * scale, end * scale - 1, (y + 0.5) * scale - 1], fill=0)
            x = end
    path = tmp_path / f"qr{index}.png"
    image.save(path)
    if shutil.which("zbarimg") is None:
        pytest.fail("zbarimg is missing: install Debian's zbar-tools (scripts/test does)")
    return subprocess.run(["zbarimg", "--quiet", "--raw", "--nodbus", str(path)], capture_output=True,
                          text=True, check=True).stdout.strip()


# The model

def test_a_kiosk_takes_its_place_from_a_listing_or_a_postcode(db, area, kiosk):
    library = db.execute("select easting, northing, ward_code from assets where id = 'belgrave-library'").fetchone()
    assert (kiosk.slug, kiosk.place_kind, kiosk.idle_seconds, kiosk.language) == (
        "belgrave-library", "listing", 90, "en")
    assert (kiosk.easting, kiosk.northing, kiosk.ward_code) == tuple(library)
    postcode = db.execute("select postcode, easting, northing, ward_code from postcodes limit 1").fetchone()
    other = save_kiosk(db, area, ASHA, {"name": "Town Hall", "place": postcode[0].lower().replace(" ", ""),
                                        "idle_seconds": "30", "printer": "none", "language": "gu"})
    assert (other.place_kind, other.place_label, other.easting, other.northing, other.ward_code) == (
        "postcode", *postcode)
    assert [k.name for k in list_kiosks(db)] == ["Belgrave Library", "Town Hall"]


def test_bad_values_are_each_explained_and_nothing_is_saved(db, area, kiosk):
    problems = problems_of(db, area, {"name": "  ", "place": "SW1A 1AA", "idle_seconds": "29", "printer": "laser",
                                      "language": "fr"})
    assert set(problems) == {"name", "place", "idle_seconds", "printer", "language"}
    assert "outside Leicester" in problems["place"] and "from 30 to 1800" in problems["idle_seconds"]
    assert "already a kiosk" in problems_of(db, area, {"name": "belgrave  LIBRARY", "place": "LE4 6JD"})["name"]
    assert "no listing has that id" in problems_of(db, area, {"name": "New", "place": "LE5 0XX"})["place"]
    unknown = problems_of(db, area, {"name": "New", "place": "no-such-listing"})
    assert "neither a listing's id nor a postcode" in unknown["place"]
    # A listing known only to its ward has no point: it must not become one.
    assert "no exact place" in problems_of(db, area, {"name": "New", "place": "yoga-belgrave"})["place"]
    words = problems_of(db, area, {"name": "New", "place": "LE4 6JD", "idle_seconds": "ninety"})
    assert "whole number of seconds" in words["idle_seconds"]
    assert "too long" in problems_of(db, area, {"name": "x" * 101, "place": "LE4 6JD"})["name"]
    assert [k.name for k in list_kiosks(db)] == ["Belgrave Library"]
    assert db.execute("select count(*) from kiosk_changes").fetchone()[0] == len(kiosk_history(db, kiosk.id))


def test_changes_are_kept_in_the_history(db, area, kiosk):
    save_kiosk(db, area, User(2, "Ben", "connector"), {"name": "Belgrave Library", "place": "LE4 6JD",
                                                       "idle_seconds": "120", "printer": "a4"}, kiosk.id)
    changed = get_kiosk(db, "belgrave-library")
    assert (changed.place_kind, changed.idle_seconds, changed.printer) == ("postcode", 120, "a4")
    entries = kiosk_history(db, kiosk.id)
    edited = {(e["user_name"], e["field"], e["old_value"], e["new_value"]) for e in entries if e["action"] == "edited"}
    assert edited == {
        ("Ben", "place_label", "belgrave-library", "LE4 6JD"), ("Ben", "idle_seconds", "90", "120"),
        ("Ben", "printer", "receipt", "a4")}
    assert {e["field"] for e in entries if e["action"] == "created"} == {"name", "place_label", "language",
                                                                          "idle_seconds", "printer"}


# The command line

def test_the_command_line_prints_a_kiosks_address(live_db, kiosk):
    from click.testing import CliRunner

    runner = CliRunner()
    result = runner.invoke(cli, ["kiosk", "url", "belgrave library", "--db", str(live_db)])
    assert result.exit_code == 0 and result.output == "http://127.0.0.1:5000/kiosk/belgrave-library/\n"
    result = runner.invoke(cli, ["kiosk", "url", "Belgrave Library", "--db", str(live_db),
                                 "--base-url", "https://map.example.org/"])
    assert result.output == "https://map.example.org/kiosk/belgrave-library/\n"
    result = runner.invoke(cli, ["kiosk", "list", "--db", str(live_db)])
    assert result.output == "Belgrave Library\thttp://127.0.0.1:5000/kiosk/belgrave-library/\n"
    missing = runner.invoke(cli, ["kiosk", "url", "Nowhere", "--db", str(live_db)])
    assert missing.exit_code != 0 and "No kiosk is called “Nowhere”" in missing.output


# The workspace

def test_a_connector_registers_and_changes_a_kiosk_in_the_workspace(client, db):
    assert client.get("/workspace/kiosks/").status_code == 302  # signed in only
    sign_in(client)
    assert 'href="/workspace/kiosks/"' in client.get("/workspace/").get_data(as_text=True)  # in the navigation
    form = {"name": "Belgrave Library", "place": "belgrave-library", "language": "gu", "idle_seconds": "60",
            "printer": "receipt"}
    # Without the form's token nothing is saved.
    assert client.post("/workspace/kiosks/new", data=form, headers={"Origin": ORIGIN}).status_code == 400
    assert list_kiosks(db) == []
    page = client.get("/workspace/kiosks/new").get_data(as_text=True)
    for field in form:
        assert f'name="{field}"' in page
    for label in ("name", "place", "language", "idle_seconds"):
        assert f'<label for="{label}">' in page
    saved = post(client, "/workspace/kiosks/new", form)
    assert saved.status_code == 302
    kiosk = get_kiosk(db, "belgrave-library")
    assert (kiosk.language, kiosk.idle_seconds, kiosk.printer) == ("gu", 60, "receipt")
    edit = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "http://localhost/kiosk/belgrave-library/" in edit and "Saved." in edit
    # Bad input: a clear message, the typed values kept (escaped), nothing changed.
    bad = post(client, f"/workspace/kiosks/{kiosk.id}", {**form, "name": EVIL, "idle_seconds": "5"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "from 30 to 1800" in html and EVIL not in html and "&lt;script&gt;" in html
    assert get_kiosk(db, "belgrave-library").idle_seconds == 60
    assert post(client, f"/workspace/kiosks/{kiosk.id}", {**form, "idle_seconds": "45"}).status_code == 302
    assert get_kiosk(db, "belgrave-library").idle_seconds == 45
    listing = client.get("/workspace/kiosks/").get_data(as_text=True)
    assert "Belgrave Library" in listing and "45 seconds" in listing
    assert client.get("/workspace/kiosks/999").status_code == 404


# The kiosk's pages

def kiosk_pages() -> list[str]:
    """Every kind of kiosk page, reached as a resident would reach them."""
    urls = [f"{KIOSK}/", f"{KIOSK}/near", f"{KIOSK}/today", f"{KIOSK}/this-week", f"{KIOSK}/areas",
            f"{KIOSK}/areas/belgrave", f"{KIOSK}/category/group_activity", f"{KIOSK}/traders",
            f"{KIOSK}/traders/plumber", f"{KIOSK}/assets/belgrave-library", f"{KIOSK}/assets/yoga-belgrave",
            f"{KIOSK}/tell-us", f"{KIOSK}/tell-us/suggest", f"{KIOSK}/tell-us/report",
            f"{KIOSK}/tell-us/report?asset=belgrave-library", f"{KIOSK}/tell-us/recommend", f"{KIOSK}/?lang=gu&big=1",
            f"{KIOSK}/near?page=2"]
    return urls


def test_every_kiosk_page_works_without_sign_in_and_links_to_no_workspace_page(pages):
    for url in kiosk_pages():
        response = pages.get(url)
        html = response.get_data(as_text=True)
        assert response.status_code == 200, url
        assert "/workspace" not in html, url
        assert "Set-Cookie" not in response.headers, url  # no session, no CSRF cookie: nothing kept
        assert "<form" not in html and "<input" not in html and "<textarea" not in html, url  # nothing to type
        assert 'class="site-nav"' not in html, url
        assert 'data-idle-seconds="90"' in html and 'data-home="/kiosk/belgrave-library/?lang=en"' in html, url


def test_the_welcome_screen_has_a_tile_for_everything(pages):
    html = pages.get(f"{KIOSK}/").get_data(as_text=True)
    assert "Find things to do near this library" in html
    for name in CATEGORIES.values():
        assert f">{name}</a>" in html
    for category in CATEGORIES:
        assert f'href="{KIOSK}/category/{category}?lang=en"' in html
    for words, path in (("On today", "today"), ("This week", "this-week"), ("Near this library", "near"),
                        ("Choose an area", "areas"), ("Find a trusted trader", "traders")):
        assert f'href="{KIOSK}/{path}?lang=en">{words}</a>' in html
    # One tap per language, each named in its own script.
    assert f'href="{KIOSK}/?lang=gu" lang="gu" hreflang="gu"' in html and ">ગુજરાતી</a>" in html
    assert f'href="{KIOSK}/?lang=en" lang="en" hreflang="en"' in html
    areas = pages.get(f"{KIOSK}/areas").get_data(as_text=True)
    assert f'href="{KIOSK}/areas/belgrave?lang=en"><bdi>Belgrave</bdi></a>' in areas
    trades = pages.get(f"{KIOSK}/traders").get_data(as_text=True)
    assert f'href="{KIOSK}/traders/plumber?lang=en">Plumber</a>' in trades


def test_lists_start_nearest_the_library_and_come_in_pages(pages, site, area):
    db, kiosk = site[1], get_kiosk(site[1], "belgrave-library")
    ids = []
    for page in (1, 2, 3):
        html = pages.get(f"{KIOSK}/near?page={page}").get_data(as_text=True)
        ids += re.findall(rf'href="{KIOSK}/assets/([^"?]+)\?from=', html)
    assert len(ids) == 15 and ids[0] == "belgrave-library"
    placed = {r[0]: (r[1], r[2])
              for r in db.execute("select id, easting, northing from assets where easting is not null")}
    distances = [math.dist(placed[i], (kiosk.easting, kiosk.northing)) for i in ids]
    assert distances == sorted(distances)
    first = pages.get(f"{KIOSK}/near").get_data(as_text=True)
    assert "Previous" not in first and f'href="{KIOSK}/near?page=2&amp;lang=en">Next</a>' in first
    # Moved elsewhere, the same kiosk lists from its new place.
    elsewhere = own_kiosk(site, area, "Moving kiosk", place="LE2 0QA")
    moved = pages.get(f"{elsewhere}/near").get_data(as_text=True)
    assert re.findall(rf'href="{elsewhere}/assets/([^"?]+)\?from=', moved)[0] != "belgrave-library"


def test_a_chosen_area_lists_that_ward_only(pages, site):
    db = site[1]
    html = pages.get(f"{KIOSK}/areas/belgrave").get_data(as_text=True)
    ids = re.findall(rf'href="{KIOSK}/assets/([^"?]+)\?from=', html)
    wards = {r[0] for r in db.execute(f"select ward_code from assets where id in ({','.join('?' * len(ids))})", ids)}
    assert ids and wards == {"E05010461"}
    assert pages.get(f"{KIOSK}/areas/atlantis").status_code == 404


def test_a_listings_qr_code_is_its_public_page_and_it_prints_for_the_kiosks_printer(pages, tmp_path):
    html = pages.get(f"{KIOSK}/assets/belgrave-library?from={KIOSK}/near").get_data(as_text=True)
    assert qr_payload(html, tmp_path) == "http://localhost/assets/belgrave-library"
    assert 'class="kiosk printer-receipt"' in html and "data-print" in html and "Print this" in html
    assert f'href="{KIOSK}/near">Back to the list</a>' in html
    assert "Cossington Street" in html  # where
    # In Gujarati the code opens the Gujarati page.
    gujarati = pages.get(f"{KIOSK}/assets/belgrave-library?lang=gu").get_data(as_text=True)
    assert qr_payload(gujarati, tmp_path) == "http://localhost/assets/belgrave-library?lang=gu"
    # "Back" goes only to one of this kiosk's pages.
    elsewhere = pages.get(f"{KIOSK}/assets/belgrave-library?from=//evil.example/").get_data(as_text=True)
    assert "Back to the list" not in elsewhere and 'href="//evil.example' not in elsewhere


def test_no_printer_no_print_button(pages, site, area):
    kiosk = own_kiosk(site, area, "No printer", printer="none")
    for url in (f"{kiosk}/assets/belgrave-library", f"{kiosk}/near"):
        html = pages.get(url).get_data(as_text=True)
        assert "data-print" not in html and "Print this" not in html and 'class="qr"' in html


def test_a_listing_known_only_to_its_ward_gets_no_pin(pages):
    html = pages.get(f"{KIOSK}/assets/yoga-belgrave").get_data(as_text=True)
    assert "Somewhere in Belgrave ward" in html and "walk" not in html


def test_a_lists_qr_code_opens_the_same_list_on_a_phone(pages, tmp_path):
    html = pages.get(f"{KIOSK}/near").get_data(as_text=True)
    ids = re.findall(rf'href="{KIOSK}/assets/([^"?]+)\?from=', html)
    assert qr_payload(html, tmp_path) == "http://localhost/list?ids=" + ",".join(ids)


def test_messages_go_by_qr_code_to_the_public_forms(pages, site, tmp_path):
    suggest = pages.get(f"{KIOSK}/tell-us/suggest").get_data(as_text=True)
    assert qr_payload(suggest, tmp_path) == "http://localhost/suggest"
    report = pages.get(f"{KIOSK}/tell-us/report?asset=belgrave-library").get_data(as_text=True)
    assert qr_payload(report, tmp_path) == "http://localhost/assets/belgrave-library/report"
    assert 'class="qr"' not in pages.get(f"{KIOSK}/tell-us/report").get_data(as_text=True)  # says how instead
    recommend = pages.get(f"{KIOSK}/tell-us/recommend").get_data(as_text=True)
    assert qr_payload(recommend, tmp_path) == "http://localhost/traders/"
    listing = pages.get(f"{KIOSK}/assets/belgrave-library").get_data(as_text=True)
    assert f'href="{KIOSK}/tell-us/report?asset=belgrave-library' in listing
    assert pages.get(f"{KIOSK}/tell-us/complain").status_code == 404


def test_traders_by_trade_with_their_pages_and_recommend_codes(pages, site, tmp_path):
    db = site[1]
    from datetime import date

    trader_id = traders.save_trader(db, ASHA, {"name": EVIL, "trades": ["plumber"], "areas": ["Belgrave"],
                                               "phone": "0116 000 0000", "base_postcode": "LE4 6JD"})
    rec = traders.recommend(db, trader_id, {"given_name": "Pramila", "ward_code": "E05010461", "job": "Fixed a leak",
                                            "job_month": "2026-03", "would_use_again": "1"}, "10.0.0.1")
    traders.moderate(db, ASHA, rec, True)
    traders.add_check(db, ASHA, trader_id, "id_seen", date(2026, 3, 3))
    traders.set_status(db, ASHA, trader_id, "listed", "", 1, 1, NOW.date())
    listed = pages.get(f"{KIOSK}/traders/plumber").get_data(as_text=True)
    assert f'href="{KIOSK}/trader/{trader_id}?from=' in listed and EVIL not in listed and "&lt;script&gt;" in listed
    assert "1 recommendation" in listed
    page = pages.get(f"{KIOSK}/trader/{trader_id}").get_data(as_text=True)
    assert qr_payload(page, tmp_path) == f"http://localhost/traders/{trader_id}"
    assert "0116 000 0000" in page and EVIL not in page
    recommend = pages.get(f"{KIOSK}/tell-us/recommend?trader={trader_id}").get_data(as_text=True)
    assert qr_payload(recommend, tmp_path) == f"http://localhost/traders/{trader_id}/recommend"
    assert "No trusted traders for this trade yet." in pages.get(f"{KIOSK}/traders/roofer").get_data(as_text=True)
    assert pages.get(f"{KIOSK}/traders/astronaut").status_code == 404
    assert pages.get(f"{KIOSK}/trader/nobody").status_code == 404


def test_bigger_text_lives_in_the_address_and_the_reset_drops_it(pages):
    html = pages.get(f"{KIOSK}/near?big=1").get_data(as_text=True)
    assert 'class="kiosk printer-receipt big-text"' in html
    assert f'href="{KIOSK}/near?big=1&amp;page=2&amp;lang=en">Next</a>' in html
    assert f'href="{KIOSK}/near?lang=en" aria-pressed="true" role="button">Bigger text</a>' in html
    assert 'data-home="/kiosk/belgrave-library/?lang=en"' in html  # the idle reset goes back to normal text
    assert 'big-text' not in pages.get(f"{KIOSK}/near").get_data(as_text=True)


def test_a_kiosk_starts_and_resets_in_its_own_language(pages, site, area):
    KIOSK = own_kiosk(site, area, "Gujarati first", language="gu")  # noqa: N806
    html = pages.get(f"{KIOSK}/").get_data(as_text=True)
    assert '<html lang="gu"' in html and f'data-home="{KIOSK}/?lang=gu"' in html
    english = pages.get(f"{KIOSK}/?lang=en").get_data(as_text=True)
    assert '<html lang="en"' in english and f'href="{KIOSK}/near?lang=en"' in english
    assert f'data-home="{KIOSK}/?lang=gu"' in english


def test_an_unknown_kiosk_or_page_is_a_friendly_not_found(pages):
    missing = pages.get("/kiosk/nowhere/")
    html = missing.get_data(as_text=True)
    assert missing.status_code == 404 and "There is no kiosk at this address" in html and "/workspace" not in html
    assert "Set-Cookie" not in missing.headers
    gone = pages.get(f"{KIOSK}/assets/no-such-listing")
    html = gone.get_data(as_text=True)
    assert gone.status_code == 404 and "Start again" in html and 'class="site-nav"' not in html
    assert pages.get(f"{KIOSK}/category/spaceships").status_code == 404


def test_kiosk_names_are_escaped_on_its_pages(pages, site, area):
    html = pages.get(own_kiosk(site, area, EVIL) + "/").get_data(as_text=True)
    assert EVIL not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_countdown_is_never_under_20_seconds_outside_tests(site):
    def countdown(config):
        app = create_app({"DATABASE": str(site[0]), "SECRET_KEY": "test only", **config})
        html = app.test_client().get(f"{KIOSK}/").get_data(as_text=True)
        return int(re.search(r'data-countdown-seconds="(\d+)"', html).group(1))

    assert countdown({}) == 30
    assert countdown({"KIOSK_COUNTDOWN_SECONDS": 5}) == 20
    assert countdown({"KIOSK_COUNTDOWN_SECONDS": 45}) == 45
    assert countdown({"TESTING": True, "KIOSK_COUNTDOWN_SECONDS": 5}) == 5
