from datetime import date, datetime

import pytest
from conftest import WEEKDAY_CASES, WEEKDAY_TODAY, write_csv

from app import store
from app.assets.pipeline import build
from app.assets.search import Query, facets, is_free, is_stale, list_wards, search, split_list
from app.places.nearby import ward_distances
from app.places.locate import LocateError, from_coordinates, from_postcode, from_ward, suggest_postcode

THURSDAY_9AM = datetime(2026, 11, 26, 9, 0)


@pytest.fixture(scope="module")
def db(tmp_path_factory, area):
    """A small, known set of assets around LE5 5AA (Spinney Hills) and LE4 6JD (Belgrave)."""
    tmp = tmp_path_factory.mktemp("search")
    rows = [
        {"id": "near-lunch", "name": "Lunch club", "category": "group_activity", "postcode": "LE5 5AA",
         "schedule": "Thu 12:00-14:00", "cost": "Free", "languages": "Gujarati; English",
         "accessibility": "Step-free; Hearing loop", "description": "Hot meals and company"},
        {"id": "yoga", "name": "Chair yoga", "category": "group_activity", "postcode": "LE5 5AB",
         "schedule": "Mon 10:00-11:00; 1st Thu 10:00-11:00", "cost": "£2", "accessibility": "Step-free"},
        {"id": "belgrave-library", "name": "Belgrave Library", "category": "library", "postcode": "LE4 6JD",
         "schedule": "Tue-Sat 09:30-17:00", "languages": "Gujarati, Hindi"},
        {"id": "bench", "name": "Listening bench", "category": "listening_bench", "ward": "Spinney Hills",
         "location_precision": "ward", "schedule": "Thu 10:00-12:00"},
        {"id": "far-bench", "name": "Evington bench", "category": "listening_bench", "ward": "Evington",
         "location_precision": "ward"},
    ]
    path = write_csv(tmp / "a.csv", [{**r, "source": "test"} for r in rows])
    build(area, tmp / "a.db", path, today=date(2026, 11, 26))
    return store.connect(tmp / "a.db", readonly=True)


def ids(found):
    return [r.asset["id"] for r in found.results]


def test_nearest_first_with_walking_time(db, area):
    origin = from_postcode(db, "le5 5aa", area)
    found = search(db, Query(origin=origin), THURSDAY_9AM)
    assert ids(found)[:2] == ["near-lunch", "yoga"]
    assert ids(found)[-1] == "belgrave-library"
    first = found.results[0]
    assert first.distance_m == 0 and first.walk_minutes == 1
    ward = search(db, Query(origin=from_ward(db, "spinney-hills"), ward_code="E05010472"), THURSDAY_9AM)
    assert {r.asset["id"] for r in ward.results} == {"near-lunch", "yoga", "bench"}
    assert all(r.distance_m is None for r in ward.results)  # a ward's centre is no one's front door
    library = found.results[-1]
    assert 2000 < library.distance_m < 3000
    assert library.walk_minutes == round(library.distance_m * 1.3 / 50)
    # Known only to the ward: listed separately, never given a fake distance; the resident's own
    # ward first (0 m), then the neighbouring Evington by how far away it starts.
    assert [r.asset["id"] for r in found.ward_only] == ["bench", "far-bench"]
    assert all(r.distance_m is None and r.asset["lat"] is None for r in found.ward_only)
    assert found.ward_only[0].ward_distance_m == 0
    assert 0 < found.ward_only[1].ward_distance_m < 1500


def test_radius(db, area):
    origin = from_postcode(db, "LE5 5AA", area)
    assert ids(search(db, Query(origin=origin, radius_m=500), THURSDAY_9AM)) == ["near-lunch", "yoga"]


