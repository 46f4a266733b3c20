"""Capture what you see on foot: a poster's photo, its words read by OCR, a private draft in the queue."""
import io
import re
from html import unescape

import pytesseract
import pytest
import sqlite_utils
from PIL import Image
from posters import GUJARATI_LINE, encoded, font_file, poster
from test_workspace import NOW, ORIGIN, post, sign_in

from app import create_app, store
from app.accounts import User
from app.walks import captures
from app.walks.walk import save_walk


@pytest.fixture
def app(live_db):
    return create_app({"TESTING": True, "DATABASE": str(live_db), "TILE_URL": "", "NOW": NOW,
                       "SECRET_KEY": "test only", "SESSION_COOKIE_SECURE": False})


@pytest.fixture
def asha(client):
    sign_in(client)
    return client


def rows(app, sql, params=()):
    return [dict(r) for r in sqlite_utils.Database(app.config["DATABASE"]).query(sql, params)]


def photo_folder(app):
    return store.connect(app.config["DATABASE"]).conn and captures.photo_dir(store.connect(app.config["DATABASE"]))


def stored_photos(app):
    return sorted(p.name for p in photo_folder(app).iterdir())


def upload(client, data: bytes, name="poster.png", url="/workspace/capture"):
    return post(client, url, {"photo": (io.BytesIO(data), name)}, page="/workspace/capture")


def blank_png() -> bytes:
    """A small white picture: no words for Tesseract to find, quickly."""
    return encoded(Image.new("RGB", (80, 60), "white"))


def step_two(client, response):
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    url = response.headers["Location"]
    return url, client.get(url).get_data(as_text=True)


def field(html, name):
    if name == "details":
        return unescape(re.search(r'name="details"[^>]*>([^<]*)</textarea>', html).group(1))
    return unescape(re.search(rf'name="{name}" value="([^"]*)"', html).group(1))


def test_a_poster_photo_fills_in_the_draft_and_lands_in_the_queue_only(app, asha):
    gujarati = font_file("Noto Sans Gujarati") is not None
    url, html = step_two(asha, upload(asha, encoded(poster(gujarati=gujarati))))
    assert field(html, "name") == "Coffee Morning"
    assert field(html, "when_text") == "Tue 10:00-12:00"
    assert field(html, "phone") == "0116 496 0123"
    assert "All welcome, free tea and cake" in field(html, "details")
    if gujarati:
        assert GUJARATI_LINE in field(html, "details")  # read with Tesseract's Gujarati data
    [capture] = rows(app, "select * from captures")
    assert capture["suggestion_id"] is None and "Coffee Morning" in capture["ocr_text"]
    # The connector corrects a field and says where they saw it.
    response = post(asha, url, {"action": "save", "name": "Coffee morning at the centre", "category": "group_activity",
                                "when_text": "Tue 10:00-12:00", "phone": "0116 496 0123",
                                "details": "All welcome", "postcode": "le4 6jd", "lat": "", "lon": ""}, page=url)
    assert response.status_code == 302 and "saved=" in response.headers["Location"]
    [draft] = rows(app, "select * from suggestions")
    assert (draft["kind"], draft["status"], draft["name"], draft["postcode"], draft["contact"]) == \
        ("capture", "open", "Coffee morning at the centre", "LE4 6JD", "0116 496 0123")
    [capture] = rows(app, "select * from captures")
    assert capture["suggestion_id"] == draft["id"] and capture["postcode"] == "LE4 6JD" and capture["lat"]
    assert capture["created_by"] == "Asha" and capture["photo_path"] in stored_photos(app)
    # Residents see nothing of it until a connector accepts it.
    assert "Coffee morning at the centre" not in asha.get("/?q=coffee+morning").get_data(as_text=True)
    assert asha.get("/api/assets?q=coffee+morning+centre").get_json()["total"] == 0
    queue = asha.get("/workspace/suggestions").get_data(as_text=True)
    assert "Seen on foot: Coffee morning at the centre" in queue
    assert f'src="/workspace/captures/{capture["id"]}/photo"' in queue


