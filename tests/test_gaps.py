"""Where are the gaps? A grid worked out by hand, the real city's figures, the CLI, the page and downloads."""
from __future__ import annotations

import csv
import io
import json
import math
import re
import shutil

import geopandas as gpd
import numpy as np
import pytest
import shapely
from click.testing import CliRunner
from test_workspace import sign_in

from app import create_app, store
from app.assets.search import walking_minutes
from app.cli import cli
from app.config import ConfigError, GapsSettings, load_area
from app.gaps import measure
from app.gaps.areas import build_neighbourhoods, neighbourhoods
from app.gaps.measure import ANY, Listings, gaps, nearest_metres, postcode_minutes, summarise, walking_minutes_of

# --- A synthetic grid, worked out by hand -------------------------------------------------------
# Two LSOAs side by side, each 1000 m square (EPSG:27700): West (x 0-1000) and East (x 1000-2000).
# West: 100 people aged 60+, postcodes W1 (100, 500) and W2 (900, 500) -> 50 each.
# East: 300 people aged 60+, postcodes E1 (1100, 500), E2 (1500, 500), E3 (1900, 500) -> 100 each.
# Listings: a café at (100, 100); a library at (1100, 900); a GP practice at (1900, 500).
# Minutes = straight metres x 1.3 / 50, rounded:
#   W1: café 400 m -> 10.4 -> 10;  library 1000*sqrt(1+0.16)=1077.0 m -> 28.0 -> 28
#   W2: café 800*sqrt(1+0.25)=894.4 m -> 23.3 -> 23; library 447.2 m -> 11.6 -> 12
#   E1: café 1000*sqrt(1+0.16)=1077.0 m -> 28; library 400 m -> 10.4 -> 10
#   E2: library 565.7 m -> 14.7 -> 15;  E3: library 894.4 m -> 23
#   GP: W1 1800 m -> 47, W2 1000 m -> 26, E1 800 m -> 21, E2 400 m -> 10, E3 0 m -> 1 (at least a minute)
# Any activity (café or library, never the GP): W1 10, W2 12, E1 10, E2 15, E3 23.
# Far (> 10 minutes) from any activity: W2 (50) in West; E2 + E3 (200) in East.
# Shares: West 50/100 = 0.5, East 200/300 = 2/3.
E0, N0 = 450000, 300000


def grid_places(deciles=(1, 5)):
    boundaries = gpd.GeoDataFrame(
        {"LSOA21CD": ["E01000002", "E01000001"], "LSOA21NM": ["Test 001B", "Test 001A"],
         "WD25CD": ["E05000001", "E05000001"], "WD25NM": ["Middle", "Middle"]},
        geometry=[shapely.box(E0 + 1000, N0, E0 + 2000, N0 + 1000), shapely.box(E0, N0, E0 + 1000, N0 + 1000)],
        crs="EPSG:27700")
    deprivation = [{"LSOA21CD": "E01000001", "idaopi_decile": str(deciles[0]), "idaopi_score": "0.4",
                    "pop_60plus_mid2022": "100"},
                   {"LSOA21CD": "E01000002", "idaopi_decile": str(deciles[1]), "idaopi_score": "0.1",
                    "pop_60plus_mid2022": "300"}]
    x = np.array([100, 900, 1100, 1500, 1900], dtype=float) + E0
    y = np.full(5, 500.0) + N0
    return build_neighbourhoods(boundaries, deprivation, ["W1", "W2", "E1", "E2", "E3"], x, y)


def grid_listings():
    return Listings(np.array([E0 + 100, E0 + 1100, E0 + 1900.0]), np.array([N0 + 100, N0 + 900, N0 + 500.0]),
                    ("cafe", "library", "health_service"), {"E05000001": 2})


SETTINGS = GapsSettings(minutes=10, priority_deciles=(1, 2), large_share=0.5)