@pytest.mark.parametrize("query, expected", [
    (Query(categories=("library",)), ["belgrave-library"]),
    (Query(day=0), ["yoga"]),
    (Query(day=3), ["bench", "yoga", "near-lunch", "belgrave-library"]),
    (Query(day=6), []),
    (Query(on_date=date(2026, 11, 26)), ["bench", "near-lunch", "belgrave-library"]),  # 1st-Thursday yoga was 5 Nov
    (Query(on_date=date(2026, 12, 3)), ["yoga", "bench", "near-lunch", "belgrave-library"]),
    (Query(on_date=date(2026, 11, 30)), ["yoga"]),  # a Monday
    (Query(free=True), ["near-lunch"]),
    (Query(access=("step-free",)), ["yoga", "near-lunch"]),
    (Query(access=("Step-free", "Hearing loop")), ["near-lunch"]),
    (Query(language="gujarati"), ["belgrave-library", "near-lunch"]),
    (Query(language="Hindi", categories=("group_activity",)), []),
    (Query(q="meals"), ["near-lunch"]),
    (Query(q="spinney"), ["bench", "yoga", "near-lunch"]),
])
def test_filters(db, query, expected):
    assert sorted(ids(search(db, query, THURSDAY_9AM))) == sorted(expected)


def test_next_on_uses_the_clock(db):
    found = search(db, Query(q="lunch"), THURSDAY_9AM)
    assert found.results[0].next_on.day == date(2026, 11, 26)
    later = search(db, Query(q="lunch"), datetime(2026, 11, 26, 15, 0))
    assert later.results[0].next_on.day == date(2026, 12, 3)


@pytest.mark.parametrize("text", ['"', "AND", "lunch OR", "NEAR(", "*", "'; drop table assets; --", "<script>"])
def test_hostile_text_is_just_text(db, text):
    search(db, Query(q=text), THURSDAY_9AM)  # never raises


def test_did_you_mean(db):
    found = search(db, Query(q="libary"), THURSDAY_9AM)
    assert not found.results and found.suggestion == "library"
    assert search(db, Query(q="lunch"), THURSDAY_9AM).suggestion is None


def test_facets(db):
    assert facets(db) == {"access": ["Hearing loop", "Step-free"], "languages": ["English", "Gujarati", "Hindi"],
                          "audiences": [], "cost": True, "times": True}


def test_helpers():
    assert split_list("Gujarati; Hindi, English") == ["Gujarati", "Hindi", "English"]
    assert [is_free(c) for c in ("Free", "free entry", "£0", "£2", "", None)] == [True, True, True, False, False, False]
    assert is_stale({"last_verified": ""}, date(2026, 11, 26))
    assert is_stale({"last_verified": "2025-11-25"}, date(2026, 11, 26))
    assert not is_stale({"last_verified": "2025-11-27"}, date(2026, 11, 26))


def test_locate(db, area):
    assert from_postcode(db, " le4 6jd ", area).ward_code == "E05010461"  # Belgrave
    with pytest.raises(LocateError) as elsewhere:
        from_postcode(db, "M1 1AE", area)  # Manchester: outside the area's postcode areas
    assert elsewhere.value.reason == "outside" and elsewhere.value.detail == "Leicester"
    nearby = from_postcode(db, "LE11 3AA", area)  # Loughborough: an LE postcode outside the city
    assert nearby.ward_code is None and nearby.easting and nearby.lat
    with pytest.raises(LocateError) as bad:
        from_postcode(db, "LE5 SAA", area)
    assert bad.value.reason == "malformed" and bad.value.suggestion == "LE5 5AA"
    with pytest.raises(LocateError) as unknown:
        from_postcode(db, "LE5 0XX", area)
    assert unknown.value.reason == "unknown"
    with pytest.raises(LocateError) as nowhere:
        from_postcode(db, "LE11 9AB", area)
    assert nowhere.value.reason == "no_location"
    assert suggest_postcode(db, "LEI 6TT") == "LE1 6TT"  # a letter I typed for the digit 1
    assert suggest_postcode(db, "ZZ9 9ZZ") is None  # nothing of the area is near it
    assert from_coordinates(db, "52.6299", "-1.1082").ward_code == "E05010472"
    with pytest.raises(LocateError):
        from_coordinates(db, "-1.1", "52.6")
    assert from_ward(db, "spinney-hills").label == "Spinney Hills"
    with pytest.raises(LocateError):
        from_ward(db, "narnia")


