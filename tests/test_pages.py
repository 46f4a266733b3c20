import json
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


def _asha():
    from app.accounts import User

    return User(1, "Asha", "connector")


def _public_texts(client, asset_id):
    """Everything residents and the API can read about the area's listings."""
    urls = ["/?postcode=LE5+5AA", "/?ward=spinney-hills", "/map", "/wards/spinney-hills", "/api/assets?limit=500",
            "/api/assets.geojson", "/api/assets?near=LE5+5AA&limit=500", f"/assets/{asset_id}",
            f"/api/assets/{asset_id}", f"/api/assets/{asset_id}.geojson"]
    return {url: client.get(url).get_data(as_text=True) for url in urls}


def test_a_new_private_listing_gets_an_id_without_its_postcode(live_db, area):
    from app import store
    from app.assets.edits import history, save_asset

    db = store.connect(live_db)
    saved = save_asset(db, area, _asha(), {"name": "Knit at home", "category": "group_activity",
                                           "postcode": "LE5 5AA", "private_address": "1", "source": "host"})
    public = save_asset(db, area, _asha(), {"name": "Knit at the hall", "category": "group_activity",
                                            "postcode": "LE5 5AA", "source": "host"})
    assert [c["action"] for c in history(db, saved.asset_id)] == ["create"]  # made without the postcode, not renamed
    db.conn.close()
    assert saved.asset_id == "knit-at-home-spinney-hills"
    assert public.asset_id == "knit-at-the-hall-le5-5aa"  # public places keep readable, placed ids
    client = create_app({"TESTING": True, "DATABASE": str(live_db), "TILE_URL": ""}).test_client()
    for url, text in _public_texts(client, saved.asset_id).items():
        assert "knit-at-home-le5" not in text, url
    assert "Knit at home" in client.get(f"/assets/{saved.asset_id}").get_data(as_text=True)


def test_making_a_listing_private_renames_it_and_its_old_link_is_gone(live_db, area):
    from app import store
    from app.assets.edits import form_values, history, save_asset, workspace_asset

    old_id = "parker-drive-surgery-le4-0jf"
    db = store.connect(live_db)
    db.execute("insert into suggestions (kind, asset_id, problem, created_at) values ('problem', ?, 'x', 'now')", [old_id])
    db.conn.commit()
    current = workspace_asset(db, old_id)
    saved = save_asset(db, area, _asha(), {**form_values(current), "private_address": "1"}, old_id, current["version"])
    assert saved.asset_id != old_id and "le4" not in saved.asset_id and saved.asset_id.startswith("parker-drive-surgery")
    assert workspace_asset(db, old_id) is None
    assert db.execute("select asset_id from suggestions").fetchone()[0] == saved.asset_id
    changes = history(db, saved.asset_id)
    assert changes[0]["action"] == "rename" and changes[0]["fields"] == [
        {"field": "id", "old": old_id, "new": saved.asset_id}]
    assert any(f["field"] == "private_address" for c in changes for f in c["fields"])  # the edit moved with it
    assert not db.execute("select count(*) from changes where asset_id = ?", [old_id]).fetchone()[0]
    db.conn.close()
    client = create_app({"TESTING": True, "DATABASE": str(live_db), "TILE_URL": ""}).test_client()
    assert client.get(f"/assets/{old_id}").status_code == 404  # not a redirect: that would reveal the link
    assert client.get(f"/api/assets/{old_id}").status_code == 404
    for url, text in _public_texts(client, saved.asset_id).items():
        assert old_id not in text and "le4-0jf" not in text, url


def test_existing_private_listings_are_renamed_when_the_app_starts(live_db):
    from app import store

    old_id = "groby-road-medical-centre-id-patchett-le3-9ed"
    db = store.connect(live_db)
    db.execute("update assets set private_address = 1 where id = ?", [old_id])
    db.conn.commit()
    db.conn.close()
    client = create_app({"TESTING": True, "DATABASE": str(live_db), "TILE_URL": ""}).test_client()
    db = store.connect(live_db)
    ids = {r[0] for r in db.execute("select id from assets where name like 'Groby Road Medical Centre%'")}
    assert len(ids) == 1 and "le3" not in ids.pop()
    renames = db.execute("select count(*) from changes where action = 'rename'").fetchone()[0]
    db.conn.close()
    assert renames == 1
    create_app({"TESTING": True, "DATABASE": str(live_db), "TILE_URL": ""})  # again: nothing more to do
    db = store.connect(live_db)
    assert db.execute("select count(*) from changes where action = 'rename'").fetchone()[0] == 1
    db.conn.close()
    assert client.get(f"/assets/{old_id}").status_code == 404
    assert "le3-9ed" not in client.get("/api/assets.geojson").get_data(as_text=True)


def test_a_renamed_public_listing_redirects_from_its_old_id(live_db):
    from app import store
    from app.assets.edits import rename_asset

    db = store.connect(live_db)
    with store.transaction(db):
        rename_asset(db, _asha(), "belgrave-library", "belgrave-neighbourhood-library", "new name")
    db.conn.close()
    client = create_app({"TESTING": True, "DATABASE": str(live_db), "TILE_URL": ""}).test_client()
    response = client.get("/assets/belgrave-library?lang=gu")
    assert response.status_code == 301
    assert response.headers["Location"].endswith("/assets/belgrave-neighbourhood-library?lang=gu")
    assert client.get("/assets/belgrave-neighbourhood-library").status_code == 200


def test_print_this_list_prints_every_result_of_a_long_list(client, built_db, area):
    from html import unescape

    from app import store
    from app.assets.search import Query, search
    from app.places.locate import from_postcode

    db = store.connect(built_db[0], readonly=True)
    near = search(db, Query(origin=from_postcode(db, "LE5 5AA", area)), datetime(2026, 11, 26, 9, 0))
    names = [unescape(r.asset["name"]) for r in near.results]
    db.conn.close()
    assert len(names) > 50
    first = page(client, "/?postcode=LE5+5AA")
    assert first.count('<li class="result">') < len(names) and "Next page" in first
    link = re.search(r'<a class="button secondary" href="([^"]+)">Print this list</a>', first).group(1)
    assert "print=all" in link and "postcode=LE5" in unescape(link)
    printed = page(client, unescape(link))
    shown = [unescape(n) for n in re.findall(r'<h3><a href="/assets/[^"]+"><bdi>([^<]+)</bdi></a></h3>', printed)]
    assert shown[:len(names)] == names  # every result, in the same order
    assert "Next page" not in printed and "Page 1 of" not in printed
    assert "data-print-on-load" in printed


def test_map_of_many_listings_does_not_preload_them_all(built_db):
    small = create_app({"TESTING": True, "DATABASE": str(built_db[0])}).test_client().get("/map").get_data(as_text=True)
    assert 'rel="preload" href="/api/assets.geojson' in small and '"viewBounds": null' in small
    many = create_app({"TESTING": True, "DATABASE": str(built_db[0]), "MAP_VIEW_THRESHOLD": 10})
    html = many.test_client().get("/map").get_data(as_text=True)
    assert 'rel="preload" href="/api/assets.geojson' not in html
    bounds = json.loads(re.search(r'"viewBounds": (\[\[[^\]]*\], \[[^\]]*\]\])', html).group(1))
    (south, west), (north, east) = bounds
    assert 52.5 < south < north < 52.8 and -1.3 < west < east < -1.0  # the listings' own box, in Leicester