def test_the_grid_by_hand():
    places = grid_places()
    assert places.codes == ("E01000001", "E01000002")  # sorted by code
    assert places.lsoa.tolist() == [0, 0, 1, 1, 1]
    assert places.weight.tolist() == [50, 50, 100, 100, 100]
    minutes = postcode_minutes(places, grid_listings())
    # café at (100, 100): E2 is 1456.0 m away -> 37.9 -> 38; E3 1843.9 m -> 47.9 -> 48
    assert minutes["cafe"].tolist() == [10, 23, 28, 38, 48]
    assert minutes["library"].tolist() == [28, 12, 10, 15, 23]
    assert minutes["health_service"].tolist() == [47, 26, 21, 10, 1]
    assert minutes[ANY].tolist() == [10, 12, 10, 15, 23]  # the GP practice is not an activity
    assert np.isinf(minutes["park"]).all()  # no park at all: everyone is far from one

    found = summarise(places, grid_listings(), minutes, SETTINGS, 10)
    west, east = found.lsoas
    assert (west.older, west.far[ANY], west.share()) == (100, 50, 0.5)
    assert (east.older, east.far[ANY]) == (300, 200) and east.share() == pytest.approx(2 / 3)
    assert (west.far["cafe"], west.far["library"], west.far["health_service"], west.far["park"]) == (50, 100, 100, 100)
    assert (east.far["cafe"], east.far["library"], east.far["health_service"], east.far["park"]) == (300, 200, 100, 300)
    assert (west.typical_minutes, east.typical_minutes) == (10, 15)
    # Priority: decile 1 or 2 and at least half far away. West (decile 1, exactly half) is; East (decile 5) is not.
    assert (west.priority, east.priority) == (True, False)
    [ward] = found.wards
    assert (ward.name, ward.older, ward.far[ANY], ward.share(), ward.lsoas, ward.priority_lsoas, ward.not_on_map) == \
        ("Middle", 400, 250, 0.625, 2, 1, 2)


def test_the_priority_flag_needs_both_the_decile_and_a_large_share():
    places = grid_places(deciles=(3, 2))
    minutes = postcode_minutes(places, grid_listings())
    west, east = summarise(places, grid_listings(), minutes, SETTINGS, 10).lsoas
    assert (west.priority, east.priority) == (False, True)  # West's decile 3 is not deprived enough
    stricter = GapsSettings(minutes=10, priority_deciles=(1, 2), large_share=0.7)
    assert not any(a.priority for a in summarise(places, grid_listings(), minutes, stricter, 10).lsoas)


def test_a_longer_threshold_counts_fewer_far_away():
    places = grid_places()
    minutes = postcode_minutes(places, grid_listings())
    west, east = summarise(places, grid_listings(), minutes, SETTINGS, 15).lsoas
    assert (west.far[ANY], east.far[ANY]) == (0, 100)  # only E3 (23 minutes) is more than 15 away


def test_an_lsoa_with_no_postcode_is_measured_from_a_point_inside_it():
    boundaries = gpd.GeoDataFrame({"LSOA21CD": ["E01000001", "E01000002"], "LSOA21NM": ["A", "B"],
                                   "WD25CD": ["W", "W"], "WD25NM": ["W", "W"]},
                                  geometry=[shapely.box(E0, N0, E0 + 1000, N0 + 1000),
                                            shapely.box(E0 + 1000, N0, E0 + 2000, N0 + 1000)], crs="EPSG:27700")
    deprivation = [{"LSOA21CD": c, "idaopi_decile": "1", "idaopi_score": "0.5", "pop_60plus_mid2022": "80"}
                   for c in ("E01000001", "E01000002")]
    places = build_neighbourhoods(boundaries, deprivation, ["A1", "FAR"], np.array([E0 + 500, E0 + 9000.0]),
                                  np.array([N0 + 500, N0 + 500.0]))
    assert places.stand_ins == ("E01000002",) and places.dropped_postcodes == 1  # FAR is 7 km outside
    assert places.postcodes == ("A1", "") and places.weight.tolist() == [80, 80]
    assert shapely.box(E0 + 1000, N0, E0 + 2000, N0 + 1000).contains(shapely.Point(places.easting[1], places.northing[1]))


def test_minutes_are_the_residents_walking_minutes():
    metres = np.concatenate([np.linspace(0, 3000, 3001), [19.2307, 57.6923, 96.1538]])  # includes .5 cases
    assert walking_minutes_of(metres).tolist() == [walking_minutes(m) for m in metres]


def test_nearest_metres_is_the_straight_line_to_the_nearest_point():
    listings = np.array([[0.0, 0.0], [10.0, 0.0]])
    assert nearest_metres(listings, np.array([[3.0, 4.0], [10.0, 7.0]])).tolist() == [5.0, 7.0]
    assert np.isinf(nearest_metres(np.zeros((0, 2)), np.array([[1.0, 1.0]]))).all()