def test_accepting_the_draft_fills_the_listing_form_and_deletes_the_photo(app, asha):
    url, _ = step_two(asha, upload(asha, blank_png()))
    post(asha, url, {"action": "save", "name": "Chair yoga", "when_text": "Wed 14:00-15:00",
                     "phone": "0116 496 0123", "details": "Gentle", "postcode": "LE4 6JD"}, page=url)
    [draft] = rows(app, "select id from suggestions")
    [capture] = rows(app, "select * from captures")
    response = post(asha, f"/workspace/suggestions/{draft['id']}", {"action": "accept"}, page="/workspace/suggestions")
    form_url = response.headers["Location"]
    assert form_url == f"/workspace/assets/new?suggestion={draft['id']}"
    form = asha.get(form_url).get_data(as_text=True)
    assert 'value="Chair yoga"' in form and 'value="Wed 14:00-15:00"' in form and 'value="0116 496 0123"' in form
    assert capture["photo_path"] in stored_photos(app)
    response = post(asha, "/workspace/assets/new", {"name": "Chair yoga", "category": "group_activity",
                                                   "postcode": "LE4 6JD", "schedule": "Wed 14:00-15:00",
                                                   "contact_phone": "0116 496 0123", "source": "Poster",
                                                   "suggestion": str(draft["id"])}, page=form_url)
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    assert rows(app, "select status from suggestions") == [{"status": "accepted"}]
    assert stored_photos(app) == [] and rows(app, "select photo_path from captures") == [{"photo_path": None}]
    assert asha.get(f"/workspace/captures/{capture['id']}/photo").status_code == 404


@pytest.mark.parametrize("action, extra", [("reject", {"reason": "Already listed"}),
                                           ("merge", {"asset_id": "belgrave-library"})])
def test_closing_the_draft_deletes_the_photo(app, asha, action, extra):
    url, _ = step_two(asha, upload(asha, blank_png()))
    post(asha, url, {"action": "save", "name": "Bingo", "postcode": "LE4 6JD"}, page=url)
    [draft] = rows(app, "select id from suggestions")
    assert len(stored_photos(app)) == 1
    response = post(asha, f"/workspace/suggestions/{draft['id']}", {"action": action, **extra},
                    page="/workspace/suggestions")
    assert response.status_code == 302
    assert stored_photos(app) == []


def test_the_stored_photo_has_no_location_or_other_metadata(app, asha):
    exif = Image.Exif()
    exif[0x010E] = "Poster in the window of 12 Example Road"                # ImageDescription
    exif[0x0110] = "Connector's phone"                                       # Model
    exif[0x8825] = {1: "N", 2: (52.0, 39.0, 12.5), 3: "W", 4: (1.0, 7.0, 30.0)}  # GPSInfo
    exif[0x0112] = 6                                                         # Orientation: turned on its side
    original = encoded(Image.new("RGB", (400, 300), "white"), "JPEG", exif=exif.tobytes())
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)        # the upload does carry GPS
    step_two(asha, upload(asha, original, name="IMG_0001.jpg"))
    [name] = stored_photos(app)
    raw = (photo_folder(app) / name).read_bytes()
    stored = Image.open(io.BytesIO(raw))
    assert stored.format == "JPEG" and dict(stored.getexif()) == {} and "exif" not in stored.info
    assert b"Exif" not in raw and b"Example Road" not in raw and b"GPS" not in raw
    assert stored.size == (300, 400)    # the orientation was applied to the pixels before the tag went
    assert oct(photo_folder(app).stat().st_mode & 0o777) == "0o700"
    assert oct((photo_folder(app) / name).stat().st_mode & 0o777) == "0o600"


def test_a_40_mb_photo_gets_a_clear_message_and_nothing_is_saved(app, asha):
    response = upload(asha, b"\xff\xd8" + b"0" * (40 * 1024 * 1024))
    html = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "That photo is 40 MB; photos can be up to 10 MB. Nothing was saved." in html
    assert '<input type="file" id="photo"' in html                       # the upload form, to try again
    assert rows(app, "select * from captures") == [] and stored_photos(app) == []


def padded_jpeg(size: int) -> bytes:
    """A small white JPEG padded after its end marker to `size` bytes: decodable, and as big as a camera's."""
    data = encoded(Image.new("RGB", (80, 60), "white"), "JPEG")
    return data + b"\0" * (size - len(data))


