import json
import re
from datetime import datetime, time

import pytest
from conftest import WEEKDAY_CASES, WEEKDAY_TODAY

from app import create_app
from app.assets.schedule import DAY_NAMES


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
    located = html[html.index("Places near you, nearest first"):html.index('id="services-heading"')]
    names = re.findall(r'<h4><a href="/assets/([^"]+)">', located)
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
    assert 'name="category" value="library" checked' in html


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
    assert client.get(f"/api/assets/{old_id}").status_code == 404  # an old id naming a postcode leads nowhere
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
    # Programs that kept the old id in the API are sent on too, and a private listing's old id never is.
    api = client.get("/api/assets/belgrave-library")
    assert api.status_code == 301 and api.headers["Location"].endswith("/api/assets/belgrave-neighbourhood-library")
    assert client.get(api.headers["Location"]).get_json()["name"] == "Belgrave Library"
    shape = client.get("/api/assets/belgrave-library.geojson")
    assert shape.status_code == 301 and shape.headers["Location"].endswith("/api/assets/belgrave-neighbourhood-library.geojson")
    assert client.get("/api/assets/no-such-listing").status_code == 404


def test_print_this_list_prints_every_result_of_a_long_list(client, built_db, area):
    from html import unescape

    from app import store
    from app.assets.search import Query, search
    from app.places.locate import from_postcode

    db = store.connect(built_db[0], readonly=True)
    near = search(db, Query(origin=from_postcode(db, "LE5 5AA", area)), datetime(2026, 11, 26, 9, 0))
    services = ("health_service", "advice_support")
    ward_level = sorted(near.ward_only, key=lambda r: (r.ward_distance_m, r.asset["category"] in services))
    names = ([r.asset["name"] for r in ward_level]
             + [r.asset["name"] for r in near.results if r.asset["category"] not in services]
             + [r.asset["name"] for r in near.results if r.asset["category"] in services])
    db.conn.close()
    assert len(names) > 50
    first = page(client, "/?postcode=LE5+5AA")
    assert first.count('<li class="result">') < len(names)
    link = re.search(r'<a class="button secondary" href="([^"]+)">Print this list</a>', first).group(1)
    assert "print=all" in link and "postcode=LE5" in unescape(link)
    printed = page(client, unescape(link))
    assert first_screen_names(printed) == names  # every result, in the same order: things to do, then services
    assert "Next page" not in printed and "Page 1 of" not in printed
    assert "data-print-on-load" in printed


@pytest.fixture(scope="module")
def weekday_ward(weekday_db_path):
    """The Belgrave ward page of a site with one asset for each schedule in WEEKDAY_CASES."""
    app = create_app({"TESTING": True, "DATABASE": str(weekday_db_path), "TILE_URL": "",
                      "NOW": datetime.combine(WEEKDAY_TODAY, time(9))})
    html = page(app.test_client(), "/wards/belgrave")
    table = html.split("What is on each day", 1)[1].split("</table>", 1)[0]
    return dict(re.findall(r'<th scope="row">(\w+)</th>(.*?)</tr>', table, re.S))


@pytest.mark.parametrize("asset_id, text, weekday, expected", WEEKDAY_CASES)
def test_the_ward_page_lists_under_each_day_what_is_really_on_that_day(weekday_ward, asset_id, text, weekday,
                                                                       expected):
    assert (f"<bdi>Group {asset_id}</bdi>" in weekday_ward[DAY_NAMES[weekday]]) is expected


def test_the_ward_page_says_when_something_is_not_weekly(weekday_ward):
    tuesday = weekday_ward["Tuesday"]
    assert "<bdi>Group second-tue</bdi></a> – The 2nd Tuesday of the month, 2pm to 4pm" in tuesday
    assert "<bdi>Group fortnightly</bdi></a> – Every other Tuesday, 10am to 12 noon, from 1 December 2026" in tuesday
    assert "<bdi>Group fifteenth</bdi></a> – The 15th of the month, 10am to 11am" in tuesday
    assert "<bdi>Group weekly</bdi></a> – Every Tuesday, 10am to 12 noon" in tuesday


