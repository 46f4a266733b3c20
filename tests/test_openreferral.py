"""The Open Referral UK 3.0 feed, checked as the official validator checks one, and read back by import-oruk."""
from __future__ import annotations

import json
import shutil
import socket
import sqlite3
import threading
import urllib.parse
from datetime import date, datetime
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner
from conftest import write_csv
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource
from referencing.jsonschema import DRAFT202012
from werkzeug.serving import make_server

from app import create_app
from app.assets.pipeline import build
from app.cli import cli
from app.formats import oruk

TODAY = date(2026, 11, 26)
STANDARD = Path(oruk.STANDARD_DIR)
# Where the UK profile's files say they live; their $refs name these addresses, resolved here from the copies.
PUBLISHED = "https://raw.githubusercontent.com/openreferral/uk-profile/main/schema/"
OPENAPI_URI = "urn:oruk:openapi30.json"
PER_PAGE = 4  # several pages of every list but the one taxonomy (9 terms, ~100 listings)

# Listings with everything the feed carries; phone numbers are from Ofcom's range kept for drama.
RICH = [
    {"id": "tuesday-club", "name": "Tuesday friendship club", "category": "group_activity",
     "address": "Belgrave Neighbourhood Centre, Rothley Street, Leicester", "postcode": "LE4 6JD",
     "schedule": "Tue 10:00-12:00; 2nd Sat 14:00-16:00 not 2026-12-12", "contact_phone": "0116 496 0123",
     "contact_email": "club@example.org", "website": "https://example.org/club", "cost": "Free",
     "languages": "Gujarati; English", "accessibility": "Step-free access; Hearing loop",
     "description": "Tea, a chat & games", "source": "poster", "last_verified": "2026-10-01"},
    {"id": "fortnightly-walk", "name": "Fortnightly health walk", "category": "group_activity", "ward": "Belgrave",
     "location_precision": "ward", "schedule": "Every other Thu 10:00-11:30 from 2026-10-01", "cost": "£2",
     "source": "poster"},
    {"id": "last-friday", "name": "Last Friday supper", "category": "faith_centre",
     "address": "Shree Sanatan Mandir, Weymouth Street, Leicester", "postcode": "LE4 6FP",
     "schedule": "Last Fri 18:00-20:00", "source": "poster"},
    {"id": "fifteenth", "name": "Fifteenth advice surgery", "category": "advice_support",
     "address": "Evington Library, Evington Lane, Leicester", "postcode": "LE5 6DH",
     "schedule": "15th of the month 10:00-11:00", "contact_phone": "0116 496 0456", "source": "poster"},
    {"id": "daily-cafe", "name": "Early bird café", "category": "cafe",
     "address": "Spinney Hill Park, Mere Road, Leicester", "postcode": "LE5 3HW",
     "schedule": "Daily 08:00-09:00", "source": "poster"},
    {"id": "weekday-centre", "name": "Weekday drop-in centre", "category": "community_centre",
     "address": "Thurncourt Road, Leicester", "postcode": "LE5 2NG",
     "schedule": "Mon-Fri 09:00-17:00 until 2027-06-30", "source": "poster"},
    {"id": "home-circle", "name": "Home knitting circle", "category": "group_activity",
     "address": "12 Secret Road, Leicester", "postcode": "LE4 6JD", "private_address": "1",
     "schedule": "Wed 14:00-16:00", "source": "poster"},
    {"id": "quiet-refuge", "name": "Quiet refuge", "category": "advice_support",
     "address": "Hidden House, Leicester", "postcode": "LE4 6JD", "source": "poster"},
]


