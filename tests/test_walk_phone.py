"""On the walk: each stop's outcome through the listings' write paths, conflicts, deleted listings, the phone page."""
from __future__ import annotations

import json
import math
import re
from datetime import datetime

import pytest
from test_workspace import ORIGIN, post, sign_in, token

from app import create_app, store
from app.accounts import User
from app.assets.edits import form_values, history, save_asset, set_status, workspace_asset
from app.walks.outcomes import record_outcome
from app.walks.walk import load_walk, save_walk

ASHA, BEN = User(1, "Asha", "connector"), User(2, "Ben", "connector")
BELGRAVE = "E05010461"
NOW = datetime(2026, 11, 26, 9, 0)
TODAY = NOW.date()
# Four Belgrave listings in route order: two with a place, a GP practice, one known only to its ward.
STOPS = ["belgrave-library", "brandon-street-surgery-le4-6aw", "dr-gandecha-and-partner-le4-6aw", "yoga-belgrave"]


@pytest.fixture
def db(live_db):
    database = store.connect(live_db)
    yield database
    database.conn.close()


@pytest.fixture
def walk_id(db):
    return save_walk(db, ASHA, ward_code=BELGRAVE, title="Belgrave, Thursday", asset_ids=STOPS, budget_minutes=90)


@pytest.fixture
def app(live_db):
    return create_app({"TESTING": True, "DATABASE": str(live_db), "TILE_URL": "", "NOW": NOW,
                       "SECRET_KEY": "test only", "SESSION_COOKIE_SECURE": False})


def outcome(db, area, walk_id, seq, what, user=ASHA, **kwargs):
    based_on = kwargs.pop("based_on", workspace_asset(db, STOPS[seq - 1])["version"])
    return record_outcome(db, area, user, walk_id, seq, what, based_on=based_on, today=TODAY, **kwargs)


def walk_notes(db, asset_id, walk_id):
    return [e for e in history(db, asset_id) if walk_id in (e["note"] or "")]


def test_each_outcome_goes_through_the_listing_write_path_with_the_walk_in_its_history(db, area, walk_id):
    assert outcome(db, area, walk_id, 1, "verified", note="Spoke to the librarian").status == "saved"
    library = workspace_asset(db, "belgrave-library")
    assert library["last_verified"] == "2026-11-26" and library["verified_by"] == "Asha"
    [entry] = walk_notes(db, "belgrave-library", walk_id)
    assert entry["action"] == "verify" and "Spoke to the librarian" in entry["note"] and entry["user_name"] == "Asha"

    changed = outcome(db, area, walk_id, 2, "changed", changes={"schedule": "mon-fri 8:00-18:30",
                                                                  "contact_phone": "0116 000 0000"})
    assert changed.status == "saved", changed.message
    surgery = workspace_asset(db, STOPS[1])
    assert surgery["schedule"] == "Mon-Fri 08:00-18:30" and surgery["contact_phone"] == "0116 000 0000"
    [entry] = walk_notes(db, STOPS[1], walk_id)
    assert {f["field"] for f in entry["fields"]} == {"schedule", "contact_phone"}

    assert outcome(db, area, walk_id, 3, "closed").status == "saved"
    assert workspace_asset(db, STOPS[2])["status"] == "closed"
    assert walk_notes(db, STOPS[2], walk_id)[0]["fields"] == [{"field": "status", "old": "open", "new": "closed"}]

    yoga_before = workspace_asset(db, "yoga-belgrave")
    assert load_walk(db, walk_id).status == "planned"
    assert outcome(db, area, walk_id, 4, "not_found", note="Asked at the temple").status == "saved"
    assert workspace_asset(db, "yoga-belgrave") == yoga_before  # the listing itself is untouched
    [entry] = walk_notes(db, "yoga-belgrave", walk_id)
    assert entry["action"] == "note" and "couldn't find it" in entry["note"] and "Asked at the temple" in entry["note"]

    walk = load_walk(db, walk_id)
    assert [(s.outcome, s.outcome_by) for s in walk.stops] == [
        ("verified", "Asha"), ("changed", "Asha"), ("closed", "Asha"), ("not_found", "Asha")]
    assert all(s.outcome_at for s in walk.stops) and walk.stops[3].note == "Asked at the temple"
    assert walk.status == "finished" and walk.finished_at  # every stop has an outcome


