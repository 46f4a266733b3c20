"""The connectors' workspace: who may see and do what, CSRF, throttling, edits, history, restore."""
import re
from datetime import datetime
from html import unescape

import pytest
import sqlite_utils
from click.testing import CliRunner

from app import create_app
from app.cli import cli

NOW = datetime(2026, 11, 26, 9, 0)
ORIGIN = "http://localhost"


@pytest.fixture
def app(live_db, tmp_path):
    return create_app({"TESTING": True, "DATABASE": str(live_db), "TILE_URL": "", "NOW": NOW,
                       "SECRET_KEY": "test only", "SESSION_COOKIE_SECURE": False})


def token(client, url="/workspace/sign-in"):
    html = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def post(client, url, data, page=None):
    data = {"csrf_token": token(client, page or url), **data}
    return client.post(url, data=data, headers={"Origin": ORIGIN})


def sign_in(client, name="Asha", password="correct horse battery"):
    response = post(client, "/workspace/sign-in", {"name": name, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


def edit_form(client, asset_id):
    html = client.get(f"/workspace/assets/{asset_id}").get_data(as_text=True)
    values = dict(re.findall(r'<input type="[a-z]+" id="f-[a-z_]+" name="([a-z_]+)" value="([^"]*)"', html))
    category = html[html.index('id="f-category"'):]
    values["category"] = re.search(r'<option value="([a-z_]+)" selected>', category).group(1)
    values["description"] = re.search(r'name="description"[^>]*>([^<]*)</textarea>', html).group(1)
    values = {k: unescape(v) for k, v in values.items()}
    values["version"] = re.search(r'name="version" value="(\d+)"', html).group(1)
    values["csrf_token"] = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    return values


def workspace_routes(method):
    """Every workspace URL the app has for a method, with sample values for its parts."""
    from app import create_app as make

    sample = {"asset_id": "belgrave-library", "change_set": "1", "suggestion_id": "1", "token": "abc123",
              "trader_id": "a-trader", "recommendation_id": "1", "walk_id": "a-walk", "seq": "1", "capture_id": "1",
              "kiosk_id": "1", "ward_code": "E05010461"}
    urls = []
    for rule in make({"TESTING": True, "DATABASE": "unused.db", "SECRET_KEY": "x"}).url_map.iter_rules():
        if rule.rule.startswith("/workspace") and method in rule.methods and not rule.rule.endswith(("sign-in", "sign-out")):
            urls.append(re.sub(r"<(?:\w+:)?(\w+)>", lambda m: sample[m.group(1)], rule.rule))
    return sorted(urls)


WORKSPACE_GETS = workspace_routes("GET")
WORKSPACE_POSTS = workspace_routes("POST")


def test_the_route_lists_cover_the_workspace():
    assert {"/workspace/", "/workspace/users", "/workspace/suggestions", "/workspace/import"} <= set(WORKSPACE_GETS)
    assert {"/workspace/import/abc123", "/workspace/suggestions/1", "/workspace/assets/belgrave-library/verify"} <= set(WORKSPACE_POSTS)


@pytest.mark.parametrize("url", WORKSPACE_GETS)
def test_nothing_is_visible_without_signing_in(client, url):
    response = client.get(url)
    assert response.status_code == 302 and "/workspace/sign-in" in response.headers["Location"]


@pytest.mark.parametrize("url", WORKSPACE_POSTS)
def test_nothing_can_be_done_without_signing_in(client, url):
    assert client.post(url, data={"name": "x"}, headers={"Origin": ORIGIN}).status_code == 400  # no token
    response = post(client, url, {"name": "x", "status": "hidden"}, page="/workspace/sign-in")
    assert response.status_code == 302 and "/workspace/sign-in" in response.headers["Location"]
    assert sqlite_utils.Database(client.application.config["DATABASE"])["changes"].count == 0


def test_sign_out(client):
    sign_in(client)
    assert client.get("/workspace/").status_code == 200
    post(client, "/workspace/sign-out", {}, page="/workspace/")
    assert client.get("/workspace/").status_code == 302


def test_wrong_password_and_throttling(client):
    response = post(client, "/workspace/sign-in", {"name": "Asha", "password": "wrong"})
    assert response.status_code == 401 and "do not match" in response.get_data(as_text=True)
    for _ in range(4):
        post(client, "/workspace/sign-in", {"name": "Asha", "password": "wrong"})
    response = post(client, "/workspace/sign-in", {"name": "Asha", "password": "correct horse battery"})
    assert response.status_code == 401 and "too many failed sign-ins" in response.get_data(as_text=True)
    sign_in(client, "Ben", "another long password")  # other names are not locked out


def test_csrf(client):
    sign_in(client)
    url = "/workspace/assets/belgrave-library/verify"
    good = token(client, "/workspace/")
    assert client.post(url, data={}, headers={"Origin": ORIGIN}).status_code == 400
    assert client.post(url, data={"csrf_token": good}, headers={"Origin": "https://evil.example"}).status_code == 400
    assert client.post(url, data={"csrf_token": good}).status_code == 400  # no Origin or Referer
    assert client.post(url, data={"csrf_token": "1." + "0" * 64}, headers={"Origin": ORIGIN}).status_code == 400
    other = client.application.test_client()
    assert other.post(url, data={"csrf_token": good}, headers={"Origin": ORIGIN}).status_code == 400
    assert client.post(url, data={"csrf_token": good}, headers={"Origin": ORIGIN}).status_code == 302


def test_edit_history_restore_round_trip(client):
    sign_in(client)
    form = edit_form(client, "belgrave-library")
    form.update(schedule="tue-sat 9:30-17:00", cost="Free", note="Rang the library")
    response = client.post("/workspace/assets/belgrave-library", data=form, headers={"Origin": ORIGIN})
    assert response.status_code == 302
    public = client.get("/assets/belgrave-library").get_data(as_text=True)
    assert "Every Tuesday to Saturday, 9:30am to 5pm" in public and "Free" in public
    history = client.get("/workspace/assets/belgrave-library/history").get_data(as_text=True)
    assert "Asha" in history and "Rang the library" in history
    assert "<td>schedule</td><td></td><td>Tue-Sat 09:30-17:00</td>" in history
    fields = {r[0] for r in sqlite_utils.Database(client.application.config["DATABASE"]).execute(
        "select field from changes where asset_id = 'belgrave-library'")}
    assert fields == {"schedule", "cost"}  # nothing else was touched by saving the form
    form = edit_form(client, "belgrave-library")
    form.update(cost="£1")
    client.post("/workspace/assets/belgrave-library", data=form, headers={"Origin": ORIGIN})
    history = client.get("/workspace/assets/belgrave-library/history").get_data(as_text=True)
    change_set = int(re.search(r"/restore/(\d+)", history).group(1))  # the first save, offered for restore
    response = post(client, f"/workspace/assets/belgrave-library/restore/{change_set}", {},
                    page="/workspace/assets/belgrave-library/history")
    assert response.status_code == 302
    public = client.get("/assets/belgrave-library").get_data(as_text=True)
    assert "Free" in public and "£1" not in public
    entries = client.get("/workspace/assets/belgrave-library/history").get_data(as_text=True)
    assert "restore" in entries


def test_a_new_listing_is_checked_like_the_csv(client):
    sign_in(client)
    response = post(client, "/workspace/assets/new", {"name": "Knit and natter", "category": "group_activity",
                                                       "postcode": "LE5 5A"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "&#39;LE5 5A&#39; is not in the shape of a UK postcode" in html
    response = post(client, "/workspace/assets/new", {"name": "Knit and natter", "category": "group_activity",
                                                       "postcode": "le5 5aa", "schedule": "Wed 14:00-16:00",
                                                       "source": "Poster in the library window"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/workspace/assets/knit-and-natter-le5-5aa")
    public = client.get("/assets/knit-and-natter-le5-5aa").get_data(as_text=True)
    assert "Spinney Hills" in public and "Every Wednesday, 2pm to 4pm" in public


def test_private_address_never_leaves_the_workspace(client):
    sign_in(client)
    response = post(client, "/workspace/assets/new", {"name": "Close Encounters on Ash Close", "category": "group_activity",
                                                       "postcode": "LE5 5AA", "address": "12 Ash Close",
                                                       "private_address": "1", "source": "Host"})
    asset_id = response.headers["Location"].split("/")[3].split("?")[0]
    # The map data before any page has shown the (cached) search, then after: the same, pin-free.
    before_pages = next(f for f in client.get("/api/assets.geojson").get_json()["features"]
                        if f["properties"]["id"] == asset_id)
    assert before_pages["geometry"] is None
    for url in (f"/assets/{asset_id}", "/?postcode=LE5+5AA", "/map", f"/api/assets/{asset_id}",
                "/api/assets?near=LE5+5AA", "/api/assets.geojson", f"/api/assets/{asset_id}.geojson"):
        text = client.get(url).get_data(as_text=True)
        assert "12 Ash Close" not in text and ("LE5 5AA" not in text or "near LE5 5AA" in text), url
    feature = next(f for f in client.get("/api/assets.geojson").get_json()["features"] if f["properties"]["id"] == asset_id)
    assert feature == before_pages
    assert "le5-5aa" not in asset_id
    assert "12 Ash Close" in client.get(f"/workspace/assets/{asset_id}").get_data(as_text=True)


def test_status_and_soft_delete(client, app):
    sign_in(client)
    assert "belgrave-library" in client.get("/api/assets.geojson").get_data(as_text=True)  # now cached
    post(client, "/workspace/assets/belgrave-library/status", {"status": "hidden"}, page="/workspace/")
    assert client.get("/assets/belgrave-library").status_code == 404
    assert "belgrave-library" not in client.get("/api/assets.geojson").get_data(as_text=True)
    post(client, "/workspace/assets/belgrave-library/status", {"status": "deleted"}, page="/workspace/")
    response = post(client, "/workspace/assets/belgrave-library/status", {"status": "open"}, page="/workspace/")
    assert response.status_code == 403 and "only an admin" in response.get_data(as_text=True)
    admin = app.test_client()
    sign_in(admin, "Admin", "admin password here")
    post(admin, "/workspace/assets/belgrave-library/status", {"status": "open"}, page="/workspace/")
    assert client.get("/assets/belgrave-library").status_code == 200


def test_two_connectors_saving_the_same_asset(app):
    asha, ben = app.test_client(), app.test_client()
    sign_in(asha)
    sign_in(ben, "Ben", "another long password")
    form_a, form_b = edit_form(asha, "belgrave-library"), edit_form(ben, "belgrave-library")
    form_a["cost"], form_b["cost"] = "Free", "£3"
    assert asha.post("/workspace/assets/belgrave-library", data=form_a, headers={"Origin": ORIGIN}).status_code == 302
    response = ben.post("/workspace/assets/belgrave-library", data=form_b, headers={"Origin": ORIGIN})
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Someone else changed this listing" in html and "Asha" in html and "“Free”" in html
    assert "Free" in asha.get("/assets/belgrave-library").get_data(as_text=True)


def test_verify_in_one_tap(client):
    sign_in(client)
    dashboard = client.get("/workspace/").get_data(as_text=True)
    never = int(re.search(r"Never checked \((\d+)\)", dashboard).group(1))
    post(client, "/workspace/assets/belgrave-library/verify", {}, page="/workspace/")
    dashboard = client.get("/workspace/").get_data(as_text=True)
    assert int(re.search(r"Never checked \((\d+)\)", dashboard).group(1)) == never - 1
    public = client.get("/assets/belgrave-library").get_data(as_text=True)
    assert "Not checked yet" not in public and "Asha" not in public  # the date only, publicly
    assert re.search(r"Last checked</dt><dd>\d+ \w+ 20\d\d", public)


def test_only_admins_manage_accounts(app):
    connector = app.test_client()
    sign_in(connector)
    assert connector.get("/workspace/users").status_code == 403
    admin = app.test_client()
    sign_in(admin, "Admin", "admin password here")
    assert post(admin, "/workspace/users", {"name": "Chandra", "password": "short", "role": "connector"}).status_code == 400
    assert post(admin, "/workspace/users", {"name": "Chandra", "password": "long enough pass", "role": "connector"}).status_code == 302
    sign_in(app.test_client(), "Chandra", "long enough pass")
    hashes = [r[0] for r in sqlite_utils.Database(app.config["DATABASE"]).execute("select password_hash from users")]
    assert all(h.startswith("scrypt:") for h in hashes) and "long enough pass" not in str(hashes)


def test_public_pages_set_no_cookies_even_after_signing_in_elsewhere(app):
    resident = app.test_client()
    for url in ("/", "/?postcode=LE4+6JD", "/map", "/assets/belgrave-library", "/workspace/sign-in"):
        assert "Set-Cookie" not in resident.get(url).headers


def test_cli_users_and_the_build_guard(live_db, tmp_path):
    runner = CliRunner()
    result = runner.invoke(cli, ["users", "add", "Dev", "--role", "admin", "--db", str(live_db),
                                 "--password", "a long password"])
    assert result.exit_code == 0 and "Added admin Dev" in result.output
    assert "Dev\tadmin" in runner.invoke(cli, ["users", "list", "--db", str(live_db)]).output
    result = runner.invoke(cli, ["build", "--db", str(live_db)])
    assert result.exit_code == 2 and "would wipe" in result.output
    assert sqlite_utils.Database(live_db)["users"].count == 4
    result = runner.invoke(cli, ["build", "--db", str(live_db), "--fresh"])
    assert result.exit_code == 0, result.output
    copy = live_db.with_name("live-before-fresh-build.db")
    assert sqlite_utils.Database(copy)["users"].count == 4
    assert sqlite_utils.Database(live_db)["users"].count == 0


@pytest.mark.parametrize("asset_id", ["listening-bench-evington", "belgrave-library", "the-brite-centre"])
def test_saving_an_unchanged_form_changes_nothing(client, asset_id):
    sign_in(client)
    response = client.post(f"/workspace/assets/{asset_id}", data=edit_form(client, asset_id), headers={"Origin": ORIGIN})
    assert response.status_code == 302
    assert sqlite_utils.Database(client.application.config["DATABASE"])["changes"].count == 0


def test_verifying_moves_a_listing_out_of_the_stale_lists(client, app):
    db = sqlite_utils.Database(app.config["DATABASE"])
    db.execute("update assets set last_verified = '2025-06-01' where id = 'belgrave-library'")
    db.execute("update assets set last_verified = '2026-03-01' where id = 'evington-library'")
    db.conn.commit()
    sign_in(client)

    def section(html, key):
        start = html.index(f'id="{key}"')
        return html[start:html.index("<h2", start + 5) if "<h2" in html[start + 5:] else len(html)]

    dashboard = client.get("/workspace/").get_data(as_text=True)
    assert "Belgrave Library" in section(dashboard, "a_year") and "Evington Library" in section(dashboard, "six_months")
    # Public results show the notice and put it last.
    results = client.get("/?q=library").get_data(as_text=True)
    names = re.findall(r'<h3><a href="/assets/([^"]+)">', results)
    assert names[-1] == "belgrave-library" and "Not checked for over a year." in results
    post(client, "/workspace/assets/belgrave-library/verify", {}, page="/workspace/")
    dashboard = client.get("/workspace/").get_data(as_text=True)
    assert "Belgrave Library" not in section(dashboard, "a_year")
    names = re.findall(r'<h3><a href="/assets/([^"]+)">', client.get("/?q=library").get_data(as_text=True))
    assert names[-1] != "belgrave-library"


def test_admin_resets_a_password_and_deactivates_an_account(app):
    admin = app.test_client()
    sign_in(admin, "Admin", "admin password here")
    assert post(admin, "/workspace/users", {"action": "password", "name": "Ben", "password": "short"}).status_code == 400
    assert post(admin, "/workspace/users", {"action": "password", "name": "Ben", "password": "a brand new password"}).status_code == 302
    sign_in(app.test_client(), "Ben", "a brand new password")
    ben = app.test_client()
    sign_in(ben, "Ben", "a brand new password")
    assert post(admin, "/workspace/users", {"action": "deactivate", "name": "Ben"}).status_code == 302
    assert ben.get("/workspace/").status_code == 302  # signed out at the next request
    response = post(app.test_client(), "/workspace/sign-in", {"name": "Ben", "password": "a brand new password"})
    assert response.status_code == 401
    own = post(admin, "/workspace/users", {"action": "deactivate", "name": "Admin"})
    assert own.status_code == 400 and "your own account" in own.get_data(as_text=True)


def test_cli_password(live_db):
    result = CliRunner().invoke(cli, ["users", "password", "Asha", "--db", str(live_db), "--password", "another good one"])
    assert result.exit_code == 0 and "New password set for Asha" in result.output
    result = CliRunner().invoke(cli, ["users", "password", "Nobody", "--db", str(live_db), "--password", "another good one"])
    assert result.exit_code == 1 and "no account called Nobody" in result.output


def test_edit_form_says_which_weeks_an_every_other_week_schedule_was_taken_to_mean(client):
    sign_in(client)
    form = edit_form(client, "belgrave-library")
    form.update(schedule="Fortnightly Thu 14:00-15:00")
    assert client.post("/workspace/assets/belgrave-library", data=form, headers={"Origin": ORIGIN}).status_code == 302
    html = unescape(client.get("/workspace/assets/belgrave-library").get_data(as_text=True))
    assert "'Every other Thu 14:00-15:00' gives no start date, so we took it to be on Thu 26 Nov 2026 and " \
           "Thu 10 Dec 2026" in html
    form = edit_form(client, "belgrave-library")
    form.update(schedule="Every other Thu 14:00-15:00 from 2026-12-03")
    assert client.post("/workspace/assets/belgrave-library", data=form, headers={"Origin": ORIGIN}).status_code == 302
    html = client.get("/workspace/assets/belgrave-library").get_data(as_text=True)
    assert "gives no start date" not in html
    public = client.get("/assets/belgrave-library").get_data(as_text=True)
    assert "Every other Thursday, 2pm to 3pm, from 3 December 2026" in public
    assert "<dt>Next on</dt><dd>Thursday 3 December, 2pm to 3pm</dd>" in public


def ward_postcodes(app, ward_name, n=2):
    db = sqlite_utils.Database(app.config["DATABASE"])
    return [r[0] for r in db.execute("select postcode from postcodes join wards using (ward_code) "
                                     "where ward_name = ? order by postcode limit ?", [ward_name, n])]


def test_a_ward_only_listing_given_a_postcode_gets_its_pin_and_walking_times(client, app):
    sign_in(client)
    place, near = ward_postcodes(app, "Evington")
    html = client.get("/workspace/assets/listening-bench-evington").get_data(as_text=True)
    form = edit_form(client, "listening-bench-evington")
    # What the browser sends: the hidden field the form carries for a ward-only listing.
    form["location_precision"] = re.search(r'name="location_precision" value="([^"]*)"', html).group(1)
    assert form["location_precision"] == "ward"
    form.update(address="Evington Library, Evington Lane", postcode=place)
    assert client.post("/workspace/assets/listening-bench-evington", data=form,
                       headers={"Origin": ORIGIN}).status_code == 302
    public = client.get("/assets/listening-bench-evington").get_data(as_text=True)
    assert "Somewhere in Evington ward" not in public and "Evington Lane" in public and place in public
    api = client.get("/api/assets/listening-bench-evington").get_json()
    assert api["lat"] and api["lon"] and api["location_precision"] == "postcode"
    nearby = client.get(f"/api/assets?near={near}&radius=3000&category=listening_bench").get_json()["assets"]
    found = next(a for a in nearby if a["id"] == "listening-bench-evington")
    assert found["walk_minutes"] is not None and found["distance_m"] < 3000
    history = client.get("/workspace/assets/listening-bench-evington/history").get_data(as_text=True)
    assert f"<td>postcode</td><td></td><td>{place}</td>" in history
    assert "<td>location_precision</td><td>ward</td><td></td>" in history


def test_a_ward_only_listing_can_keep_its_ward_on_purpose(client, app):
    sign_in(client)
    place, _ = ward_postcodes(app, "Evington")
    form = edit_form(client, "listening-bench-evington")
    form.update(location_precision="ward", keep_ward="1", postcode=place)
    assert client.post("/workspace/assets/listening-bench-evington", data=form,
                       headers={"Origin": ORIGIN}).status_code == 302
    assert "Somewhere in Evington ward" in client.get("/assets/listening-bench-evington").get_data(as_text=True)
    assert client.get("/api/assets/listening-bench-evington").get_json()["lat"] is None


def test_history_restores_the_original_after_one_edit(client):
    sign_in(client)
    built = client.get("/assets/belgrave-library").get_data(as_text=True)
    form = edit_form(client, "belgrave-library")
    form.update(cost="£5 a session", description="Changed by mistake")
    client.post("/workspace/assets/belgrave-library", data=form, headers={"Origin": ORIGIN})
    history = client.get("/workspace/assets/belgrave-library/history").get_data(as_text=True)
    assert "Restore the original" in history
    response = post(client, "/workspace/assets/belgrave-library/restore/0", {},
                    page="/workspace/assets/belgrave-library/history")
    assert response.status_code == 302
    public = client.get("/assets/belgrave-library").get_data(as_text=True)
    assert "£5 a session" not in public and "Changed by mistake" not in public
    nonce = re.compile(r'nonce="[^"]+"')  # each response has its own script nonce
    assert nonce.sub("", public) == nonce.sub("", built)
    assert "restored the original version" in client.get("/workspace/assets/belgrave-library/history").get_data(as_text=True)


def test_a_deleted_listing_offers_no_edit_or_check(app):
    admin = app.test_client()
    sign_in(admin, "Admin", "admin password here")
    form = edit_form(admin, "belgrave-library")
    post(admin, "/workspace/assets/belgrave-library/status", {"status": "deleted"}, page="/workspace/")
    form["csrf_token"] = token(admin, "/workspace/")
    form["version"] = str(int(form["version"]) + 1)
    form["cost"] = "Free"
    response = admin.post("/workspace/assets/belgrave-library", data=form, headers={"Origin": ORIGIN})
    assert response.status_code == 400 and "this listing is deleted" in response.get_data(as_text=True)
    response = post(admin, "/workspace/assets/belgrave-library/verify", {}, page="/workspace/")
    assert response.status_code == 403 and "deleted" in response.get_data(as_text=True)
    page = admin.get("/workspace/assets/belgrave-library").get_data(as_text=True)
    assert "Still running, details correct" not in page
    row = sqlite_utils.Database(app.config["DATABASE"])["assets"].get("belgrave-library")
    assert (row["cost"], row["last_verified"]) == ("", "")


def test_a_save_during_a_long_restore_is_refused_plainly_not_lost(client, app, monkeypatch):
    import os

    from app import store
    sign_in(client)
    form = edit_form(client, "belgrave-library")
    form["cost"] = "Free"
    monkeypatch.setattr(store.connection, "RESTORE_WAIT_SECONDS", 0.3)
    flag = store.connection._restore_flag(app.config["DATABASE"])
    flag.write_text(str(os.getpid()))  # a restore in this (live) process holds the database
    try:
        response = client.post("/workspace/assets/belgrave-library", data=form, headers={"Origin": ORIGIN})
    finally:
        flag.unlink()
    assert response.status_code == 503 and "being restored" in response.get_data(as_text=True)
    assert sqlite_utils.Database(app.config["DATABASE"])["assets"].get("belgrave-library")["cost"] == ""
    flag.write_text("999999999")  # left by a restore that was killed: ignored
    try:
        assert client.post("/workspace/assets/belgrave-library", data=form, headers={"Origin": ORIGIN}).status_code == 302
    finally:
        flag.unlink()


def test_a_save_while_a_long_import_holds_the_database_says_busy_and_saves_nothing(client, app, monkeypatch):
    import sqlite3

    from app import store

    sign_in(client)
    form = edit_form(client, "belgrave-library")
    form["cost"] = "£2"
    monkeypatch.setattr(store.connection, "WRITE_WAIT_SECONDS", 0.2)
    importing = sqlite3.connect(app.config["DATABASE"], isolation_level=None)
    importing.execute("begin immediate")  # what a long import's one transaction does
    try:
        response = client.post("/workspace/assets/belgrave-library", data=form, headers={"Origin": ORIGIN})
    finally:
        importing.execute("rollback")
        importing.close()
    assert response.status_code == 503 and "busy" in response.get_data(as_text=True)
    assert sqlite_utils.Database(app.config["DATABASE"])["assets"].get("belgrave-library")["cost"] == ""
