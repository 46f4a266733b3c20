"""Seeding the map from OpenStreetMap: a written extract through the import preview, and a real one read."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import shapely
from click.testing import CliRunner

from app import create_app, store
from app.accounts import User
from app.assets.edits import form_values, history, save_asset, workspace_asset
from app.assets.osm import SOURCE, OsmFileError, read_extract, schedule_from_opening_hours
from app.cli import cli

HELSINKI = Path(__file__).parent / "data" / "osm" / "Helsinki.osm.pbf"

# Around Belgrave, Leicester (inside the city), and one place in Coventry (outside it).
EXTRACT = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="test">
  <node id="101" lat="52.6520" lon="-1.1230" version="3" timestamp="2025-06-01T10:00:00Z">
    <tag k="amenity" v="place_of_worship"/><tag k="religion" v="hindu"/><tag k="name" v="Shree Test Mandir"/>
    <tag k="addr:housenumber" v="12"/><tag k="addr:street" v="Test Road"/><tag k="addr:postcode" v="LE4 6AW"/>
    <tag k="opening_hours" v="Mo-Su 07:00-12:00"/><tag k="wheelchair" v="yes"/>
    <tag k="website" v="https://mandir.example.org"/>
  </node>
  <node id="102" lat="52.6490" lon="-1.1200" version="1" timestamp="2024-03-05T10:00:00Z">
    <tag k="amenity" v="cafe"/><tag k="name" v="Corner Café"/><tag k="opening_hours" v="Mo-Fr 08:00-16:00; PH off"/>
  </node>
  <node id="103" lat="52.6500" lon="-1.1210" version="1"><tag k="amenity" v="bench"/></node>
  <node id="104" lat="52.6501" lon="-1.1211" version="1"><tag k="amenity" v="toilets"/><tag k="name" v="Public toilets"/></node>
  <node id="105" lat="52.6502" lon="-1.1212" version="1"><tag k="amenity" v="community_centre"/></node>
  <node id="106" lat="52.4080" lon="-1.5100" version="1"><tag k="amenity" v="cafe"/><tag k="name" v="Coventry Café"/></node>
  <node id="107" lat="52.6510" lon="-1.1220" version="1">
    <tag k="amenity" v="social_facility"/><tag k="social_facility:for" v="senior"/><tag k="name" v="Golden Years Day Centre"/>
  </node>
  <node id="108" lat="52.6511" lon="-1.1221" version="1">
    <tag k="amenity" v="social_facility"/><tag k="social_facility:for" v="homeless"/><tag k="name" v="Night shelter"/>
  </node>
  <node id="201" lat="52.6530" lon="-1.1250" version="1"/>
  <node id="202" lat="52.6530" lon="-1.1230" version="1"/>
  <node id="203" lat="52.6545" lon="-1.1230" version="1"/>
  <node id="204" lat="52.6545" lon="-1.1250" version="1"/>
  <way id="301" version="2" timestamp="2023-09-09T09:00:00Z">
    <nd ref="201"/><nd ref="202"/><nd ref="203"/><nd ref="204"/><nd ref="201"/>
    <tag k="leisure" v="park"/><tag k="name" v="Test Gardens"/>
  </way>
</osm>
"""


@pytest.fixture
def extract(tmp_path):
    path = tmp_path / "county.osm"
    path.write_text(EXTRACT, encoding="utf-8")
    return path


def run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_opening_hours_become_a_schedule_only_when_simple():
    assert schedule_from_opening_hours("Mo-Fr 09:00-12:00,13:00-17:00; Sa 10:00-12:00") == \
        "Mon-Fri 09:00-12:00; Mon-Fri 13:00-17:00; Sat 10:00-12:00"
    assert schedule_from_opening_hours("Mo-Su 07:00-12:00") == "Daily 07:00-12:00"
    for kept_as_written in ("24/7", "Mo-Fr 08:00-16:00; PH off", "Jan-Mar Sa 10:00-12:00", "sunrise-sunset"):
        assert schedule_from_opening_hours(kept_as_written) is None


def test_the_preview_lists_the_places_inside_the_area_and_says_what_was_left_out(live_db, extract):
    result = run("import-osm", str(extract), "--db", str(live_db))
    assert result.exit_code == 0, result.output
    assert "4 places in Leicester to list; 1 outside the area and 1 without a name were left out." in result.output
    assert "Left out 1 tagged amenity=bench" in result.output and "Left out 1 tagged amenity=toilets" in result.output
    assert "new      row 2: osm-n101 (Shree Test Mandir)" in result.output
    assert "osm-w301 (Test Gardens)" in result.output and "Night shelter" not in result.output
    assert "Nothing was written" in result.output
    db = store.connect(live_db)
    assert db.execute("select count(*) from assets where id like 'osm-%'").fetchone()[0] == 0
    db.conn.close()


