import pytest


def test_assets_list(client, built_db):
    _, report = built_db
    data = client.get("/api/assets?limit=500").get_json()
    assert data["total"] == report.imported
    assert len(data["assets"]) == report.imported
    names = [a["name"] for a in data["assets"]]
    assert names == sorted(names, key=str.casefold)


def test_near_a_postcode_nearest_first(client):
    data = client.get("/api/assets?near=le4 6jd&radius=1000").get_json()
    assert data["assets"][0]["name"] == "Belgrave Library"
    distances = [a["distance_m"] for a in data["assets"] if a["distance_m"] is not None]
    assert distances == sorted(distances) and distances[-1] <= 1000
    assert data["assets"][0]["walk_minutes"] == 1


def test_paging(client):
    everything = client.get("/api/assets?limit=500").get_json()["assets"]
    page = client.get("/api/assets?limit=5&offset=5").get_json()
    assert [a["id"] for a in page["assets"]] == [a["id"] for a in everything[5:10]]


def test_asset_fields_are_public_ones(client):
    asset = client.get("/api/assets/belgrave-library").get_json()
    assert asset["name"] == "Belgrave Library"
    assert asset["ward_name"] == "Belgrave"
    assert asset["postcode"] == "LE4 6JD"
    assert asset["location_precision"] == "postcode"
    assert asset["lat"] == pytest.approx(52.6509, abs=1e-3)
    assert "warnings" not in asset and "extra" not in asset and "easting" not in asset


def test_search_is_quoted_and_filtered(client, source_rows):
    data = client.get("/api/assets?q=library&category=library").get_json()
    libraries = [r for r in source_rows if r["category"] == "library"]
    assert libraries and data["total"] == len(libraries)
    assert all(a["category"] == "library" for a in data["assets"])
    thurncourt = client.get("/api/assets?q=pop-in café").get_json()
    assert [a["id"] for a in thurncourt["assets"]][:1] == ["church-pop-in-cafe-thurncourt"]


@pytest.mark.parametrize("query", ['"', 'library"', "AND OR NOT", "*", "a:b", "NEAR(", "'; drop table assets; --",
                                   "<script>alert(1)</script>"])
def test_hostile_search_text_never_errors(client, query):
    response = client.get("/api/assets", query_string={"q": query})
    assert response.status_code == 200
    assert isinstance(response.get_json()["assets"], list)


def test_filter_by_ward_code_or_slug(client):
    by_slug = client.get("/api/assets?ward=spinney-hills").get_json()
    by_code = client.get("/api/assets?ward=E05010472").get_json()
    assert by_slug == by_code and by_slug["total"] > 0
    assert {a["ward_name"] for a in by_slug["assets"]} == {"Spinney Hills"}


@pytest.mark.parametrize("query, says", [
    ("category=yoga", "category: We do not have a category called “yoga”."),
    ("ward=narnia", "ward: We do not know a ward called “narnia”."),
    ("near=LE5", "near: “LE5” does not look like a postcode"),
    ("near=LE5 0XX", "near: We could not find the postcode LE5 0XX"),
    ("near=LE5 5AA&radius=0", "radius: The distance must be between 1 and 20000 metres."),
    ("near=LE5 5AA&radius=20001", "radius: The distance must be between 1 and 20000 metres."),
    ("near=LE5 5AA&radius=far", "radius: The distance must be between 1 and 20000 metres."),
    ("radius=500", "radius: A distance needs a postcode or location to measure from."),
    ("day=someday", "day: “someday” is not a day of the week."),
    ("lat=91&lon=0", "location: We could not use your location."),
    ("limit=0", "limit must be 1 to 500"),
    ("limit=5000", "limit must be 1 to 500"),
    ("limit=ten", "whole numbers"),
    ("offset=-1", "offset 0 or more"),
    ("q=" + "x" * 201, "q: That is too long"),
])
def test_bad_parameters_are_clear_400s(client, query, says):
    response = client.get("/api/assets?" + query)
    assert response.status_code == 400
    assert says in response.get_json()["error"]


def test_geojson_points(client, built_db, source_rows):
    _, report = built_db
    response = client.get("/api/assets.geojson")
    assert response.mimetype == "application/geo+json"
    assert "no-cache" in response.headers["Cache-Control"] and response.headers["ETag"]
    features = response.get_json()["features"]
    assert len(features) == report.imported
    placed = [f for f in features if f["geometry"]]
    unplaced = [f for f in features if not f["geometry"]]
    ward_only = [r for r in source_rows if r["location_precision"] == "ward"]
    assert ward_only and len(unplaced) == len(ward_only)
    assert all(f["properties"]["ward_code"] for f in unplaced)
    lon, lat = placed[0]["geometry"]["coordinates"]
    assert -1.3 < lon < -1.0 and 52.5 < lat < 52.7
    assert client.get("/api/assets.geojson", headers={"If-None-Match": response.headers["ETag"]}).status_code == 304
    library = client.get("/api/assets.geojson?category=library").get_json()["features"]
    assert len(library) == sum(r["category"] == "library" for r in source_rows)
    assert {f["properties"]["category"] for f in library} == {"library"}