def test_a_photo_larger_than_a_spreadsheet_may_be_is_accepted(app, asha):
    assert app.config["MAX_CONTENT_LENGTH"] < 7 * 1024 * 1024
    step_two(asha, upload(asha, padded_jpeg(7 * 1024 * 1024), name="IMG_0002.jpg"))
    assert len(stored_photos(app)) == 1


def test_the_photo_limit_is_configurable_and_checked_on_the_photo_itself(app, asha):
    app.config["CAPTURE_MAX_BYTES"] = 50_000
    response = upload(asha, padded_jpeg(60_000))     # within the form's allowance, over the photo's
    assert response.status_code == 400
    assert "That photo is 59 KB; photos can be up to 49 KB. Nothing was saved." in response.get_data(as_text=True)
    assert rows(app, "select * from captures") == [] and stored_photos(app) == []


def test_a_text_file_named_photo_jpg_is_refused(app, asha):
    response = upload(asha, b"Dear connector,\nthis is not a picture at all.\n", name="photo.jpg")
    assert response.status_code == 400
    assert "That file is not a photo we can read" in response.get_data(as_text=True)
    assert rows(app, "select * from captures") == [] and stored_photos(app) == []
    # The content decides, not the name: a real picture with an odd name is fine.
    step_two(asha, upload(asha, blank_png(), name="scan.txt"))
    assert len(stored_photos(app)) == 1


def test_a_small_file_claiming_a_huge_picture_is_refused(app, asha):
    bomb = encoded(Image.new("1", (9000, 7000), 1))          # 63 million pixels in a few kilobytes
    assert len(bomb) < 100_000
    response = upload(asha, bomb)
    assert response.status_code == 400 and "too many pixels" in response.get_data(as_text=True)
    assert rows(app, "select * from captures") == [] and stored_photos(app) == []


def test_no_photo_chosen_gets_a_message(app, asha):
    response = post(asha, "/workspace/capture", {}, page="/workspace/capture")
    assert response.status_code == 400 and "Choose a photo first." in response.get_data(as_text=True)


def test_a_failed_ocr_still_keeps_the_photo_and_the_typed_fields(app, asha, monkeypatch):
    def broken(*args, **kwargs):
        raise pytesseract.TesseractError(1, "Error opening data file guj.traineddata")

    monkeypatch.setattr(pytesseract, "image_to_string", broken)
    url, html = step_two(asha, upload(asha, encoded(poster(gujarati=False))))
    assert "No writing could be read from the photo. The photo is kept" in html
    assert field(html, "name") == "" and len(stored_photos(app)) == 1
    response = post(asha, url, {"action": "save", "name": "Coffee morning", "when_text": "Tue 10:00-12:00",
                                "postcode": "LE4 6JD"}, page=url)
    assert response.status_code == 302
    assert rows(app, "select name, when_text, kind from suggestions") == [
        {"name": "Coffee morning", "when_text": "Tue 10:00-12:00", "kind": "capture"}]
    assert len(stored_photos(app)) == 1


def test_a_photo_with_no_writing_says_so(app, asha):
    _, html = step_two(asha, upload(asha, blank_png()))
    assert "No writing could be read from the photo" in html


def test_the_phones_location_is_kept_with_the_nearest_postcode(app, asha):
    url, _ = step_two(asha, upload(asha, blank_png()))
    # Near LE4 6JD in Belgrave.
    lat, lon = rows(app, "select lat, lon from postcodes where postcode = 'LE4 6JD'")[0].values()
    response = post(asha, url, {"action": "save", "name": "Bingo", "lat": f"{lat:.5f}", "lon": f"{lon:.5f}",
                                "postcode": ""}, page=url)
    assert response.status_code == 302
    [capture] = rows(app, "select lat, lon, postcode from captures")
    assert capture == {"lat": pytest.approx(lat, abs=1e-5), "lon": pytest.approx(lon, abs=1e-5), "postcode": "LE4 6JD"}


