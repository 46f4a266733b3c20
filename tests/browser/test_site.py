"""The residents' site in a real browser: map, search, filters, safety, accessibility, print."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest
import sqlite_utils

from .conftest import EVIL, SCREENSHOTS, run_axe, wait_for_map

PAGES = {
    "home": "/",
    "results": "/?postcode=LE4+6JD&radius=1000",
    "map": "/map",
    "asset": "/assets/belgrave-library",
    "ward": "/wards/belgrave",
}


def located_count(site_db) -> int:
    db_path, _ = site_db
    return sqlite_utils.Database(db_path).execute("select count(*) from assets where lat is not null").fetchone()[0]


def test_map_draws_every_point_and_the_wards(watched, live_server, site_db):
    page = watched.page
    page.goto(live_server + "/map")
    container = wait_for_map(page)
    assert int(container.get_attribute("data-points")) == located_count(site_db)
    assert container.get_attribute("data-wards") == "21"
    # Focus wards are drawn with a dashed outline, the rest without.
    dashed = page.eval_on_selector_all("path.leaflet-interactive[stroke-dasharray]", "els => els.length")
    assert dashed == 5
    assert watched.console_errors == []


def test_category_layers_toggle(watched, live_server):
    page = watched.page
    page.goto(live_server + "/map")
    wait_for_map(page)
    count = "() => window.assetMapVisible()"
    before = page.evaluate(count)
    page.get_by_label("GP practice or health service (58)").uncheck()
    assert page.evaluate(count) == before - 58
    page.get_by_label("GP practice or health service (58)").check()
    assert page.evaluate(count) == before


def test_postcode_search_finds_the_nearest_first(watched, live_server):
    page = watched.page
    page.goto(live_server + "/")
    page.get_by_label("Your postcode", exact=True).fill(" le4  6jd ")
    page.get_by_role("button", name="Find").click()
    page.wait_for_selector("#results-heading")
    first = page.locator("h3:has-text('Places near you, nearest first') + ol .result a").first
    assert first.inner_text() == "Belgrave Library"
    assert "less than a minute" in page.locator("h3:has-text('Places near you, nearest first') + ol .result").first.inner_text()
    assert watched.console_errors == []


def test_from_le4_5ad_the_nearby_belgrave_groups_are_on_the_first_screen(watched, live_server, source_rows):
    page = watched.page
    page.goto(live_server + "/")
    page.get_by_label("Your postcode", exact=True).fill("LE4 5AD")
    page.get_by_role("button", name="Find").click()
    page.wait_for_selector("#results-heading")
    assert "LE4 5AD is in Abbey ward." in page.locator("main").inner_text()
    belgrave = page.locator("h4", has_text="In Belgrave, which starts about")
    assert belgrave.is_visible()
    groups = {r["name"] for r in source_rows if r["ward"] == "Belgrave" and r["location_precision"] == "ward"
              and r["category"] == "group_activity"}
    first = page.locator(".ward-level .result a").first
    assert first.inner_text() in groups
    box = first.bounding_box()
    assert box is not None and box["y"] + box["height"] <= page.viewport_size["height"]  # no scrolling needed
    assert run_axe(page) == []


def test_a_thursday_search_with_nothing_on_says_what_to_do_next(watched, live_server):
    page = watched.page
    page.goto(live_server + "/")
    page.get_by_label("Your postcode", exact=True).fill("LE4 5AD")
    page.get_by_label("Day of the week").select_option("thu")
    page.get_by_label("How far from your postcode").select_option("500")
    page.get_by_role("button", name="Find").click()
    help_ = page.locator(".nothing-found")
    assert "Sorry, nothing matches all of that." in help_.inner_text()
    assert "Ask at your nearest library, Belgrave Library" in help_.inner_text()
    assert run_axe(page) == []
    help_.get_by_role("link", name="Everything in Abbey").click()
    page.wait_for_selector("h1")
    assert "Abbey" in page.locator("h1").inner_text()


def test_filters_change_the_results_and_the_url(watched, live_server):
    page = watched.page
    page.goto(live_server + "/?postcode=LE4+6JD")
    everything = page.locator(".result").count()
    page.get_by_label("Café", exact=True).check()
    page.get_by_label("On today").check()
    page.get_by_label("Free only").check()
    page.get_by_role("button", name="Find").click()
    page.wait_for_selector("#results-heading")
    query = parse_qs(urlparse(page.url).query)
    assert query["category"] == ["cafe"] and query["today"] == ["1"] and query["free"] == ["1"]
    assert 0 < page.locator(".result").count() < everything
    # The address bar is the whole state: opening it again gives the same list.
    again = page.context.new_page()
    again.goto(page.url)
    assert again.locator(".result").count() == page.locator(".result").count()


def test_a_bad_postcode_is_answered_kindly(watched, live_server):
    page = watched.page
    page.goto(live_server + "/")
    page.get_by_label("Your postcode", exact=True).fill("LE5 SAA")
    page.get_by_role("button", name="Find").click()
    alert = page.get_by_role("alert")
    assert "does not look like a postcode" in alert.inner_text()
    alert.get_by_role("link", name="Did you mean LE5 5AA?").click()
    page.wait_for_selector("#results-heading")
    assert "LE5 5AA" in page.locator("#results-heading").inner_text()


def test_nothing_leaves_the_machine_without_tiles(watched, live_server):
    page = watched.page
    for path in list(PAGES.values()) + ["/?lang=gu", "/about"]:
        page.goto(live_server + path)
        if page.query_selector(".folium-map"):
            wait_for_map(page)
    outside = [url for url in watched.requests if not url.startswith(live_server) and not url.startswith("data:")]
    assert outside == []
    assert watched.console_errors == []


def test_only_the_tile_server_is_contacted_when_tiles_are_on(watched, tiled_server):
    page = watched.page
    tile = (SCREENSHOTS.parent.parent / "tests" / "data" / "tile.png")
    page.route("https://tiles.example.test/**", lambda route: route.fulfill(
        status=200, content_type="image/png", body=tile.read_bytes()))
    page.goto(tiled_server + "/map")
    wait_for_map(page)
    page.wait_for_load_state("networkidle")
    hosts = {urlparse(url).netloc for url in watched.requests if not url.startswith("data:")}
    assert hosts == {urlparse(tiled_server).netloc, "tiles.example.test"}
    assert "Test tiles" in page.locator(".leaflet-control-attribution").inner_text()


def test_hostile_text_is_shown_as_text_everywhere(watched, live_server):
    page = watched.page
    page.goto(live_server + "/?q=alert")
    assert page.locator(".result h3 a").first.inner_text() == EVIL
    page.goto(live_server + "/assets/evil")
    assert page.locator("h1").inner_text() == EVIL
    assert EVIL in page.locator("main").inner_text()
    wait_for_map(page)
    marker = page.locator(".asset-marker").first
    marker.hover()
    tooltip = page.locator(".leaflet-tooltip")
    tooltip.wait_for()
    assert tooltip.inner_text() == EVIL
    marker.click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert EVIL in popup.inner_text()
    page.goto(live_server + "/map?q=alert")
    wait_for_map(page)
    assert page.locator(".result h3 a").first.inner_text() == EVIL
    assert page.locator("img[src=x]").count() == 0
    assert watched.dialogs == []


@pytest.mark.parametrize("name, path", list(PAGES.items()) + [("gujarati", "/?lang=gu"), ("about", "/about")])
def test_axe_finds_no_wcag_violations(watched, live_server, name, path):
    page = watched.page
    page.goto(live_server + path)
    if page.query_selector(".folium-map"):
        wait_for_map(page)
    assert run_axe(page) == []


def test_print_views_have_no_violations_and_no_chrome(watched, live_server):
    page = watched.page
    page.emulate_media(media="print")
    for path in (PAGES["results"], PAGES["asset"], PAGES["ward"]):
        page.goto(live_server + path)
        assert page.locator(".site-header").is_hidden()
        assert page.locator("form").count() == 0 or page.locator("form").first.is_hidden()
        if page.query_selector(".folium-map"):
            assert page.locator(".folium-map").first.is_hidden()
        size = page.evaluate("() => parseFloat(getComputedStyle(document.body).fontSize)")
        assert size >= 17  # 13pt
        assert run_axe(page) == []
    page.goto(live_server + PAGES["asset"])
    page.pdf(path=str(SCREENSHOTS / "asset-print.pdf"), format="A4")


def test_gujarati_renders_in_a_gujarati_font(watched, live_server):
    page = watched.page
    page.goto(live_server + "/?lang=gu")
    assert page.get_attribute("html", "lang") == "gu"
    heading = page.locator("h1").inner_text()
    assert any("\u0a80" <= ch <= "\u0aff" for ch in heading), heading
    session = page.context.new_cdp_session(page)
    session.send("DOM.enable")
    session.send("CSS.enable")
    root = session.send("DOM.getDocument")["root"]["nodeId"]
    node = session.send("DOM.querySelector", {"nodeId": root, "selector": "h1"})["nodeId"]
    fonts = session.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    assert any("Gujarati" in f["familyName"] for f in fonts), fonts
    page.screenshot(path=str(SCREENSHOTS / "gujarati-home.png"))


def test_keyboard_skip_link_and_map_list(watched, live_server):
    page = watched.page
    page.goto(live_server + "/map")
    wait_for_map(page)
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent") == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
    # Everything the map shows is also in a list reachable from the top.
    page.get_by_role("link", name="Skip the map and go to the list of everything it shows").click()
    assert page.locator("#map-list").is_visible()


@pytest.mark.parametrize("width", [360, 320])
def test_phone_widths_do_not_scroll_sideways(browser, live_server, width):
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    for path in PAGES.values():
        page.goto(live_server + path)
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (path, overflow)
    context.close()


def test_touch_targets_are_at_least_44px(watched, live_server):
    page = watched.page
    page.goto(live_server + "/?postcode=LE4+6JD")
    small = page.evaluate("""() => Array.from(document.querySelectorAll(
            'button, input[type=text], input[type=search], select, .site-nav a, .languages a, label.choice'))
        .filter(el => el.offsetParent !== null)
        .map(el => [el.outerHTML.slice(0, 80), el.getBoundingClientRect().height])
        .filter(([_, h]) => h < 44)""")
    assert small == []


@pytest.mark.parametrize("width, label", [(1280, "desktop"), (360, "phone")])
def test_screenshots(browser, live_server, width, label):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    for name, path in PAGES.items():
        page.goto(live_server + path)
        if page.query_selector(".folium-map"):
            wait_for_map(page)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{label}.png"), full_page=True)
        assert (SCREENSHOTS / f"{name}-{label}.png").stat().st_size > 10_000
    context.close()


def test_use_my_location(browser, live_server):
    # LE4 6JD's position, as a phone in Belgrave would report it.
    context = browser.new_context(geolocation={"latitude": 52.650888, "longitude": -1.120615},
                                  permissions=["geolocation"], viewport={"width": 360, "height": 800})
    page = context.new_page()
    page.goto(live_server + "/")
    page.get_by_role("button", name="Use my location").click()
    page.wait_for_selector("#results-heading")
    assert "places near you" in page.locator("#results-heading").inner_text()
    assert page.locator("h3:has-text('Places near you, nearest first') + ol .result a").first.inner_text() == "Belgrave Library"
    assert "lat=52.65089" in page.url
    context.close()


@pytest.mark.parametrize("path, button", [(PAGES["results"], "Print this list"), (PAGES["asset"], "Print this page"),
                                          (PAGES["ward"], "Print this page")])
def test_print_buttons_open_the_print_dialog(watched, live_server, path, button):
    page = watched.page
    page.goto(live_server + path)
    page.evaluate("() => { window.print = () => { window.printed = true; }; }")
    page.get_by_role("button", name=button).click()
    assert page.evaluate("() => window.printed") is True


def test_a_newcomers_journey_works_offline(watched, live_server):
    """Type a postcode, filter to Thursday and free, open an asset, print it: nothing leaves."""
    page = watched.page
    page.goto(live_server + "/")
    page.get_by_label("Your postcode", exact=True).fill("le4 6jd")
    page.get_by_label("Day of the week").select_option("thu")
    page.get_by_label("Free only").check()
    page.get_by_role("button", name="Find").click()
    page.wait_for_selector("#results-heading")
    assert parse_qs(urlparse(page.url).query)["day"] == ["thu"]
    first = page.locator(".result").first
    assert "Thursday lunch club (test listing)" in first.inner_text()
    assert "Every Thursday, 12 noon to 2pm" in first.inner_text()
    first.get_by_role("link").click()
    page.wait_for_selector("h1")
    assert page.locator("h1").inner_text() == "Thursday lunch club (test listing)"
    assert "Free" in page.locator("main").inner_text()
    page.evaluate("() => { window.print = () => { window.printed = true; }; }")
    page.get_by_role("button", name="Print this page").click()
    assert page.evaluate("() => window.printed") is True
    page.emulate_media(media="print")
    assert page.locator(".site-header").is_hidden()
    assert "Every Thursday, 12 noon to 2pm" in page.locator("main").inner_text()
    page.pdf(path=str(SCREENSHOTS / "journey-asset.pdf"), format="A4")
    outside = [url for url in watched.requests if not url.startswith(live_server) and not url.startswith("data:")]
    assert outside == [] and watched.console_errors == [] and watched.dialogs == []


def test_a_long_list_prints_whole_and_clean_on_a4(watched, live_server):
    page = watched.page
    page.add_init_script("window.print = () => { window.printed = true; };")
    page.goto(live_server + "/?postcode=LE5+5AA")
    on_screen = page.locator(".result").count()
    page.get_by_role("link", name="Print this list").click()
    page.wait_for_load_state("load")
    assert "print=all" in page.url and page.evaluate("() => window.printed") is True
    heading = page.locator("#results-heading").inner_text()
    total = int(heading.split()[0])
    assert total > 50 and on_screen < total
    page.emulate_media(media="print")
    names = page.locator(".result a").all_inner_texts()
    assert len(names) >= total  # every place with an address, the ward-level ones and every service
    hidden = page.evaluate("() => [...document.querySelectorAll('ol.results .result a')]"
                           ".filter(h => !h.checkVisibility()).map(h => h.textContent)")
    assert hidden == []
    visible_headings = [h.inner_text() for h in page.locator("h1, h2").all() if h.is_visible()]
    assert not any("Change your search" in h or "Pages of results" in h for h in visible_headings), visible_headings
    assert page.locator(".pager").count() == 0 and page.locator("form").first.is_hidden()
    pdf = page.pdf(path=str(SCREENSHOTS / "long-list-print.pdf"), format="A4")
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages") >= 3
    assert run_axe(page) == []


@pytest.mark.parametrize("path", [*PAGES.values(), "/?lang=gu", "/about", "/wards", "/suggest",
                                  "/assets/belgrave-library/report", "/traders/", "/workspace/sign-in"])
def test_every_page_works_under_its_content_security_policy(watched, tiled_server, path):
    page = watched.page
    tile = SCREENSHOTS.parent.parent / "tests" / "data" / "tile.png"
    page.route("https://tiles.example.test/**", lambda route: route.fulfill(
        status=200, content_type="image/png", body=tile.read_bytes()))
    response = page.goto(tiled_server + path)
    policy = response.headers["content-security-policy"]
    # Scripts the page runs from its own text (a map's); structured data for search engines is never run.
    inline = page.locator('script:not([src]):not([type="application/ld+json"])').count()
    # A nonce only where the page has an inline script; elsewhere none may run.
    assert ("script-src 'self' 'nonce-" in policy) if inline else ("script-src 'self';" in policy), policy
    if page.query_selector(".folium-map"):
        wait_for_map(page)  # the map's own script ran: its nonce was accepted
    page.wait_for_load_state("networkidle")
    assert watched.console_errors == []  # Chromium reports every blocked script, style or image here
    if page.query_selector(".folium-map"):
        assert page.locator("img.leaflet-tile-loaded").count() > 0  # tiles are allowed


def test_map_with_many_listings_asks_per_view_and_zooms_to_every_point(watched, site_db):
    from .conftest import serve_app
    # A threshold of 10 listings makes this small site behave as one of 100,000 does.
    base, server = serve_app({"DATABASE": str(site_db[0]), "MAP_VIEW_THRESHOLD": 10})
    try:
        page = watched.page
        asked = []
        page.on("request", lambda r: asked.append(r.url) if "/api/assets.geojson" in r.url else None)
        page.goto(base + "/map")
        container = wait_for_map(page)
        assert asked and all("bbox=" in url and "zoom=" in url for url in asked)
        assert int(container.get_attribute("data-points")) == located_count(site_db)  # counted, not all sent
        cluster = page.locator(".asset-cluster").first
        label = cluster.get_attribute("title")
        assert re.match(r"\d+ places here", label)
        zoom = "() => window.assetMapVisible && document.querySelector('.folium-map').dataset.state"
        cluster.click()
        for _ in range(50):  # the zoom animates, then the view is asked for: allow a busy machine 10 s
            page.wait_for_timeout(200)
            if len(asked) >= 2:
                break
        page.wait_for_function(f"() => ({zoom})() === 'ready'")
        assert len(asked) >= 2 and asked[-1] != asked[0]  # zooming in asked for the new view
        assert watched.console_errors == []
    finally:
        server.shutdown()
