"""Planning a patch walk: which listings, in what order, trimmed to the time the connector has."""
from __future__ import annotations

import math
from datetime import date

import pytest

from app import store
from app.accounts import User
from app.assets.edits import set_status
from app.walks.planner import End, PlanError, candidates, make_plan
from app.walks.route import BudgetTooShort, StraightLine, plan_route, shortest_order

TODAY = date(2026, 11, 26)
BELGRAVE = "E05010461"


def test_stops_along_a_street_are_walked_in_order_from_start_to_end():
    stops = [(300, 0), (100, 0), (200, 0)]
    route = plan_route(StraightLine(), stops, [1, 1, 1], start=(0, 0), end=(400, 0))
    assert [stops[i] for i in route.stops] == [(100, 0), (200, 0), (300, 0)]
    assert route.walking_minutes == pytest.approx(400 * 1.3 / 50) and route.stop_minutes == 15
    assert [(leg.start, leg.end) for leg in route.legs] == [(0, 2), (2, 3), (3, 1), (1, 4)]


def test_a_fixed_end_is_reached_last_even_when_another_order_is_shorter():
    # From the corner (0, 0) to the end at (0, 100): round the square, not back and forth.
    stops = [(100, 100), (100, 0)]
    route = plan_route(StraightLine(), stops, [1, 1], start=(0, 0), end=(0, 100))
    assert [stops[i] for i in route.stops] == [(100, 0), (100, 100)]


@pytest.mark.parametrize("count", [10, 30, 60])
def test_points_round_a_circle_are_walked_round_it(count):
    # The best route through points on a circle, from the first to its neighbour, goes round it.
    places = [(1000 * math.cos(2 * math.pi * k / count), 1000 * math.sin(2 * math.pi * k / count)) for k in range(count)]
    order = shortest_order(StraightLine().metres(places), has_start=True, has_end=True)
    assert order == list(range(count))


@pytest.mark.parametrize("has_start,has_end", [(True, True), (True, False), (False, True), (False, False)])
def test_the_order_is_the_best_one_on_small_walks(has_start, has_end):
    from itertools import permutations

    import numpy as np

    rng = np.random.default_rng(7)
    for _ in range(10):
        places = [tuple(p) for p in rng.uniform(0, 2000, (7, 2))]
        matrix = StraightLine().metres(places)
        length = lambda order: sum(matrix[a, b] for a, b in zip(order, order[1:]))
        best = min(length(p) for p in permutations(range(7))
                   if (not has_start or p[0] == 0) and (not has_end or p[-1] == 6))
        order = shortest_order(matrix, has_start=has_start, has_end=has_end)
        assert sorted(order) == list(range(7)) and (not has_start or order[0] == 0) and (not has_end or order[-1] == 6)
        assert length(order) == pytest.approx(best, abs=2)


def test_trimming_keeps_the_most_useful_stops_and_says_what_was_left_out():
    stops = [(100, 0), (200, 0), (300, 0)]
    # 400 m x 1.3 there and back is about 21 minutes of walking; 5 minutes a stop.
    everything = plan_route(StraightLine(), stops, [3, 1, 2], start=(0, 0), end=(0, 0), minutes_per_stop=5)
    assert everything.total_minutes == pytest.approx(600 * 1.3 / 50 + 15)
    trimmed = plan_route(StraightLine(), stops, [3, 1, 2], start=(0, 0), end=(0, 0), budget_minutes=30,
                         minutes_per_stop=5)
    assert sorted(trimmed.stops) == [0, 2] and trimmed.left_out == [1] and trimmed.total_minutes <= 30
    tight = plan_route(StraightLine(), stops, [3, 1, 2], start=(0, 0), end=(0, 0), budget_minutes=12,
                       minutes_per_stop=5)
    assert tight.stops == [0] and tight.left_out == [1, 2]
    with pytest.raises(BudgetTooShort):
        plan_route(StraightLine(), stops, [3, 1, 2], start=(0, 0), end=(0, 0), budget_minutes=3)


def test_between_equally_useful_stops_the_biggest_detour_goes_first():
    stops = [(100, 0), (100, 900), (200, 0)]
    route = plan_route(StraightLine(), stops, [1, 1, 1], start=(0, 0), end=(300, 0), budget_minutes=25,
                       minutes_per_stop=2)
    assert route.left_out == [1]


@pytest.fixture
def db(live_db):
    database = store.connect(live_db)
    yield database
    database.conn.close()


