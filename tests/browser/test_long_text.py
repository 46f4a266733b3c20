"""Long unbroken words from users wrap on a 320 px phone instead of pushing the page sideways."""
from __future__ import annotations

import csv

import pytest

from app.assets.pipeline import build

from .conftest import serve_app

LONG_WORD = "Communitylunchclubandchairyoga" * 10  # 300 letters, no space to break at
FLIPPED = "Lunch club \u202eeerf"  # a right-to-left override inside a name


@pytest.fixture(scope="module")
def long_text_site(tmp_path_factory, area):
    tmp = tmp_path_factory.mktemp("long")
    rows = [{"id": "long-word", "name": LONG_WORD[:200], "description": LONG_WORD, "category": "group_activity",
             "postcode": "LE5 5AA", "schedule": "Thu 10:00-12:00", "cost": LONG_WORD, "source": "test"},
            {"id": "flipped", "name": FLIPPED, "description": "", "category": "group_activity",
             "postcode": "LE4 6JD", "schedule": "", "cost": "", "source": "test"}]
    with open(tmp / "assets.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    report = build(area, tmp / "long.db", tmp / "assets.csv")
    assert report.rejected == 0
    base, server = serve_app({"DATABASE": str(tmp / "long.db")})
    yield base
    server.shutdown()


@pytest.mark.parametrize("path", ["/assets/long-word", "/?postcode=LE5+5AA", "/map", "/wards/spinney-hills"])
def test_a_300_letter_word_does_not_scroll_sideways_at_320px(browser, long_text_site, path):
    context = browser.new_context(viewport={"width": 320, "height": 800})
    page = context.new_page()
    page.goto(long_text_site + path)
    assert LONG_WORD[:200] in page.content()
    assert page.evaluate("() => document.scrollingElement.scrollWidth") <= 320
    context.close()


ISOLATION = """(text) => [...document.querySelectorAll("body *")]
    .filter(e => e.textContent === text && e.children.length === 0)
    .map(e => getComputedStyle(e).unicodeBidi)"""


def test_a_right_to_left_override_in_a_name_is_isolated_on_the_map(browser, long_text_site):
    from .conftest import wait_for_map

    context = browser.new_context(viewport={"width": 1024, "height": 800})
    page = context.new_page()
    page.goto(long_text_site + "/assets/flipped")
    assert page.evaluate(ISOLATION, FLIPPED) == ["isolate"]  # the page's own heading (<bdi>)
    wait_for_map(page)
    marker = page.locator(".asset-marker").first
    marker.hover()
    page.locator(".leaflet-tooltip").wait_for()
    marker.click()
    page.locator(".leaflet-popup-content").wait_for()
    isolation = page.evaluate(ISOLATION, FLIPPED)
    assert len(isolation) == 3 and set(isolation) == {"isolate"}  # heading, tooltip, popup
    context.close()