def test_listings_checked_over_a_year_ago_sink_to_the_end(tmp_path, area):
    rows = [{"id": f"g{i}", "name": f"Group {i}", "category": "group_activity", "postcode": "LE5 5AA",
             "source": "test", "last_verified": verified} for i, verified in
            enumerate(["2025-01-01", "", "2026-10-01", "2024-06-30"])]
    build(area, tmp_path / "s.db", write_csv(tmp_path / "s.csv", rows), today=date(2026, 11, 26))
    db = store.connect(tmp_path / "s.db", readonly=True)
    assert ids(search(db, Query(), THURSDAY_9AM)) == ["g1", "g2", "g0", "g3"]
    near = search(db, Query(origin=from_postcode(db, "LE5 5AA", area)), THURSDAY_9AM)
    assert ids(near) == ["g1", "g2", "g0", "g3"]


@pytest.fixture
def with_private_home(tmp_path, area):
    """Two groups at LE5 5AA, one of them held in someone's home (private address)."""
    rows = [{"id": "cafe", "name": "Pop-in cafe", "category": "cafe", "postcode": "LE5 5AA", "source": "test"},
            {"id": "home-group", "name": "Knit at home", "category": "group_activity", "postcode": "LE5 5AA",
             "source": "test"},
            {"id": "far-home", "name": "Far away home", "category": "group_activity", "postcode": "LE4 6JD",
             "source": "test"}]
    build(area, tmp_path / "p.db", write_csv(tmp_path / "p.csv", rows), today=date(2026, 11, 26))
    db = store.connect(tmp_path / "p.db")
    db.execute("update assets set private_address = 1 where id in ('home-group', 'far-home')")
    db.conn.commit()
    return db


def test_a_private_home_gets_no_distance_and_no_place_in_the_nearest_first_order(with_private_home, area):
    db = with_private_home
    for postcode in ("LE5 5AA", "LE5 5AB", "LE4 6JD"):
        near = search(db, Query(origin=from_postcode(db, postcode, area)), THURSDAY_9AM)
        assert "home-group" not in ids(near) and "far-home" not in ids(near)
        assert all(r.distance_m is None and r.walk_minutes is None for r in near.ward_only)
    spinney = search(db, Query(origin=from_postcode(db, "LE5 5AA", area)), THURSDAY_9AM)
    # With the ward-level listings: its own ward's first, then a nearby ward's, measured to the ward
    # (the same for every listing there), never to the home.
    assert [r.asset["id"] for r in spinney.ward_only] == ["home-group", "far-home"]
    far = spinney.ward_only[1]
    origin = from_postcode(db, "LE5 5AA", area)
    assert far.ward_distance_m == ward_distances(db, origin.easting, origin.northing)[far.asset["ward_code"]]
    assert spinney.ward_only[0].asset["lat"] is None
    # Within a radius or not, a private home is listed (or not) the same way: the radius says nothing.
    tight = search(db, Query(origin=from_postcode(db, "LE5 5AA", area), radius_m=1), THURSDAY_9AM)
    assert [r.asset["id"] for r in tight.ward_only] == ["home-group"]