@pytest.fixture(scope="module")
def feed_db(tmp_path_factory, area, source_rows):
    tmp = tmp_path_factory.mktemp("oruk")
    rows = [{k: v for k, v in row.items() if k != "notes"} for row in source_rows] + RICH
    path = write_csv(tmp / "assets.csv", rows)
    report = build(area, tmp / "feed.db", path, today=TODAY)
    assert report.rejected == 0
    with sqlite3.connect(tmp / "feed.db") as conn:
        conn.execute("update assets set status = 'hidden' where id = 'quiet-refuge'")
        conn.execute("update assets set status = 'temporarily_closed' where id = 'daily-cafe'")
    return tmp / "feed.db"


def make_app(db_path):
    return create_app({"TESTING": True, "DATABASE": str(db_path), "NOW": datetime(2026, 11, 26, 9, 0),
                       "SERVER_NAME": "feed.test"})


@pytest.fixture(scope="module")
def client(feed_db):
    return make_app(feed_db).test_client()


# --- The validator ---------------------------------------------------------------------------

def _no_network(uri: str):
    raise NoSuchResource(ref=uri)  # every schema is in the repository; nothing is fetched


@pytest.fixture(scope="module")
def registry():
    resources = []
    for path in sorted((STANDARD / "schema").rglob("*.json")):
        uri = PUBLISHED + path.relative_to(STANDARD / "schema").as_posix()
        resources.append((uri, Resource.from_contents(json.loads(path.read_text()), default_specification=DRAFT202012)))
    openapi = json.loads((STANDARD / "openapi30.json").read_text())
    resources.append((OPENAPI_URI, Resource.from_contents(openapi, default_specification=DRAFT202012)))
    return Registry(retrieve=_no_network).with_resources(resources)


@pytest.fixture(scope="module")
def openapi():
    return json.loads((STANDARD / "openapi30.json").read_text())


def _pointer(*parts: str) -> str:
    return "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


