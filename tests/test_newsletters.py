"""The monthly ward newsletter: the PDF's own text (read back by pdftotext) against what the site shows."""
from __future__ import annotations

import csv
import math
import re
import shutil
import subprocess
import unicodedata
from collections import Counter
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
from babel.dates import format_date
from click.testing import CliRunner
from conftest import write_csv
from dateutil import rrule as rr
from pypdf import PdfReader

from app import create_app
from app.assets.pipeline import build
from app.cli import cli
from app.config import PROJECT_ROOT, load_area
from app.web.i18n import LANGUAGES, TRANSLATIONS

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 26, 9, 0)
ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "newsletters"
CONNECTOR = "Asha Patel, 0116 496 0123, weekdays 9am to 5pm"  # a drama-range number: no one's real phone
SECRET_STREET = "12 Quiet Close"
# Belgrave listings with times, as connectors write them: a closure, two days a week, ward-level,
# fortnightly, and one that ends before a month with nothing dated in it (2027-08).
SCHEDULED = [
    dict(id="coffee", name="Coffee morning", address="Belgrave Library, Cossington Street", postcode="LE4 6JD",
         schedule="Tue 10:00-12:00 until 2027-06-30 not 2026-12-22", cost="Free"),
    dict(id="lunch", name="Lunch club for over-60s", address="Belgrave Neighbourhood Centre", postcode="LE4 5PS",
         schedule="Wed,Fri 12:00-14:00 until 2027-06-30", cost="£3 a meal"),
    dict(id="knit", name="Knit and natter", ward="Belgrave", location_precision="ward",
         schedule="2nd Thu 14:00-16:00 until 2027-06-30"),
    dict(id="walk", name="Health walk", postcode="LE4 6JD", schedule="Every other Sat 10:00-11:00 from 2026-12-05 until 2027-06-30"),
    dict(id="at-home", name="Sewing circle at home", address=SECRET_STREET, postcode="LE4 6JD",
         schedule="Mon 14:00-15:30 until 2027-06-30"),
]
GONE = {"hidden": "Hidden bingo", "closed": "Closed choir", "deleted": "Deleted dance"}  # status -> name


def languages():
    """Every language the site has a catalogue for (English needs none): Urdu is tested as soon as it lands."""
    return [code for code in LANGUAGES
            if code == "en" or (TRANSLATIONS / code / "LC_MESSAGES" / "messages.po").is_file()]


@pytest.fixture(scope="module")
def news_area(tmp_path_factory):
    """The Leicester area with a community connector for Belgrave."""
    tmp = tmp_path_factory.mktemp("news-area")
    text = (PROJECT_ROOT / "area.toml").read_text(encoding="utf-8").replace('"data/', f'"{PROJECT_ROOT}/data/')
    text = text.replace("[connectors]\n", f'[connectors]\nBelgrave = "{CONNECTOR}"\n')
    (tmp / "area.toml").write_text(text, encoding="utf-8")
    return tmp / "area.toml"


