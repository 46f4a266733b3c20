"""Open data: downloads, JSON-LD and the sitemap carry public listings only, with the licence and credits."""
from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from datetime import date

import pytest
import sqlite_utils
from conftest import write_csv

from app import create_app
from app.assets.pipeline import build
from app.assets.record import COLUMNS

BASE = {"category": "group_activity", "source": "poster", "source_date": "2026-11-01"}
ROWS = [
    {**BASE, "id": "chair-yoga", "name": "Chair yoga", "address": "Belgrave Neighbourhood Centre", "postcode": "LE4 5PG",
     "schedule": "2nd Tue 14:00-16:00; not 2026-12-08", "contact_phone": "0116 000 0000", "notes": "Key from Mrs K",
     "description": "Gentle seated exercise </script><script>alert(1)</script>"},
    {**BASE, "id": "knit-at-home", "name": "Knit at home", "address": "12 Example Road", "postcode": "LE4 6AW",
     "private_address": "yes", "schedule": "Thu 10:00-12:00"},
    {**BASE, "id": "refuge-group", "name": "Closed circle", "address": "4 Hidden Lane", "postcode": "LE4 6JD"},
    {**BASE, "id": "ward-walk", "name": "Belgrave walking group", "ward": "Belgrave", "location_precision": "ward"},
    {**BASE, "id": "formula", "name": "=HYPERLINK(\"http://x\")", "postcode": "LE4 6JD"},
]


@pytest.fixture(scope="module")
def client(tmp_path_factory, area):
    tmp = tmp_path_factory.mktemp("opendata")
    report = build(area, tmp / "a.db", write_csv(tmp / "a.csv", ROWS), today=date(2026, 11, 26))
    assert report.rejected == 0
    db = sqlite_utils.Database(tmp / "a.db")
    db.execute("update assets set status = 'hidden' where id = 'refuge-group'")
    db.conn.commit()
    return create_app({"TESTING": True, "DATABASE": str(tmp / "a.db")}).test_client()


def test_the_open_data_page_gives_the_licence_the_credits_and_the_files(client):
    html = client.get("/open-data").get_data(as_text=True)
    assert "Open Government Licence v3.0" in html and "Office for National Statistics" in html
    for href in ("/open-data/listings.csv", "/open-data/listings.geojson", "/calendar.ics"):
        assert f'href="{href}"' in html
    assert "4 listings." in html and "Last updated: 20" in html  # the hidden one is not counted
    assert "/open-data" in client.get("/about").get_data(as_text=True)


def test_an_area_with_no_licence_chosen_says_so(other_area, tmp_path):
    from app.cli import cli
    from click.testing import CliRunner

    db = tmp_path / "t.db"
    assert CliRunner().invoke(cli, ["--area", str(other_area), "build", "--db", str(db)]).exit_code == 0
    html = create_app({"TESTING": True, "DATABASE": str(db)}, area_file=other_area).test_client().get(
        "/open-data").get_data(as_text=True)
    assert "has not chosen a licence for this data yet" in html and "Licence:" not in html


def test_the_csv_is_the_public_listings_in_the_contract_columns(client):
    response = client.get("/open-data/listings.csv")
    assert response.mimetype == "text/csv" and response.headers["Access-Control-Allow-Origin"] == "*"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert list(rows[0]) == list(COLUMNS)  # no connectors' own columns ("notes"), no status
    by_id = {r["id"]: r for r in rows}
    assert set(by_id) == {"chair-yoga", "knit-at-home", "ward-walk", "formula"}
    assert by_id["knit-at-home"]["address"] == "" and by_id["knit-at-home"]["postcode"] == ""
    assert "12 Example Road" not in text and "Key from Mrs K" not in text and "Hidden Lane" not in text
    assert by_id["formula"]["name"].startswith("'=")  # a spreadsheet shows it, never runs it
    assert by_id["chair-yoga"]["schedule"].startswith("2nd Tue 14:00-16:00")


def test_the_geojson_has_a_point_only_where_the_public_page_shows_one(client):
    response = client.get("/open-data/listings.geojson")
    data = json.loads(response.get_data(as_text=True))
    assert response.mimetype == "application/geo+json" and data["licence"] == "Open Government Licence v3.0"
    features = {f["id"]: f for f in data["features"]}
    assert set(features) == {"chair-yoga", "knit-at-home", "ward-walk", "formula"}
    lon, lat = features["chair-yoga"]["geometry"]["coordinates"]
    assert -1.2 < lon < -1.05 and 52.6 < lat < 52.7
    assert features["knit-at-home"]["geometry"] is None and features["ward-walk"]["geometry"] is None
    assert features["chair-yoga"]["properties"]["url"] == "http://localhost/assets/chair-yoga"
    text = json.dumps(data)
    assert "12 Example Road" not in text and "LE4 6AW" not in text and "Key from Mrs K" not in text


