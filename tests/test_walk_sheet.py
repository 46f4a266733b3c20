"""The walk on paper and in phone map apps: the printable sheet, its route map (SVG) and the GPX file."""
from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path

import gpxpy
import pytest
import segno
from lxml import etree
from test_workspace import sign_in

from app import create_app, store
from app.accounts import User, add_user
from app.assets.edits import save_asset, set_status, wards_frame
from app.places.geocode import wgs84_to_bng
from app.places.nearby import ward_boundaries
from app.walks.route_map import RADIUS, route_map
from app.walks.sheet import route, walk_sheet
from app.walks.walk import load_walk, save_walk

ASHA = User(1, "Asha", "connector")
BELGRAVE = "E05010461"
NOW = datetime(2026, 11, 26, 9, 0)
EVIL = "<script>alert(1)</script>"
SCHEMA = Path(__file__).parent / "data" / "gpx" / "gpx-1.1.xsd"
SVG = "{http://www.w3.org/2000/svg}"
GPX = "{http://www.topografix.com/GPX/1/1}"
# Listings added for these tests, at real Belgrave postcodes (test data: no real group is named).
ADDED = [
    {"name": "Thursday lunch club (test listing)", "postcode": "LE4 6FG", "schedule": "Thu 12:00-14:00",
     "contact_phone": "0116 000 0000"},
    {"name": EVIL, "postcode": "LE4 5GU"},
    {"name": "Knit and natter (test listing)", "postcode": "LE4 6LD", "schedule": "Mon 10:00-12:00"},
]


@pytest.fixture(scope="module")
def prepared(built_db, area, tmp_path_factory):
    """The built database made live once for this module, with Asha and the added listings."""
    path = tmp_path_factory.mktemp("sheet") / "sheet.db"
    shutil.copy(built_db[0], path)
    database = store.connect(path)
    store.migrate_connection(database.conn)
    add_user(database, "Asha", "correct horse battery", "connector")
    wards = wards_frame(database)
    added = [save_asset(database, area, ASHA, {"category": "group_activity", "source": "test", **row},
                        today=NOW.date(), wards=wards).asset_id for row in ADDED]
    database.conn.close()
    return path, added


@pytest.fixture
def live_db(prepared, tmp_path):
    """A fresh copy for each test, to change freely."""
    return shutil.copy(prepared[0], tmp_path / "live.db")


@pytest.fixture
def db(live_db, prepared, app):
    database = store.connect(live_db)
    database.added = prepared[1]
    context = app.test_request_context()  # the sheet words times as the site does, in the page's language
    context.push()
    yield database
    context.pop()
    database.conn.close()


@pytest.fixture
def stops(db):
    """In route order: the library, the lunch club, Yoga (known only to Belgrave), the script, a surgery, knitting."""
    lunch, evil, knit = db.added
    return ["belgrave-library", lunch, "yoga-belgrave", evil, "brandon-street-surgery-le4-6aw", knit]


@pytest.fixture
def walk_id(db, stops):
    return save_walk(db, ASHA, ward_code=BELGRAVE, title="Belgrave, Thursday", asset_ids=stops,
                     budget_minutes=90, minutes_per_stop=5)


def make_app(db_path):
    return create_app({"TESTING": True, "DATABASE": str(db_path), "TILE_URL": "", "NOW": NOW,
                       "SECRET_KEY": "test only", "SESSION_COOKIE_SECURE": False})


@pytest.fixture
def app(live_db):
    return make_app(live_db)


@pytest.fixture(scope="module")
def signed_in_cookie(prepared):
    """Asha's session cookie, signed in once (a password check takes half a second on purpose)."""
    client = make_app(prepared[0]).test_client()
    sign_in(client)
    return client.get_cookie("session").value


@pytest.fixture
def client(app, signed_in_cookie):
    client = app.test_client()
    client.set_cookie("session", signed_in_cookie)
    return client


def place(db, asset_id) -> tuple[float, float]:
    return tuple(db.execute("select easting, northing from assets where id = ?", [asset_id]).fetchone())


