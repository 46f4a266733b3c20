"""'My list' in a browser: tick results, see the list, print it on one A4 sheet, share it by link and QR code."""
from __future__ import annotations

from urllib.parse import parse_qs, urlparse

from .conftest import SCREENSHOTS, run_axe


def test_tick_results_into_my_list_then_print_and_share_it(watched, live_server):
    page = watched.page
    page.goto(live_server + "/?postcode=LE4+6JD&radius=1000")
    names = page.locator("ol.results .result h3").all_inner_texts()[:3]
    for name in names:
        page.get_by_label(f"Add to my list: {name}").check()
    page.get_by_role("button", name="Show my list").first.click()
    page.wait_for_selector("h1:text('My list')")
    assert page.locator("ol.results .result h2").all_inner_texts() == names
    share = page.locator(".share-link a").get_attribute("href")
    ids = parse_qs(urlparse(share).query)["ids"][0].split(",")
    assert len(ids) == 3
    assert page.locator("svg.qr[role=img]").count() == 1
    assert run_axe(page) == []
    # Taking one off keeps the others, in order.
    page.locator("ol.results li", has_text=names[1]).get_by_role("link", name="Take this off my list").click()
    assert page.locator("ol.results .result h2").all_inner_texts() == [names[0], names[2]]
    # "Add more" goes back to searching with the list carried along.
    page.get_by_role("link", name="Add more to my list").click()
    page.get_by_label("Your postcode", exact=True).fill("LE5 5AA")
    page.get_by_role("button", name="Find").click()
    page.wait_for_selector("#results-heading")
    extra = page.locator("ol.results .result h3").first.inner_text()
    page.get_by_label(f"Add to my list: {extra}").check()
    page.get_by_role("button", name="Show my list").last.click()
    page.wait_for_selector("h1:text('My list')")
    assert page.locator("ol.results .result h2").all_inner_texts() == [names[0], names[2], extra]
    # One clean A4 sheet: no header, forms or links to take things off; the QR code prints.
    page.emulate_media(media="print")
    assert page.locator(".site-header").is_hidden() and page.locator(".actions").first.is_hidden()
    assert page.locator("ol.results li", has_text=extra).get_by_role("link", name="Take this off my list").is_hidden()
    assert page.locator("svg.qr").is_visible()
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi, to look at
    page.screenshot(path=str(SCREENSHOTS / "my-list-print.png"), full_page=True)
    pdf = page.pdf(path=str(SCREENSHOTS / "my-list-print.pdf"), format="A4")
    assert pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages") == 1
    assert run_axe(page) == []
    outside = [u for u in watched.requests if not u.startswith(live_server) and not u.startswith("data:")]
    assert outside == [] and watched.console_errors == []