def test_the_settings_are_checked(tmp_path):
    text = (load_area().source_file.read_text(encoding="utf-8")
            .replace('"data/', '"' + str(load_area().source_file.parent / "data") + "/"))
    for bad, words in (("minutes = 0", "minutes must be a whole number"), ("minutes = \"ten\"", "whole number"),
                       ("priority_deciles = [0]", "deciles from 1 to 10"), ("large_share = 2", "fraction")):
        path = tmp_path / "area.toml"
        path.write_text(text.replace("minutes = 10", bad) if bad.startswith("minutes") else
                        text.replace("[gaps]", "[gaps]\n" + bad).replace("priority_deciles = [1, 2]", "")
                        .replace("large_share = 0.25", "") , encoding="utf-8")
        with pytest.raises(ConfigError, match=words):
            load_area(path)


# --- The real city ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def places():
    return neighbourhoods(load_area())


@pytest.fixture(scope="module")
def deprivation_rows():
    with open(load_area().gaps.deprivation, encoding="utf-8-sig", newline="") as handle:
        return {row["LSOA21CD"]: row for row in csv.DictReader(handle)}


def test_the_weights_add_up_to_each_lsoas_60_plus(places, deprivation_rows):
    totals = np.bincount(places.lsoa, weights=places.weight, minlength=len(places))
    assert len(places) == len(deprivation_rows) == 200
    for code, total in zip(places.codes, totals):
        assert total == pytest.approx(int(deprivation_rows[code]["pop_60plus_mid2022"]))
    assert len(places.postcodes) > 6000 and places.dropped_postcodes + len(places.postcodes) >= 6000


def test_every_lsoa_appears_once(built_db, places, deprivation_rows):
    db = store.connect(built_db[0])
    found = gaps(db, load_area())
    codes = [row.code for row in found.lsoas]
    assert len(codes) == len(set(codes)) == 200 and set(codes) == set(deprivation_rows)
    assert sum(w.lsoas for w in found.wards) == 200 and len(found.wards) == 21
    for row in found.lsoas:
        assert 0 <= row.far[ANY] <= row.older + 1e-6
        assert row.idaopi_decile == int(deprivation_rows[row.code]["idaopi_decile"])


def _gap_lsoa(found, places):
    """The LSOA with the most people aged 60+ far from any activity, and one of its postcodes."""
    worst = max(found.lsoas, key=lambda row: row.far[ANY])
    i = places.codes.index(worst.code)
    postcode = next(p for p, lsoa in zip(places.postcodes, places.lsoa) if lsoa == i and p)
    return worst, postcode


def test_adding_a_listing_in_a_gap_reduces_its_figure_and_a_ward_only_one_does_not(live_db, places):
    from app.accounts import User
    from app.assets.edits import save_asset

    area = load_area()
    db = store.connect(live_db)
    before = gaps(db, area)
    worst, postcode = _gap_lsoa(before, places)
    ward_name = worst.ward_name
    save_asset(db, area, User(1, "Asha", "connector"),
               {"name": "Chair yoga at home", "category": "group_activity", "postcode": postcode,
                "address": "1 A Street", "private_address": "1", "source": "test"})
    save_asset(db, area, User(1, "Asha", "connector"),
               {"name": "Somewhere in the ward", "category": "group_activity", "ward": ward_name, "source": "test"})
    middle = gaps(db, area)
    # A private address is someone's home: never measured; a ward-only listing has no pin: counted apart.
    assert middle.lsoa(worst.code).far[ANY] == pytest.approx(worst.far[ANY])
    assert middle.ward(worst.ward_code).not_on_map == before.ward(worst.ward_code).not_on_map + 2
    save_asset(db, area, User(1, "Asha", "connector"),
               {"name": "Lunch club", "category": "group_activity", "postcode": postcode, "source": "test"})
    after = gaps(db, area)
    assert after.lsoa(worst.code).far[ANY] < worst.far[ANY]
    assert after.lsoa(worst.code).far["group_activity"] < worst.far["group_activity"]
    assert after.lsoa(worst.code).far["library"] == pytest.approx(worst.far["library"])
    db.conn.close()


def test_the_figures_are_computed_once_per_data_version(built_db, monkeypatch):
    db = store.connect(built_db[0])
    area = load_area()
    first = gaps(db, area)
    monkeypatch.setattr(measure, "postcode_minutes", lambda *a: pytest.fail("computed again"))
    assert gaps(db, area) is first
    assert gaps(db, area, 20).minutes == 20  # another threshold re-adds the cached walks
    db.conn.close()