@pytest.fixture
def list_client(live_db, area):
    """A live site with a private home listing and a hidden one, for "my list"."""
    from app import store
    from app.accounts import User
    from app.assets.edits import save_asset

    db = store.connect(live_db)
    saved = save_asset(db, area, User(1, "Asha", "connector"),
                       {"name": "Knit at home", "category": "group_activity", "postcode": "LE5 5AA",
                        "address": "12 Ash Close", "contact_phone": "0116 000 0000",
                        "private_address": "1", "source": "host"})
    db.execute("update assets set status = 'hidden' where id = 'belgrave-library'")
    db.conn.commit()
    db.conn.close()
    client = create_app({"TESTING": True, "DATABASE": str(live_db), "TILE_URL": "",
                         "NOW": datetime(2026, 11, 26, 9, 0)}).test_client()
    return client, saved.asset_id


def _entries(html):
    return re.findall(r'<li class="result">(.*?)</li>', html, re.S)


def test_my_list_shows_private_without_address_and_gone_ones_as_no_longer_listed(list_client, built_db):
    client, private_id = list_client
    import sqlite_utils
    other = sqlite_utils.Database(built_db[0]).execute(
        "select id, name from assets where status = 'open' and address is not null and address != '' "
        "and id != 'belgrave-library' order by id limit 1").fetchone()
    html = page(client, f"/list?ids={other[0]},{private_id},belgrave-library,never-existed")
    items = _entries(html)
    assert len(items) == 4
    assert other[1].split()[0] in items[0]
    assert "Knit at home" in items[1] and "0116 000 0000" in items[1]
    assert "12 Ash Close" not in html and "LE5 5AA" not in items[1]
    # Hidden and unknown look the same, and neither says what it was.
    assert "No longer listed" in items[2] and "No longer listed" in items[3]
    assert "Belgrave Library" not in html
    # The link and QR code to share carry only what is still listed, in the order picked.
    assert f"/list?ids={other[0]},{private_id}\"" in html
    assert 'role="img" aria-label="QR code for this list"' in html


def test_ticked_listings_are_added_once_and_can_be_taken_off(list_client):
    from app.web.qr import qr_svg

    client, private_id = list_client
    html = page(client, f"/list?ids={private_id}&add=evington-library&add={private_id}&add=bad%3Cscript%3E")
    share = f"http://localhost/list?ids={private_id},evington-library"
    assert f'<a href="{share}">' in html
    assert len(_entries(html)) == 2 and "Evington Library" in _entries(html)[1]
    assert "Part of this link was not a listing" in html and "<script>" not in html
    assert str(qr_svg(share, "QR code for this list")) in html  # the code encodes exactly the link
    removed = page(client, f"/list?ids={private_id},evington-library&remove=evington-library")
    assert len(_entries(removed)) == 1
    assert "Evington" not in removed.split("<ol")[1]


def test_a_list_is_capped_and_an_empty_one_says_how_to_start(client):
    many = ",".join(f"listing-{n}" for n in range(40))
    html = page(client, f"/list?ids={many}")
    assert "A list can hold 30 listings" in html and len(_entries(html)) == 30
    empty = page(client, "/list")
    assert "Your list is empty" in empty and "<svg" not in empty


def test_results_can_be_ticked_into_my_list_and_the_list_follows_the_search(client):
    html = page(client, "/?postcode=LE4+6JD&ids=evington-library")
    assert 'name="add" value="belgrave-library" form="pick"' in html
    form = html[html.index('id="pick"'):]
    form = form[:form.index("</form>")]
    assert 'name="ids" value="evington-library"' in form
    assert "Show my list" in form
    # The list rides along in the search's own links (next page, map, print).
    assert "ids=evington-library" in html[html.index("Show these on a map") - 300:html.index("Show these on a map")]
    assert 'form="pick"' in page(client, "/map?postcode=LE4+6JD")


