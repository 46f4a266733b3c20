import re
from datetime import datetime

import pytest

from app import create_app


@pytest.fixture
def app(built_db):
    db_path, _ = built_db
    return create_app({"TESTING": True, "DATABASE": str(db_path), "TILE_URL": "",
                       "NOW": datetime(2026, 11, 26, 9, 0)})


def page(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    assert "Set-Cookie" not in response.headers  # residents are never given cookies
    return response.get_data(as_text=True)


def test_home_has_the_search_form(client):
    html = page(client, "/")
    assert '<html lang="en" dir="ltr">' in html
    assert '<label for="postcode">Your postcode</label>' in html
    assert '<label for="ward">Or choose your ward</label>' in html
    assert 'href="#main"' in html and 'id="main"' in html
    assert "ગુજરાતી" in html


def test_postcode_search_lists_nearest_first(client):
    html = page(client, "/?postcode=le4+6jd")
    assert "places near LE4 6JD" in html
    names = re.findall(r'<h3><a href="/assets/([^"]+)">', html)
    assert names[0] == "belgrave-library"
    assert "Very close: less than a minute&#39;s walk" in html
    assert "About 8 minutes&#39; walk (320 metres)" in html
    assert "3 km an hour" in html  # the walking speed used is stated


@pytest.mark.parametrize("postcode, says, suggestion", [
    ("LE5 SAA", "does not look like a postcode", "LE5 5AA"),
    ("LE5 0XX", "We could not find the postcode LE5 0XX", None),
    ("hello", "does not look like a postcode", None),
    ("<script>alert(1)</script>", "does not look like a postcode", None),
])
def test_bad_postcodes_get_a_kind_answer(client, postcode, says, suggestion):
    html = page(client, "/?postcode=" + postcode)
    assert says in html
    assert 'class="results"' not in html
    assert "<script>alert(1)</script>" not in html
    if suggestion:
        assert f"Did you mean {suggestion}?" in html


def test_ward_search_shows_ward_only_listings(client):
    html = page(client, "/?ward=thurncourt")
    assert "places in Thurncourt" in html
    assert "Somewhere in Thurncourt ward – exact place not known" in html


def test_filters_stay_in_links(client):
    html = page(client, "/?postcode=LE4+6JD&category=library&radius=2000")
    assert re.search(r'href="/map\?[^"]*category=library', html)
    assert 'option value="library" selected' in html


def test_unknown_filter_values_are_explained(client):
    html = page(client, "/?category=spaceships&day=funday")
    assert "We do not have a category called “spaceships”." in html
    assert "“funday” is not a day of the week." in html


def test_did_you_mean(client):
    html = page(client, "/?q=libary")
    assert "Did you mean “library”?" in html


def test_asset_page(client):
    html = page(client, "/assets/belgrave-library")
    assert "<h1><bdi>Belgrave Library</bdi></h1>" in html
    assert "<bdi>Cossington Street, Leicester</bdi>, LE4 6JD" in html
    assert "Not checked yet." in html and "Nobody has checked these details in person yet." in html
    assert "Print this page" in html
    assert 'href="/wards/belgrave"' in html


def test_ward_only_asset_page_does_not_fake_a_pin(client):
    html = page(client, "/assets/listening-bench-evington")
    assert "Somewhere in Evington ward – exact place not known" in html
    assert "We only know which ward this is in" in html


def test_ward_page(client):
    html = page(client, "/wards/thurncourt")
    assert "<h1>Thurncourt ward</h1>" in html
    assert "One of the 5 wards where Community Connectors worked." in html
    assert "What is on each day" in html
    assert html.count('<th scope="row">') == 7
    page(client, "/wards/narnia", 404)


def test_wards_list(client):
    html = page(client, "/wards")
    assert html.count('href="/wards/') == 21


def test_map_page_lists_everything_it_shows(client, built_db):
    _, report = built_db
    html = page(client, "/map")
    assert 'id="map_map"' in html
    assert 'href="#map-list"' in html
    assert "/vendor/leaflet/leaflet.js" in html
    # The list comes in pages of 50, every page reachable by a link.
    listed = html.count('<li class="result">')
    assert listed == 50 and "Page 1 of 2" in html and 'href="/map?page=2"' in html
    second = page(client, "/map?page=2")
    listed += second.count('<li class="result">')
    assert listed == report.imported and "Previous page" in second
    assert page(client, "/map?page=99").count('<li class="result">') == report.imported - 50
    assert page(client, "/map?page=x").count('<li class="result">') == 50


def test_not_found_is_a_friendly_page(client):
    html = page(client, "/no/such/page", 404)
    assert "We could not find that page" in html


def test_no_third_party_hosts_without_tiles(client):
    for url in ("/", "/?postcode=LE4+6JD", "/map", "/assets/belgrave-library", "/wards/belgrave", "/about"):
        html = page(client, url)
        hosts = set(re.findall(r'(?:src|href)="(?:https?:)?//([^/"]+)', html))
        assert hosts == set(), (url, hosts)


def test_tiles_are_configuration(built_db):
    db_path, _ = built_db
    client = create_app({"TESTING": True, "DATABASE": str(db_path),
                         "TILE_URL": "https://tiles.example.org/{z}/{x}/{y}.png",
                         "TILE_ATTRIBUTION": "Example tiles"}).test_client()
    html = page(client, "/map")
    assert "https://tiles.example.org/{z}/{x}/{y}.png" in html and "Example tiles" in html


def test_language_is_kept_in_links(client):
    html = page(client, "/?lang=gu")
    assert '<html lang="gu" dir="ltr">' in html
    assert 'href="/map?lang=gu"' in html
    assert 'href="/about?lang=gu"' in html
    english = re.search(r'<a href="([^"]*)" lang="en"', html).group(1)
    assert "lang=" not in english
