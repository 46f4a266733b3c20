"""The newsletter in a real browser: the workspace form on a phone (axe clean, big targets, its messages),
a download from it, and the ward page's download buttons."""
from __future__ import annotations

import pytest

from app.accounts import add_user

from .conftest import SCREENSHOTS, live_copy, run_axe, serve_app, signed_in_phone


@pytest.fixture(scope="module")
def news_server(site_db, tmp_path_factory):
    db_path, db = live_copy(site_db, tmp_path_factory.mktemp("newsletter"))
    add_user(db, "Asha", "correct horse battery", "connector")
    db.conn.close()
    base, server = serve_app({"DATABASE": str(db_path), "SECRET_KEY": "browser test"})
    yield base
    server.shutdown()


def test_a_connector_chooses_a_newsletter_on_a_phone(browser, news_server):
    context, page = signed_in_phone(browser, news_server, accept_downloads=True)
    page.goto(news_server + "/workspace/newsletter")
    assert run_axe(page) == []
    assert page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 0
    for control in (page.get_by_label("Ward"), page.get_by_label("Month"), page.get_by_label("Language"),
                    page.get_by_role("button", name="Download the newsletter (PDF)")):
        assert control.bounding_box()["height"] >= 44
    page.get_by_label("Ward").select_option("belgrave")
    page.get_by_label("Month").fill("Dec-26")
    page.get_by_role("button", name="Download the newsletter (PDF)").click()
    page.wait_for_selector(".error-summary")
    assert "“Dec-26” is not a month" in page.inner_text(".error-summary")
    assert page.get_by_label("Month").get_attribute("aria-invalid") == "true"
    assert run_axe(page) == []
    page.screenshot(path=str(SCREENSHOTS / "newsletter-form-phone.png"), full_page=True)
    page.get_by_label("Month").fill("2026-12")
    page.get_by_label("Language").select_option("gu")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the newsletter (PDF)").click()
    assert download.value.suggested_filename == "whats-on-belgrave-2026-12-gu.pdf"
    assert open(download.value.path(), "rb").read(5) == b"%PDF-"
    # The ward page's buttons, in the page's language, as big as the page's other buttons.
    page.goto(news_server + "/wards/belgrave?lang=gu")
    button = page.locator("a[href='/wards/belgrave/newsletter.pdf?lang=gu']")
    assert button.bounding_box()["height"] >= 44
    with page.expect_download() as download:
        button.click()
    assert download.value.suggested_filename == "whats-on-belgrave-2026-11-gu.pdf"
    context.close()
