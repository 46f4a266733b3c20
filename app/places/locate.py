"""Where a resident's search starts: a postcode, their device's location, or a ward."""
from __future__ import annotations

import itertools
from dataclasses import dataclass

import sqlite_utils

from app.config import Area
from app.places.geocode import (
    InvalidPostcode,
    PostcodeDirectory,
    bng_to_wgs84,
    in_uk,
    normalise_postcode,
    postcode_area,
    wgs84_to_bng,
)

# Characters people mix up when typing a postcode from a letter.
_CONFUSABLE = {"O": "0", "0": "O", "I": "1", "1": "I", "L": "1", "S": "5", "5": "S", "Z": "2", "2": "Z", "B": "8", "8": "B"}


@dataclass(frozen=True)
class Origin:
    kind: str                 # "postcode", "location" or "ward"
    label: str                # what to call it on the page: "LE5 5AA", a ward name
    easting: float | None
    northing: float | None
    lat: float | None
    lon: float | None
    ward_code: str | None     # the ward it is in, if inside the area


class LocateError(ValueError):
    """A starting point we cannot use. `reason` is one of: malformed, unknown, no_location,
    outside (`detail` is the area's name), bad_coordinates, unknown_ward; `suggestion` is a
    postcode we think was meant."""

    def __init__(self, reason: str, text: str, suggestion: str | None = None, detail: str = ""):
        super().__init__(f"{reason}: {text}")
        self.reason, self.text, self.suggestion, self.detail = reason, text, suggestion, detail


def _lookup(db: sqlite_utils.Database, postcode: str, area: Area) -> Origin | None:
    row = db.execute("select lat, lon, easting, northing, ward_code from postcodes where postcode = ?",
                     [postcode]).fetchone()
    if row:
        return Origin("postcode", postcode, row[2], row[3], row[0], row[1], row[4])
    # Only the area's own postcode areas may be looked up in the directory: each other area
    # loaded would stay in memory, and a search from every part of the country grew the
    # server by hundreds of megabytes. A postcode from elsewhere needs no location to be told so.
    if postcode_area(postcode) not in area.postcode_areas:
        raise LocateError("outside", postcode, detail=area.name)
    # Not one of the area's postcodes, but in its postcode area (a neighbouring town, say).
    hit = PostcodeDirectory().lookup(postcode)
    if hit is None:
        return None
    if hit.easting != hit.easting:  # NaN: in the directory but with no location
        raise LocateError("no_location", postcode)
    lat, lon = bng_to_wgs84([hit.easting], [hit.northing])
    return Origin("postcode", postcode, hit.easting, hit.northing, float(lat[0]), float(lon[0]), None)


def _known(db: sqlite_utils.Database, postcode: str) -> bool:
    return db.execute("select 1 from postcodes where postcode = ?", [postcode]).fetchone() is not None


def suggest_postcode(db: sqlite_utils.Database, text: str) -> str | None:
    """Return a postcode of the area that the text was probably meant to be, or None."""
    compact = "".join(text.split()).upper()
    if not 5 <= len(compact) <= 7 or not compact.isalnum():
        return None
    options = [(c, _CONFUSABLE[c]) if c in _CONFUSABLE else (c,) for c in compact]
    for combination in itertools.islice(itertools.product(*options), 256):
        try:
            candidate = normalise_postcode("".join(combination))
        except InvalidPostcode:
            continue
        if candidate != text and _known(db, candidate):
            return candidate
    return None


def from_postcode(db: sqlite_utils.Database, text: str, area: Area) -> Origin:
    """Find a typed postcode, or raise LocateError saying why not (with a suggestion if any)."""
    try:
        postcode = normalise_postcode(text)
    except InvalidPostcode as exc:
        raise LocateError("malformed", text.strip(), suggest_postcode(db, text), str(exc)) from None
    origin = _lookup(db, postcode, area)
    if origin is None:
        raise LocateError("unknown", postcode, suggest_postcode(db, postcode))
    return origin


def from_coordinates(db: sqlite_utils.Database, lat: str | float, lon: str | float) -> Origin:
    """Start from a device's reported position (WGS84)."""
    try:
        lat, lon = float(lat), float(lon)
    except (TypeError, ValueError):
        raise LocateError("bad_coordinates", f"{lat}, {lon}") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or not in_uk(lat, lon):
        raise LocateError("bad_coordinates", f"{lat}, {lon}")
    easting, northing = (float(v[0]) for v in wgs84_to_bng([lat], [lon]))
    # The nearest postcode's ward is a good enough ward for a device position.
    row = db.execute(
        "select ward_code from postcodes where easting between ? and ? and northing between ? and ? "
        "order by (easting - ?) * (easting - ?) + (northing - ?) * (northing - ?) limit 1",
        [easting - 500, easting + 500, northing - 500, northing + 500, easting, easting, northing, northing],
    ).fetchone()
    return Origin("location", "", easting, northing, lat, lon, row[0] if row else None)


def from_ward(db: sqlite_utils.Database, slug_or_code: str) -> Origin:
    """Start from a ward (its centre is used only to sort the ward's own listings)."""
    key = slug_or_code.strip().lower()
    row = db.execute("select ward_code, ward_name, centroid_lat, centroid_lon from wards "
                     "where lower(ward_code) = ? or slug = ?", [key, key]).fetchone()
    if row is None:
        raise LocateError("unknown_ward", slug_or_code)
    easting, northing = (float(v[0]) for v in wgs84_to_bng([row[2]], [row[3]]))
    return Origin("ward", row[1], easting, northing, row[2], row[3], row[0])
