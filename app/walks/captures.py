"""What a connector captures on foot: a poster's photo (private, stripped), its words by OCR, a draft listing."""
from __future__ import annotations

import io
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytesseract
import sqlite_utils
from PIL import Image, ImageOps, UnidentifiedImageError

from app.accounts import User
from app.assets import suggestions
from app.clock import stamp
from app.config import Area
from app.places.locate import LocateError, from_coordinates, from_postcode
from app.places.nearby import ward_distances
from app.store.connection import insert_row, private_dir, private_file, transaction
from app.walks.poster import PosterFields, read_poster
from app.walks.walk import load_walk
from app.web.wording import file_size

MAX_PHOTO_BYTES = 10 * 1024 * 1024     # a phone camera's JPEG is 2 to 8 MB
MAX_PIXELS = 50_000_000                # more than any phone camera; a small file claiming more is a trap
STORED_LONG_SIDE = 2400                # enough to read a poster's small print; about 1 MB stored
OCR_LANGUAGES = "eng+guj"
OCR_TIMEOUT_S = 30
ABANDONED_AFTER = timedelta(days=1)    # an upload never saved as a draft is deleted after this
# Pillow decodes these (by their content, never their name); anything else is refused.
FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
NEAREST_POSTCODE_M = 200


class CaptureError(ValueError):
    """A capture that cannot be used; the message says what to do, and nothing was saved."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class PhotoRead:
    capture_id: int
    ocr_text: str
    fields: PosterFields
    ocr_problem: str | None          # why nothing was read, for the connector; None when text was found


def photo_dir(db: sqlite_utils.Database) -> Path:
    """Return the private folder beside the database where captured photos are kept (never served publicly)."""
    main = next(row[2] for row in db.execute("pragma database_list") if row[1] == "main")
    return private_dir(Path(main).parent / "captures")


def clean_photo(data: bytes, max_bytes: int = MAX_PHOTO_BYTES) -> Image.Image:
    """Decode an upload as an image and return a fresh copy with no metadata (EXIF, GPS, comments) at all."""
    if not data:
        raise CaptureError("photo", "Choose a photo first.")
    if len(data) > max_bytes:
        raise CaptureError("photo", f"That photo is {file_size(len(data))}; photos can be up to "
                                    f"{file_size(max_bytes)}. Nothing was saved. Take it again, or choose a "
                                    "smaller copy.")
    not_photo = CaptureError("photo", "That file is not a photo we can read (a JPEG, PNG, WebP or GIF picture). "
                                      "Nothing was saved. Please take or choose a photo.")
    try:
        image = Image.open(io.BytesIO(data), formats=FORMATS)
        if image.width * image.height > MAX_PIXELS:
            raise CaptureError("photo", "That picture has too many pixels to be a photo. Nothing was saved.")
        image.load()
        image = ImageOps.exif_transpose(image)  # keep it the right way up once the orientation tag is gone
    except CaptureError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError):
        raise not_photo from None
    image = image.convert("RGB")
    image.thumbnail((STORED_LONG_SIDE, STORED_LONG_SIDE))
    # Pixels only, into a new image: nothing of the upload's metadata can ride along.
    return Image.frombytes("RGB", image.size, image.tobytes())


def read_text(image: Image.Image, languages: str = OCR_LANGUAGES,
              timeout_s: float = OCR_TIMEOUT_S) -> tuple[str, str | None]:
    """Read a photo's words with Tesseract; return (text, None) or ("", why nothing was read)."""
    try:
        text = pytesseract.image_to_string(ImageOps.grayscale(image), lang=languages, timeout=timeout_s)
    except pytesseract.TesseractNotFoundError:
        return "", "The text reader (Tesseract) is not installed here, so the fields are empty: please type them."
    except (pytesseract.TesseractError, RuntimeError, OSError) as exc:
        return "", f"The text reader could not read this photo ({str(exc).strip()[:120]}): please type the fields."
    text = text.strip()
    if not any(c.isalnum() for c in text):
        return "", "No writing could be read in this photo: please type the fields (or take it again, closer)."
    return text, None


def _discard_abandoned(db: sqlite_utils.Database) -> None:
    """Delete uploads never saved as drafts: a connector who walked away leaves no photo behind."""
    cutoff = (datetime.now(timezone.utc) - ABANDONED_AFTER).isoformat(timespec="seconds")
    with transaction(db):
        names = [r[0] for r in db.execute(
            "select photo_path from captures where suggestion_id is null and created_at < ?", [cutoff])]
        db.execute("delete from captures where suggestion_id is null and created_at < ?", [cutoff])
    delete_photos(db, names)