def test_unknown_asset_is_404_json(client):
    response = client.get("/api/assets/no-such-thing")
    assert response.status_code == 404
    assert response.get_json() == {"error": "no asset with id 'no-such-thing'"}


def test_wards(client):
    wards = client.get("/api/wards").get_json()["wards"]
    assert len(wards) == 21
    focus = sorted(w["ward_name"] for w in wards if w["is_focus"])
    assert focus == ["Belgrave", "Evington", "Spinney Hills", "Thurncourt", "Wycliffe"]
    belgrave = next(w for w in wards if w["ward_name"] == "Belgrave")
    assert belgrave["counts"]["library"] == 1 and belgrave["total"] == sum(belgrave["counts"].values())


def test_wards_geojson(client):
    response = client.get("/api/wards.geojson")
    assert response.mimetype == "application/geo+json"
    assert "max-age=3600" in response.headers["Cache-Control"]
    data = response.get_json()
    assert len(data["features"]) == 21
    assert {f["geometry"]["type"] for f in data["features"]} <= {"Polygon", "MultiPolygon"}
    assert "Open Government Licence" in data["attribution"]
    lon, lat = data["features"][0]["geometry"]["coordinates"][0][0]
    assert -1.3 < lon < -1.0 and 52.5 < lat < 52.7  # GeoJSON is (lon, lat)


def test_asset_text_is_escaped(tmp_path, area):
    from conftest import write_csv

    from app import create_app
    from app.assets.pipeline import build

    evil = '<script>alert(1)</script>"><img src=x onerror=alert(1)>'
    path = write_csv(tmp_path / "evil.csv", [{"id": "evil", "name": evil, "category": "library",
                                               "postcode": "LE4 6JD", "description": evil, "source": "test"}])
    build(area, tmp_path / "evil.db", path)
    client = create_app({"TESTING": True, "DATABASE": str(tmp_path / "evil.db")}).test_client()
    for url in ("/?q=alert", "/assets/evil", "/map", "/wards/belgrave"):
        html = client.get(url).get_data(as_text=True)
        assert "<script>alert(1)</script>" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_large_responses_are_gzipped_for_browsers_that_ask(client):
    import gzip
    import json

    plain = client.get("/api/assets.geojson")
    packed = client.get("/api/assets.geojson", headers={"Accept-Encoding": "gzip, deflate"})
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed.headers["Vary"]
    assert json.loads(gzip.decompress(packed.data)) == plain.get_json()
    assert len(packed.data) < len(plain.data) / 4
    again = client.get("/api/assets.geojson", headers={"Accept-Encoding": "gzip", "If-None-Match": packed.headers["ETag"]})
    assert again.status_code == 304


def _forget_cached_answers(app):
    from app.web.searches import _SEARCHES

    app.extensions["page_cache"].clear()
    _SEARCHES.clear()


def test_map_data_is_the_same_whichever_page_is_read_first(client):
    """Showing a cached search on /map must not change what /api/assets.geojson then returns."""
    _forget_cached_answers(client.application)
    data_first = client.get("/api/assets.geojson").get_json()
    client.get("/map")
    _forget_cached_answers(client.application)
    client.get("/map")  # hydrates the first page of the cached search
    data_after_map = client.get("/api/assets.geojson").get_json()
    assert data_after_map == data_first
    # Coordinates the map draws are rounded to about a metre whichever way round.
    coordinates = [c for f in data_after_map["features"] if f["geometry"] for c in f["geometry"]["coordinates"]]
    assert all(round(c, 5) == c for c in coordinates)


def test_a_cached_search_cannot_be_changed_by_its_readers(app):
    from app.assets.search import Query, hydrate
    from app.web.db import get_db
    from app.web.filters import local_now
    from app.web.searches import cached_search

    with app.test_request_context("/"):
        found = cached_search(get_db(), Query(), local_now())
        shown = hydrate(get_db(), found.results[:3])
        assert all("description" in r.asset for r in shown)
        assert all("description" not in r.asset for r in found.results[:3])  # the cached ones are unchanged
        with pytest.raises(TypeError):
            found.results[0].asset["name"] = "changed"
        with pytest.raises(AttributeError):
            found.results[0].distance_m = 1.0
        assert cached_search(get_db(), Query(), local_now()) is found


@pytest.fixture
def private_home_client(live_db, area):
    """A live site with a group held in someone's home at LE5 5AA (private address)."""
    from app import create_app, store
    from app.accounts import User
    from app.assets.edits import save_asset

    db = store.connect(live_db)
    saved = save_asset(db, area, User(1, "Asha", "connector"),
                       {"name": "Knit at home", "category": "group_activity", "postcode": "LE5 5AA",
                        "address": "12 Ash Close", "private_address": "1", "source": "host"})
    db.conn.close()
    client = create_app({"TESTING": True, "DATABASE": str(live_db), "TILE_URL": ""}).test_client()
    return client, saved.asset_id


