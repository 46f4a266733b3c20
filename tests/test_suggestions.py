"""Residents' suggestions and problem reports, and the connectors' queue."""

import pytest
import sqlite_utils
from click.testing import CliRunner
from test_workspace import NOW, ORIGIN, post, sign_in

from app import create_app
from app.cli import cli


@pytest.fixture
def app(live_db):
    return create_app({"TESTING": True, "DATABASE": str(live_db), "TILE_URL": "", "NOW": NOW,
                       "SECRET_KEY": "test only", "SESSION_COOKIE_SECURE": False, "SUGGESTION_MIN_SECONDS": 0})


def rows(app, sql):
    return [dict(r) for r in sqlite_utils.Database(app.config["DATABASE"]).query(sql)]


CONTACT = "asha.resident@example.org"


def suggest(client, **fields):
    return post(client, "/suggest", {"name": "Chair yoga at the temple", "category": "group_activity",
                                     "postcode": "LE4 6JD", "when_text": "Tuesdays at 10", "contact": CONTACT,
                                     "details": "Gentle, in Gujarati", **fields})


def test_a_resident_suggests_without_an_account_or_cookie(client, app):
    assert "Suggest an activity or place" in client.get("/").get_data(as_text=True)
    response = suggest(client)
    assert response.status_code == 302 and response.headers["Location"] == "/suggest/thanks"
    assert "Set-Cookie" not in response.headers
    [saved] = rows(app, "select * from suggestions")
    assert saved["name"] == "Chair yoga at the temple" and saved["contact"] == CONTACT and saved["status"] == "open"


def test_report_a_problem_link_and_form(client, app):
    html = client.get("/assets/belgrave-library").get_data(as_text=True)
    assert 'href="/assets/belgrave-library/report"' in html
    response = post(client, "/assets/belgrave-library/report", {"problem": "closed", "details": "Shut since May"})
    assert response.status_code == 302
    assert rows(app, "select asset_id, problem from suggestions") == [{"asset_id": "belgrave-library", "problem": "closed"}]
    assert post(client, "/assets/belgrave-library/report", {"details": "x"}).status_code == 400  # no problem chosen
    assert client.get("/assets/nope/report").status_code == 404


def test_spam_defences(client, app):
    assert suggest(client, homepage="http://spam.example").status_code == 302  # looks fine to a bot...
    assert rows(app, "select * from suggestions") == []                         # ...but nothing is kept
    assert suggest(client, details="x" * 2001).status_code == 400
    app.config["RATE_LIMITS"] = {"suggestion": (5, 3600)}
    for _ in range(5):
        assert suggest(client).status_code == 302
    response = suggest(client)
    assert response.status_code == 400 and "several messages from you" in response.get_data(as_text=True)
    assert len(rows(app, "select * from suggestions")) == 5
    app.config["SUGGESTION_MIN_SECONDS"] = 3
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.1.2.3"
    assert suggest(other).status_code == 302 and len(rows(app, "select * from suggestions")) == 5  # too quick


def test_no_csrf_no_suggestion(client, app):
    response = client.post("/suggest", data={"name": "x"}, headers={"Origin": ORIGIN})
    assert response.status_code == 400 and rows(app, "select * from suggestions") == []


def test_accept_a_new_suggestion_through_the_edit_form(client, app):
    suggest(client)
    sign_in(client)
    queue = client.get("/workspace/suggestions").get_data(as_text=True)
    assert "Chair yoga at the temple" in queue and CONTACT in queue
    [item] = rows(app, "select id from suggestions")
    response = post(client, f"/workspace/suggestions/{item['id']}", {"action": "accept"}, page="/workspace/suggestions")
    form_url = response.headers["Location"]
    html = client.get(form_url).get_data(as_text=True)
    assert 'value="Chair yoga at the temple"' in html and "Tuesdays at 10" in html
    response = post(client, form_url, {"name": "Chair yoga at the temple", "category": "group_activity",
                                       "postcode": "LE4 6JD", "schedule": "Tue 10:00-11:00", "languages": "Gujarati",
                                       "source": "Suggested by a resident", "suggestion": str(item["id"]),
                                       "note": "From resident suggestion"}, page=form_url)
    assert response.status_code == 302
    [closed] = rows(app, "select * from suggestions")
    assert closed["status"] == "accepted" and closed["contact"] is None and closed["handled_by"] == "Asha"
    asset_id = closed["merged_into"]
    assert rows(app, f"select action, user_name from changes where asset_id = '{asset_id}' limit 1") == [
        {"action": "create", "user_name": "Asha"}]
    assert "Every Tuesday, 10am to 11am" in client.get(f"/assets/{asset_id}").get_data(as_text=True)


def test_reject_needs_a_reason_and_deletes_the_contact(client, app):
    suggest(client)
    sign_in(client)
    [item] = rows(app, "select id from suggestions")
    url = f"/workspace/suggestions/{item['id']}"
    assert post(client, url, {"action": "reject"}, page="/workspace/suggestions").status_code == 400
    assert post(client, url, {"action": "reject", "reason": "Not in Leicester"}, page="/workspace/suggestions").status_code == 302
    [closed] = rows(app, "select * from suggestions")
    assert (closed["status"], closed["reason"], closed["contact"]) == ("rejected", "Not in Leicester", None)


def test_merge_into_an_existing_listing(client, app):
    post(client, "/assets/belgrave-library/report", {"problem": "extra", "details": "Has a knitting group on Fridays",
                                                      "contact": CONTACT})
    sign_in(client)
    [item] = rows(app, "select id from suggestions")
    response = post(client, f"/workspace/suggestions/{item['id']}", {"action": "merge", "asset_id": "belgrave-library"},
                    page="/workspace/suggestions")
    assert response.status_code == 302
    [closed] = rows(app, "select * from suggestions")
    assert (closed["status"], closed["merged_into"], closed["contact"]) == ("merged", "belgrave-library", None)
    history = client.get("/workspace/assets/belgrave-library/history").get_data(as_text=True)
    assert "Merged resident suggestion" in history and "knitting group on Fridays" in history


def test_accepting_a_problem_report_opens_the_listing(client, app):
    post(client, "/assets/belgrave-library/report", {"problem": "out_of_date", "details": "Now opens at 10"})
    sign_in(client)
    [item] = rows(app, "select id from suggestions")
    response = post(client, f"/workspace/suggestions/{item['id']}", {"action": "accept"}, page="/workspace/suggestions")
    assert response.headers["Location"].startswith("/workspace/assets/belgrave-library?suggestion=")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Now opens at 10" in html and f'name="suggestion" value="{item["id"]}"' in html


def test_a_suggesters_contact_never_appears_publicly(client, app, tmp_path):
    suggest(client)
    post(client, "/assets/belgrave-library/report", {"problem": "closed", "contact": CONTACT})
    for url in ("/", "/?postcode=LE4+6JD", "/map", "/assets/belgrave-library", "/wards/belgrave", "/api/assets",
                "/api/assets.geojson", "/api/assets/belgrave-library", "/suggest/thanks"):
        assert CONTACT not in client.get(url).get_data(as_text=True), url
    out = tmp_path / "export.csv"
    CliRunner().invoke(cli, ["export", "--db", app.config["DATABASE"], "--out", str(out), "--include-private"])
    assert CONTACT not in out.read_text(encoding="utf-8")


def test_dashboard_counts_open_suggestions(client, app):
    suggest(client)
    sign_in(client)
    assert "Open suggestions from residents: 1" in client.get("/workspace/").get_data(as_text=True)