@pytest.mark.parametrize("status", ["hidden", "closed", "deleted"])
def test_did_you_mean_offers_only_words_of_public_listings(tmp_path, area, status):
    rows = [{"id": "cafe", "name": "Pop-in cafe", "category": "cafe", "postcode": "LE5 5AA", "source": "test"},
            {"id": "safe", "name": "Womens refuge", "category": "advice_support", "ward": "Evington",
             "location_precision": "ward", "description": "Confidential shelter", "source": "test"}]
    build(area, tmp_path / "v.db", write_csv(tmp_path / "v.csv", rows), today=date(2026, 11, 26))
    db = store.connect(tmp_path / "v.db")
    assert search(db, Query(q="refuje"), THURSDAY_9AM).suggestion == "refuge"
    db.execute("update assets set status = ? where id = 'safe'", [status])
    db.execute("update meta set value = cast(value as integer) + 1 where key = 'data_version'")  # as an edit does
    db.conn.commit()
    for typo in ("refuje", "shelteer", "confidental"):
        found = search(db, Query(q=typo), THURSDAY_9AM)
        assert not found.results and found.suggestion is None, typo
    assert search(db, Query(q="cafee"), THURSDAY_9AM).suggestion == "cafe"


@pytest.fixture(scope="module")
def weekday_db(weekday_db_path):
    """One asset for each schedule in WEEKDAY_CASES, at LE4 6JD (Belgrave)."""
    return store.connect(weekday_db_path, readonly=True)


@pytest.mark.parametrize("asset_id, text, weekday, expected", WEEKDAY_CASES)
def test_the_day_filter_means_that_weekday_in_the_weeks_ahead(weekday_db, asset_id, text, weekday, expected):
    found = search(weekday_db, Query(day=weekday), datetime.combine(WEEKDAY_TODAY, datetime.min.time()))
    assert (asset_id in ids(found)) is expected


@pytest.mark.parametrize("moment, expected", [
    (datetime(2026, 11, 26, 9, 0), []),                                   # nothing has started yet
    (datetime(2026, 11, 26, 10, 30), ["bench", "belgrave-library"]),
    (datetime(2026, 11, 26, 12, 0), ["near-lunch", "belgrave-library"]),  # the bench ended at 12
    (datetime(2026, 11, 30, 10, 15), ["yoga"]),                           # Monday
    (datetime(2026, 11, 29, 11, 0), []),                                  # Sunday
])
def test_on_now_counts_only_sessions_going_on_at_that_minute(db, moment, expected):
    assert sorted(ids(search(db, Query(at=moment), moment))) == sorted(expected)


def test_on_now_is_in_the_url_and_the_api(area, built_db):
    from app import create_app

    client = create_app({"TESTING": True, "DATABASE": str(built_db[0]), "TILE_URL": "",
                         "NOW": datetime(2026, 11, 29, 3, 0)}).test_client()  # a Sunday, 3 in the morning
    everything = client.get("/api/assets?limit=500").get_json()["total"]
    assert everything > 0
    assert client.get("/api/assets?now=1&limit=500").get_json()["total"] == 0
    features = client.get("/api/assets.geojson?now=1").get_json()["features"]
    assert features == []
    html = client.get("/?postcode=LE5+5AA&now=1").get_data(as_text=True)
    assert "0 places near LE5 5AA" in html
    assert 'name="now" value="1" checked' in html


def test_ward_level_listings_of_nearby_wards_come_by_distance_to_the_ward(built_db, area):
    """LE4 5AD is in Abbey; Belgrave starts a few hundred metres away and has the groups."""
    db = store.connect(built_db[0], readonly=True)
    origin = from_postcode(db, "LE4 5AD", area)
    assert db.execute("select ward_name from wards where ward_code = ?", [origin.ward_code]).fetchone()[0] == "Abbey"
    found = search(db, Query(origin=origin), THURSDAY_9AM)
    belgrave = db.execute("select ward_code from wards where ward_name = 'Belgrave'").fetchone()[0]
    groups = [r for r in found.ward_only if r.asset["ward_code"] == belgrave]
    assert {r.asset["category"] for r in groups} >= {"group_activity"}
    assert all(r.distance_m is None and r.asset["lat"] is None for r in groups)  # never an invented pin
    assert 0 < groups[0].ward_distance_m < 1000  # Abbey ends, Belgrave starts, a short walk away
    distances = [r.ward_distance_m for r in found.ward_only]
    assert distances == sorted(distances)
    # Wards further than a chosen distance are left out with the listings beyond it.
    assert not [r for r in search(db, Query(origin=origin, radius_m=50), THURSDAY_9AM).ward_only
                if r.asset["ward_code"] == belgrave]