def test_with_a_street_network_the_walks_are_measured_along_it(built_db):
    """The same distance code as patch walks: gaps() hands the area's network the listings and postcodes."""
    from app.gaps.export import method_notes

    class Network:  # stands in for app.walks.streets.StreetNetwork: every postcode 2 km from everything
        graph_path = "streets.npz"

        def __init__(self):
            self.asked = []

        def nearest_metres(self, sources, targets):
            self.asked.append((len(sources), len(targets)))
            return np.full(len(targets), 2000.0 if len(sources) else np.inf)

    db = store.connect(built_db[0])
    area = load_area()
    network = Network()
    along = gaps(db, area, network=network)
    assert network.asked and all(targets > 6000 for _, targets in network.asked)
    assert along.along_streets and not gaps(db, area).along_streets
    assert all(row.share(ANY) == pytest.approx(1.0) for row in along.lsoas if row.older)  # 40 min > 10: all far
    assert "street network" in " ".join(method_notes(along)) and "1.3" not in " ".join(method_notes(along))
    db.conn.close()


# --- The command ----------------------------------------------------------------------------------

def run(*args):
    return CliRunner().invoke(cli, ["gaps", *args], catch_exceptions=False)


def test_the_command_summarises_by_ward_and_writes_csv_and_geojson(built_db, tmp_path):
    result = run("--db", str(built_db[0]))
    assert result.exit_code == 0 and "Abbey" in result.output and "Priority neighbourhoods:" in result.output
    out = tmp_path / "gaps.csv"
    result = run("--db", str(built_db[0]), "--category", "library", "--minutes", "15", "--out", str(out))
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert len(rows) == 200 and {r["threshold_minutes"] for r in rows} == {"15"}
    assert "far_from_library" in rows[0] and "far_from_cafe" not in rows[0]
    assert "English Indices of Deprivation 2025" in rows[0]["notes"] and rows[1]["notes"] == ""
    db = store.connect(built_db[0])
    found = gaps(db, load_area(), 15)
    db.conn.close()
    assert {r["lsoa_code"]: int(r["far_from_library"]) for r in rows} == \
        {row.code: round(row.far["library"]) for row in found.lsoas}
    geo = tmp_path / "gaps.geojson"
    assert run("--db", str(built_db[0]), "--out", str(geo)).exit_code == 0
    data = json.loads(geo.read_text(encoding="utf-8"))
    assert len(data["features"]) == 200 and data["threshold_minutes"] == 10
    assert any("Office for National Statistics" in line for line in data["attribution"])


@pytest.mark.parametrize("args, words", [
    (("--category", "bingo"), "is not a category"), (("--minutes", "0"), "0 is not in the range"),
    (("--out", "gaps.xlsx"), "must end in .csv or .geojson")])
def test_the_command_refuses_bad_choices(built_db, args, words):
    result = CliRunner().invoke(cli, ["gaps", "--db", str(built_db[0]), *args])
    assert result.exit_code == 2 and words in result.output


# --- The page -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def page_db(built_db, tmp_path_factory):
    """One live copy for the page tests, which only read (live_db makes a copy per test)."""
    from app.accounts import add_user

    db_path = tmp_path_factory.mktemp("gaps") / "live.db"
    shutil.copy(built_db[0], db_path)
    db = store.connect(db_path)
    store.migrate_connection(db.conn)
    add_user(db, "Asha", "correct horse battery", "connector")
    db.conn.close()
    return db_path


@pytest.fixture
def app(page_db):
    from test_workspace import NOW

    return create_app({"TESTING": True, "DATABASE": str(page_db), "TILE_URL": "", "NOW": NOW,
                       "SECRET_KEY": "test only", "SESSION_COOKIE_SECURE": False})


@pytest.fixture
def signed_in(client):
    sign_in(client)
    return client


@pytest.mark.parametrize("url", ["/workspace/gaps/", "/workspace/gaps/lsoas.csv", "/workspace/gaps/wards.csv",
                                 "/workspace/gaps/lsoas.geojson", "/workspace/gaps/wards/E05010461"])
def test_anonymous_visitors_are_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302 and "/workspace/sign-in" in response.headers["Location"]