def test_a_listing_saved_since_the_phone_loaded_it_is_a_conflict_never_overwritten(db, area, walk_id):
    planned = workspace_asset(db, "belgrave-library")
    save_asset(db, area, BEN, {**form_values(planned), "schedule": "Tue-Sat 09:30-17:00"}, "belgrave-library",
               planned["version"], "Ben rang them")
    result = outcome(db, area, walk_id, 1, "changed", based_on=planned["version"],
                     changes={"schedule": "Mon 10:00-12:00"})
    assert result.status == "conflict" and result.version == planned["version"] + 1
    assert workspace_asset(db, "belgrave-library")["schedule"] == "Tue-Sat 09:30-17:00"  # Ben's save stands
    row = next(f for f in result.conflict["fields"] if f["field"] == "Day and time")
    assert (row["now"], row["yours"]) == ("Tue-Sat 09:30-17:00", "Mon 10:00-12:00")
    assert result.conflict["changes"][0]["by"] == "Ben"
    assert load_walk(db, walk_id).stops[0].outcome is None and walk_notes(db, "belgrave-library", walk_id) == []
    # "Details right" confirms what the phone showed: stale too, and shows what changed since.
    stale = outcome(db, area, walk_id, 1, "verified", based_on=planned["version"])
    assert stale.status == "conflict" and not workspace_asset(db, "belgrave-library")["last_verified"]
    assert {"field": "Day and time", "now": "Tue-Sat 09:30-17:00", "yours": ""} in stale.conflict["fields"]
    # Checked again against the listing as it is now, it saves.
    assert outcome(db, area, walk_id, 1, "verified", based_on=result.version).status == "saved"


def test_a_deleted_listing_is_gone_and_nothing_is_saved(db, area, walk_id):
    set_status(db, ASHA, "belgrave-library", "deleted")
    changes_before = db.execute("select count(*) from changes").fetchone()[0]
    result = outcome(db, area, walk_id, 1, "verified", based_on=1)
    assert result.status == "gone" and "deleted after the walk was planned" in result.message
    assert db.execute("select count(*) from changes").fetchone()[0] == changes_before
    assert load_walk(db, walk_id).stops[0].outcome is None


@pytest.mark.parametrize("what, changes, message", [
    ("changed", {"schedule": "whenever they like"}, "Not saved:"),
    ("changed", {}, "Nothing you typed differs"),
    ("shrugged", {}, "not something a stop can be marked"),
    ("changed", {"schedule": "Mon 10:00-12:00", "based_on": None}, "which version of the listing"),
])
def test_bad_outcomes_say_why_and_save_nothing(db, area, walk_id, what, changes, message):
    before = (workspace_asset(db, "belgrave-library"), db.execute("select count(*) from changes").fetchone()[0])
    versions = {"based_on": changes.pop("based_on")} if "based_on" in changes else {}
    result = outcome(db, area, walk_id, 1, what, changes=changes, **versions)
    assert result.status == "invalid" and message in result.message
    assert (workspace_asset(db, "belgrave-library"), db.execute("select count(*) from changes").fetchone()[0]) == before
    assert load_walk(db, walk_id).stops[0].outcome is None


def test_an_outcome_sent_twice_is_recorded_once(db, area, walk_id):
    assert outcome(db, area, walk_id, 1, "verified").status == "saved"
    again = outcome(db, area, walk_id, 1, "verified", based_on=1)
    assert again.status == "already" and "Asha" in again.message
    assert len(walk_notes(db, "belgrave-library", walk_id)) == 1