@pytest.fixture(scope="module")
def news_db(tmp_path_factory, news_area):
    """The bundled listings plus Belgrave's scheduled ones; three gone (hidden, closed, deleted), one at someone's home."""
    from app import store
    from app.accounts import add_user

    area = load_area(news_area)
    tmp = tmp_path_factory.mktemp("news-db")
    with open(area.assets_csv, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    header = list(rows[0])
    extra = [dict(row, category="group_activity", source="poster") for row in SCHEDULED]
    extra += [dict(id=status, name=name, category="group_activity", postcode="LE4 6JD", schedule="Thu 10:00-11:00",
                   source="poster") for status, name in GONE.items()]
    rows += [{k: row.get(k, "") for k in header} for row in extra]
    report = build(area, tmp / "a.db", write_csv(tmp / "a.csv", rows, header=header), today=NOW.date())
    assert report.rejected == 0
    db = store.connect(tmp / "a.db")
    store.migrate_connection(db.conn)
    for status in GONE:
        db.execute("update assets set status = ? where id = ?", [status, status])
    db.execute("update assets set private_address = 1 where id = 'at-home'")
    db.conn.commit()
    add_user(db, "Asha", "correct horse battery", "connector")
    db.conn.close()
    return tmp / "a.db"


@pytest.fixture(scope="module")
def app(news_db, news_area):
    return create_app({"TESTING": True, "DATABASE": str(news_db), "TILE_URL": "", "NOW": NOW,
                       "SECRET_KEY": "test only", "SESSION_COOKIE_SECURE": False}, area_file=news_area)


@pytest.fixture(scope="module")
def client(app):
    return app.test_client()


def pdf_text(body: bytes) -> str:
    """The PDF's text as pdftotext reads it (Debian poppler-utils) in the order it was laid out, single-spaced."""
    found = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", "-", "-"], input=body, capture_output=True, check=True)
    return " ".join(" ".join(logical_order(line) for line in found.stdout.decode("utf-8").splitlines()).split())


RTL_RUN = re.compile("\u202b(.*?)\u202c|([^\u202b\u202c]+)")


def logical_order(line: str) -> str:
    """A line pdftotext gave in the order it is seen, put back in the order it is read.

    For Urdu and Arabic, pdftotext marks each right-to-left run (U+202B ... U+202C) and gives the
    runs left to right as they sit on the page: a word broken at its joins comes in pieces, last
    piece first, and the words of the line come last word first. So: the pieces of each word are
    put back in reverse, then the words. A line with no right-to-left run is left as it is.
    """
    if "\u202b" not in line:
        return line
    words = []
    for token in line.split(" "):
        pieces = [rtl or ltr for rtl, ltr in RTL_RUN.findall(token)]
        words.append("".join(reversed(pieces)) if "\u202b" in token else token)
    return " ".join(reversed(words))


def page_count(body: bytes) -> int:
    import io

    return len(PdfReader(io.BytesIO(body)).pages)


def font_sizes(body: bytes) -> Counter:
    """How many characters the PDF prints at each size (points, to 0.1), as pypdf reads its text matrices."""
    import io

    sizes = Counter()
    for page in PdfReader(io.BytesIO(body)).pages:
        def visit(text, cm, tm, font, size):
            if text.strip():
                sizes[round(size * math.hypot(tm[2], tm[3]) * math.hypot(cm[2], cm[3]), 1)] += len(text.strip())
        page.extract_text(visitor_text=visit)
    return sizes


def site_occurrences(client, first: date, last: date) -> list[tuple[date, str, str]]:
    """(day, 'HH:MM', listing name) of every session the ward's calendar file (.ics) gives in the window."""
    found = []
    calendar = icalendar.Calendar.from_ical(client.get("/wards/belgrave.ics").get_data())
    for event in calendar.walk("VEVENT"):
        start = event.decoded("dtstart")
        rule = rr.rrulestr(event["rrule"].to_ical().decode(), dtstart=start, forceset=True)
        exdates = event.get("exdate")
        for group in (exdates if isinstance(exdates, list) else [exdates] if exdates else []):
            for when in group.dts:
                rule.exdate(when.dt)
        window = (datetime.combine(first, datetime.min.time(), LONDON),
                  datetime.combine(last, datetime.max.time(), LONDON))
        for when in rule.between(*window, inc=True):
            local = when.astimezone(LONDON)
            found.append((local.date(), f"{local:%H:%M}", str(event["summary"])))
    return sorted(found)


def clock_in(lang: str, hhmm: str, app) -> str:
    """A time of day as the site says it in a language ('10am', '10:00 સવારે')."""
    from flask_babel import force_locale

    from app.web.wording import clock

    with app.test_request_context(), force_locale(lang):
        return clock(hhmm)


def squeezed(text: str) -> str:
    """The text without spaces or vowel signs, to compare what pdftotext reads back with what was meant.

    Without spaces, an address broken over two lines reads whole again. Without direction marks (format
    characters). Without vowel signs and other combining marks: pdftotext gives Indic text in the order the glyphs are drawn, so a vowel sign
    drawn before its consonant (Hindi दि, Gujarati શિ) comes out in front of it or split off, though
    the page prints the word whole; the letters themselves keep their order.
    """
    return "".join(ch for ch in text if not ch.isspace() and unicodedata.category(ch)[0] not in "MC")


def newsletter(client, lang: str, month: str = "2026-12", large: bool = False) -> bytes:
    response = client.get(f"/wards/belgrave/newsletter.pdf?month={month}&lang={lang}" + ("&large=1" if large else ""))
    assert response.status_code == 200 and response.mimetype == "application/pdf", response.get_data()[:300]
    return response.get_data()


@pytest.mark.parametrize("lang", languages())
def test_the_pdf_lists_every_dated_session_the_site_shows_in_each_language(client, app, lang):
    body = newsletter(client, lang)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"whats-on-belgrave-2026-12-{lang}.pdf").write_bytes(body)
    text = pdf_text(body)
    expected = site_occurrences(client, date(2026, 12, 1), date(2026, 12, 31))
    assert len(expected) == 20  # weekly, twice weekly, monthly, fortnightly: 4 + 9 + 1 + 2 + 4 in December
    assert date(2026, 12, 22) not in {day for day, _, name in expected if name == "Coffee morning"}  # closed
    # Compared without spaces: pdftotext puts one inside some Gujarati words (a vowel sign drawn
    # before the consonant it follows: શનિ comes out as શ નિ), though the page prints them whole.
    flat = squeezed(text)
    headings = {day: squeezed(format_date(day, "EEE d MMM", locale=lang)) for day, _, _ in expected}
    starts = sorted(flat.find(h) for h in headings.values())
    assert -1 not in starts, [h for h in headings.values() if h not in flat]
    for day, start, name in expected:
        at = flat.find(headings[day])
        block = flat[at:min([s for s in starts if s > at] + [len(flat)])]
        # In right-to-left lines pdftotext mixes a time's digits into the words beside it: the digits are compared.
        when = squeezed(clock_in(lang, start, app))
        when = re.sub(r"[^\d:]", "", when) if LANGUAGES[lang]["dir"] == "rtl" else when
        assert squeezed(name) in block and when in block, (day, start, name, block)
    # Each listing as many times as it has dates: nothing closed, nothing from another month.
    for name, count in Counter(name for _, _, name in expected).items():
        assert flat.count(squeezed(name)) == count, name
    if lang == "en":  # longer Gujarati phrases come back from pdftotext with vowel signs moved
        assert "Ask your connector where" in text  # the ward-level one
        # A cost where the listing gives one, as written; none made up where it does not.
        assert "10am–12 noon Coffee morning, Belgrave Library, Cossington Street, LE4 6JD, Free" in text
        assert "10am–11am Health walk, LE4 6JD Mon 7 Dec" in text
    assert squeezed(CONNECTOR) in flat and "/wards/belgrave" in flat and "/suggest" in flat
    assert page_count(body) == 2


