"""Where are the gaps? in a real browser: the LSOAs drawn, the table, a choice re-asked of the server, axe clean."""
from __future__ import annotations

import re

import pytest

from app.accounts import add_user

from .conftest import PHONE, SCREENSHOTS, live_copy, run_axe, serve_app, signed_in


@pytest.fixture(scope="module")
def gaps_server(site_db, tmp_path_factory):
    db_path, db = live_copy(site_db, tmp_path_factory.mktemp("gaps"))
    add_user(db, "Asha", "correct horse battery", "connector")
    db.conn.close()
    base, server = serve_app({"DATABASE": str(db_path), "SECRET_KEY": "browser test"})
    yield base
    server.shutdown()


def test_the_map_draws_every_lsoa_and_the_table_and_a_choice_changes_them(browser, gaps_server):
    context, page = signed_in(browser, gaps_server, {"width": 1280, "height": 900})
    errors, requests = [], []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    page.get_by_role("link", name="Where are the gaps?").click()
    page.wait_for_selector("#gaps-map[data-state=ready]")
    # One SVG path per LSOA, plus one per listing dot (circle markers are paths too).
    listings = page.evaluate("() => JSON.parse(document.getElementById('gaps-data').textContent).listings.length")
    assert page.locator("#gaps-map path.leaflet-interactive").count() == 200 + listings
    assert page.locator("#gaps-map path[stroke-dasharray]").count() >= 1  # priority outlines
    assert page.locator("#lsoa-table tbody tr").count() == 200
    assert page.locator("#ward-table tbody tr").count() == 21
    first_far = page.locator("#lsoa-table tbody tr").first.inner_text()
    assert run_axe(page) == []
    page.screenshot(path=str(SCREENSHOTS / "gaps-desktop.png"), full_page=False)

    page.get_by_label("Far means more than").select_option("30")
    page.get_by_label("Distance to").select_option("health_service")
    page.get_by_role("button", name="Show").click()
    page.wait_for_selector("#gaps-map[data-state=ready]")
    assert "minutes=30" in page.url and "measure=health_service" in page.url
    assert page.get_by_label("Far means more than").input_value() == "30"
    assert "more than 30 minutes’ walk from the nearest gp practice" in page.locator("main p").first.inner_text()
    assert page.locator("#lsoa-table tbody tr").first.inner_text() != first_far
    # Sorting is a link: works with or without the script.
    page.get_by_role("link", name=re.compile("^People aged 60\\+")).first.click()
    assert page.locator("th[aria-sort]").inner_text().startswith("People aged 60+")
    assert not errors
    assert all(url.startswith(gaps_server) for url in requests)  # nothing from another host
    context.close()


def test_the_page_fits_a_phone_and_the_ward_summary_prints(browser, gaps_server):
    context, page = signed_in(browser, gaps_server, PHONE)
    page.goto(gaps_server + "/workspace/gaps/")
    page.wait_for_selector("#gaps-map[data-state=ready]")
    assert page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 0
    for name in ("Show",):
        box = page.get_by_role("button", name=name).bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44
    # axe checked this page in full above (it takes ~20 s on 200 rows); here the phone's own layout.
    page.screenshot(path=str(SCREENSHOTS / "gaps-phone.png"), full_page=False)
    page.goto(gaps_server + "/workspace/gaps/wards/E05010461")
    assert run_axe(page) == []
    page.emulate_media(media="print")
    assert page.locator(".site-nav").is_hidden()
    page.pdf(path=str(SCREENSHOTS / "gaps-ward-belgrave.pdf"), format="A4")
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    page.screenshot(path=str(SCREENSHOTS / "gaps-ward-belgrave-print.png"), full_page=True)
    context.close()
