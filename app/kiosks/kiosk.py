"""A library kiosk: a public touch screen with a name, a place its lists are measured from, a language,
an idle time and a printer. Registered by connectors; its pages need no sign-in."""
from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from app.accounts import User
from app.assets.record import PUBLIC_SQL
from app.config import Area
from app.clock import stamp
from app.places.locate import LocateError, Origin, from_postcode
from app.places.wards import slugify
from app.store.connection import insert_row, transaction
from app.store.history import record as record_history
from app.web.i18n import DEFAULT_LANGUAGE, LANGUAGES

PRINTERS = {"a4": "A4 paper", "receipt": "80 mm receipt roll", "none": "No printer"}
DEFAULT_IDLE_SECONDS = 90
MIN_IDLE_SECONDS = 30
MAX_IDLE_SECONDS = 30 * 60
MAX_NAME = 100
# What a save can change, in the order a history lists them.
FIELDS = ("name", "place_label", "language", "idle_seconds", "printer")


class KioskError(ValueError):
    """A kiosk that was not saved: one message per field that was wrong (field -> message)."""

    def __init__(self, problems: dict[str, str]):
        super().__init__("; ".join(problems.values()))
        self.problems = problems


@dataclass(frozen=True)
class Kiosk:
    id: int
    name: str
    slug: str
    place_label: str       # a listing id or a postcode: what a connector gave as its place
    place_kind: str        # "listing" or "postcode"
    easting: float
    northing: float
    lat: float
    lon: float
    ward_code: str | None
    language: str
    idle_seconds: int
    printer: str

    @property
    def origin(self) -> Origin:
        """The kiosk's place as a search's starting point (lists are measured from here)."""
        return Origin("location", self.name, self.easting, self.northing, self.lat, self.lon, self.ward_code)


_COLUMNS = ("id", "name", "slug", "place_label", "place_kind", "easting", "northing", "lat", "lon", "ward_code",
            "language", "idle_seconds", "printer")


def _kiosk(row) -> Kiosk:
    return Kiosk(*row)


def get_kiosk(db: sqlite_utils.Database, slug: str) -> Kiosk | None:
    row = db.execute(f"select {', '.join(_COLUMNS)} from kiosks where slug = ?", [slug]).fetchone()
    return _kiosk(row) if row else None


def get_kiosk_by_id(db: sqlite_utils.Database, kiosk_id: int) -> Kiosk | None:
    row = db.execute(f"select {', '.join(_COLUMNS)} from kiosks where id = ?", [kiosk_id]).fetchone()
    return _kiosk(row) if row else None


def find_kiosk(db: sqlite_utils.Database, name_or_slug: str) -> Kiosk | None:
    """A kiosk by its name (any case) or its slug."""
    row = db.execute(f"select {', '.join(_COLUMNS)} from kiosks where name = ? collate nocase or slug = ?",
                     [" ".join(name_or_slug.split()), name_or_slug.strip()]).fetchone()
    return _kiosk(row) if row else None


def list_kiosks(db: sqlite_utils.Database) -> list[Kiosk]:
    return [_kiosk(r) for r in db.execute(f"select {', '.join(_COLUMNS)} from kiosks order by name collate nocase")]


def _place(db: sqlite_utils.Database, area: Area, text: str) -> tuple[str, str, tuple] | str:
    """Return (kind, label, (easting, northing, lat, lon, ward_code)) for a listing id or a postcode,
    or a message saying why it cannot be the kiosk's place."""
    text = text.strip()
    if not text:
        return "Give the kiosk's place: the id of its library's listing, or the library's postcode."
    row = db.execute(f"select easting, northing, lat, lon, ward_code, location_precision, private_address "
                     f"from assets where id = ? and {PUBLIC_SQL}", [text.lower()]).fetchone()
    if row is not None:
        if row[6] or row[5] == "ward" or row[0] is None:
            # A listing known only to its ward has no point, and a private address must not become one.
            return (f"The listing “{text}” has no exact place on the map (only its ward is known), "
                    "so lists could not be measured from it. Give the library's postcode instead.")
        return "listing", text.lower(), tuple(row[:5])
    try:
        origin = from_postcode(db, text, area)
    except LocateError as error:
        if error.reason == "outside":
            return f"The postcode {error.text} is outside {error.detail}: a kiosk must be in the area the map covers."
        if error.reason == "malformed":
            return (f"“{text}” is neither a listing's id nor a postcode. Give the id from the listing's address "
                    f"(/assets/<id>) or a postcode like {area.example_postcode}.")
        if error.reason == "no_location":
            return f"The postcode {error.text} has no place on the map. Give the library's listing id instead."
        return f"We could not find the postcode {error.text}, and no listing has that id. Please check it."
    if origin.ward_code is None:
        return f"The postcode {origin.label} is not inside {area.name}: a kiosk must be in the area the map covers."
    return "postcode", origin.label, (origin.easting, origin.northing, origin.lat, origin.lon, origin.ward_code)