def test_a_private_home_has_no_distance_in_the_api_or_the_list(private_home_client):
    client, asset_id = private_home_client
    data = client.get("/api/assets?near=LE5 5AA&limit=500").get_json()
    mine = [a for a in data["assets"] if a["id"] == asset_id]
    assert len(mine) == 1 and mine[0]["distance_m"] is None and mine[0]["walk_minutes"] is None
    # After every measured listing, with the ward-level ones (its own ward's come first among them).
    position = [a["id"] for a in data["assets"]].index(asset_id)
    assert all(a["distance_m"] is None for a in data["assets"][position:])
    html = client.get("/?postcode=LE5+5AA").get_data(as_text=True)
    entry = html[html.index("Knit at home"):]
    entry = entry[:entry.index("</li>")]
    assert "walk" not in entry and "Very close" not in entry


def test_shared_caches_must_ask_again_once_a_listing_turns_private(private_home_client, area):
    from app import store
    from app.accounts import User
    from app.assets.edits import form_values, save_asset, workspace_asset

    client, _ = private_home_client
    for url in ("/api/assets.geojson", "/api/assets.geojson?category=library", "/api/assets/belgrave-library.geojson"):
        before = client.get(url)
        control = before.headers["Cache-Control"]
        assert "no-cache" in control and "max-age" not in control, url  # kept, but never used without asking
        assert before.headers["ETag"]
    etag = client.get("/api/assets.geojson?category=library").headers["ETag"]
    db = store.connect(client.application.config["DATABASE"])
    library = workspace_asset(db, "belgrave-library")
    save_asset(db, area, User(1, "Asha", "connector"), {**form_values(library), "private_address": "1"},
               "belgrave-library", library["version"])
    db.conn.close()
    again = client.get("/api/assets.geojson?category=library", headers={"If-None-Match": etag})
    assert again.status_code == 200
    feature = next(f for f in again.get_json()["features"] if f["properties"]["id"] == "belgrave-library")
    assert feature["geometry"] is None


LEICESTER = "-1.25,52.57,-1.03,52.70"


def _placed_ids(client):
    return {f["properties"]["id"] for f in client.get("/api/assets.geojson").get_json()["features"] if f["geometry"]}


def test_map_view_clusters_yet_reaches_every_point(client):
    placed = _placed_ids(client)
    assert len(placed) > 20
    sizes = {}
    for zoom in range(10, 17):
        data = client.get(f"/api/assets.geojson?bbox={LEICESTER}&zoom={zoom}").get_json()
        clusters = [f for f in data["features"] if f["properties"].get("cluster")]
        singles = {f["properties"]["id"] for f in data["features"] if f["geometry"] and not f["properties"].get("cluster")}
        # Every placed listing is in exactly one cluster or shown as itself; no listing at a private
        # address adds to a count (its place would show through the cluster).
        assert len(singles) + sum(c["properties"]["count"] for c in clusters) == len(placed), zoom
        assert singles <= placed
        for c in clusters:
            west, south, east, north = c["properties"]["bbox"]
            lon, lat = c["geometry"]["coordinates"]
            assert west <= lon <= east and south <= lat <= north
        sizes[zoom] = len(data["features"])
    assert sizes[10] < sizes[16] / 3  # the first view is clustered...
    street = client.get(f"/api/assets.geojson?bbox={LEICESTER}&zoom=16").get_json()
    assert {f["properties"]["id"] for f in street["features"] if f["geometry"]} == placed  # ...zooming in reaches all
    assert street["total"] >= len(placed)


def test_map_view_keeps_to_its_box(client):
    everything = client.get(f"/api/assets.geojson?bbox={LEICESTER}&zoom=16").get_json()
    points = [f for f in everything["features"] if f["geometry"]]
    lon, lat = points[0]["geometry"]["coordinates"]
    box = f"{lon - 0.001},{lat - 0.001},{lon + 0.001},{lat + 0.001}"
    inside = client.get(f"/api/assets.geojson?bbox={box}&zoom=17").get_json()
    shown = [f for f in inside["features"] if f["geometry"]]
    assert shown and len(shown) < len(points)
    assert all(abs(f["geometry"]["coordinates"][0] - lon) <= 0.001 for f in shown)


@pytest.mark.parametrize("query, message", [
    ("bbox=1,2,3&zoom=12", "bbox must be four numbers"),
    ("bbox=a,b,c,d&zoom=12", "bbox must be four numbers"),
    ("bbox=nan,52,1,53&zoom=12", "bbox must be four numbers"),
    ("bbox=-1,53,-1.2,52&zoom=12", "west < east"),
    ("bbox=-1.2,52,-1,95&zoom=12", "west < east"),
    ("bbox=-1.2,52,-1,53&zoom=23", "zoom must be a whole number from 0 to 22"),
    ("bbox=-1.2,52,-1,53&zoom=1.5", "zoom must be a whole number"),
    ("bbox=-1.2,52,-1,53", "zoom must be a whole number"),
    ("zoom=12", "bbox must be four numbers"),
])
def test_map_view_bad_bbox_or_zoom(client, query, message):
    response = client.get(f"/api/assets.geojson?{query}")
    assert response.status_code == 400
    assert message in response.get_json()["error"]