def svg_of(db, walk_id) -> ET.Element:
    sheet = walk_sheet(db, load_walk(db, walk_id))
    return ET.fromstring(str(route_map(sheet.route, sheet.outline, sheet.map_label)))


def path_points(d: str) -> list[list[tuple[float, float]]]:
    """The lines of an SVG path's d attribute (M x y L x y ... [Z])."""
    lines = []
    for part in re.findall(r"M[^M]+", d):
        numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", part)]
        lines.append(list(zip(numbers[::2], numbers[1::2])))
    return lines


def markers(svg: ET.Element) -> dict[str, ET.Element]:
    return {g.get("data-key"): g for g in svg.iter(f"{SVG}g") if g.get("class") in ("stop", "start", "end")}


def marker_xy(group: ET.Element) -> tuple[float, float]:
    """Where a marker stands for: its true place (the dot when fanned out, else its circle's centre)."""
    circles = group.findall(f"{SVG}circle")
    if circles:
        circle = circles[0]
        return float(circle.get("cx")), float(circle.get("cy"))
    rect = group.find(f"{SVG}rect")
    return float(rect.get("x")) + float(rect.get("width")) / 2, float(rect.get("y")) + float(rect.get("height")) / 2


# The route map

def test_the_map_draws_the_ward_outline_the_route_through_the_stops_in_order_and_numbered_markers(db, walk_id, stops):
    svg = svg_of(db, walk_id)
    assert svg.get("role") == "img" and "Belgrave" in svg.get("aria-label")
    [outline] = [p for p in svg.iter(f"{SVG}path") if p.get("class") == "ward-outline"]
    ward = ward_boundaries(db)[BELGRAVE]
    rings = path_points(outline.get("d"))
    polygons = list(getattr(ward, "geoms", [ward]))
    assert [len(r) for r in rings] == [len(ring.coords) for p in polygons for ring in [p.exterior, *p.interiors]]

    # Numbered stops for the five with a place; Yoga (seq 3) is known only to its ward: no marker.
    found = markers(svg)
    assert sorted(found) == ["1", "2", "4", "5", "6"]
    for key, group in found.items():
        assert group.find(f"{SVG}text").text == key and group.find(f"{SVG}title").text.startswith(f"{key}. ")
    # Markers stand where the listings are: east is right, north is up, at one scale.
    xy = {key: marker_xy(group) for key, group in found.items()}
    metres = {str(i): place(db, stops[i - 1]) for i in (1, 2, 4, 5, 6)}
    (x1, y1), (e1, n1) = xy["1"], metres["1"]
    (x2, y2), (e2, n2) = xy["2"], metres["2"]
    scale = (x2 - x1) / (e2 - e1)
    assert scale > 0 and (y2 - y1) / (n2 - n1) == pytest.approx(-scale, rel=0.02)
    for key in metres:
        e, n = metres[key]
        assert xy[key] == pytest.approx((x1 + (e - e1) * scale, y1 - (n - n1) * scale), abs=1.0)
    # Inside the ward's outline.
    outline_x = [x for x, _ in rings[0]]
    outline_y = [y for _, y in rings[0]]
    assert all(min(outline_x) <= x <= max(outline_x) and min(outline_y) <= y <= max(outline_y) for x, y in xy.values())

    # One line through the stops in order, straight from one to the next (the plan gave no paths).
    [line] = [p for p in svg.iter(f"{SVG}path") if p.get("class") == "route"]
    legs = path_points(line.get("d"))
    assert [(leg[0], leg[-1]) for leg in legs] == [(pytest.approx(xy[a], abs=0.2), pytest.approx(xy[b], abs=0.2))
                                                  for a, b in [("1", "2"), ("2", "4"), ("4", "5"), ("5", "6")]]
    assert all(len(leg) == 2 for leg in legs)
    # A scale bar and a north arrow; black and white only.
    assert [g for g in svg.iter(f"{SVG}g") if g.get("class") == "scale-bar"]
    assert [g for g in svg.iter(f"{SVG}g") if g.get("class") == "north-arrow"]
    colours = {e.get(a) for e in svg.iter() for a in ("fill", "stroke") if e.get(a)}
    assert colours <= {"#000", "#fff", "none"}


