"""A connector on a phone: sign in, fix a listing, verify others, accept a suggestion; axe-clean."""
from __future__ import annotations

import pytest

from app.accounts import add_user

from .conftest import SCREENSHOTS, live_copy, run_axe, serve_app

PHONE = {"width": 360, "height": 780}


@pytest.fixture(scope="module")
def workspace_server(site_db, tmp_path_factory):
    db_path, db = live_copy(site_db, tmp_path_factory.mktemp("ws"))
    add_user(db, "Asha", "correct horse battery", "connector")
    add_user(db, "Admin", "admin password here", "admin")
    db.conn.close()
    base, server = serve_app({"DATABASE": str(db_path), "SECRET_KEY": "browser test", "SUGGESTION_MIN_SECONDS": 0})
    yield base
    server.shutdown()


def test_a_connector_on_a_phone(browser, workspace_server):
    base = workspace_server
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    # A resident suggests something first (no account).
    page.goto(base + "/suggest")
    page.get_by_label("What is it called?").fill("Tuesday tea and chat")
    page.get_by_label("Postcode, if you know it").fill("LE4 6JD")
    page.get_by_role("button", name="Send").click()
    assert "Thank you" in page.locator("h1").inner_text()
    assert context.cookies() == []  # residents get no cookies

    page.goto(base + "/workspace/")
    page.get_by_label("Name").fill("Asha")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector("h1:has-text('Needs attention')")
    page.screenshot(path=str(SCREENSHOTS / "workspace-dashboard-phone.png"), full_page=True)
    assert run_axe(page) == []

    # Fix a listing.
    page.goto(base + "/workspace/assets/belgrave-library")
    page.get_by_label("When", exact=True).fill("Tue-Sat 09:30-17:00")
    page.get_by_label("Why are you changing this?").fill("Checked the door sign")
    page.screenshot(path=str(SCREENSHOTS / "workspace-edit-phone.png"), full_page=True)
    assert run_axe(page) == []
    page.get_by_role("button", name="Save").click()
    assert "Saved." in page.locator("main").inner_text()
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0

    # Verify three others from the dashboard: each leaves the "never checked" list.
    def never_checked():
        page.goto(base + "/workspace/")
        return int(page.locator("#never").inner_text().rsplit("(", 1)[1].rstrip(")"))

    before = never_checked()
    for _ in range(3):
        page.locator("#never + table button").first.click()
        page.wait_for_selector("h1")
    assert never_checked() == before - 3

    # Accept the resident's suggestion.
    page.goto(base + "/workspace/suggestions")
    page.get_by_role("button", name="Accept: add it").click()
    page.get_by_label("Kind of place or activity").select_option("group_activity")
    page.get_by_label("When", exact=True).fill("Tue 14:00-15:30")
    page.get_by_role("button", name="Save").click()
    assert "dealt with" in page.locator("main").inner_text()

    # The public pages show the changes; the history shows who and why.
    page.goto(base + "/assets/belgrave-library")
    assert "Every Tuesday to Saturday, 9:30am to 5pm" in page.locator("main").inner_text()
    page.goto(base + "/?q=tuesday+tea")
    assert page.locator(".result h3 a").first.inner_text() == "Tuesday tea and chat"
    page.goto(base + "/workspace/assets/belgrave-library/history")
    history = page.locator("main").inner_text()
    assert "Asha" in history and "Checked the door sign" in history
    assert run_axe(page) == []
    page.goto(base + "/workspace/")
    dashboard = page.locator("main").inner_text()
    assert "Open suggestions from residents: 0" in dashboard
    for path in ("/workspace/suggestions", "/workspace/import", "/workspace/assets/new"):
        page.goto(base + path)
        assert run_axe(page) == [], path
    assert errors == []
    context.close()


@pytest.mark.parametrize("path", ["/workspace/sign-in", "/suggest", "/assets/belgrave-library/report"])
def test_forms_are_accessible(watched, workspace_server, path):
    watched.page.goto(workspace_server + path)
    assert run_axe(watched.page) == []


def test_accounts_page_is_accessible(browser, workspace_server):
    context = browser.new_context()
    page = context.new_page()
    page.goto(workspace_server + "/workspace/sign-in")
    page.get_by_label("Name").fill("Admin")
    page.get_by_label("Password").fill("admin password here")
    page.get_by_role("button", name="Sign in").click()
    page.goto(workspace_server + "/workspace/users")
    assert "Accounts" in page.locator("h1").inner_text()
    assert run_axe(page) == []
    page.goto(workspace_server + "/workspace/traders/")
    assert run_axe(page) == []
    page.goto(workspace_server + "/workspace/traders/new")
    assert run_axe(page) == []
    context.close()
