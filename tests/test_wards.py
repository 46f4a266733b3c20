import json

import geopandas as gpd
import numpy as np
import pytest
import shapely

from app.places.wards import (
    WardFileError,
    assign_wards,
    check_wards,
    load_wards,
    normalise_ward_file,
    simplified_geometries,
    slugify,
    write_wards,
)

E, N = 460000, 300000


def place(wards, *points):
    result = assign_wards(wards, [E + x for x, _ in points], [N + y for _, y in points])
    return result


def test_point_inside_a_ward(square_wards):
    assert list(place(square_wards, (50, 50), (150, 150)).ward_code) == ["E05000001", "E05000004"]


def test_point_on_a_shared_edge_gets_exactly_one_ward(square_wards):
    result = place(square_wards, (100, 50), (50, 100), (150, 100))
    assert list(result.ward_code) == ["E05000001", "E05000001", "E05000002"]
    assert not result.outside.any()


def test_point_on_a_corner_shared_by_four_wards(square_wards):
    assert list(place(square_wards, (100, 100)).ward_code) == ["E05000001"]


def test_boundary_choice_does_not_depend_on_file_order(square_wards):
    shuffled = square_wards.iloc[[3, 1, 2, 0]]
    points = [(100, 50), (100, 100), (150, 100), (100, 150)]
    assert list(place(shuffled, *points).ward_code) == list(place(square_wards, *points).ward_code)


def test_point_on_the_outer_edge_is_inside(square_wards):
    result = place(square_wards, (0, 50), (200, 200))
    assert list(result.ward_code) == ["E05000001", "E05000004"]


def test_point_outside_every_ward_is_kept_with_nearest_ward(square_wards):
    result = place(square_wards, (250, 50), (-30, 150), (50, 50))
    assert list(result.ward_code) == [None, None, "E05000001"]
    assert list(result.outside) == [True, True, False]
    assert list(result.nearest_code[:2]) == ["E05000002", "E05000003"]
    assert result.nearest_distance_m[:2] == pytest.approx([50.0, 30.0])
    assert np.isnan(result.nearest_distance_m[2])


def test_wards_in_another_crs_are_reprojected_first(square_wards):
    in_degrees = square_wards.to_crs("EPSG:4326")
    result = place(in_degrees, (50, 50), (150, 150), (250, 50))
    assert list(result.ward_code) == ["E05000001", "E05000004", None]


def test_refuses_unprojected_points(square_wards):
    with pytest.raises(ValueError, match="projected"):
        assign_wards(square_wards, [-1.1], [52.6], crs="EPSG:4326")


def test_slugify():
    assert slugify("Humberstone & Hamilton") == "humberstone-and-hamilton"
    assert slugify("Braunstone Park & Rowley Fields") == "braunstone-park-and-rowley-fields"
    assert slugify("St. Matthew's Centre") == "st-matthews-centre"


def _ons_file(square_wards, tmp_path, driver, suffix, crs="EPSG:27700", with_lad=True):
    frame = square_wards.rename(columns={"ward_code": "WD25CD", "ward_name": "WD25NM"})
    frame["WD25NMW"] = ""
    if with_lad:
        frame["LAD25CD"] = ["E06000099", "E06000099", "E06000099", "E06000001"]
        frame["LAD25NM"] = ["Testshire", "Testshire", "Testshire", "Elsewhere"]
    frame = frame.to_crs(crs)
    path = tmp_path / f"wards{suffix}"
    frame.to_file(path, driver=driver)
    return path


@pytest.mark.parametrize("driver, suffix, crs", [
    ("GeoJSON", ".geojson", "EPSG:4326"),
    ("GPKG", ".gpkg", "EPSG:27700"),
    ("ESRI Shapefile", ".shp", "EPSG:3857"),
])
def test_normalise_any_ons_file(square_wards, tmp_path, driver, suffix, crs):
    path = _ons_file(square_wards, tmp_path, driver, suffix, crs)
    wards = normalise_ward_file(path, "E06000099")
    assert list(wards.columns) == ["ward_code", "ward_name", "lad_code", "lad_name", "geometry"]
    assert wards.crs.equals("EPSG:4326")
    assert list(wards["ward_code"]) == ["E05000001", "E05000002", "E05000003"]
    assert list(wards["ward_name"]) == ["South West", "South East", "North West"]
    back = wards.to_crs("EPSG:27700").geometry.iloc[0]
    assert back.symmetric_difference(square_wards.geometry.iloc[0]).area < 1.0