def test_the_planner_puts_listings_never_checked_or_reported_first_and_ward_level_ones_apart(db):
    db.execute("update assets set last_verified = '2026-10-01' where id = 'belgrave-library'")
    db.execute("update assets set last_verified = '2025-01-15' where id = 'brandon-street-surgery-le4-6aw'")
    db.execute("insert into suggestions (kind, asset_id, problem, created_at) values "
               "('problem', 'belgrave-library', 'closed', '2026-11-20')")
    db.execute("insert into suggestions (kind, name, postcode, created_at) values "
               "('new', 'Knit and natter', 'LE4 6JD', '2026-11-21')")
    db.conn.commit()
    found = candidates(db, TODAY, ward_code=BELGRAVE)
    reasons = {c.asset_id: c.reasons for c in found.located}
    assert reasons["belgrave-library"] == ("1 problem report waiting",)
    assert reasons["brandon-street-surgery-le4-6aw"] == ("Last checked 22 months ago",)
    assert reasons["dr-gandecha-and-partner-le4-6aw"] == ("Never checked",)
    assert [c.asset_id for c in found.located][0] == "brandon-street-surgery-le4-6aw"
    assert found.ward_level and all(c.place is None and "ask around" in c.where for c in found.ward_level)
    assert all(c.place is not None for c in found.located)
    assert [s["name"] for s in found.suggestions] == ["Knit and natter"]
    set_status(db, User(1, "Asha", "connector"), "belgrave-library", "deleted")
    assert "belgrave-library" not in {c.asset_id for c in candidates(db, TODAY, ward_code=BELGRAVE).located}


def test_a_walk_round_a_start_takes_listings_within_the_distance_only(db):
    library = db.execute("select easting, northing from assets where id = 'belgrave-library'").fetchone()
    near = candidates(db, TODAY, centre=tuple(library), radius_m=400)
    assert "belgrave-library" in {c.asset_id for c in near.located}
    assert all(math.dist(c.place, tuple(library)) <= 400 for c in near.located) and not near.ward_level


def test_a_plan_says_what_it_cannot_do(db):
    found = candidates(db, TODAY, ward_code=BELGRAVE)
    start = End("Belgrave Library", found.located[0].place)
    with pytest.raises(PlanError, match="not listings with a place on the map"):
        make_plan(found, StraightLine(), chosen=["yoga-belgrave"], start=start, end=start)
    with pytest.raises(PlanError, match="not enough for even one stop"):
        make_plan(found, StraightLine(), start=End("Far away", (470000, 290000)), end=None, budget_minutes=10)
    plan = make_plan(found, StraightLine(), start=start, end=start, budget_minutes=90)
    saved = plan.as_saved()
    assert saved["total_minutes"] <= 90 and saved["legs"][0]["from"] == "start" and saved["legs"][-1]["to"] == "end"
    assert {w["asset_id"] for w in saved["ward_level"]} == {c.asset_id for c in found.ward_level}


def test_the_phone_says_the_walking_distance_the_plan_measured(db):
    from app.walks.progress import phone_stops
    from app.walks.walk import load_walk, save_walk

    walk_id = save_walk(db, User(1, "Asha", "connector"), ward_code=BELGRAVE, title="Streets",
                        asset_ids=["belgrave-library", "brandon-street-surgery-le4-6aw"],
                        plan={"legs": [{"from": 1, "to": 2, "metres": 2000, "minutes": 40}]})
    first = phone_stops(db, load_walk(db, walk_id))[0]
    assert "About 40 minutes' walk (2.0 km)" in first["to_next"]  # not the straight line's 9 minutes


# --- The planning pages ---------------------------------------------------------------------------

from test_workspace import ORIGIN, sign_in, token  # noqa: E402

from app import create_app  # noqa: E402
from app.walks.walk import load_walk  # noqa: E402

PLAN = {"scope": "ward", "ward": "belgrave", "start_kind": "listing", "start_listing": "belgrave-library",
        "end_kind": "same", "budget": "90", "per_stop": "5"}


@pytest.fixture
def client(live_db):
    app = create_app({"TESTING": True, "DATABASE": str(live_db), "TILE_URL": "", "SECRET_KEY": "test only",
                      "SESSION_COOKIE_SECURE": False})
    client = app.test_client()
    sign_in(client)
    return client


