"""Coverage on the dashboard: per ward, when it was last walked, what share is checked recently, what no walk reached."""
from __future__ import annotations

import re
from datetime import date

import pytest
from test_workspace import app, sign_in  # noqa: F401  (app: the workspace app on live_db)

from app import store
from app.accounts import User
from app.assets.edits import set_status
from app.walks.coverage import ward_coverage
from app.walks.outcomes import record_outcome
from app.walks.walk import save_walk

ASHA = User(1, "Asha", "connector")
BELGRAVE, ABBEY = "E05010461", "E05010458"
TODAY = date(2026, 11, 26)
SIX_MONTHS = 183


@pytest.fixture
def db(live_db):
    database = store.connect(live_db)
    # Start from a ward no one has checked, so the figures below are the test's own doing.
    database.execute("update assets set last_verified = null where ward_code = ?", [BELGRAVE])
    database.conn.commit()
    yield database
    database.conn.close()


def located(db) -> list[str]:
    return [r[0] for r in db.execute("select id from assets where ward_code = ? and status != 'deleted' "
                                      "and location_precision != 'ward' order by id", [BELGRAVE])]


def test_coverage_counts_recent_checks_of_located_listings_the_last_finished_walk_and_unvisited(db, area):
    places = located(db)
    everything = db.execute("select count(*) from assets where ward_code = ? and status != 'deleted'",
                            [BELGRAVE]).fetchone()[0]
    assert len(places) >= 3 and everything > len(places)  # Belgrave has ward-only listings too
    db.execute("update assets set last_verified = '2026-06-01' where id = ?", [places[0]])  # 178 days: recent
    db.execute("update assets set last_verified = '2026-05-20' where id = ?", [places[1]])  # 190 days: not
    db.execute("update assets set last_verified = '2026-11-01' where id = 'yoga-belgrave'")  # ward only: not counted
    db.conn.commit()
    set_status(db, ASHA, places[2], "deleted")  # a deleted listing counts nowhere

    unfinished = save_walk(db, ASHA, ward_code=BELGRAVE, title="Not yet", asset_ids=["exercise-classes-belgrave"])
    walked = save_walk(db, ASHA, ward_code=BELGRAVE, title="Done", asset_ids=[places[0], "yoga-belgrave"])
    for seq in (1, 2):
        assert record_outcome(db, area, ASHA, walked, seq, "not_found", based_on=None, today=TODAY).status == "saved"
    db.execute("update walks set finished_at = '2026-11-20T10:00:00+00:00' where id = ?", [walked])
    db.conn.commit()

    rows = {r.ward_code: r for r in ward_coverage(db, TODAY, SIX_MONTHS)}
    belgrave = rows[BELGRAVE]
    assert belgrave.ward_name == "Belgrave" and belgrave.last_walked == "2026-11-20T10:00:00+00:00"
    assert (belgrave.located, belgrave.located_checked) == (len(places) - 1, 1)
    assert belgrave.share_checked == round(100 / (len(places) - 1))
    assert belgrave.never_visited == everything - 1 - 2  # less the deleted one and the two the walk reached
    assert rows[ABBEY].last_walked is None and unfinished  # an unfinished walk is not "walked"
    assert [r.ward_code for r in ward_coverage(db, TODAY, SIX_MONTHS, BELGRAVE)] == [BELGRAVE]


def test_a_ward_with_no_located_listings_says_so_on_the_dashboard(client, db):
    db.execute("update assets set location_precision = 'ward' where ward_code = ?", [BELGRAVE])
    db.conn.commit()
    [row] = ward_coverage(db, TODAY, SIX_MONTHS, BELGRAVE)
    assert row.located == 0 and row.share_checked is None
    sign_in(client)
    html = client.get(f"/workspace/?ward={BELGRAVE}").get_data(as_text=True)
    cells = re.search(r'<th scope="row"><a [^>]*>Belgrave</a></th>(.*?)</tr>', html, re.DOTALL).group(1)
    assert re.findall(r"<td>([^<]*)</td>", cells)[:2] == ["Never", "No listings with a place"]


def test_the_dashboard_shows_coverage_for_every_ward(client, db, area):
    places = located(db)
    db.execute("update assets set last_verified = '2026-10-01' where id = ?", [places[0]])
    db.conn.commit()
    walked = save_walk(db, ASHA, ward_code=BELGRAVE, title="Done", asset_ids=[places[0]])
    record_outcome(db, area, ASHA, walked, 1, "not_found", based_on=None, today=TODAY)
    db.execute("update walks set finished_at = '2026-11-20T10:00:00+00:00' where id = ?", [walked])
    db.conn.commit()
    sign_in(client)
    html = client.get("/workspace/").get_data(as_text=True)
    table = html[html.index('id="coverage"'):]
    wards = db.execute("select count(*) from wards").fetchone()[0]
    assert len(re.findall(r'<th scope="row">', table)) == wards
    cells = re.search(r'<th scope="row"><a [^>]*>Belgrave</a></th>(.*?)</tr>', table, re.DOTALL).group(1)
    share = f"{round(100 / len(places))}% (1 of {len(places)})"
    assert re.findall(r"<td>([^<]*)</td>", cells)[:2] == ["20 November 2026", share]