def first_screen_names(html):
    """Return the listings' names in page order."""
    from html import unescape

    return [unescape(n) for n in re.findall(r'<h[345]><a href="/assets/[^"]+"><bdi>([^<]+)</bdi>', html)]


def test_from_le4_5ad_the_belgrave_groups_come_first_with_how_far_their_ward_starts(client, source_rows):
    html = page(client, "/?postcode=LE4+5AD")
    assert "LE4 5AD is in Abbey ward." in html
    belgrave_groups = {r["name"] for r in source_rows
                       if r["ward"] == "Belgrave" and r["location_precision"] == "ward" and r["category"] == "group_activity"}
    assert belgrave_groups
    heading = re.search(r"<h4>In Belgrave, which starts about (\d+) metres from you</h4>", html)
    assert heading and 0 < int(heading[1]) < 1000
    names = first_screen_names(html)
    # Before any listing with an address, and never with a walking time (no invented pin).
    assert set(names[:len(belgrave_groups) + 1]) >= belgrave_groups
    section = html[html.index('id="ward-level-heading"'):html.index("Places near you, nearest first")]
    assert "walk" not in section and "Somewhere in Belgrave ward" in section


def test_health_and_advice_services_never_push_things_to_do_off_the_first_page(client, source_rows):
    html = page(client, "/?postcode=LE4+5AD")
    services_at = html.index('id="services-heading"')
    listed, services = first_screen_names(html[:services_at]), first_screen_names(html[services_at:])
    kinds = {r["name"]: r["category"] for r in source_rows}
    located_things_to_do = [r for r in source_rows if r["category"] not in ("health_service", "advice_support")
                            and r["location_precision"] != "ward" and r["postcode"]]
    assert len(located_things_to_do) < 50  # all on the first page, ahead of every GP practice
    assert not [n for n in listed if kinds.get(n) == "health_service"]
    assert {r["name"] for r in located_things_to_do} <= set(listed)
    assert len(services) == 5 and all(kinds[n] in ("health_service", "advice_support") for n in services)
    total = sum(r["category"] in ("health_service", "advice_support") and r["location_precision"] != "ward"
                for r in source_rows)
    link = re.search(r'<a href="(/\?[^"]+)">See all (\d+) health and advice services</a>', html)
    assert link and int(link[2]) == total
    assert "category=health_service&amp;category=advice_support" in link[1]


def test_more_than_one_category_can_be_chosen(client, source_rows):
    html = page(client, "/?category=library&category=cafe")
    wanted = {r["name"] for r in source_rows if r["category"] in ("library", "cafe")}
    assert set(first_screen_names(html)) == wanted
    assert 'value="library" checked' in html and 'value="cafe" checked' in html
    assert "Health and advice services" not in html  # what was asked for, nothing set apart


def test_the_audience_filter_works_on_the_data_that_has_it(client, source_rows):
    html = page(client, "/?audience=Women+aged+50%2B")
    assert '<label for="audience">Who it is for</label>' in html
    assert set(first_screen_names(html)) == {r["name"] for r in source_rows if r["audience"] == "Women aged 50+"}


def test_a_thursday_search_with_nothing_on_says_what_to_do_next(client, source_rows):
    assert not any(r["schedule"] for r in source_rows)  # the bundled data gives no times yet
    html = page(client, "/?postcode=LE4+5AD&day=thu")
    assert "Sorry, nothing matches all of that." in html
    assert "No listing gives its days and times yet" in html
    assert 'href="/wards/abbey">Everything in Abbey</a>' in html
    assert "Ask at your nearest library, Belgrave Library" in html  # the nearest library in the data
    assert 'href="/suggest">Know of something? Suggest an activity or place</a>' in html


def test_a_ward_s_community_connector_is_offered_when_the_area_names_one(built_db):
    from dataclasses import replace

    from app.config import load_area

    area = replace(load_area(), connectors=(("Abbey", "Ask for the Abbey connector at the Ward Office"),))
    app = create_app({"TESTING": True, "DATABASE": str(built_db[0]), "TILE_URL": "",
                      "NOW": datetime(2026, 11, 26, 9, 0)})
    app.config["AREA"] = area
    html = page(app.test_client(), "/?postcode=LE4+5AD&day=thu")
    assert "Your community connector can help: Ask for the Abbey connector at the Ward Office" in html
    assert "Ask at your nearest library" not in html