def test_a_search_that_finds_nothing_is_offered_other_days_further_away_and_the_library(db, area):
    from app.assets.alternatives import alternatives

    origin = from_postcode(db, "LE5 5AA", area)
    friday = Query(origin=origin, day=4, categories=("group_activity", "listening_bench"))
    assert not search(db, friday, THURSDAY_9AM).results and not search(db, friday, THURSDAY_9AM).ward_only
    offer = alternatives(db, friday, THURSDAY_9AM)
    # Chair yoga on Mondays (and 1st Thursdays), the lunch club and the Spinney Hills bench on Thursdays.
    assert offer.other_days == ((0, 1), (3, 3))
    assert offer.nearest_library["id"] == "belgrave-library"
    assert offer.empty_filters == ()  # the data has times: the day filter is not empty, just quiet
    near = Query(origin=origin, radius_m=100, categories=("library",))
    assert alternatives(db, near, THURSDAY_9AM).any_distance == 1


def test_filters_with_no_data_behind_them_say_so(tmp_path, area):
    from app.assets.alternatives import alternatives

    path = write_csv(tmp_path / "bare.csv", [{"name": "Coffee morning", "category": "group_activity",
                                               "postcode": "LE5 5AA", "source": "test"}])
    build(area, tmp_path / "bare.db", path, today=date(2026, 11, 26))
    bare = store.connect(tmp_path / "bare.db", readonly=True)
    query = Query(day=3, free=True, language="Urdu", access=("Hearing loop",))
    assert alternatives(bare, query, THURSDAY_9AM).empty_filters == ("day", "free", "language", "access")


@pytest.fixture(scope="module")
def many(tmp_path_factory, area):
    """Two hundred listings at real Leicester postcodes: some private, some ward-only, some stale."""
    import random
    rng = random.Random(3)
    postcodes = ["LE5 5AA", "LE5 5AB", "LE4 6JD", "LE4 5AD", "LE2 0TA", "LE3 0AA", "LE1 5FQ", "LE5 3AA"]
    rows = []
    for i in range(200):
        row = {"id": f"listing-{i}", "name": rng.choice(["Lunch club", "Bench", "Yoga", "Café", "lunch Club"]),
               "category": rng.choice(["group_activity", "cafe", "library", "listening_bench"]),
               "schedule": rng.choice(["Thu 10:00-12:00", "Mon 09:00-10:00", ""]),
               "last_verified": rng.choice(["", "2026-10-01", "2024-01-01"]), "source": "test"}
        if i % 7 == 0:
            row.update(ward=rng.choice(["Spinney Hills", "Belgrave"]), location_precision="ward")
        else:
            row["postcode"] = rng.choice(postcodes)
        if i % 11 == 0:
            row["private_address"] = "yes"
        rows.append(row)
    tmp = tmp_path_factory.mktemp("many")
    build(area, tmp / "m.db", write_csv(tmp / "m.csv", rows), today=date(2026, 11, 26))
    return store.connect(tmp / "m.db", readonly=True)


def _listed(found):
    return ([(r.asset["id"], r.distance_m, r.asset["lat"]) for r in found.results],
            [(r.asset["id"], r.asset["lat"]) for r in found.ward_only])