def test_the_phone_page_shows_the_current_stop_the_walk_to_the_next_and_every_stop(client, db, walk_id):
    sign_in(client)
    html = client.get(f"/workspace/walks/{walk_id}/go").get_data(as_text=True)
    current = re.search(r'<section class="stop" id="stop-1".*?</section>', html, re.DOTALL).group(0)
    assert "Stop 1 of 4: Belgrave Library" in current and " hidden" not in current.split(">")[0]
    # Library (459589, 306269) to the surgery (459491, 305951): the straight line x 1.3 at 50 m a minute.
    metres = math.hypot(459589 - 459491, 306269 - 305951)
    assert round(metres * 1.3 / 50) == 9
    assert "Next: Brandon Street Surgery. About 9 minutes&#39; walk (330 metres)." in current
    for label in ("Still running, details right", "Closed / not there", "Couldn't find it", "Something changed"):
        assert label in current
    assert re.search(r'<section class="stop" id="stop-2"[^>]*hidden', html, re.DOTALL)
    listed = re.findall(r'<li data-seq="\d">.*?>([^<]+)</a>\s*<span class="state">([^<]+)</span>', html, re.DOTALL)
    assert [name for name, _ in listed] == ["Belgrave Library", "Brandon Street Surgery", "Dr Gandecha &amp; Partner",
                                            "Yoga"]
    assert {state for _, state in listed} == {"To visit"}
    yoga = re.search(r'<section class="stop" id="stop-4".*?</section>', html, re.DOTALL).group(0)
    assert "Somewhere in this ward: ask around" in yoga and "This is the last stop." in yoga


def test_the_page_form_records_an_outcome_and_moves_on(client, db, walk_id):
    sign_in(client)
    page = f"/workspace/walks/{walk_id}/go"
    version = workspace_asset(db, "belgrave-library")["version"]
    response = post(client, f"/workspace/walks/{walk_id}/stops/1", {"outcome": "verified", "based_on": version},
                    page=page)
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Done: still running, details right (Asha)" in html and "1 of 4 stops done." in html
    assert not re.search(r'<section class="stop" id="stop-2"[^>]*hidden', html, re.DOTALL)  # the next stop is shown
    response = post(client, f"/workspace/walks/{walk_id}/stops/2", {"outcome": "changed", "based_on": 999,
                                                                  "schedule": "Mon 09:00-17:00"}, page=page)
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and "Someone saved this listing after your phone loaded it" in html
    assert "<td>Mon 09:00-17:00</td>" in html


def test_a_walk_whose_listings_were_all_deleted_says_so(client, db):
    walk_id = save_walk(db, ASHA, ward_code=BELGRAVE, title="Old walk", asset_ids=STOPS[:2])
    for asset_id in STOPS[:2]:
        set_status(db, ASHA, asset_id, "deleted")
    sign_in(client)
    response = client.get(f"/workspace/walks/{walk_id}/go")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Every listing on this walk was deleted after the walk was planned" in html
    assert html.count('<span class="state">Deleted since the walk was planned: skip it') == 2 and 'name="outcome"' not in html
    missing = client.get("/workspace/walks/no-such-walk/go")
    assert missing.status_code == 404 and "There is no walk at this address" in missing.get_data(as_text=True)
    empty = save_walk(db, ASHA, ward_code=BELGRAVE, title="Nothing", asset_ids=[])
    assert "This walk has no stops." in client.get(f"/workspace/walks/{empty}/go").get_data(as_text=True)