def test_map_of_many_listings_does_not_preload_them_all(built_db):
    small = create_app({"TESTING": True, "DATABASE": str(built_db[0])}).test_client().get("/map").get_data(as_text=True)
    assert 'rel="preload" href="/api/assets.geojson' in small and '"viewBounds": null' in small
    many = create_app({"TESTING": True, "DATABASE": str(built_db[0]), "MAP_VIEW_THRESHOLD": 10})
    html = many.test_client().get("/map").get_data(as_text=True)
    assert 'rel="preload" href="/api/assets.geojson' not in html
    bounds = json.loads(re.search(r'"viewBounds": (\[\[[^\]]*\], \[[^\]]*\]\])', html).group(1))
    (south, west), (north, east) = bounds
    assert 52.5 < south < north < 52.8 and -1.3 < west < east < -1.0  # the listings' own box, in Leicester


def test_each_listing_s_map_is_centred_on_that_listing(client, built_db):
    """Map shells are made once and reused; each page must still get its own centre and points."""
    db_path, _ = built_db
    import sqlite3
    with sqlite3.connect(db_path) as db:
        placed = db.execute("SELECT id, lat, lon FROM assets WHERE lat IS NOT NULL ORDER BY id LIMIT 3").fetchall()
    for asset_id, lat, lon in placed * 2:  # the second time round, every shell comes from the cache
        html = page(client, f"/assets/{asset_id}")
        script = html[html.index("L.map("):]
        centre = re.search(r"center: (\[[^\]]*\])", script).group(1)
        assert json.loads(centre) == pytest.approx([lat, lon])
        options = json.loads(re.search(r"window\.assetMap\.start\(map_asset_map, (\{.*\})\);", script).group(1))
        assert options["pointsUrl"] == f"/api/assets/{asset_id}.geojson"
        assert "__ASSET_LAYERS_OPTIONS__" not in html and "-89.0123456789" not in html


def _how_far(html, asset_id):
    card = html[html.index(f'<a href="/assets/{asset_id}'):]
    card = card[:card.index("</li>")]
    return re.search(r"<dt>How far</dt><dd>([^<]*)</dd>", card).group(1)


def test_result_cards_are_reused_but_each_resident_sees_their_own_distance_language_and_edits(live_db):
    """Cards are kept between pages (app/web/cards.py): the distance, language and data must still be each page's."""
    client = create_app({"TESTING": True, "DATABASE": str(live_db), "TILE_URL": "",
                         "NOW": datetime(2026, 11, 26, 9, 0)}).test_client()
    near = page(client, "/?postcode=LE4+6JD&category=library")
    far = page(client, "/?postcode=LE2+1XL&category=library")
    assert _how_far(near, "belgrave-library") != _how_far(far, "belgrave-library")
    assert _how_far(page(client, "/?postcode=LE4+6JD&category=library"), "belgrave-library") == _how_far(near, "belgrave-library")
    gujarati = page(client, "/?postcode=LE4+6JD&category=library&lang=gu")
    assert "Add to my list" not in gujarati and "Add to my list" in near
    import sqlite3
    with sqlite3.connect(live_db) as db:  # an edit, as the workspace makes one: the data's version moves on
        db.execute("update assets set name = 'Belgrave Library & Neighbourhood Centre' where id = 'belgrave-library'")
        db.execute("update meta set value = cast(value as integer) + 1 where key = 'data_version'")
    assert "Belgrave Library &amp; Neighbourhood Centre" in page(client, "/?postcode=LE4+6JD&category=library")