@pytest.mark.parametrize("where, message", [
    ({"postcode": ""}, "Please say where you saw it: tap “Use my location”, or type the postcode."),
    ({"postcode": "NG1 1AA"}, "The postcode NG1 1AA is outside Leicester. Only places in Leicester can be added."),
    ({"postcode": "LE11 3AA"}, "is outside Leicester"),          # Loughborough: the same postcode area
    ({"postcode": "not a postcode"}, "does not look like a postcode"),
    ({"lat": "51.5074", "lon": "-0.1278"}, "Where you are now is outside Leicester"),   # London
    ({"lat": "abc", "lon": "1"}, "Your phone's location could not be used"),
])
def test_gps_refused_or_a_place_outside_the_area_gets_a_clear_message(app, asha, where, message):
    url, _ = step_two(asha, upload(asha, blank_png()))
    response = post(asha, url, {"action": "save", "name": "Bingo", "details": "Fridays", **where}, page=url)
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 400 and message in html
    assert 'value="Bingo"' in html                                    # what was typed is still there
    assert rows(app, "select * from suggestions") == []               # nothing half-saved
    assert rows(app, "select suggestion_id from captures") == [{"suggestion_id": None}]


def test_a_name_is_needed(app, asha):
    url, _ = step_two(asha, upload(asha, blank_png()))
    response = post(asha, url, {"action": "save", "name": " ", "postcode": "LE4 6JD"}, page=url)
    assert response.status_code == 400 and "Please give it a name." in response.get_data(as_text=True)
    assert rows(app, "select * from suggestions") == []


def test_cancel_deletes_the_photo(app, asha):
    url, _ = step_two(asha, upload(asha, blank_png()))
    assert len(stored_photos(app)) == 1
    assert post(asha, url, {"action": "cancel"}, page=url).status_code == 200
    assert stored_photos(app) == [] and rows(app, "select * from captures") == []


def test_a_capture_can_belong_to_a_walk(app, asha):
    db = store.connect(app.config["DATABASE"])
    walk_id = save_walk(db, User(1, "Asha", "connector"), ward_code=None, title="Belgrave", asset_ids=[])
    response = upload(asha, blank_png(), url=f"/workspace/capture?walk={walk_id}")
    step_two(asha, response)
    assert rows(app, "select walk_id from captures") == [{"walk_id": walk_id}]
    response = upload(asha, blank_png(), url="/workspace/capture?walk=no-such-walk")
    assert response.status_code == 400 and "That walk no longer exists" in response.get_data(as_text=True)


def test_photos_are_for_signed_in_connectors_only(app, client):
    sign_in(client)
    url, _ = step_two(client, upload(client, blank_png()))
    capture_id = url.rsplit("/", 1)[1]
    photo = client.get(f"/workspace/captures/{capture_id}/photo")
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg" and "no-store" in photo.headers["Cache-Control"]
    assert Image.open(io.BytesIO(photo.data)).size == (80, 60)
    stranger = app.test_client()
    response = stranger.get(f"/workspace/captures/{capture_id}/photo")
    assert response.status_code == 302 and "/workspace/sign-in" in response.headers["Location"]
    [name] = stored_photos(app)
    assert stranger.get(f"/static/{name}").status_code == 404 and stranger.get(f"/captures/{name}").status_code == 404


def test_another_connector_cannot_use_my_unsaved_photo(app, client):
    sign_in(client)
    url, _ = step_two(client, upload(client, blank_png()))
    ben = app.test_client()
    sign_in(ben, "Ben", "another long password")
    assert ben.get(url).status_code == 404
    assert post(ben, url, {"action": "save", "name": "Mine now", "postcode": "LE4 6JD"}, page="/workspace/").status_code == 404


def test_no_csrf_token_no_upload(app, asha):
    response = asha.post("/workspace/capture", data={"photo": (io.BytesIO(blank_png()), "p.png")},
                         headers={"Origin": ORIGIN})
    assert response.status_code == 400 and rows(app, "select * from captures") == []


def test_typed_text_is_escaped_in_the_queue(app, asha):
    url, _ = step_two(asha, upload(asha, blank_png()))
    post(asha, url, {"action": "save", "name": "<script>alert(1)</script>", "postcode": "LE4 6JD"}, page=url)
    queue = asha.get("/workspace/suggestions").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in queue and "&lt;script&gt;alert(1)&lt;/script&gt;" in queue


