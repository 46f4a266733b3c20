"""Whole answers kept for a moment (app/web/page_cache.py): the same for everyone, never stale, never shared wrongly."""
import gzip
import re
from contextlib import contextmanager
from datetime import date, datetime, timedelta

import pytest
from flask import render_template_string, template_rendered

from app import create_app, store
from app.accounts import User
from app.assets import edits
from app.cache import LRUCache
from app.web import csrf
from app.web.page_cache import kept

SEARCH = "/?postcode=LE4+5AD"
LISTING = "/assets/belgrave-library"
NOON = datetime(2026, 12, 3, 12, 0, 20)


@pytest.fixture
def live_app(live_db):
    return create_app({"TESTING": True, "DATABASE": str(live_db), "NOW": NOON})


@contextmanager
def renders(app):
    """Count the templates rendered meanwhile: none means the answer was one kept from before."""
    seen = []

    def note(sender, template, context, **extra):
        seen.append(template.name)

    template_rendered.connect(note, app)
    try:
        yield seen
    finally:
        template_rendered.disconnect(note, app)


def test_the_same_search_asked_again_is_answered_with_the_same_page_without_making_it_again(live_app):
    client = live_app.test_client()
    first = client.get(SEARCH)
    assert "Belgrave" in first.get_data(as_text=True)
    with renders(live_app) as seen:
        again = client.get(SEARCH)
    assert seen == [] and again.data == first.data
    assert again.headers["Content-Type"] == first.headers["Content-Type"]
    assert again.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]
    # A browser asking for it gzipped gets its own answer, the same page once unpacked.
    packed = client.get(SEARCH, headers={"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip" and gzip.decompress(packed.data) == first.data
    with renders(live_app) as seen:
        packed_again = client.get(SEARCH, headers={"Accept-Encoding": "gzip"})
    assert seen == [] and packed_again.data == packed.data and packed_again.headers["Content-Encoding"] == "gzip"
    # Another language, or another search, is another page.
    with renders(live_app) as seen:
        assert 'lang="gu"' in client.get(SEARCH + "&lang=gu").get_data(as_text=True)
        client.get(SEARCH + "&radius=1000")
    assert seen.count("pages/home.html") == 2


def test_an_edit_shows_on_the_next_request(live_app, live_db, area):
    client = live_app.test_client()
    assert "£3 a session" not in client.get(LISTING).get_data(as_text=True)
    db = store.connect(live_db)
    try:
        asset = edits.workspace_asset(db, "belgrave-library")
        edits.save_asset(db, area, User(1, "Asha", "connector"), {**edits.form_values(asset), "cost": "£3 a session"},
                         "belgrave-library", asset["version"], today=date(2026, 12, 3))
    finally:
        db.conn.close()
    assert "£3 a session" in client.get(LISTING).get_data(as_text=True)


def test_a_kept_listing_page_lasts_until_its_session_starts_or_ends_or_the_day_does(weekday_db_path):
    # "Thu 10:00-12:00 until 2026-11-26": on only today, Thursday 26 November 2026.
    app = create_app({"TESTING": True, "DATABASE": str(weekday_db_path), "NOW": datetime(2026, 11, 26, 9, 58, 10)})
    client = app.test_client()

    for page, template in (("/assets/on-today-only", "pages/asset.html"), ("/?postcode=LE4+6JD", "pages/home.html")):
        def at(hour, minute, second=0):
            app.config["NOW"] = datetime(2026, 11, 26, hour, minute, second)
            return client.get(page).get_data(as_text=True)

        assert "Today, 10am to 12 noon" in at(9, 58, 10)
        with renders(app) as seen:
            assert "Today, 10am to 12 noon" in at(9, 59, 59)  # minutes later, still true: the kept page
        assert seen == []
        with renders(app) as seen:
            assert "On now, until 12 noon" in at(10, 0)  # the moment it starts, the page says so
            assert "On now, until 12 noon" in at(11, 59, 30)
            assert "On now, until" not in at(12, 0)  # and the moment it ends
        assert seen == [template, template], page


def test_a_page_with_no_times_on_it_is_kept_until_the_day_ends(live_app):
    client = live_app.test_client()
    client.get(LISTING)
    with renders(live_app) as seen:
        live_app.config["NOW"] = NOON + timedelta(hours=11, minutes=59)
        client.get(LISTING)
    assert seen == []
    with renders(live_app) as seen:
        live_app.config["NOW"] = NOON + timedelta(hours=12)  # the next day: "today" and "tomorrow" move on
        client.get(LISTING)
    assert seen == ["pages/asset.html"]


def test_a_page_that_says_nothing_of_its_time_is_kept_only_until_the_minute_turns(live_app):
    @kept
    def clock_page():
        from app.web.filters import local_now
        return f"It is {local_now():%H:%M}."

    live_app.add_url_rule("/clock", view_func=clock_page)
    client = live_app.test_client()
    assert client.get("/clock").get_data(as_text=True) == "It is 12:00."
    live_app.config["NOW"] = NOON + timedelta(seconds=39)
    assert client.get("/clock").get_data(as_text=True) == "It is 12:00."  # kept
    live_app.config["NOW"] = NOON + timedelta(seconds=40)
    assert client.get("/clock").get_data(as_text=True) == "It is 12:01."


def test_a_request_with_a_cookie_is_neither_answered_from_nor_kept(live_app):
    client = live_app.test_client()
    client.get(SEARCH)
    client.set_cookie("session", "a-connectors-session")
    with renders(live_app) as seen:
        client.get(SEARCH)
        client.get(LISTING)
    assert seen.count("pages/home.html") == 1 and seen.count("pages/asset.html") == 1
    client.delete_cookie("session")
    with renders(live_app) as seen:
        client.get(LISTING)  # the signed-in answer was not kept for residents
    assert seen == ["pages/asset.html"]


def test_a_browser_checking_its_copy_of_kept_map_data_is_told_it_still_holds(live_app, monkeypatch):
    from app.views import api

    client = live_app.test_client()
    map_data = "/api/assets.geojson?ward=belgrave"
    first = client.get(map_data, headers={"Accept-Encoding": "gzip"})
    monkeypatch.setattr(api, "cached_search", None)  # answered from what was kept, or this fails
    again = client.get(map_data, headers={"Accept-Encoding": "gzip", "If-None-Match": first.headers["ETag"]})
    assert first.status_code == 200 and again.status_code == 304 and again.data == b""
    stale = client.get(map_data, headers={"Accept-Encoding": "gzip", "If-None-Match": '"an-old-copy"'})
    assert stale.status_code == 200 and stale.data == first.data


def test_answers_that_are_not_a_found_page_are_not_kept(live_app):
    client = live_app.test_client()
    with renders(live_app) as seen:
        assert client.get("/assets/no-such-listing").status_code == 404
        assert client.get("/assets/no-such-listing").status_code == 404
    assert len(seen) == 2


def _nonce(response) -> str:
    return re.search(r'<script nonce="([^"]+)"', response.get_data(as_text=True)).group(1)


def test_a_form_token_made_for_one_visitor_is_never_given_to_the_next(live_app):
    # A kept view whose page holds a residents' form: each visitor must get a token of their own
    # (a token is spent once, so a shared one would turn the second resident away).
    @kept
    def form_page():
        return render_template_string('<form method="post"><input name="csrf_token" value="{{ csrf_token() }}"></form>')

    live_app.add_url_rule("/a-form", view_func=form_page)
    client = live_app.test_client()
    tokens = [re.search(r'value="([^"]+)"', client.get("/a-form").get_data(as_text=True)).group(1) for _ in range(2)]
    assert tokens[0] != tokens[1]
    with live_app.test_request_context("/"):
        assert all(csrf.read(token) is not None for token in tokens)


def test_a_kept_page_with_a_map_gets_a_new_script_nonce_for_every_visitor(live_app):
    client = live_app.test_client()
    first = client.get(LISTING)
    with renders(live_app) as seen:
        again = client.get(LISTING)
        packed = client.get(LISTING, headers={"Accept-Encoding": "gzip"})
        packed_again = client.get(LISTING, headers={"Accept-Encoding": "gzip"})
    assert seen == ["pages/asset.html"]  # the gzipped one made once, then kept
    unpacked = [first, again] + [client.application.response_class(gzip.decompress(r.data)) for r in (packed, packed_again)]
    nonces = [_nonce(r) for r in unpacked]
    assert len(set(nonces)) == 4
    for response, nonce in zip((first, again, packed, packed_again), nonces):
        assert f"script-src 'self' 'nonce-{nonce}'" in response.headers["Content-Security-Policy"]
    assert packed_again.headers["Content-Encoding"] == "gzip"
    # Apart from its nonce, the same page; its structured data is not a script and needs none.
    assert again.data.replace(nonces[1].encode(), nonces[0].encode()) == first.data
    assert '<script type="application/ld+json">' in first.get_data(as_text=True)


def test_the_cache_keeps_within_its_budget_dropping_the_least_recently_used():
    cache = LRUCache(100, budget=10, weigh=len)
    cache.put("a", b"1234")
    cache.put("b", b"1234")
    cache.get("a")
    cache.put("c", b"1234")  # 12 bytes: "b", the least recently used, goes
    assert cache.get("b") is None and cache.get("a") == b"1234" and cache.get("c") == b"1234"
    assert cache.weight == 8
    cache.put("huge", b"x" * 11)  # heavier than the whole budget: not kept, nothing else lost
    assert cache.get("huge") is None and len(cache) == 2
    cache.put("a", b"123456")  # replacing an entry counts its new weight only
    assert cache.weight == 10 and len(cache) == 2


def test_what_is_on_now_is_asked_again_each_minute(area, tmp_path):
    from app.assets.pipeline import build
    from conftest import write_csv

    rows = [{"id": "yoga", "name": "Chair yoga", "category": "group_activity", "postcode": "LE4 6JD",
             "schedule": "Thu 10:00-12:00", "source": "poster"},
            {"id": "tea", "name": "Tea and chat", "category": "group_activity", "postcode": "LE4 6JD",
             "schedule": "Thu 10:30-11:00", "source": "poster"}]
    build(area, tmp_path / "a.db", write_csv(tmp_path / "a.csv", rows), today=date(2026, 11, 26))
    app = create_app({"TESTING": True, "DATABASE": str(tmp_path / "a.db"), "NOW": datetime(2026, 11, 26, 10, 29)})
    client = app.test_client()
    on_now = "/?postcode=LE4+6JD&now=1"
    page = client.get(on_now).get_data(as_text=True)
    assert "Chair yoga" in page and "Tea and chat" not in page
    app.config["NOW"] = datetime(2026, 11, 26, 10, 30)
    assert "Tea and chat" in client.get(on_now).get_data(as_text=True)  # started: a listing not on the page before


def test_a_search_from_a_residents_own_position_is_not_kept(live_app):
    # The About page promises "Use my location" is used only for that search.
    client = live_app.test_client()
    here = "/?lat=52.6559&lon=-1.1310"
    with renders(live_app) as seen:
        client.get(here)
        client.get(here)
    assert seen.count("pages/home.html") == 2 and len(live_app.extensions["page_cache"]) == 0
