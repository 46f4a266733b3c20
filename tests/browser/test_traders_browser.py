"""A resident finds a Gujarati-speaking plumber who works in Belgrave, and prints the ward's sheet."""
from __future__ import annotations

from datetime import date

import pytest

from app.accounts import User
from app.traders import directory as traders

from .conftest import SCREENSHOTS, live_copy, run_axe, serve_app

ASHA = User(1, "Asha", "connector")


@pytest.fixture(scope="module")
def traders_server(site_db, tmp_path_factory):
    db_path, db = live_copy(site_db, tmp_path_factory.mktemp("traders"))
    # Test fixtures only: the repository ships no traders.
    for name, areas, languages in (("Test Shah Plumbing", ["Belgrave", "LE4"], "Gujarati; Hindi"),
                                   ("Test Smith Plumbing", ["Castle"], "English"),
                                   ("Test Desai Plumbing", ["Evington"], "Gujarati")):
        trader_id = traders.save_trader(db, ASHA, {"name": name, "trades": ["plumber"], "areas": areas,
                                                   "languages": languages, "phone": "0116 000 0000"})
        rec = traders.recommend(db, trader_id, {"given_name": "Pramila", "ward_code": "E05010461", "job": "Fixed a leak",
                                                "job_month": "2026-03", "would_use_again": "1", "comments": "Tidy"}, "x")
        traders.moderate(db, ASHA, rec, True)
        traders.add_check(db, ASHA, trader_id, "insurance_seen", date(2026, 3, 3), expires_on=date(2027, 3, 1))
        traders.set_status(db, ASHA, trader_id, "listed", "", 1, 1, date(2026, 11, 26))
    db.conn.close()
    base, server = serve_app({"DATABASE": str(db_path), "SUGGESTION_MIN_SECONDS": 0})
    yield base
    server.shutdown()


def test_find_a_gujarati_speaking_plumber_in_belgrave_and_print(browser, traders_server):
    context = browser.new_context(viewport={"width": 360, "height": 780})
    page = context.new_page()
    page.goto(traders_server + "/")
    page.get_by_role("link", name="Trusted traders").click()
    page.get_by_label("What do you need?").select_option("plumber")
    page.get_by_label("Or choose your ward").select_option("belgrave")
    page.get_by_label("Language spoken").select_option("Gujarati")
    page.get_by_role("button", name="Find").click()
    page.wait_for_selector("#results-heading")
    names = page.locator(".result h3 a").all_inner_texts()
    assert names == ["Test Shah Plumbing"]
    assert run_axe(page) == []
    page.screenshot(path=str(SCREENSHOTS / "traders-results-phone.png"), full_page=True)
    page.locator(".result h3 a").first.click()
    main = page.locator("main").inner_text()
    assert "Insurance seen by a connector on 3 March 2026" in main and "Staying safe" in main
    assert run_axe(page) == []
    page.goto(traders_server + "/traders/?trade=plumber&ward=belgrave")
    page.get_by_role("link", name="Printable list for this ward").click()
    assert "Trusted traders for Belgrave" in page.locator("h1").inner_text()
    page.emulate_media(media="print")
    assert page.locator(".site-header").is_hidden()
    assert run_axe(page) == []
    page.pdf(path=str(SCREENSHOTS / "traders-belgrave-sheet.pdf"), format="A4")
    assert context.cookies() == []
    context.close()


def test_report_a_problem_from_a_trader_page(browser, traders_server):
    context = browser.new_context(viewport={"width": 360, "height": 780})
    page = context.new_page()
    page.goto(traders_server + "/traders/test-desai-plumbing")
    page.get_by_role("link", name="Report a problem").click()
    assert "Report a problem with “Test Desai Plumbing”" in page.locator("h1").inner_text()
    assert run_axe(page) == []
    page.get_by_label("Something went wrong with work they did").check()
    page.get_by_label("Tell us more (optional)").fill("Left the job half done")
    page.get_by_role("button", name="Send").click()
    assert page.locator("h1").inner_text() == "Thank you"
    assert context.cookies() == []
    context.close()


@pytest.mark.parametrize("path", ["/traders/", "/traders/?lang=gu", "/traders/test-shah-plumbing/recommend",
                                  "/traders/test-shah-plumbing/report?lang=gu"])
def test_trader_pages_are_accessible(watched, traders_server, path):
    watched.page.goto(traders_server + path)
    assert run_axe(watched.page) == []
    assert watched.console_errors == []