def test_uploads_left_a_day_unsaved_are_deleted(app, asha):
    step_two(asha, upload(asha, blank_png()))
    db = store.connect(app.config["DATABASE"])
    with store.transaction(db):
        db.execute("update captures set created_at = '2020-01-01T00:00:00+00:00'")
    step_two(asha, upload(asha, blank_png()))
    assert len(stored_photos(app)) == 1 and len(rows(app, "select * from captures")) == 1


# On a walk, offline: the phone keeps the photo and what was typed, then sends them in one go.

@pytest.fixture
def walk_id(app):
    db = store.connect(app.config["DATABASE"])
    return save_walk(db, User(1, "Asha", "connector"), ward_code=None, title="Belgrave", asset_ids=[])


def send_from_walk(client, walk_id, data: bytes | None, filename="poster.png", **fields):
    form = {"id": "k1-abc", "by": "Asha", "postcode": "LE4 6JD", **fields}
    if data is not None:
        form["photo"] = (io.BytesIO(data), filename)
    return post(client, f"/workspace/walks/{walk_id}/captures", form, page=f"/workspace/walks/{walk_id}/go")


def nothing_saved(app):
    return rows(app, "select * from captures") == [] and rows(app, "select * from suggestions") == [] \
        and stored_photos(app) == []


def test_a_photo_kept_on_a_walk_lands_as_a_draft_of_that_walk_with_its_words_filled_in(app, asha, walk_id):
    gujarati = font_file("Noto Sans Gujarati") is not None
    response = send_from_walk(asha, walk_id, encoded(poster(gujarati=gujarati)), phone="0116 496 0999",
                              details="", name="  ")
    answer = response.get_json()
    assert response.status_code == 200 and answer["status"] == "saved" and answer["id"] == "k1-abc", answer
    [draft] = rows(app, "select * from suggestions")
    assert answer["suggestion_id"] == draft["id"] and f"number {draft['id']}" in answer["message"]
    # Blank boxes take the photo's words; what was typed wins.
    assert (draft["kind"], draft["status"], draft["name"], draft["when_text"], draft["contact"], draft["postcode"]) == \
        ("capture", "open", "Coffee Morning", "Tue 10:00-12:00", "0116 496 0999", "LE4 6JD")
    assert "All welcome, free tea and cake" in draft["details"]
    if gujarati:
        assert GUJARATI_LINE in draft["details"]
    [capture] = rows(app, "select * from captures")
    assert capture["walk_id"] == walk_id and capture["suggestion_id"] == draft["id"] and capture["created_by"] == "Asha"
    assert [capture["photo_path"]] == stored_photos(app)
    queue = asha.get("/workspace/suggestions").get_data(as_text=True)
    assert "Seen on foot: Coffee Morning" in queue
    assert f'on the walk <a href="/workspace/walks/{walk_id}">{walk_id}</a>' in queue


def test_the_walk_page_offers_add_what_i_found_inside_the_walk(app, asha, walk_id):
    html = asha.get(f"/workspace/walks/{walk_id}/go").get_data(as_text=True)
    assert "Add what I found" in html and f'data-captures="/workspace/walks/{walk_id}/captures"' in html
    assert '<input type="file" id="photo" name="photo" accept="image/*" capture="environment"' in html
    assert 'data-max-bytes="10485760"' in html and "/static/capture.js" in html


def test_a_40_mb_photo_from_a_walk_gets_the_same_message_and_nothing_is_saved(app, asha, walk_id):
    response = send_from_walk(asha, walk_id, b"\xff\xd8" + b"0" * (40 * 1024 * 1024), filename="IMG_0003.jpg")
    assert response.status_code == 413
    assert response.get_json() == {"status": "rejected", "field": "photo", "message":
                                   "That photo is 40 MB; photos can be up to 10 MB. Nothing was saved. "
                                   "Take it again, or choose a smaller copy."}
    assert nothing_saved(app)


def test_a_photo_over_the_configured_limit_from_a_walk_is_refused(app, asha, walk_id):
    app.config["CAPTURE_MAX_BYTES"] = 50_000
    response = send_from_walk(asha, walk_id, padded_jpeg(60_000), filename="IMG_0004.jpg")
    assert response.status_code == 400 and response.get_json()["field"] == "photo"
    assert "That photo is 59 KB; photos can be up to 49 KB. Nothing was saved." in response.get_json()["message"]
    assert nothing_saved(app)


