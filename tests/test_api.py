import pytest


def test_assets_list(client, built_db):
    _, report = built_db
    data = client.get("/api/assets?limit=500").get_json()
    assert data["total"] == report.imported
    assert len(data["assets"]) == report.imported
    names = [a["name"] for a in data["assets"]]
    assert names == sorted(names, key=str.casefold) or names == sorted(names)


def test_asset_fields_are_public_ones(client):
    asset = client.get("/api/assets/belgrave-library").get_json()
    assert asset["name"] == "Belgrave Library"
    assert asset["ward_name"] == "Belgrave"
    assert asset["postcode"] == "LE4 6JD"
    assert asset["location_precision"] == "postcode"
    assert asset["lat"] == pytest.approx(52.6509, abs=1e-3)
    assert "warnings" not in asset and "extra" not in asset and "easting" not in asset


def test_search_is_quoted_and_filtered(client):
    data = client.get("/api/assets?q=library&category=library").get_json()
    assert data["total"] == 17
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
    ("category=yoga", "unknown category 'yoga'"),
    ("ward=narnia", "unknown ward 'narnia'"),
    ("limit=0", "limit must be 1 to 500"),
    ("limit=5000", "limit must be 1 to 500"),
    ("limit=ten", "whole numbers"),
    ("offset=-1", "offset 0 or more"),
    ("q=" + "x" * 201, "q is too long"),
])
def test_bad_parameters_are_clear_400s(client, query, says):
    response = client.get("/api/assets?" + query)
    assert response.status_code == 400
    assert says in response.get_json()["error"]


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


def test_index_page(client, built_db):
    _, report = built_db
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Spinney Hills (Community Connectors ward)" in html
    assert html.count('href="/assets/') == report.imported
    assert "Open Government Licence" in html


def test_asset_page_says_when_only_the_ward_is_known(client):
    html = client.get("/assets/listening-bench-evington").get_data(as_text=True)
    assert "Somewhere in Evington ward: we do not have an exact address." in html
    assert "Not yet checked by a community connector" in html
    assert client.get("/assets/nope").status_code == 404


def test_asset_text_is_escaped(tmp_path, area):
    from app import create_app
    from app.pipeline import build
    from conftest import write_csv

    evil = '<script>alert(1)</script>"><img src=x onerror=alert(1)>'
    path = write_csv(tmp_path / "evil.csv", [{"id": "evil", "name": evil, "category": "library",
                                               "postcode": "LE4 6JD", "description": evil, "source": "test"}])
    build(area, tmp_path / "evil.db", path)
    client = create_app({"TESTING": True, "DATABASE": str(tmp_path / "evil.db")}).test_client()
    for url in ("/", "/assets/evil"):
        html = client.get(url).get_data(as_text=True)
        assert "<script>alert(1)</script>" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