def test_a_connector_plans_a_walk_changes_its_stops_and_saves_it(client, db):
    form = client.get("/workspace/walks/new").get_data(as_text=True)
    assert 'name="ward"' in form and "Belgrave Library" in form and "Where I am now" in form
    proposal = client.get("/workspace/walks/plan", query_string=PLAN)
    html = proposal.get_data(as_text=True)
    assert proposal.status_code == 200 and "Proposed walk: Belgrave" in html
    assert "Start: Belgrave Library" in html and "End: Belgrave Library" in html
    assert "Somewhere in this ward: ask around" in html and "Yoga" in html
    # Take one stop out by hand.
    fewer = client.get("/workspace/walks/plan", query_string={**PLAN, "chosen": "1",
                                                              "stop": ["belgrave-library", "brandon-street-surgery-le4-6aw"]})
    assert "Dr Gandecha" not in fewer.get_data(as_text=True).split("Add or take out stops")[0]
    saved = client.post("/workspace/walks/plan", data={**PLAN, "stop": ["belgrave-library", "brandon-street-surgery-le4-6aw"],
                                                        "title": "Thursday round", "csrf_token": token(client, "/workspace/walks/new")},
                        headers={"Origin": ORIGIN})
    assert saved.status_code == 303
    walk_id = saved.headers["Location"].rsplit("/", 1)[1]
    walk = load_walk(db, walk_id)
    assert walk.title == "Thursday round" and walk.created_by == "Asha" and walk.budget_minutes == 90
    route = [s.asset_id for s in walk.stops][:2]
    assert set(route) == {"belgrave-library", "brandon-street-surgery-le4-6aw"}
    assert walk.plan["legs"][0]["from"] == "start" and walk.plan["ward_level"]
    page = client.get(f"/workspace/walks/{walk_id}").get_data(as_text=True)
    assert "Thursday round" in page and f"/workspace/walks/{walk_id}/go" in page
    # "Add what I found" opens the walk page's own capture, which works offline (the other needs signal).
    assert f'href="/workspace/walks/{walk_id}/go#capture">Add what I found' in page
    assert f"/workspace/walks/{walk_id}/sheet" in page and f"/workspace/walks/{walk_id}.gpx" in page
    sheet = client.get(f"/workspace/walks/{walk_id}/sheet").get_data(as_text=True)
    assert "Thursday round" in sheet and "<svg" in sheet and "Somewhere in this ward: ask around" in sheet
    gpx = client.get(f"/workspace/walks/{walk_id}.gpx")
    assert gpx.mimetype == "application/gpx+xml" and b"<rte>" in gpx.data


@pytest.mark.parametrize("change,message", [
    ({"ward": "nowhere"}, "Choose a ward."),
    ({"budget": "5"}, "Give the time you have in minutes"),
    ({"start_kind": "postcode", "start_postcode": "CV1 1AA"}, "outside Leicester"),
    ({"start_kind": "postcode", "start_postcode": "not a postcode"}, "does not look like a postcode"),
    ({"start_kind": "here"}, "did not share where it is"),
    ({"start_kind": "listing", "start_listing": "yoga-belgrave"}, "has no place on the map"),
    ({"start_kind": "listing", "start_listing": "no-such-listing"}, "does not exist any more"),
])
def test_bad_planning_input_is_explained_and_nothing_is_saved(client, db, change, message):
    response = client.get("/workspace/walks/plan", query_string={**PLAN, **change})
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert db.execute("select count(*) from walks").fetchone()[0] == 0


def test_a_budget_too_short_and_a_ward_with_nothing_located_say_so(client, db):
    short = client.get("/workspace/walks/plan", query_string={**PLAN, "budget": "10", "per_stop": "15"})
    assert short.status_code == 422 and "not enough for even one stop" in short.get_data(as_text=True)
    db.execute("update assets set location_precision = 'ward', easting = null, northing = null, lat = null, lon = null "
               "where ward_code = ?", [BELGRAVE])
    db.conn.commit()
    empty = client.get("/workspace/walks/plan", query_string={**PLAN, "start_kind": "postcode", "start_postcode": "LE4 6JD"})
    assert empty.status_code == 422 and "no listings with a place on the map" in empty.get_data(as_text=True)
    assert "ask around" in empty.get_data(as_text=True)


def test_a_stop_deleted_before_saving_saves_nothing(client, db):
    set_status(db, User(2, "Ben", "connector"), "brandon-street-surgery-le4-6aw", "deleted")
    response = client.post("/workspace/walks/plan", data={**PLAN, "stop": ["brandon-street-surgery-le4-6aw"],
                                                           "csrf_token": token(client, "/workspace/walks/new")},
                           headers={"Origin": ORIGIN})
    assert response.status_code == 422 and "not listings with a place on the map" in response.get_data(as_text=True)
    assert db.execute("select count(*) from walks").fetchone()[0] == 0
    unknown = client.get("/workspace/walks/no-such-walk")
    assert unknown.status_code == 404 and "No such walk" in unknown.get_data(as_text=True)