def test_words_a_resident_typed_are_escaped_inside_translated_sentences(client):
    # "No listing says it speaks %(language)s yet." carries the resident's own words into a
    # translated sentence: they must arrive as text, in every language, never as markup.
    typed = '<img src=x onerror="alert(1)">Tamil'
    for lang in ("en", "gu", "ur"):
        html = client.get("/", query_string={"postcode": "LE4 5AD", "language": typed, "lang": lang}).get_data(as_text=True)
        assert typed not in html
        assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;Tamil" in html


def _search_form_of(html: str) -> str:
    return html[html.rindex("<form", 0, html.index('id="search-form"')):].split("</form>")[0]


def test_the_kept_search_form_shows_each_resident_their_own_search(client):
    """The form is kept between requests (app/web/search_form.py): what one resident typed or chose never shows for another."""
    first = _search_form_of(client.get("/?postcode=LE4+5AD&day=thu&q=yoga").get_data(as_text=True))
    assert 'value="LE4 5AD"' in first and 'value="yoga"' in first
    assert '<option value="thu" selected>' in first

    second = _search_form_of(client.get("/?postcode=LE2+0TA&day=thu").get_data(as_text=True))
    assert 'value="LE2 0TA"' in second and "LE4 5AD" not in second and "yoga" not in second
    assert '<option value="thu" selected>' in second

    other_day = _search_form_of(client.get("/?postcode=LE2+0TA&day=fri&category=library").get_data(as_text=True))
    assert '<option value="fri" selected>' in other_day and '<option value="thu" selected>' not in other_day
    assert 'value="library" checked' in other_day

    typed = '"><script>alert(1)</script>\x00postcode\x00'
    hostile = _search_form_of(client.get("/", query_string={"postcode": typed, "q": typed}).get_data(as_text=True))
    assert "<script>alert(1)" not in hostile and hostile.count("&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;") == 2

    gujarati = _search_form_of(client.get("/?postcode=LE2+0TA&day=thu&lang=gu").get_data(as_text=True))
    assert 'name="lang" value="gu"' in gujarati and 'value="LE2 0TA"' in gujarati
    assert "Your postcode" not in gujarati and "Your postcode" in second


def test_the_kept_navigation_links_each_language_to_the_page_being_read(client):
    """The navigation and footer are kept between requests (app/web/chrome.py): the links to this
    page in other languages, and the language shown, are still each page's own."""
    wards = client.get("/wards").get_data(as_text=True)
    assert wards.count('href="/wards?lang=gu" lang="gu"') == 2  # header (wide screens) and footer (phones)
    assert 'href="/wards" lang="en" hreflang="en"\n             aria-current="true"' in wards
    about = client.get("/about").get_data(as_text=True)
    assert about.count('href="/about?lang=ur" lang="ur"') == 2 and "/wards?lang=" not in about
    searched = client.get("/?postcode=LE4+5AD&day=thu").get_data(as_text=True)
    assert 'href="/?postcode=LE4+5AD&amp;day=thu&amp;lang=pa" lang="pa"' in searched
    gujarati = client.get("/wards?lang=gu").get_data(as_text=True)
    assert 'href="/wards" lang="en"' in gujarati and 'hreflang="gu"\n             aria-current="true"' in gujarati
    assert 'href="/map?lang=gu"' in gujarati and ">Find things to do<" not in gujarati
    assert ">Find things to do<" in client.get("/about").get_data(as_text=True)


def test_each_app_keeps_its_own_navigation_and_footer(app, other_area, tmp_path):
    from click.testing import CliRunner
    from app.cli import cli

    db = tmp_path / "other.db"
    assert CliRunner().invoke(cli, ["--area", str(other_area), "build", "--db", str(db)]).exit_code == 0
    # The same day on both: the footer says when it was printed.
    testshire = create_app({"TESTING": True, "DATABASE": str(db), "NOW": app.config.get("NOW")},
                           area_file=other_area).test_client()
    leicester = app.test_client()
    for _ in range(2):
        page = testshire.get("/about").get_data(as_text=True)
        assert "Printed from Testshire Community Map" in page and "Leicester" not in page
        page = leicester.get("/about").get_data(as_text=True)
        assert "Printed from Leicester Community Map" in page and "Testshire" not in page