def test_applied_listings_keep_their_osm_id_tags_and_credit_and_a_second_import_leaves_web_edits_alone(
        live_db, extract, area):
    assert run("import-osm", str(extract), "--db", str(live_db), "--apply").exit_code == 0
    db = store.connect(live_db)
    temple = workspace_asset(db, "osm-n101")
    assert (temple["category"], temple["ward_name"], temple["schedule"]) == ("faith_centre", "Belgrave", "Daily 07:00-12:00")
    assert temple["address"] == "12 Test Road" and temple["postcode"] == "LE4 6AW"
    assert temple["accessibility"] == "Wheelchair accessible" and temple["website"] == "https://mandir.example.org"
    assert temple["description"] == "Place of worship (hindu)." and temple["source"] == SOURCE
    assert temple["source_date"] == "2025-06-01" and json.loads(temple["extra"])["osm_id"] == "node/101"
    cafe = workspace_asset(db, "osm-n102")
    assert cafe["schedule"] in (None, "") and "Mo-Fr 08:00-16:00; PH off" in cafe["description"]
    park = workspace_asset(db, "osm-w301")
    assert park["category"] == "park" and 52.653 < park["lat"] < 52.6545 and -1.125 < park["lon"] < -1.123
    assert workspace_asset(db, "osm-n107")["category"] == "community_centre"
    assert history(db, "osm-n101")[0]["user_name"] == "OpenStreetMap import"

    # A connector corrects the café on the web; the next extract's import does not undo it.
    save_asset(db, area, User(1, "Asha", "connector"), {**form_values(cafe), "schedule": "Mon-Fri 08:00-15:00"},
               "osm-n102", cafe["version"], "rang them")
    db.conn.close()
    newer = extract.read_text().replace('v="Corner Café"', 'v="Corner Cafe and Bakery"')
    extract.write_text(newer)
    again = run("import-osm", str(extract), "--db", str(live_db), "--apply")
    assert "left alone" in again.output and "0 new" in again.output
    db = store.connect(live_db)
    assert workspace_asset(db, "osm-n102")["schedule"] == "Mon-Fri 08:00-15:00"
    assert workspace_asset(db, "osm-n102")["name"] == "Corner Café"
    db.conn.close()

    # Residents see the credit the ODbL asks for wherever the listing is shown.
    client = create_app({"TESTING": True, "DATABASE": str(live_db)}).test_client()
    assert "© OpenStreetMap contributors, ODbL" in client.get("/assets/osm-n101").get_data(as_text=True)
    for page in ("/about", "/open-data"):
        assert 'href="https://www.openstreetmap.org/copyright">© OpenStreetMap contributors</a>' in \
            client.get(page).get_data(as_text=True)


def test_no_openstreetmap_credit_where_no_listing_came_from_it(client):
    assert "Open Database License" not in client.get("/about").get_data(as_text=True)  # (map tiles have their own credit)


def test_a_file_that_is_not_an_extract_is_refused_clearly(live_db, tmp_path):
    bad = tmp_path / "notes.osm"
    bad.write_text("this is not OpenStreetMap data")
    result = CliRunner().invoke(cli, ["import-osm", str(bad), "--db", str(live_db)])
    assert result.exit_code == 1 and "could not be read as an OpenStreetMap extract" in result.output
    with pytest.raises(OsmFileError):
        read_extract(tmp_path / "missing.osm.pbf", shapely.box(0, 0, 1, 1))


def test_a_real_extract_is_read_with_its_real_tagging():
    found = read_extract(HELSINKI, shapely.box(24.90, 60.15, 24.99, 60.19))
    by_category = {}
    for row in found.rows:
        by_category.setdefault(row["category"], []).append(row)
    assert len(by_category["cafe"]) > 50 and by_category["park"]
    assert found.left_out["amenity=bench"] > 100  # benches are not listening benches
    assert found.unnamed > 0
    for row in found.rows:
        assert row["id"].startswith(("osm-n", "osm-w", "osm-r")) and row["source"] == SOURCE
        assert 24.93 < float(row["lon"]) < 24.96 and 60.16 < float(row["lat"]) < 60.18
    parks = {r["name"]: r for r in by_category["park"]}
    assert all(r["osm_id"].startswith(("way/", "relation/")) for r in parks.values())
    # Only a corner of the extract: everything else is outside and counted so.
    corner = read_extract(HELSINKI, shapely.box(24.935, 60.164, 24.944, 60.171))
    assert 0 < len(corner.rows) < len(found.rows) and corner.outside == len(found.rows) - len(corner.rows)