def test_the_scale_bar_says_how_many_metres_its_length_is(db, walk_id, stops):
    svg = svg_of(db, walk_id)
    found = {k: marker_xy(g) for k, g in markers(svg).items()}
    (x1, _), (x2, _) = found["1"], found["2"]
    scale = (x2 - x1) / (place(db, stops[1])[0] - place(db, stops[0])[0])
    [bar] = [g for g in svg.iter(f"{SVG}g") if g.get("class") == "scale-bar"]
    rects = [r for r in bar.findall(f"{SVG}rect") if r.get("class") != "backing"]
    length = float(rects[-1].get("x")) + float(rects[-1].get("width")) - float(rects[0].get("x"))
    label = bar.findall(f"{SVG}text")[-1].text
    number, unit = re.fullmatch(r"([\d.]+) (m|km)", label).groups()
    assert length / scale == pytest.approx(float(number) * (1000 if unit == "km" else 1), rel=0.01)


def test_listing_names_are_escaped_in_the_map(db, walk_id):
    sheet = walk_sheet(db, load_walk(db, walk_id))
    text = str(route_map(sheet.route, sheet.outline, sheet.map_label))
    assert EVIL not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "4. " + EVIL in [t.text for t in ET.fromstring(text).iter(f"{SVG}title")]


def test_two_listings_at_one_postcode_get_markers_that_do_not_overlap(db):
    # Two surgeries share Belgrave Health Centre's postcode, so the same point.
    walk_id = save_walk(db, ASHA, ward_code=BELGRAVE, title="Health centre", asset_ids=[
        "brandon-street-surgery-le4-6aw", "dr-gandecha-and-partner-le4-6aw"])
    found = markers(svg_of(db, walk_id))
    centres = [(float(c.get("cx")), float(c.get("cy"))) for g in found.values() for c in g.findall(f"{SVG}circle")
               if c.get("r") != "4"]
    assert len(centres) == 2 and abs(centres[0][0] - centres[1][0]) >= 2 * RADIUS
    dots = [(float(c.get("cx")), float(c.get("cy"))) for g in found.values() for c in g.findall(f"{SVG}circle")
            if c.get("r") == "4"]
    assert len(dots) == 2 and dots[0] == dots[1]  # each led back to the one true place


def test_a_plan_with_paths_start_and_end_is_drawn_along_the_paths(db, stops):
    library, lunch = place(db, stops[0]), place(db, stops[1])
    bend = (library[0] + 40, lunch[1] - 30)
    start = {"label": "Belgrave Neighbourhood Centre", "easting": library[0] - 200, "northing": library[1] + 100}
    plan = {"start": start, "end": {"label": "Home", "easting": lunch[0] + 150, "northing": lunch[1]},
            "legs": [{"from": "start", "to": 1, "metres": 230, "minutes": 5},
                     {"from": 1, "to": 2, "metres": 400, "minutes": 8,
                      "path": [list(library), list(bend), list(lunch)]},
                     {"from": 2, "to": "end", "metres": 150, "minutes": 3}],
            "total_minutes": 26, "walking": "Along the streets, at 3 km/h."}
    walk_id = save_walk(db, ASHA, ward_code=BELGRAVE, title="With paths", asset_ids=stops[:2], plan=plan,
                        start_label="Belgrave Neighbourhood Centre")
    walk_route = route(load_walk(db, walk_id), walk_sheet(db, load_walk(db, walk_id)).on_route)
    assert [m.name for m in walk_route.marks] == [
        "Start: Belgrave Neighbourhood Centre", "1. Belgrave Library", "2. Thursday lunch club (test listing)",
        "End: Home"]
    assert walk_route.legs[1] == (library, bend, lunch) and walk_route.straight == (True, False, True)
    svg = svg_of(db, walk_id)
    [line] = [p for p in svg.iter(f"{SVG}path") if p.get("class") == "route"]
    assert [len(leg) for leg in path_points(line.get("d"))] == [2, 3, 2]
    assert {"start", "end"} <= set(markers(svg))
    sheet = walk_sheet(db, load_walk(db, walk_id))
    assert sheet.total_minutes == 26 and not sheet.total_estimated and sheet.walking == "Along the streets, at 3 km/h."