def validator(registry, path: str):
    """A validator for the 200 answer of GET `path`, exactly as openapi30.json gives it, formats checked."""
    ref = f"{OPENAPI_URI}#/" + _pointer("paths", path, "get", "responses", "200", "content", "application/json", "schema")
    return jsonschema.Draft202012Validator({"$ref": ref}, registry=registry,
                                           format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def no_empty_values(data, where="$"):
    """Optional fields with no value are left out: no null, "" or empty list or object anywhere."""
    if isinstance(data, dict):
        for key, value in data.items():
            assert value not in (None, "", [], {}), f"{where}.{key} is {value!r}"
            no_empty_values(value, f"{where}.{key}")
    elif isinstance(data, list):
        for i, value in enumerate(data):
            no_empty_values(value, f"{where}[{i}]")


def check(client, registry, schema_path: str, url: str):
    response = client.get(url)
    assert response.status_code == 200, (url, response.get_data(as_text=True))
    assert response.mimetype == "application/json"
    data = response.get_json()
    errors = sorted(validator(registry, schema_path).iter_errors(data), key=lambda e: list(e.path))
    assert not errors, f"{url}: " + "; ".join(f"{list(e.path)}: {e.message}" for e in errors[:5])
    no_empty_values(data)
    return data


def test_the_validator_checks_uuids(registry):
    """A non-UUID id fails: the format checker really checks 'uuid'."""
    check_it = validator(registry, "/taxonomies/{id}")
    good = {"id": "84a92a4a-f616-5baa-bdee-1dcb91852046", "name": "A", "description": "B"}
    assert not list(check_it.iter_errors(good))
    assert list(check_it.iter_errors({**good, "id": "group-activity"}))
    assert list(check_it.iter_errors({**good, "id": "84a92a4a-f616-5baa-bdee-1dcb9185204"}))


def test_every_path_every_page_validates(client, registry, openapi):
    """Walk every path of openapi30.json: the first, a middle and the last page of each list, and each item."""
    paths = set(openapi["paths"])
    assert len(paths) == 9
    root = check(client, registry, "/", "/openreferral/")
    assert root["version"] == "HSDS-UK-3.0"
    assert client.get(urllib.parse.urlsplit(root["openapi_url"]).path).get_json() == openapi
    walked = {"/"}
    for path in sorted(p for p in paths if p != "/" and "{" not in p):
        item_path = f"{path}/{{id}}"
        assert item_path in paths
        first = check(client, registry, path, f"/openreferral{path}?per_page={PER_PAGE}")
        total_pages = first["total_pages"]
        if path in ("/services", "/service_at_locations", "/taxonomy_terms"):
            assert total_pages >= 3, path  # there is a middle page to ask for
        pages = sorted({1, (total_pages + 1) // 2, total_pages})
        seen = []
        for number in pages:
            page = check(client, registry, path, f"/openreferral{path}?per_page={PER_PAGE}&page={number}")
            assert set(page) >= {"total_items", "total_pages", "page_number", "size", "first_page", "last_page",
                                 "empty", "contents"}
            assert (page["page_number"], page["first_page"], page["last_page"]) == (
                number, number == 1, number == total_pages)
            assert page["size"] == len(page["contents"]) and not page["empty"]
            assert page["total_items"] == first["total_items"]
            expected = PER_PAGE if number < total_pages else first["total_items"] - PER_PAGE * (total_pages - 1)
            assert page["size"] == expected
            seen += page["contents"]
        for item in seen:
            check(client, registry, item_path, f"/openreferral{path}/{item['id']}")
        walked |= {path, item_path}
    assert walked == paths


def test_every_listing_validates_as_a_full_service(client, registry):
    """Every public listing, rich or bare, is a valid fully nested service."""
    page = client.get("/openreferral/services?per_page=200").get_json()
    assert page["total_pages"] == 1
    for item in page["contents"]:
        check(client, registry, "/services/{id}", f"/openreferral/services/{item['id']}")


def test_ids_are_the_same_on_every_rebuild(client, feed_db, tmp_path, area):
    again = tmp_path / "again.db"
    build(area, again, Path(feed_db).parent / "assets.csv", today=TODAY)
    with sqlite3.connect(again) as conn:
        conn.execute("update assets set status = 'hidden' where id = 'quiet-refuge'")
    other = make_app(again).test_client()
    for path in ("services", "service_at_locations", "taxonomy_terms", "taxonomies"):
        ids = [i["id"] for i in client.get(f"/openreferral/{path}?per_page=200").get_json()["contents"]]
        assert ids == [i["id"] for i in other.get(f"/openreferral/{path}?per_page=200").get_json()["contents"]]
        assert len(set(ids)) == len(ids)


def service_named(client, name: str) -> dict:
    page = client.get("/openreferral/services", query_string={"search": name, "per_page": 200}).get_json()
    found = [s for s in page["contents"] if s["name"] == name]
    assert len(found) == 1, name
    return client.get(f"/openreferral/services/{found[0]['id']}").get_json()


def test_schedules_as_hsds_recurrence(client):
    club = service_named(client, "Tuesday friendship club")
    fields = [{k: v for k, v in s.items() if k not in ("id", "service_id", "description")} for s in club["schedules"]]
    assert fields == [{"freq": "WEEKLY", "interval": 1, "byday": "TU", "opens_at": "10:00", "closes_at": "12:00"},
                      {"freq": "MONTHLY", "interval": 1, "byday": "2SA", "opens_at": "14:00", "closes_at": "16:00"}]
    assert "not 2026-12-12" in club["schedules"][1]["description"]  # closures: no HSDS field, said in words
    walk = service_named(client, "Fortnightly health walk")["schedules"][0]
    assert (walk["freq"], walk["interval"], walk["byday"], walk["valid_from"]) == ("WEEKLY", 2, "TH", "2026-10-01")
    assert service_named(client, "Last Friday supper")["schedules"][0]["byday"] == "-1FR"
    fifteenth = service_named(client, "Fifteenth advice surgery")["schedules"][0]
    assert (fifteenth["freq"], fifteenth["bymonthday"]) == ("MONTHLY", "15")
    assert "byday" not in fifteenth
    cafe = service_named(client, "Early bird café")["schedules"][0]
    assert (cafe["freq"], cafe["byday"]) == ("WEEKLY", "MO,TU,WE,TH,FR,SA,SU")
    centre = service_named(client, "Weekday drop-in centre")["schedules"][0]
    assert (centre["byday"], centre["valid_to"]) == ("MO,TU,WE,TH,FR", "2027-06-30")


def test_places_of_each_field(client, area):
    club = service_named(client, "Tuesday friendship club")
    assert service_named(client, "Early bird café")["status"] == "temporarily closed"
    assert (club["status"], club["url"], club["email"], club["assured_date"]) == (
        "active", "https://example.org/club", "club@example.org", "2026-10-01")
    assert [lang["name"] for lang in club["languages"]] == ["Gujarati", "English"]
    assert club["cost_options"][0]["amount_description"] == "Free" and club["cost_options"][0]["amount"] == 0
    assert club["contacts"][0]["phones"][0]["number"] == "0116 496 0123"
    place = club["service_at_locations"][0]["location"]
    assert [a["description"] for a in place["accessibility"]] == ["Step-free access", "Hearing loop"]
    assert place["addresses"][0] | {"id": None, "location_id": None} == {
        "id": None, "location_id": None, "address_1": "Belgrave Neighbourhood Centre, Rothley Street",
        "city": "Leicester", "state_province": "Leicester", "postal_code": "LE4 6JD", "country": "GB",
        "address_type": "physical"}
    assert club["service_areas"][0]["name"] == "Belgrave"
    term = club["attributes"][0]["taxonomy_term"]
    assert term["term"] == "group_activity"
    assert term["taxonomy_id"] == oruk.taxonomy(area)["id"]
    walk = service_named(client, "Fortnightly health walk")
    walk_place = walk["service_at_locations"][0]["location"]
    assert "latitude" not in walk_place and "addresses" not in walk_place  # known to its ward only: no point
    assert walk["cost_options"][0]["amount_description"] == "£2" and "amount" not in walk["cost_options"][0]


def whole_feed(client) -> str:
    texts = []
    for path in ("services", "service_at_locations"):
        for item in client.get(f"/openreferral/{path}?per_page=200").get_json()["contents"]:
            texts.append(client.get(f"/openreferral/{path}/{item['id']}").get_data(as_text=True))
        texts.append(client.get(f"/openreferral/{path}?per_page=200").get_data(as_text=True))
    return "\n".join(texts)


def test_private_addresses_and_hidden_listings_never_appear(client, area):
    text = whole_feed(client)
    assert "Secret Road" not in text and "Quiet refuge" not in text and "Hidden House" not in text
    home = service_named(client, "Home knitting circle")
    place = home["service_at_locations"][0]["location"]
    assert place["name"] == "Belgrave ward" and "latitude" not in place and "addresses" not in place
    ns = oruk.namespace(area)
    hidden = client.get(f"/openreferral/services/{oruk.make_id(ns, 'service', 'quiet-refuge')}")
    assert hidden.status_code == 404 and hidden.get_json()["error"]
    # Near a postcode it is listed with its ward, after every listing with a place: never ranked by its distance.
    near = client.get("/openreferral/service_at_locations?postcode=LE4 6JD&proximity=50&per_page=200").get_json()
    placed = ["latitude" in s["location"] for s in near["contents"]]
    assert placed == sorted(placed, reverse=True) and any(placed)
    home_at = [s["service"]["name"] for s in near["contents"]].index("Home knitting circle")
    assert not placed[home_at]


def names(client, path, **args) -> list[str]:
    response = client.get(f"/openreferral/{path}", query_string={"per_page": 200, **args})
    assert response.status_code == 200, response.get_json()
    return [item.get("name") or item["service"]["name"] for item in response.get_json()["contents"]]


def test_filters_combine(client, area):
    terms = {t["term"]: t["id"] for t in oruk.taxonomy_terms(area)}
    assert names(client, "services", search="friendship") == ["Tuesday friendship club"]
    cafes = names(client, "services", taxonomy_term_id=terms["cafe"])
    assert "Early bird café" in cafes and "Tuesday friendship club" not in cafes
    tuesday = names(client, "services", day="TU")
    assert {"Tuesday friendship club", "Early bird café", "Weekday drop-in centre"} <= set(tuesday)
    assert "Fortnightly health walk" not in tuesday and "Home knitting circle" not in tuesday
    assert set(names(client, "services", day="Tuesday")) == set(tuesday)
    assert names(client, "services", day="TU", taxonomy_term_id=terms["group_activity"]) == ["Tuesday friendship club"]
    # The 15th of the month falls on a Tuesday soon (15 December): "day" asks about real dates, as residents' search does.
    assert set(names(client, "services", day="TU", start_time="09:30", end_time="12:00")) == {
        "Tuesday friendship club", "Fifteenth advice surgery"}
    assert names(client, "services", day="TU", start_time="10:30", end_time="12:00") == []
    assert "Weekday drop-in centre" in names(client, "services", start_time="09:00", end_time="17:00")
    assert "Early bird café" not in names(client, "services", start_time="09:00")
    near = names(client, "service_at_locations", postcode="LE4 6JD", proximity="300")
    assert "Tuesday friendship club" in near and "Early bird café" not in near
    farther = names(client, "service_at_locations", postcode="LE4 6JD", proximity="20000")
    assert set(near) < set(farther)
    assert names(client, "service_at_locations", postcode="le46jd", proximity="300",
                 taxonomy_term_id=terms["cafe"]) == []
    # A term or taxonomy of some other directory: none of ours has it.
    assert names(client, "services", taxonomy_term_id="00000000-0000-4000-8000-000000000000") == []
    assert names(client, "services", taxonomy_id="00000000-0000-4000-8000-000000000000") == []
    assert len(names(client, "services", taxonomy_id=oruk.taxonomy(area)["id"])) == len(names(client, "services"))


@pytest.mark.parametrize("query, word", [
    ("page=0", "page"), ("page=two", "page"), ("per_page=0", "per_page"), ("per_page=201", "per_page"),
    ("day=Funday", "day"), ("start_time=25:00", "start_time"), ("end_time=noon", "end_time"),
    ("taxonomy_term_id=cafe", "taxonomy_term_id"), ("taxonomy_id=1", "taxonomy_id"), ("minimum_age=old", "minimum_age"),
    ("search=" + "x" * 300, "search"),
])
def test_bad_values_get_a_json_400(client, query, word):
    for path in ("services", "service_at_locations"):
        response = client.get(f"/openreferral/{path}?{query}")
        assert response.status_code == 400 and word in response.get_json()["error"], (path, query)
        assert response.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("query, word", [
    ("proximity=300", "proximity"), ("postcode=XYZ&proximity=300", "postcode"),
    ("postcode=LE4 6JD&proximity=far", "proximity"), ("postcode=LE4 6JD&proximity=-5", "proximity"),
    ("postcode=SW1A 1AA", "postcode"),
])
def test_bad_places_get_a_json_400(client, query, word):
    response = client.get(f"/openreferral/service_at_locations?{query}")
    assert response.status_code == 400 and word in response.get_json()["error"]
    assert client.get(f"/openreferral/services?{query}").status_code == 400


def test_unknown_ids_get_a_json_404(client):
    for path in ("services", "service_at_locations", "taxonomies", "taxonomy_terms"):
        for item_id in ("00000000-0000-4000-8000-000000000000", "not-a-uuid", "%3Cscript%3E"):
            response = client.get(f"/openreferral/{path}/{item_id}")
            assert response.status_code == 404 and response.mimetype == "application/json"
            assert "<script>" not in response.get_data(as_text=True)


def test_a_page_past_the_end_is_empty(client):
    page = client.get("/openreferral/services?page=999").get_json()
    assert (page["empty"], page["size"], page["contents"], page["last_page"]) == (True, 0, [], True)


def test_only_the_feed_is_open_to_other_sites(client):
    assert client.get("/openreferral/services").headers["Access-Control-Allow-Origin"] == "*"
    assert client.get("/openreferral/").headers["Access-Control-Allow-Origin"] == "*"
    for url in ("/", "/api/assets", "/api/wards"):
        assert "Access-Control-Allow-Origin" not in client.get(url).headers, url


def test_an_oversized_query_gets_json(client):
    response = client.get("/openreferral/services?search=" + "a" * 5000)
    assert response.status_code == 400 and response.get_json()["error"]


# --- The round trip: our feed, served over HTTP, into an empty database ---------------------

@pytest.fixture
def served(feed_db):
    server = make_server("127.0.0.1", 0, create_app({"TESTING": True, "DATABASE": str(feed_db),
                                                      "NOW": datetime(2026, 11, 26, 9, 0)}), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/openreferral/"
    server.shutdown()


@pytest.fixture(scope="module")
def empty_template(tmp_path_factory, area):
    """A database with the wards and postcodes but no listings (a build needs one row: it is then deleted)."""
    tmp = tmp_path_factory.mktemp("empty")
    path = tmp / "empty.db"
    build(area, path, write_csv(tmp / "one.csv", [{"name": "Placeholder", "category": "park", "ward": "Belgrave",
                                                   "source": "test"}]), today=TODAY)
    with sqlite3.connect(path) as conn:
        conn.execute("delete from assets")
    return path


@pytest.fixture
def empty_db(empty_template, tmp_path):
    return Path(shutil.copy(empty_template, tmp_path / "empty.db"))


COMPARED = ("name", "category", "address", "postcode", "ward_name", "location_precision", "schedule", "contact_phone",
            "contact_email", "website", "cost", "languages", "accessibility", "description", "status", "last_verified")


def listings(db_path, where: str = "") -> dict[str, tuple]:
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute(f"select {', '.join(COMPARED)} from assets "
                            f"where status in ('open', 'temporarily_closed') {where}").fetchall()
    return {row[0]: row for row in rows}


def test_round_trip_through_import_oruk(served, feed_db, empty_db):
    runner = CliRunner()
    preview = runner.invoke(cli, ["import-oruk", served, "--db", str(empty_db)])
    assert preview.exit_code == 0, preview.output
    public = listings(feed_db, "and private_address = 0")
    assert f"{len(public) + 1} new, 0 changed" in preview.output  # and the private one, known to its ward
    assert listings(empty_db) == {}  # a preview writes nothing
    applied = runner.invoke(cli, ["import-oruk", served, "--db", str(empty_db), "--apply"])
    assert applied.exit_code == 0, applied.output
    back = listings(empty_db)
    assert back["Early bird café"][-2] == "temporarily_closed"
    for name, row in public.items():
        assert back[name] == row, name
    home = back["Home knitting circle"]
    assert (home[2] or None, home[3], home[4], home[5]) == (None, None, "Belgrave", "ward")
    assert "Quiet refuge" not in back
    again = runner.invoke(cli, ["import-oruk", served, "--db", str(empty_db)])
    assert f"0 new, 0 changed (0 would overwrite a web edit), {len(public) + 1} unchanged, 0 rejected" in again.output


def test_import_of_a_file_from_another_directory(tmp_path, empty_db):
    """Another council's terms are not our categories: the preview rejects the row and says why."""
    feed = {"contents": [
        {"id": "3c015b61-217c-5524-98f6-cad85d2c4f23", "name": "Chess club", "status": "active",
         "attributes": [{"id": "6d951c05-4f37-58f1-b485-11f84fc95650", "taxonomy_term": {
             "id": "84a92a4a-f616-5baa-bdee-1dcb91852046", "name": "Board games", "description": "x"}}],
         "service_at_locations": [{"id": "ee4c4415-ccef-57ff-9b8b-97f43f865db1", "location": {
             "id": "22bef775-318a-5b7d-9867-b51a42b2749f", "location_type": "physical", "addresses": [{
                 "address_1": "Belgrave Library, Cossington Street", "city": "Leicester", "postal_code": "LE4 6JD",
                 "state_province": "Leicester", "country": "GB", "address_type": "physical"}]}}],
         "schedules": [{"id": "780e78bf-24e8-558c-ba10-3dd554076b76", "freq": "WEEKLY", "byday": "MO",
                        "opens_at": "18:00", "closes_at": "20:00"}]},
        {"id": "6651305d-ef93-543b-94e3-27f07ad4448b", "name": "Library coffee morning", "status": "active",
         "attributes": [{"id": "3a3b79dc-706e-5420-ace0-0809894a302b", "taxonomy_term": {
             "id": "3b146b8d-f9d4-533a-8246-229922bb17ae", "name": "Library", "description": "x"}}],
         "service_areas": [{"id": "427049e2-bcff-55ae-8282-bf95aee5f519", "name": "Belgrave"}]},
    ]}
    path = tmp_path / "feed.json"
    path.write_text(json.dumps(feed))
    result = CliRunner().invoke(cli, ["import-oruk", str(path), "--db", str(empty_db), "--apply"])
    assert result.exit_code == 0, result.output
    assert "'Board games' is not a category we know" in result.output
    assert "1 new, 0 changed (0 would overwrite a web edit), 0 unchanged, 1 rejected" in result.output
    assert list(listings(empty_db)) == ["Library coffee morning"]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("source, message", [
    ("http://127.0.0.1:{port}/openreferral/", "could not reach"),
    ("ftp://example.org/feed", "is not an http"),
    ("{missing}", "could not read"),
    ("{not_json}", "is not JSON"),
    ("{list_of_numbers}", "neither a service"),
    ("{bad_schedule}", "byday 'XX'"),
    ("{bad_shape}", "service 1 (Y) is not in the ORUK 3.0 shape"),
])
def test_import_errors_are_clear_and_write_nothing(tmp_path, empty_db, source, message):
    (tmp_path / "not.json").write_text("{oops")
    (tmp_path / "numbers.json").write_text("[1, 2]")
    (tmp_path / "bad.json").write_text(json.dumps({"name": "X", "schedules": [{"freq": "WEEKLY", "byday": "XX"}]}))
    (tmp_path / "shape.json").write_text(json.dumps([{"name": "Y", "cost_options": [{"amount": "lots"}]}]))
    source = source.format(port=_closed_port(), missing=tmp_path / "nothing.json", not_json=tmp_path / "not.json",
                           list_of_numbers=tmp_path / "numbers.json", bad_schedule=tmp_path / "bad.json",
                           bad_shape=tmp_path / "shape.json")
    result = CliRunner().invoke(cli, ["import-oruk", source, "--db", str(empty_db), "--apply"])
    assert result.exit_code == 1 and message in result.output and "Nothing was imported" in result.output
    assert "Traceback" not in result.output
    assert listings(empty_db) == {}


def test_import_of_a_page_that_is_not_a_feed(served, empty_db):
    result = CliRunner().invoke(cli, ["import-oruk", served.replace("/openreferral/", "/api/wards"), "--db",
                                      str(empty_db)])
    assert result.exit_code == 1 and "not the base of an Open Referral feed" in result.output
    missing = CliRunner().invoke(cli, ["import-oruk", served + "nothing/services", "--db", str(empty_db)])
    assert missing.exit_code == 1 and "answered 404" in missing.output


def test_answers_are_revalidated_not_kept(client):
    """As the API's: a cache must ask before reusing an answer (a listing may turn private), a cheap 304."""
    first = client.get("/openreferral/services?per_page=3")
    assert first.cache_control.no_cache and first.headers["ETag"]
    again = client.get("/openreferral/services?per_page=3", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