@pytest.mark.parametrize("lang", languages())
def test_large_print_is_16_point_or_more_on_at_most_four_pages(client, lang):
    body = newsletter(client, lang, large=True)
    (ARTIFACTS / f"whats-on-belgrave-2026-12-{lang}-large-print.pdf").write_bytes(body)
    sizes = font_sizes(body)
    assert min(sizes) >= 16, sizes
    assert 2 < page_count(body) <= 4


def test_the_normal_sheet_is_smaller_print_than_large(client):
    sizes = font_sizes(newsletter(client, "en"))
    assert max(sizes, key=sizes.get) < 16  # so the large-print check above can tell them apart


def test_hidden_closed_deleted_and_private_details_never_appear(client):
    text = pdf_text(newsletter(client, "en"))
    for name in GONE.values():
        assert name not in text
    assert "Sewing circle at home" in text and SECRET_STREET not in text  # named, its street never printed
    at = text.index("Sewing circle at home")
    assert "Ask your connector where" in text[at:at + 120]


def test_a_month_with_nothing_on_still_says_what_to_do(client):
    body = newsletter(client, "en", month="2027-08")  # every Belgrave schedule ends in June
    text = pdf_text(body)
    assert "Nothing listed with a day and time yet" in text
    assert not any(row["name"] in text for row in SCHEDULED)
    assert "Regular activities" in text and "Belgrave Library" in text  # the listings without dates
    assert CONNECTOR in text and "Suggest an activity or place" in text and "/suggest" in squeezed(text)
    assert "Please check before you travel" in text and "26 November 2026" in text
    assert page_count(body) == 1  # one full page, not a blank first page