def test_sync_answers_each_queued_outcome_and_needs_a_token(client, db, area, walk_id):
    sign_in(client)
    data = json.loads(client.get(f"/workspace/walks/{walk_id}.json").get_data(as_text=True))
    assert [s["asset_id"] for s in data["stops"]] == STOPS and data["csrf_token"]
    version = {s["asset_id"]: s["version"] for s in data["stops"]}
    set_status(db, BEN, STOPS[2], "deleted")
    items = [{"id": "a", "seq": 1, "outcome": "verified", "based_on": version[STOPS[0]]},
             {"id": "b", "seq": 2, "outcome": "changed", "based_on": version[STOPS[1]] - 1, "schedule": "Mon 09:00-17:00"},
             {"id": "c", "seq": 3, "outcome": "closed", "based_on": version[STOPS[2]]},
             {"id": "d", "seq": 1, "outcome": "verified", "based_on": version[STOPS[0]]}]
    url = f"/workspace/walks/{walk_id}/sync"
    assert client.post(url, data={"items": json.dumps(items)}, headers={"Origin": ORIGIN}).status_code == 400
    assert db.execute("select count(*) from walk_stops where outcome is not null").fetchone()[0] == 0
    response = client.post(url, data={"csrf_token": data["csrf_token"], "items": json.dumps(items)},
                           headers={"Origin": ORIGIN})
    answers = {a["id"]: a["status"] for a in response.get_json()["results"]}
    assert answers == {"a": "saved", "b": "conflict", "c": "gone", "d": "already"}
    assert walk_notes(db, "belgrave-library", walk_id)[0]["action"] == "verify"
    bad = client.post(url, data={"csrf_token": token(client, f"/workspace/walks/{walk_id}/go"), "items": "{not json"},
                      headers={"Origin": ORIGIN})
    assert bad.status_code == 400 and "not a list" in bad.get_json()["error"]


def test_an_outcome_kept_on_a_shared_phone_is_never_sent_in_another_connectors_name(client, db, walk_id):
    sign_in(client, "Ben", "another long password")
    data = json.loads(client.get(f"/workspace/walks/{walk_id}.json").get_data(as_text=True))
    version = data["stops"][0]["version"]
    items = [{"id": "asha-1", "seq": 1, "outcome": "verified", "based_on": version, "by": "Asha"},
             {"id": "ben-1", "seq": 2, "outcome": "verified", "based_on": data["stops"][1]["version"], "by": "Ben"}]
    response = client.post(f"/workspace/walks/{walk_id}/sync",
                           data={"csrf_token": data["csrf_token"], "items": json.dumps(items)}, headers={"Origin": ORIGIN})
    answers = {a["id"]: a for a in response.get_json()["results"]}
    assert answers["asha-1"]["status"] == "someone_else"
    assert "Asha made this on this phone" in answers["asha-1"]["message"]
    assert answers["ben-1"]["status"] == "saved"
    stops = load_walk(db, walk_id).stops
    assert (stops[0].outcome, stops[1].outcome, stops[1].outcome_by) == (None, "verified", "Ben")
    assert not walk_notes(db, STOPS[0], walk_id)  # nothing in Asha's listing history in Ben's name


def test_a_walk_can_be_finished_by_hand(client, db, walk_id):
    sign_in(client)
    response = post(client, f"/workspace/walks/{walk_id}/finish", {}, page=f"/workspace/walks/{walk_id}/go")
    assert response.status_code == 302
    assert load_walk(db, walk_id).status == "finished"
    assert "This walk is finished." in client.get(f"/workspace/walks/{walk_id}/go").get_data(as_text=True)


def test_names_and_details_from_people_are_escaped_on_the_phone_page(client, db, area, walk_id):
    evil = '<script>alert(1)</script>"><img src=x onerror=alert(1)>'
    library = workspace_asset(db, "belgrave-library")
    save_asset(db, area, BEN, {**form_values(library), "name": evil, "contact_phone": evil}, "belgrave-library",
               library["version"])
    sign_in(client)
    html = client.get(f"/workspace/walks/{walk_id}/go").get_data(as_text=True)
    assert evil not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    response = post(client, f"/workspace/walks/{walk_id}/stops/1", {"outcome": "changed", "based_on": 1,
                                                                  "contact_phone": evil}, page=f"/workspace/walks/{walk_id}/go")
    assert response.status_code == 409 and evil not in response.get_data(as_text=True)
