"""Where are the gaps? A grid worked out by hand, the real city's figures, the CLI, the page and downloads."""
from __future__ import annotations

import csv
import io
import json
import math
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