def jsonld(html: str) -> dict | None:
    # A data block, never run: the page's script policy does not apply to it, so it needs no nonce.
    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return json.loads(found.group(1)) if found else None


def test_a_listing_page_describes_itself_to_search_engines_with_its_public_details(client):
    event = jsonld(client.get("/assets/chair-yoga").get_data(as_text=True))
    assert event["@type"] == "Event" and event["name"] == "Chair yoga"
    assert event["location"]["address"]["postalCode"] == "LE4 5PG"
    [schedule] = event["eventSchedule"]
    assert schedule["byDay"] == ["https://schema.org/Tuesday"] and schedule["byMonthWeek"] == [2]
    assert (schedule["repeatFrequency"], schedule["startTime"], schedule["endTime"]) == ("P1M", "14:00", "16:00")
    assert schedule["exceptDate"] == ["2026-12-08"] and schedule["scheduleTimezone"] == "Europe/London"
    assert event["organizer"]["telephone"] == "0116 000 0000"
    assert event["description"] == "Gentle seated exercise </script><script>alert(1)</script>"
    assert "<script>alert(1)" not in client.get("/assets/chair-yoga").get_data(as_text=True)
    walk = jsonld(client.get("/assets/ward-walk").get_data(as_text=True))
    assert walk["@type"] == "Place" and "address" not in walk and "geo" not in walk
    assert walk["containedInPlace"]["name"] == "Belgrave ward, Leicester"
    # A home gets nothing at all; a listing with "</script>" in its text cannot break out of the block.
    assert jsonld(client.get("/assets/knit-at-home").get_data(as_text=True)) is None


def test_the_sitemap_lists_public_pages_only(client):
    xml = ET.fromstring(client.get("/sitemap.xml").get_data())
    pages = {loc.text for loc in xml.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")}
    assert {"http://localhost/", "http://localhost/wards/belgrave", "http://localhost/assets/chair-yoga",
            "http://localhost/assets/ward-walk"} <= pages
    assert not any(("knit-at-home" in p or "refuge-group" in p or "/workspace" in p) for p in pages)
    robots = client.get("/robots.txt").get_data(as_text=True)
    assert "Sitemap: http://localhost/sitemap.xml" in robots and "Disallow: /workspace/" in robots


def test_the_command_line_writes_the_same_geojson_as_the_open_data_page(client, tmp_path):
    from click.testing import CliRunner

    from app.cli import cli

    db_path = client.application.config["DATABASE"]
    out = tmp_path / "listings.geojson"
    result = CliRunner().invoke(cli, ["export", "--db", db_path, "--format", "geojson", "--out", str(out),
                                      "--base-url", "http://localhost/"])
    assert result.exit_code == 0, result.output
    assert "Wrote 4 public listings" in result.output
    written, served = json.loads(out.read_text()), json.loads(client.get("/open-data/listings.geojson").get_data())
    assert written["features"] == served["features"] and written["licence"] == served["licence"]
    refused = CliRunner().invoke(cli, ["export", "--db", db_path, "--format", "geojson", "--include-private"])
    assert refused.exit_code == 2 and "is the public file" in refused.output


def test_the_oruk_file_is_the_feed_s_services_and_imports_back(client, tmp_path):
    from click.testing import CliRunner

    from app.cli import cli
    from app.formats.oruk import load_services, service_rows

    response = client.get("/open-data/listings-oruk.json")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    page = json.loads(response.get_data())
    assert page["total_items"] == page["size"] == 4 and page["last_page"] is True
    for service in page["contents"]:
        assert service == json.loads(client.get(f"/openreferral/services/{service['id']}").get_data())
    text = json.dumps(page)
    assert "12 Example Road" not in text and "Hidden Lane" not in text and "Key from Mrs K" not in text
    out = tmp_path / "services.json"
    result = CliRunner().invoke(cli, ["export", "--db", client.application.config["DATABASE"], "--format", "oruk",
                                      "--out", str(out)])
    assert result.exit_code == 0 and "Wrote 4 public listings" in result.output
    assert json.loads(out.read_text())["contents"] == page["contents"]
    rows = service_rows(load_services(out), "file")
    assert {r["name"] for r in rows} == {"Chair yoga", "Knit at home", "Belgrave walking group", "=HYPERLINK(\"http://x\")"}
    assert 'href="/open-data/listings-oruk.json"' in client.get("/open-data").get_data(as_text=True)