def store_photo(db: sqlite_utils.Database, user: User, data: bytes, *, walk_id: str | None = None,
                max_bytes: int = MAX_PHOTO_BYTES, languages: str = OCR_LANGUAGES,
                client_id: str | None = None) -> PhotoRead:
    """Keep a stripped copy of an uploaded photo, read its words and guess the fields (step one of two)."""
    walk_id = (walk_id or "").strip() or None
    if walk_id and load_walk(db, walk_id) is None:
        raise CaptureError("walk", "That walk no longer exists. Nothing was saved; add what you found without it.")
    image = clean_photo(data, max_bytes)
    text, problem = read_text(image, languages)
    _discard_abandoned(db)
    name = f"{secrets.token_hex(16)}.jpg"
    path = private_file(photo_dir(db) / name)
    image.save(path, "JPEG", quality=85)
    try:
        with transaction(db):
            insert_row(db, "captures", {"walk_id": walk_id, "photo_path": name, "ocr_text": text,
                                        "created_by": user.name, "created_at": stamp(), "client_id": client_id})
            capture_id = db.execute("select last_insert_rowid()").fetchone()[0]
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return PhotoRead(capture_id, text, read_poster(text), problem)


@dataclass(frozen=True)
class Place:
    lat: float | None
    lon: float | None
    postcode: str
    ward_code: str


def locate(db: sqlite_utils.Database, area: Area, lat: str = "", lon: str = "", postcode: str = "") -> Place:
    """Find where a poster was seen: a typed postcode, else the phone's position; it must be in the area."""
    outside = f"is outside {area.name}. Only places in {area.name} can be added."
    if not postcode.strip() and lat.strip() and lon.strip():
        try:
            origin = from_coordinates(db, lat, lon)
        except LocateError:
            raise CaptureError("postcode", "Your phone's location could not be used. Please type the postcode "
                                           "where you saw it.") from None
        inside = [code for code, metres in ward_distances(db, origin.easting, origin.northing, 0).items()]
        if not inside:
            raise CaptureError("postcode", f"Where you are now {outside} Type the postcode where you saw it.")
        # The nearest postcode starts the listing's form; the connector changes it if the venue is elsewhere.
        nearest = db.execute(
            "select postcode from postcodes where easting between ? and ? and northing between ? and ? "
            "order by (easting - ?) * (easting - ?) + (northing - ?) * (northing - ?) limit 1",
            [origin.easting - NEAREST_POSTCODE_M, origin.easting + NEAREST_POSTCODE_M,
             origin.northing - NEAREST_POSTCODE_M, origin.northing + NEAREST_POSTCODE_M,
             origin.easting, origin.easting, origin.northing, origin.northing]).fetchone()
        return Place(origin.lat, origin.lon, nearest[0] if nearest else "", inside[0])
    if not postcode.strip():
        raise CaptureError("postcode", "Please say where you saw it: tap “Use my location”, or type the postcode.")
    try:
        origin = from_postcode(db, postcode, area)
    except LocateError as exc:
        if exc.reason == "outside":
            raise CaptureError("postcode", f"The postcode {exc.text} {outside}") from None
        if exc.reason == "malformed":
            raise CaptureError("postcode", f"“{postcode.strip()}” does not look like a postcode. A postcode looks "
                                           f"like {area.example_postcode}.") from None
        raise CaptureError("postcode", f"We could not find the postcode {exc.text}. Please check it.") from None
    if origin.ward_code is None:
        raise CaptureError("postcode", f"The postcode {origin.label} {outside}")
    return Place(origin.lat, origin.lon, origin.label, origin.ward_code)


_FIELD_NAMES = {"name": "name", "category": "kind", "postcode": "postcode", "when_text": "day and time",
                "details": "description", "contact": "phone number"}


def save_draft(db: sqlite_utils.Database, user: User, capture_id: int, fields: dict[str, str],
               place: Place) -> int:
    """Turn an uploaded photo into a draft listing in the suggestions queue (step two); return the suggestion id."""
    values = {"name": fields.get("name", ""), "category": fields.get("category", ""),
              "postcode": place.postcode, "when_text": fields.get("when_text", ""),
              "details": fields.get("details", ""), "contact": fields.get("phone", "")}
    with transaction(db):
        row = db.execute("select suggestion_id, created_by from captures where id = ?", [capture_id]).fetchone()
        if row is None or row[1] != user.name:
            raise CaptureError("photo", "That photo is no longer here (it was saved, cancelled or is a day old). "
                                        "Please take it again.")
        if row[0] is not None:
            raise CaptureError("photo", "This photo is already saved as a draft in the suggestions queue.")
        try:
            suggestion_id = suggestions.add_draft(db, values)
        except suggestions.SuggestionError as exc:
            field = _FIELD_NAMES.get(exc.field, exc.field)
            if exc.code == "missing":
                raise CaptureError(exc.field, f"Please give it a {field}.") from None
            raise CaptureError(exc.field, f"The {field} is too long: {suggestions.LIMITS[exc.field]} characters "
                                          "at most.") from None
        db.execute("update captures set suggestion_id = ?, lat = ?, lon = ?, postcode = ? where id = ?",
                   [suggestion_id, place.lat, place.lon, place.postcode or None, capture_id])
    return suggestion_id