def test_the_ward_page_offers_this_months_newsletter_in_its_language(client):
    html = client.get("/wards/belgrave?lang=gu").get_data(as_text=True)
    assert 'href="/wards/belgrave/newsletter.pdf?lang=gu"' in html
    assert 'href="/wards/belgrave/newsletter.pdf?large=1&amp;lang=gu"' in html
    response = client.get("/wards/belgrave/newsletter.pdf?lang=gu")  # this month: November 2026
    assert response.status_code == 200
    assert 'filename="whats-on-belgrave-2026-11-gu.pdf"' in response.headers["Content-Disposition"]
    assert squeezed("નવેમ્બર 2026") in squeezed(pdf_text(response.get_data()))


def test_bad_requests_get_a_message_not_a_500(client):
    assert client.get("/wards/nowhere/newsletter.pdf").status_code == 404
    response = client.get("/wards/belgrave/newsletter.pdf?month=2026-13")
    assert response.status_code == 400 and "YYYY-MM" in response.get_data(as_text=True)


def test_the_workspace_form_checks_each_answer_then_gives_the_pdf(app):
    from test_workspace import sign_in

    client = app.test_client()
    assert client.get("/workspace/newsletter").status_code == 302  # sign in first
    sign_in(client)
    form = client.get("/workspace/newsletter").get_data(as_text=True)
    for field in ("ward", "month", "language", "large"):
        assert f'name="{field}"' in form
    assert '<label for="ward">' in form and '<label for="month">' in form and '<label for="language">' in form
    bad = client.get("/workspace/newsletter?ward=nowhere&month=Dec&language=xx")
    page = bad.get_data(as_text=True)
    assert bad.status_code == 400
    assert "no ward called “nowhere”" in page and "“Dec” is not a month" in page and "“xx” is not a language" in page
    good = client.get("/workspace/newsletter?ward=belgrave&month=2026-12&language=gu&large=1")
    assert good.mimetype == "application/pdf"
    assert 'filename="whats-on-belgrave-2026-12-gu-large-print.pdf"' in good.headers["Content-Disposition"]


def test_the_command_prints_one_ward_or_every_ward(news_db, news_area, tmp_path, other_area):
    run = CliRunner().invoke
    out = tmp_path / "belgrave.pdf"
    result = run(cli, ["--area", str(news_area), "newsletter", "--ward", "belgrave", "--month", "2026-12",
                       "--lang", "gu", "--out", str(out), "--db", str(news_db), "--base-url", "https://map.example.org"])
    assert result.exit_code == 0, result.output
    text = pdf_text(out.read_bytes())
    assert squeezed("ડિસેમ્બર 2026") in squeezed(text) and "https://map.example.org/wards/belgrave?lang=gu" in squeezed(text)
    # Every ward of a (small, made-up) area into a folder.
    testshire = tmp_path / "testshire.db"
    build(load_area(other_area), testshire)
    result = run(cli, ["--area", str(other_area), "newsletter", "--all-wards", "--month", "2026-12",
                       "--out", str(tmp_path / "all"), "--db", str(testshire)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "all").iterdir()) == [
        f"whats-on-{slug}-2026-12-en.pdf" for slug in ("north-east", "north-west", "south-east", "south-west")]


@pytest.mark.parametrize("args, message", [
    (["--ward", "nowhere"], "There is no ward called “nowhere”. Use one of: abbey,"),
    (["--ward", "belgrave", "--month", "2026-13"], "“2026-13” is not a month"),
    (["--ward", "belgrave", "--lang", "xx"], "“xx” is not a language the site has. Use one of: en"),
    ([], "say which ward with --ward"),
    (["--ward", "belgrave", "--all-wards"], "say which ward with --ward"),
])
def test_the_command_says_what_is_wrong(news_db, tmp_path, args, message):
    out = tmp_path / "x.pdf"
    result = CliRunner().invoke(cli, ["newsletter", *args, "--out", str(out), "--db", str(news_db)])
    assert result.exit_code != 0 and message in result.output, result.output
    assert not out.exists()  # nothing half-written


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")
def test_sample_pages_are_drawn_for_a_look(client):
    """PNGs of the samples' pages in test-artifacts/newsletters, for a person to look at."""
    for lang in languages():
        pdf = ARTIFACTS / f"whats-on-belgrave-2026-12-{lang}.pdf"
        if not pdf.exists():
            pdf.write_bytes(newsletter(client, lang))
        subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(pdf.with_suffix(""))], check=True)
        assert list(ARTIFACTS.glob(f"{pdf.stem}-*.png"))