def _table_rows(html):
    table = html[html.index('id="gaps-table"'):html.index('id="gaps-wards"')]
    return re.findall(r'<th scope="row">([^<]+) <span class="code">(E\d+)</span></th>\s*<td>[^<]*</td>\s*'
                      r'<td>(\d+)</td>\s*<td>(\d+)</td>\s*<td>(\d+)%</td>', table)


def test_the_page_shows_every_lsoa_sorted_and_explains_itself(signed_in):
    html = signed_in.get("/workspace/gaps/").get_data(as_text=True)
    rows = _table_rows(html)
    assert len(rows) == 200 and len({code for _, code, *_ in rows}) == 200
    shares = [int(share) for *_, share in rows]
    assert shares == sorted(shares, reverse=True)  # worst first by default
    assert "shared equally between its live postcodes" in html and "English Indices of Deprivation 2025" in html
    assert "not on the map yet" in html and "GP practices and advice services" in html
    data = json.loads(re.search(r'<script type="application/json" id="gaps-data">(.*?)</script>', html, re.S).group(1))
    assert len(data["lsoas"]) == 200 and data["listings"]
    ascending = _table_rows(signed_in.get("/workspace/gaps/?sort=older&order=asc").get_data(as_text=True))
    older = [int(o) for _, _, o, _, _ in ascending]
    assert older == sorted(older) and 'aria-sort="ascending"' in signed_in.get("/workspace/gaps/?sort=older&order=asc").get_data(as_text=True)


def test_the_choices_change_the_figures(signed_in):
    ten = {code: int(far) for _, code, _, far, _ in _table_rows(signed_in.get("/workspace/gaps/").get_data(as_text=True))}
    thirty = {code: int(far) for _, code, _, far, _ in
              _table_rows(signed_in.get("/workspace/gaps/?minutes=30").get_data(as_text=True))}
    assert all(thirty[c] <= ten[c] for c in ten) and sum(thirty.values()) < sum(ten.values())
    html = signed_in.get("/workspace/gaps/?measure=health_service").get_data(as_text=True)
    assert "the nearest gp practice or health service" in html
    gp = {code: int(far) for _, code, _, far, _ in _table_rows(html)}
    assert gp != ten


@pytest.mark.parametrize("query, words", [("minutes=ten", "whole number of minutes from 1 to 60"),
                                          ("minutes=0", "from 1 to 60"), ("measure=<b>bingo</b>", "&lt;b&gt;bingo")])
def test_bad_choices_get_a_clear_message(signed_in, query, words):
    response = signed_in.get(f"/workspace/gaps/?{query}")
    assert response.status_code == 400 and words in response.get_data(as_text=True)
    assert "<b>bingo" not in response.get_data(as_text=True)


def test_the_downloads_hold_the_same_figures_with_their_credits(signed_in):
    response = signed_in.get("/workspace/gaps/lsoas.csv?minutes=15")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 200 and rows[0]["threshold_minutes"] == "15"
    assert "Open Government Licence" in rows[0]["notes"]
    page = {code: int(far) for _, code, _, far, _ in
            _table_rows(signed_in.get("/workspace/gaps/?minutes=15").get_data(as_text=True))}
    assert {r["lsoa_code"]: int(r["far_from_any_activity"]) for r in rows} == page
    wards = list(csv.DictReader(io.StringIO(signed_in.get("/workspace/gaps/wards.csv").get_data(as_text=True).lstrip("\ufeff"))))
    assert len(wards) == 21 and sum(int(w["people_60_plus"]) for w in wards) == sum(int(r["people_60_plus"]) for r in rows)
    geo = signed_in.get("/workspace/gaps/lsoas.geojson").get_json(force=True)
    assert len(geo["features"]) == 200 and geo["attribution"] and geo["notes"]
    assert geo["features"][0]["geometry"]["type"] == "Polygon"


def test_the_printable_ward_summary(signed_in):
    response = signed_in.get("/workspace/gaps/wards/E05010461?minutes=15")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Belgrave: where are the gaps?" in html and "15 minutes" in html
    assert html.count('<th scope="row">Leicester ') >= 7 and "not on the map yet" in html
    assert "Open Government Licence" in html
    assert signed_in.get("/workspace/gaps/wards/E05999999").status_code == 404


def test_the_residents_ward_page_never_shows_deprivation(client):
    html = client.get("/wards/belgrave").get_data(as_text=True)
    assert client.get("/wards/belgrave").status_code == 200
    for word in ("IDAOPI", "deprivation", "Deprivation", "deprived", "decile", "LSOA", "priority"):
        assert word not in html