def test_a_plan_without_a_total_gets_one_worked_out_from_the_straight_lines_and_the_stops(db, walk_id, stops):
    sheet = walk_sheet(db, load_walk(db, walk_id))
    located = [place(db, stops[i]) for i in (0, 1, 3, 4, 5)]
    walking = sum(max(1, round(((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2) ** 0.5 * 1.3 / 50))
                  for a, b in zip(located, located[1:]))
    assert sheet.total_estimated and sheet.total_minutes == walking + 5 * 6
    assert "× 1.3" in sheet.walking and "3 km/h" in sheet.walking


# The sheet page

def test_the_sheet_lists_each_stop_with_its_checklist_then_the_ward_level_listing_then_the_qr(client, db, walk_id):
    response = client.get(f"/workspace/walks/{walk_id}/sheet")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert EVIL not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    for words in ("Belgrave, Thursday", "Belgrave", "26 November 2026", "Asha", "90 minutes",
                  "5 minutes at each stop", "× 1.3", 'role="img"', "Route map", "The route in order"):
        assert words in html, words
    # Per stop: number, name, address, when, contact, four tick boxes and lines for notes.
    sections = re.findall(r'<section class="sheet-stop[^"]*" id="stop-(\d+)".*?</section>', html, re.S)
    assert sections == ["1", "2", "4", "5", "6", "3"]  # Yoga, known only to its ward, comes after the route
    lunch = re.search(r'id="stop-2".*?</section>', html, re.S).group(0)
    assert "Thursday lunch club (test listing)" in lunch and "Thursday" in lunch and "0116 000 0000" in lunch
    assert "LE4 6FG" in lunch
    for check in ("Open / still running?", "Day and times right?", "Contact right?", "Posters nearby?"):
        assert lunch.count(check) == 1
    assert lunch.count('class="tick-box"') == 4 and lunch.count('class="rule"') >= 2
    yoga = re.search(r'id="stop-3".*?</section>', html, re.S).group(0)
    assert "Somewhere in this ward: ask around" in yoga and yoga.count('class="tick-box"') == 4
    assert html.index('id="ask-heading"') > html.index('id="stop-6"')
    library = re.search(r'id="stop-1".*?</section>', html, re.S).group(0)
    assert "Cossington Street" in library and "None listed" in library
    assert f"/workspace/walks/{walk_id}.gpx" in html


def test_the_qr_code_opens_the_walk_on_a_phone(client, walk_id):
    html = client.get(f"/workspace/walks/{walk_id}/sheet").get_data(as_text=True)
    go = f"http://localhost/workspace/walks/{walk_id}/go"
    assert f'<p class="go-url">{go}</p>' in html
    drawn = re.search(r'<svg role="img" aria-label="QR code[^"]*".*?</svg>', html, re.S).group(0)
    # segno draws a text the same way each time: the page's code is the go address's, and no other's.
    # (The browser test reads the printed code back with zbar, as a phone's camera would.)
    def modules(text):  # the drawing of the code, without the <svg> tag that names it
        return segno.make(text, error="m").svg_inline(scale=4, svgclass="qr", lineclass=None,
                                                      omitsize=True).split(">", 1)[1]

    assert drawn.split(">", 1)[1] == modules(go) != modules(go + "x")


def test_a_listing_deleted_since_planning_shows_as_no_longer_listed(client, db, walk_id, stops):
    set_status(db, ASHA, stops[3], "deleted")
    response = client.get(f"/workspace/walks/{walk_id}/sheet")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    gone = re.search(r'id="stop-4".*?</section>', html, re.S).group(0)
    assert "No longer listed" in gone and "tick-box" not in gone
    assert "4" not in markers(svg_of(db, walk_id))
    gpx = gpxpy.parse(client.get(f"/workspace/walks/{walk_id}.gpx").get_data(as_text=True))
    assert [w.name.split(".")[0] for w in gpx.waypoints] == ["1", "2", "5", "6"]


def test_an_unknown_walk_gets_the_no_such_walk_page(client):
    for url in ("/workspace/walks/no-such-walk/sheet", "/workspace/walks/no-such-walk.gpx"):
        response = client.get(url)
        assert response.status_code == 404 and "There is no walk at this address" in response.get_data(as_text=True)


def test_the_sheet_and_gpx_are_for_signed_in_connectors_only(app, walk_id):
    anonymous = app.test_client()
    for url in (f"/workspace/walks/{walk_id}/sheet", f"/workspace/walks/{walk_id}.gpx"):
        response = anonymous.get(url)
        assert response.status_code == 302 and "/workspace/sign-in" in response.headers["Location"]


def test_the_plans_left_out_and_other_ward_level_listings_are_listed(client, db, stops):
    plan = {"left_out": [{"asset_id": "x-1", "name": "Far away club <b>", "reason": "Over the time allowed"}],
            "ward_level": [{"asset_id": "knitting-group-belgrave", "name": "The knitting group"},
                           {"asset_id": "yoga-belgrave", "name": "Yoga"}]}
    walk_id = save_walk(db, ASHA, ward_code=BELGRAVE, title="Short", asset_ids=stops[:3], plan=plan)
    html = client.get(f"/workspace/walks/{walk_id}/sheet").get_data(as_text=True)
    left_out = re.search(r'id="left-out-heading".*?</section>', html, re.S).group(0)
    assert "Far away club &lt;b&gt;: Over the time allowed" in left_out
    ask = html[html.index('id="ask-heading"'):html.index('id="left-out-heading"')]
    assert "The knitting group" in ask and ask.count("Yoga") == 1  # a stop already: not twice


# GPX

def test_the_gpx_validates_against_the_gpx_1_1_schema(client, walk_id):
    response = client.get(f"/workspace/walks/{walk_id}.gpx")
    assert response.status_code == 200 and response.mimetype == "application/gpx+xml"
    assert response.headers["Content-Disposition"] == 'attachment; filename="walk-belgrave-thursday.gpx"'
    schema = etree.XMLSchema(etree.parse(str(SCHEMA)))
    document = etree.fromstring(response.get_data())
    assert document.tag == f"{GPX}gpx" and document.get("version") == "1.1"
    assert schema.validate(document), schema.error_log


def test_the_gpx_has_a_waypoint_per_located_stop_in_order_and_none_for_the_ward_level_one(client, db, walk_id, stops):
    gpx = gpxpy.parse(client.get(f"/workspace/walks/{walk_id}.gpx").get_data(as_text=True))
    assert gpx.name == "Belgrave, Thursday" and gpx.time is not None
    names = [w.name for w in gpx.waypoints]
    assert names == ["1. Belgrave Library", "2. Thursday lunch club (test listing)", f"4. {EVIL}",
                     "5. Brandon Street Surgery", "6. Knit and natter (test listing)"]
    assert not any("Yoga" in n for n in names)
    assert "LE4 6FG" in gpx.waypoints[1].description and "Thursday" in gpx.waypoints[1].description
    # In WGS84, where the listings are: back to the grid within a metre.
    for waypoint, seq in zip(gpx.waypoints, (1, 2, 4, 5, 6)):
        easting, northing = wgs84_to_bng([waypoint.latitude], [waypoint.longitude])
        assert (float(easting[0]), float(northing[0])) == pytest.approx(place(db, stops[seq - 1]), abs=1.0)
    # One route through the same points in the same order.
    [rte] = gpx.routes
    assert [p.name for p in rte.points] == names
    assert [(p.latitude, p.longitude) for p in rte.points] == [(w.latitude, w.longitude) for w in gpx.waypoints]


def test_the_gpx_route_follows_the_planned_paths_from_start_to_end(client, db, stops):
    library, lunch = place(db, stops[0]), place(db, stops[1])
    bend = (library[0] + 40, lunch[1] - 30)
    plan = {"start": {"label": "Centre", "easting": library[0] - 200, "northing": library[1]},
            "end": {"label": "Centre", "easting": library[0] - 200, "northing": library[1]},
            "legs": [{"from": 1, "to": 2, "path": [list(library), list(bend), list(lunch)]}]}
    walk_id = save_walk(db, ASHA, ward_code=BELGRAVE, title="Loop", asset_ids=stops[:2], plan=plan)
    gpx = gpxpy.parse(client.get(f"/workspace/walks/{walk_id}.gpx").get_data(as_text=True))
    [rte] = gpx.routes
    assert [p.name for p in rte.points] == ["Start: Centre", "1. Belgrave Library", None,
                                            "2. Thursday lunch club (test listing)", "End: Centre"]
    easting, northing = wgs84_to_bng([rte.points[2].latitude], [rte.points[2].longitude])
    assert (float(easting[0]), float(northing[0])) == pytest.approx(bend, abs=1.0)
    assert len(gpx.waypoints) == 2  # the start and end are on the route, not stops


def test_the_gpx_route_does_not_clash_with_the_walk_overview_page(app, walk_id, signed_in_cookie):
    # The planner's overview lives at /workspace/walks/<id>: a walk's .gpx must still reach the GPX.
    client = app.test_client()
    client.set_cookie("session", signed_in_cookie)
    assert client.get(f"/workspace/walks/{walk_id}.gpx").mimetype == "application/gpx+xml"
    overview = client.get(f"/workspace/walks/{walk_id}").get_data(as_text=True)
    assert "Stops in walking order" in overview and f"/workspace/walks/{walk_id}.gpx" in overview


def test_a_home_address_is_not_printed_only_its_postcode(client, db, area):
    home = save_asset(db, area, ASHA, {"name": "Knit at home (test listing)", "category": "group_activity",
                                       "postcode": "LE4 6BJ", "address": "12 Test Close", "private_address": "1",
                                       "source": "test"}, today=NOW.date()).asset_id
    walk_id = save_walk(db, ASHA, ward_code=BELGRAVE, title="Homes", asset_ids=["belgrave-library", home])
    html = client.get(f"/workspace/walks/{walk_id}/sheet").get_data(as_text=True)
    stop = re.search(r'id="stop-2".*?</section>', html, re.S).group(0)
    assert "LE4 6BJ" in stop and "private" in stop and "12 Test Close" not in html
    gpx = client.get(f"/workspace/walks/{walk_id}.gpx").get_data(as_text=True)
    assert "LE4 6BJ" in gpx and "12 Test Close" not in gpx


def test_a_walk_with_nothing_to_pin_or_only_deleted_listings_still_has_a_sheet_and_a_valid_gpx(client, db):
    schema = etree.XMLSchema(etree.parse(str(SCHEMA)))
    ward_only = save_walk(db, ASHA, ward_code=BELGRAVE, title="Ask around", asset_ids=["yoga-belgrave"])
    deleted = save_walk(db, ASHA, ward_code=BELGRAVE, title="Gone", asset_ids=[db.added[0]])
    set_status(db, ASHA, db.added[0], "deleted")
    for walk_id in (ward_only, deleted):
        response = client.get(f"/workspace/walks/{walk_id}/sheet")
        assert response.status_code == 200
        assert "no route to draw" in response.get_data(as_text=True)
        gpx = client.get(f"/workspace/walks/{walk_id}.gpx")
        assert schema.validate(etree.fromstring(gpx.get_data())), schema.error_log
        assert not gpxpy.parse(gpx.get_data(as_text=True)).waypoints
    assert "No longer listed" in client.get(f"/workspace/walks/{deleted}/sheet").get_data(as_text=True)