def test_file_without_lad_column_needs_a_lookup(square_wards, tmp_path):
    path = _ons_file(square_wards, tmp_path, "GeoJSON", ".geojson", with_lad=False)
    with pytest.raises(WardFileError, match="no local-authority column"):
        normalise_ward_file(path, "E06000099")
    lookup = tmp_path / "lookup.csv"
    lookup.write_text("WD25CD,WD25NM,LAD25CD,LAD25NM\nE05000001,South West,E06000099,Testshire\n"
                      "E05000002,South East,E06000001,Elsewhere\n")
    wards = normalise_ward_file(path, "E06000099", lookup)
    assert list(wards["ward_code"]) == ["E05000001"]
    assert list(wards["lad_name"]) == ["Testshire"]


def test_unknown_local_authority_is_named(square_wards, tmp_path):
    path = _ons_file(square_wards, tmp_path, "GeoJSON", ".geojson")
    with pytest.raises(WardFileError, match="no wards in local authority E06000123"):
        normalise_ward_file(path, "E06000123")


def test_file_without_ward_columns(tmp_path):
    path = tmp_path / "x.geojson"
    gpd.GeoDataFrame({"name": ["a"]}, geometry=[shapely.box(0, 0, 1, 1)], crs="EPSG:4326").to_file(path)
    with pytest.raises(WardFileError, match="no ward code and name columns"):
        normalise_ward_file(path, "E06000016")


def test_checks_find_overlaps_gaps_and_invalid_shapes(square_wards):
    good, checks = check_wards(square_wards.to_crs("EPSG:4326"))
    assert checks.ok and checks.count == 4
    assert checks.area_km2 == pytest.approx(0.04, rel=1e-3)

    broken = square_wards.copy()
    # South East pushed 10 m west: overlaps South West by 1,000 m² and leaves a strip uncovered.
    broken.loc[1, "geometry"] = shapely.box(E + 90, N, E + 190, N + 100)
    # North East as a bow-tie: invalid.
    broken.loc[3, "geometry"] = shapely.Polygon([(E + 100, N + 100), (E + 200, N + 200), (E + 200, N + 100), (E + 100, N + 200)])
    repaired, checks = check_wards(broken)
    assert checks.invalid == ["E05000004 North East"]
    assert repaired.geometry.is_valid.all()
    assert [(a, b) for a, b, _ in checks.overlaps] == [("E05000001 South West", "E05000002 South East")]
    assert checks.overlaps[0][2] == pytest.approx(1000.0)
    assert not checks.ok

    holed = square_wards.drop(index=3).copy()
    holed.loc[0, "geometry"] = shapely.box(E, N, E + 100, N + 100).difference(shapely.box(E + 40, N + 40, E + 60, N + 60))
    _, checks = check_wards(holed)
    assert checks.gaps == [pytest.approx(400.0)]


def test_leicester_wards_as_shipped(area):
    wards = load_wards(area.wards_dir)
    assert len(wards) == 21
    assert wards["ward_code"].tolist() == [f"E050{n}" for n in range(10458, 10479)]
    assert wards.crs.equals("EPSG:4326")
    _, checks = check_wards(wards)
    assert checks.ok, checks.lines()
    assert checks.area_km2 == pytest.approx(73.37, abs=0.01)


def test_write_wards_round_trip(square_wards, tmp_path):
    wards = square_wards.to_crs("EPSG:4326")
    wards["lad_code"], wards["lad_name"] = "E06000099", "Testshire"
    write_wards(wards, tmp_path)
    again = load_wards(tmp_path)
    assert again["ward_code"].tolist() == wards["ward_code"].tolist()
    assert again["slug"].tolist() == ["south-west", "south-east", "north-west", "north-east"]
    outline = json.loads((tmp_path / "outline.geojson").read_text())
    assert len(outline["features"]) == 1


def test_simplified_copy_keeps_shared_edges(area):
    wards = load_wards(area.wards_dir)
    simple = simplified_geometries(wards)
    assert simple.crs.equals("EPSG:4326")
    metric = simple.to_crs("EPSG:27700")
    # Simplifying as a coverage keeps neighbours edge to edge: no overlaps appear.
    tree = shapely.STRtree(metric.values)
    left, right = tree.query(metric.values, predicate="intersects")
    overlap = sum(shapely.intersection(metric.values[i], metric.values[j]).area for i, j in zip(left, right) if i < j)
    assert overlap < 1.0
    vertices = shapely.get_num_coordinates(simple.values).sum()
    assert vertices < shapely.get_num_coordinates(wards.geometry.values).sum()