def capture_on_walk(db: sqlite_utils.Database, area: Area, user: User, walk_id: str, data: bytes,
                    typed: dict[str, str], lat: str = "", lon: str = "", postcode: str = "", *,
                    client_id: str = "", max_bytes: int = MAX_PHOTO_BYTES,
                    languages: str = OCR_LANGUAGES) -> tuple[int, PhotoRead | None]:
    """Save a capture a phone kept on a walk (perhaps offline, hours ago) in one go: photo, words, draft.

    The two steps of the online capture, with nobody to check the page between them: what the connector
    typed wins, a blank field takes what the photo's words gave. All or nothing: if the draft cannot be
    saved, the photo and its row are deleted again. Returns the suggestion's id and what was read; a
    photo sent again under the phone's same id (its answer was lost) returns the first draft and None.
    """
    if load_walk(db, walk_id) is None:
        raise CaptureError("walk", "That walk no longer exists. Nothing was saved; add what you found without it.")
    client_id = client_id.strip() or None
    if client_id:
        earlier = db.execute("select suggestion_id from captures where created_by = ? and client_id = ? "
                             "and suggestion_id is not null", [user.name, client_id]).fetchone()
        if earlier:
            return earlier[0], None
    place = locate(db, area, lat, lon, postcode)      # before the slow reading: a wrong postcode is quick to say
    read = store_photo(db, user, data, walk_id=walk_id, max_bytes=max_bytes, languages=languages,
                       client_id=client_id)
    guessed = {"name": read.fields.name, "when_text": read.fields.when_text, "phone": read.fields.phone,
               "details": read.fields.description}
    fields = {key: (typed.get(key) or "").strip() or value for key, value in guessed.items()}
    fields["category"] = typed.get("category", "")
    try:
        suggestion_id = save_draft(db, user, read.capture_id, fields, place)
    except BaseException:
        cancel(db, user, read.capture_id)
        raise
    return suggestion_id, read


def cancel(db: sqlite_utils.Database, user: User, capture_id: int) -> None:
    """Forget a photo not yet saved as a draft, and delete its file."""
    with transaction(db):
        names = [r[0] for r in db.execute(
            "select photo_path from captures where id = ? and created_by = ? and suggestion_id is null",
            [capture_id, user.name])]
        db.execute("delete from captures where id = ? and created_by = ? and suggestion_id is null",
                   [capture_id, user.name])
    delete_photos(db, names)


def release_photos(db: sqlite_utils.Database, suggestion_id: int) -> list[str]:
    """Unlink a closed draft's photos in the database (inside the caller's transaction); return their files."""
    names = [r[0] for r in db.execute("select photo_path from captures where suggestion_id = ? "
                                      "and photo_path is not null", [suggestion_id])]
    db.execute("update captures set photo_path = null where suggestion_id = ?", [suggestion_id])
    return names


def delete_photos(db: sqlite_utils.Database, names: list[str]) -> None:
    """Delete photo files by the names the database gave them."""
    if not names:
        return
    folder = photo_dir(db)
    for name in names:
        if name and Path(name).name == name:  # a bare file name in the folder, never a path elsewhere
            (folder / name).unlink(missing_ok=True)


@dataclass(frozen=True)
class Capture:
    id: int
    suggestion_id: int | None
    walk_id: str | None
    photo_path: str | None
    ocr_text: str
    lat: float | None
    lon: float | None
    postcode: str | None
    created_by: str
    created_at: str


def get(db: sqlite_utils.Database, capture_id: int) -> Capture | None:
    """Return one capture, or None if there is no such capture."""
    row = db.execute("select id, suggestion_id, walk_id, photo_path, ocr_text, lat, lon, postcode, created_by, "
                     "created_at from captures where id = ?", [capture_id]).fetchone()
    return Capture(*row) if row else None


def for_suggestions(db: sqlite_utils.Database, suggestion_ids: list[int]) -> dict[int, Capture]:
    """Return the capture behind each of these suggestions that came from a photo."""
    if not suggestion_ids:
        return {}
    rows = db.execute("select id, suggestion_id, walk_id, photo_path, ocr_text, lat, lon, postcode, created_by, "
                      f"created_at from captures where suggestion_id in ({', '.join('?' * len(suggestion_ids))})",
                      suggestion_ids)
    return {row[1]: Capture(*row) for row in rows}


def photo_file(db: sqlite_utils.Database, capture: Capture) -> Path | None:
    """Return the file of a capture's photo, or None once it has been deleted."""
    if not capture.photo_path or Path(capture.photo_path).name != capture.photo_path:
        return None
    path = photo_dir(db) / capture.photo_path
    return path if path.is_file() else None