def test_index_finds_what_the_full_scan_found(many, area):
    import importlib.util
    from pathlib import Path
    spec = importlib.util.spec_from_file_location("bench_search", Path(__file__).parent.parent / "scripts" / "bench_search.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    origin = from_postcode(many, "LE5 5AA", area)
    queries = [Query(), Query(origin=origin), Query(origin=origin, radius_m=800), Query(origin=origin, categories=("cafe",)),
               Query(origin=origin, day=3), Query(q="lunch", origin=origin), Query(q="lunch"), Query(day=0),
               Query(origin=from_ward(many, "belgrave"), ward_code="E05010458"), Query(origin=origin, radius_m=1),
               Query(origin=origin, categories=("cafe", "library"), radius_m=2000),
               Query(origin=from_postcode(many, "LE4 5AD", area), day=3, radius_m=1200),
               Query(origin=origin, at=datetime(2026, 11, 26, 10, 30))]
    for query in queries:
        assert _listed(search(many, query, THURSDAY_9AM)) == _listed(bench.full_scan_search(many, query, THURSDAY_9AM)), query
    near = search(many, Query(origin=origin), THURSDAY_9AM)
    assert len(near.results) > 50 and near.ward_only  # the comparison covered both lists
    # A private listing is never measured, even through the index.
    assert all(r.asset["lat"] is None for r in near.ward_only)


def test_a_search_reads_no_listing_rows_once_indexed(many, area):
    origin = from_postcode(many, "LE4 6JD", area)
    search(many, Query(), THURSDAY_9AM)
    statements = []
    many.conn.set_trace_callback(statements.append)
    try:
        found = search(many, Query(origin=origin, radius_m=1500, categories=("cafe",), day=3), THURSDAY_9AM)
        wards, held = list_wards(many), facets(many)  # on every home page: counted once, not per request
    finally:
        many.conn.set_trace_callback(None)
    assert found.results
    assert sum(w["total"] for w in wards) == len(search(many, Query(), THURSDAY_9AM).results)
    assert held == {"access": [], "languages": [], "audiences": [], "cost": False, "times": True}
    # Only the data's version is read (to know the index is current), not the listings.
    assert not [s for s in statements if "from assets" in s.lower()], statements


def test_a_page_of_results_makes_only_that_page(many, area):
    found = search(many, Query(origin=from_postcode(many, "LE5 5AA", area)), THURSDAY_9AM)
    assert found.results[:3] == tuple(found.results)[:3]
    joined = found.results + found.ward_only
    assert len(joined) == len(found.results) + len(found.ward_only)
    assert joined[len(found.results)] is found.ward_only[0]  # the ward's listings follow, unmeasured
    fresh = search(many, Query(origin=from_postcode(many, "LE2 0TA", area)), THURSDAY_9AM)
    fresh.results[:3]
    assert len(fresh.results._made) == 3  # not one Result per listing


def test_the_ward_list_is_read_once_per_version_of_the_data_and_each_caller_gets_their_own(tmp_path, area):
    rows = [{"id": "cafe", "name": "Pop-in cafe", "category": "cafe", "postcode": "LE5 5AA", "source": "test"}]
    build(area, tmp_path / "w.db", write_csv(tmp_path / "w.csv", rows), today=date(2026, 11, 26))
    db = store.connect(tmp_path / "w.db")
    first = list_wards(db)
    spinney = next(w for w in first if w["slug"] == "spinney-hills")
    assert spinney["counts"] == {"cafe": 1} and spinney["total"] == 1
    spinney["counts"]["cafe"], spinney["total"] = 99, 99  # a caller changing its copy changes no one else's
    statements = []
    db.conn.set_trace_callback(statements.append)
    again = next(w for w in list_wards(db) if w["slug"] == "spinney-hills")
    db.conn.set_trace_callback(None)
    assert again["counts"] == {"cafe": 1} and again["total"] == 1
    assert not [s for s in statements if "from wards" in s.lower()], statements
    db.execute("update assets set status = 'closed' where id = 'cafe'")
    db.execute("update meta set value = cast(value as integer) + 1 where key = 'data_version'")  # as an edit does
    db.conn.commit()
    assert next(w for w in list_wards(db) if w["slug"] == "spinney-hills")["total"] == 0