def _clean(db: sqlite_utils.Database, area: Area, values: dict, kiosk_id: int | None, min_idle: int) -> dict:
    problems: dict[str, str] = {}
    name = " ".join(str(values.get("name", "")).split())
    if not name:
        problems["name"] = "Give the kiosk a name, such as the library's: “Belgrave Library”."
    elif len(name) > MAX_NAME:
        problems["name"] = f"The name is too long: {MAX_NAME} characters at most."
    elif not slugify(name):
        problems["name"] = "The name needs some letters or numbers, to make the kiosk's address."
    else:
        same = db.execute("select id from kiosks where (name = ? collate nocase or slug = ?) and id is not ?",
                          [name, slugify(name), kiosk_id]).fetchone()
        if same:
            problems["name"] = f"There is already a kiosk called “{name}”. Choose another name."
    place = _place(db, area, str(values.get("place", "")))
    if isinstance(place, str):
        problems["place"] = place
    language = str(values.get("language") or DEFAULT_LANGUAGE)
    if language not in LANGUAGES:
        problems["language"] = f"Choose one of the site's languages: {', '.join(LANGUAGES)}."
    idle_text = str(values.get("idle_seconds", DEFAULT_IDLE_SECONDS)).strip()
    idle = int(idle_text) if idle_text.isdigit() else None
    if idle is None or not min_idle <= idle <= MAX_IDLE_SECONDS:
        problems["idle_seconds"] = (f"The idle time must be a whole number of seconds from {min_idle} "
                                    f"to {MAX_IDLE_SECONDS}.")
    printer = str(values.get("printer") or "a4")
    if printer not in PRINTERS:
        problems["printer"] = "Choose the printer: A4 paper, an 80 mm receipt roll, or none."
    if problems:
        raise KioskError(problems)
    kind, label, (easting, northing, lat, lon, ward_code) = place
    return {"name": name, "slug": slugify(name), "place_label": label, "place_kind": kind, "easting": easting,
            "northing": northing, "lat": lat, "lon": lon, "ward_code": ward_code, "language": language,
            "idle_seconds": idle, "printer": printer}


def save_kiosk(db: sqlite_utils.Database, area: Area, user: User, values: dict, kiosk_id: int | None = None,
               min_idle: int = MIN_IDLE_SECONDS) -> Kiosk:
    """Register a kiosk (kiosk_id None) or change one; raise KioskError and save nothing if any value is wrong.

    values: name, place (a listing id or a postcode), language, idle_seconds, printer. min_idle is lowered
    only by tests, which cannot wait half a minute for a screen to reset.
    """
    current = get_kiosk_by_id(db, kiosk_id) if kiosk_id is not None else None
    if kiosk_id is not None and current is None:
        raise KioskError({"form": "That kiosk no longer exists."})
    row = _clean(db, area, values, kiosk_id, min_idle)
    now = stamp()
    with transaction(db):
        if current is None:
            insert_row(db, "kiosks", {**row, "created_at": now, "created_by": user.name})
            kiosk_id = db.execute("select last_insert_rowid()").fetchone()[0]
            changes = [(field, None, str(row[field])) for field in FIELDS]
            record_history(db, "kiosk", str(kiosk_id), user.name, "created", changes)
        else:
            before = {field: str(getattr(current, field)) for field in FIELDS}
            changes = [(field, before[field], str(row[field])) for field in FIELDS if before[field] != str(row[field])]
            assignments = ", ".join(f"[{c}] = ?" for c in row)
            db.execute(f"update kiosks set {assignments}, updated_at = ?, updated_by = ? where id = ?",
                       [*row.values(), now, user.name, kiosk_id])
            if changes:
                record_history(db, "kiosk", str(kiosk_id), user.name, "edited", changes)
    return get_kiosk_by_id(db, kiosk_id)


def kiosk_history(db: sqlite_utils.Database, kiosk_id: int) -> list[dict]:
    """Every recorded change to a kiosk, newest first."""
    return [dict(r) for r in db.query("select at, user_name, action, field, old_value, new_value from kiosk_changes "
                                      "where kiosk_id = ? order by id desc", [str(kiosk_id)])]