def test_a_file_that_is_not_a_photo_from_a_walk_is_refused(app, asha, walk_id):
    response = send_from_walk(asha, walk_id, b"Dear connector,\nnot a picture.\n", filename="photo.jpg")
    answer = response.get_json()
    assert response.status_code == 400 and answer["status"] == "rejected" and answer["field"] == "photo"
    assert answer["message"].startswith("That file is not a photo we can read") and answer["id"] == "k1-abc"
    assert nothing_saved(app)
    response = send_from_walk(asha, walk_id, None)
    assert response.status_code == 400 and response.get_json()["message"] == "Choose a photo first."


def test_a_photo_for_a_walk_that_is_gone_is_refused(app, asha, walk_id):
    response = post(asha, "/workspace/walks/no-such-walk/captures", {"photo": (io.BytesIO(blank_png()), "p.png"),
                                                                     "postcode": "LE4 6JD"},
                    page=f"/workspace/walks/{walk_id}/go")
    assert response.status_code == 404 and response.get_json()["field"] == "walk"
    assert "That walk no longer exists" in response.get_json()["message"]
    assert nothing_saved(app)


def test_a_draft_that_cannot_be_saved_leaves_no_photo_behind(app, asha, walk_id):
    # No name typed and none on the photo: the photo was read, then everything is taken back.
    response = send_from_walk(asha, walk_id, blank_png())
    assert response.status_code == 400 and response.get_json()["message"] == "Please give it a name."
    assert response.get_json()["field"] == "name"
    assert nothing_saved(app)
    response = send_from_walk(asha, walk_id, blank_png(), name="Bingo", postcode="NG1 1AA")
    assert response.status_code == 400 and "is outside Leicester" in response.get_json()["message"]
    assert nothing_saved(app)


def test_the_phones_location_places_a_walk_capture(app, asha, walk_id):
    lat, lon = rows(app, "select lat, lon from postcodes where postcode = 'LE4 6JD'")[0].values()
    response = send_from_walk(asha, walk_id, blank_png(), name="Bingo", postcode="", lat=f"{lat:.5f}", lon=f"{lon:.5f}")
    assert response.status_code == 200, response.get_json()
    assert rows(app, "select postcode, walk_id from captures") == [{"postcode": "LE4 6JD", "walk_id": walk_id}]


def test_a_walk_capture_needs_a_form_token_and_the_connector_who_took_it(app, asha, walk_id):
    response = asha.post(f"/workspace/walks/{walk_id}/captures",
                         data={"photo": (io.BytesIO(blank_png()), "p.png"), "name": "Bingo", "postcode": "LE4 6JD"},
                         headers={"Origin": ORIGIN})
    assert response.status_code == 400 and nothing_saved(app)
    response = send_from_walk(asha, walk_id, blank_png(), name="Bingo", by="Ben")
    assert response.status_code == 409 and response.get_json()["status"] == "someone_else"
    assert "Ben took this photo on this phone" in response.get_json()["message"] and nothing_saved(app)


def test_a_walk_capture_needs_a_signed_in_connector(app, client, walk_id):
    response = client.post(f"/workspace/walks/{walk_id}/captures", data={"name": "Bingo"}, headers={"Origin": ORIGIN})
    assert response.status_code in (302, 400) and nothing_saved(app)


def test_a_photo_sent_again_after_its_answer_was_lost_is_saved_once(app, asha, walk_id):
    first = send_from_walk(asha, walk_id, blank_png(), name="Bingo", id="k2-same")
    again = send_from_walk(asha, walk_id, blank_png(), name="Bingo", id="k2-same")
    number = first.get_json()["suggestion_id"]
    assert again.status_code == 200 and again.get_json() == {
        "status": "saved", "id": "k2-same", "suggestion_id": number,
        "message": f"Already saved as draft number {number} in the suggestions queue."}
    assert len(rows(app, "select * from suggestions")) == 1 and len(stored_photos(app)) == 1
    # Another connector's phone may make the same id: theirs is their own photo.
    ben = app.test_client()
    sign_in(ben, "Ben", "another long password")
    assert send_from_walk(ben, walk_id, blank_png(), name="Bingo", id="k2-same", by="Ben").status_code == 200
    assert len(rows(app, "select * from suggestions")) == 2
