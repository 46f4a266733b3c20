"""The asset record: the CSV contract, reading asset CSV files and validating one row.

Validation here needs no lookups, so the CSV importer and (later) the web forms share it.
Geocoding, ward checks and duplicate checks across rows happen in the pipeline.
"""
from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from app.assets.schedule import ScheduleError, assumed_weeks, format_schedule, parse_schedule
from app.formats.csv_safe import unneutralise
from app.places.geocode import InvalidPostcode, in_uk, normalise_postcode


def N_(text: str) -> str:
    """Mark a string for translation where it is defined; it is translated where shown."""
    return text

# Labels are English; the web pages translate them (N_ marks them for the translators).
CATEGORIES = {
    "group_activity": N_("Group or activity"),
    "community_centre": N_("Community centre or venue"),
    "library": N_("Library"),
    "listening_bench": N_("Listening bench"),
    "cafe": N_("Café"),
    "faith_centre": N_("Faith centre"),
    "park": N_("Park or green space"),
    "advice_support": N_("Advice or support service"),
    "health_service": N_("GP practice or health service"),
}

PRECISIONS = ("exact", "postcode", "ward")

# A listing's status. Residents see only the public ones; closed, hidden and deleted listings only
# the workspace sees (deleted is a soft state that only an admin can undo).
STATUSES = ("open", "temporarily_closed", "closed", "hidden", "deleted")
PUBLIC_STATUSES = ("open", "temporarily_closed")
# The same rule for SQL over the assets table.
PUBLIC_SQL = f"assets.status in ({', '.join(repr(s) for s in PUBLIC_STATUSES)})"
# The `source` of listings imported from OpenStreetMap (app/assets/osm.py): the credit its licence asks for.
OSM_SOURCE = "© OpenStreetMap contributors, ODbL"

COLUMNS = (
    "id", "name", "category", "description", "address", "postcode", "lat", "lon", "ward",
    "location_precision", "schedule", "contact_phone", "contact_email", "website", "cost",
    "languages", "accessibility", "audience", "source", "source_date", "last_verified",
)

MAX_LENGTHS = {"name": 200, "description": 2000, "address": 300, "schedule": 500}
DEFAULT_MAX_LENGTH = 500

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_PARTIAL_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_UK_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def category_key(text: str) -> str:
    """Return a category word as it is compared: lower case, single spaces, e as in cafe."""
    return " ".join(text.lower().replace("é", "e").split())


_CATEGORY_LOOKUP = {category_key(k): k for k in CATEGORIES} | {
    category_key(v): k for k, v in CATEGORIES.items()
}


class CsvFileError(Exception):
    """An asset file that cannot be read at all (empty, not UTF-8, missing a column)."""


@dataclass(frozen=True)
class Problem:
    row: int | None       # the spreadsheet row: the header is row 1
    column: str | None
    message: str
    severity: str = "error"  # or "warning"

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


@dataclass
class RawRow:
    row: int          # spreadsheet row number of the row's first line
    cells: list[str]  # the row exactly as read


@dataclass
class AssetFile:
    header: list[str]
    rows: list[RawRow]
    columns: dict[str, int]       # contract column -> its position in the header
    extras: list[tuple[str, int]]  # headers outside the contract, kept as they are

    def values(self, raw: RawRow) -> dict[str, str]:
        """Return a row's contract values, keyed by contract column."""
        cells, width = raw.cells, len(raw.cells)
        return {c: cells[i] for c, i in self.columns.items() if i < width}

    def extra_values(self, raw: RawRow) -> dict[str, str]:
        """Return a row's non-empty values in columns outside the contract."""
        cells, width = raw.cells, len(raw.cells)
        return {h: unneutralise(cells[i]) for h, i in self.extras if i < width and cells[i]}


def decode_csv_bytes(data: bytes, name: str = "the file") -> str:
    """Decode UTF-8 (with or without BOM), or raise CsvFileError naming the first bad line."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise CsvFileError(
            f"{name} is not UTF-8 text: line {line} has a byte (0x{data[exc.start]:02x}) that is not "
            "UTF-8. Save the spreadsheet as 'CSV UTF-8' and try again."
        ) from None
    return text


def parse_asset_csv(text: str, name: str = "the file") -> AssetFile:
    """Split CSV text into rows, checking the header against the contract."""
    if not text.strip():
        raise CsvFileError(f"{name} is empty: it needs a header row and at least one asset")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except csv.Error as exc:
        raise CsvFileError(f"{name}: cannot read the header row: {exc}") from None
    header = [h.strip() for h in header]
    columns: dict[str, int] = {}
    extras: list[tuple[str, int]] = []
    for index, h in enumerate(header):
        key = h.lower().replace(" ", "_")
        if key in COLUMNS and key not in columns:
            columns[key] = index
        elif h:
            extras.append((unneutralise(h), index))
    missing = [c for c in ("name", "category") if c not in columns]
    if missing:
        raise CsvFileError(
            f"{name} has no {' or '.join(repr(m) for m in missing)} column; the header row must "
            f"include name and category (it has: {', '.join(header) or 'nothing'})"
        )
    if "postcode" not in columns and not ("lat" in columns and "lon" in columns) and "ward" not in columns:
        raise CsvFileError(
            f"{name} has no 'postcode' column (nor 'lat' and 'lon', nor 'ward'); each asset needs a place"
        )
    rows: list[RawRow] = []
    line = reader.line_num + 1
    try:
        for cells in reader:
            start, line = line, reader.line_num + 1
            if any(cells) and any(c.strip() for c in cells):  # blank lines are not assets
                rows.append(RawRow(start, cells))
    except csv.Error as exc:
        raise CsvFileError(f"{name}: row {line}: {exc}") from None
    if not rows:
        raise CsvFileError(f"{name} has a header row but no assets under it")
    return AssetFile(header, rows, columns, extras)


def read_asset_file(path: str | Path) -> AssetFile:
    """Read an asset CSV from disk (UTF-8, BOM and CRLF allowed)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise CsvFileError(f"no asset file at {path}") from None
    return parse_asset_csv(decode_csv_bytes(data, str(path)), str(path))


def category_slug(text: str) -> str | None:
    """Return the category slug for a slug or label in any case, or None."""
    return _CATEGORY_LOOKUP.get(text) or _CATEGORY_LOOKUP.get(category_key(text))


def parse_date(text: str) -> date:
    """Read an ISO (2026-03-01) or UK (01/03/2026) date; raise ValueError otherwise."""
    m = _UK_DATE.match(text)
    if m:
        return date(int(m[3]), int(m[2]), int(m[1]))
    return date.fromisoformat(text)


@dataclass
class Validated:
    """One row's values after validation, before geocoding."""

    record: dict
    problems: list[Problem] = field(default_factory=list)

    @property
    def rejected(self) -> bool:
        return any(p.severity == "error" for p in self.problems)


def _number(value: str) -> float | None:
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def validate_row(values: dict[str, str], row: int | None = None, today: date | None = None,
                 synonyms: tuple[tuple[str, str], ...] = ()) -> Validated:
    """Check one asset's values (keyed by contract column) against the CSV contract.

    `synonyms` are the area's spreadsheet words for categories (`[category_synonyms]` in area.toml).
    """
    problems: list[Problem] = []

    def error(column, message):
        problems.append(Problem(row, column, message))

    def warn(column, message):
        problems.append(Problem(row, column, message, "warning"))

    clean = dict.fromkeys(COLUMNS, "")
    for column, value in values.items():
        if value and column in clean:
            value = unneutralise(value.strip())
            clean[column] = value
            limit = MAX_LENGTHS.get(column, DEFAULT_MAX_LENGTH)
            if len(value) > limit:
                error(column, f"is {len(value)} characters long; the most allowed is {limit}")

    record: dict = clean  # the validated values, normalised below
    if not clean["name"]:
        error("name", "is empty; every asset needs a name")

    category = clean["category"]
    slug = category_slug(category) if category else None
    if category and slug is None:
        slug = dict(synonyms).get(category_key(category))
        if slug is not None:
            warn("category", f"'{category}' is read as {slug} ({CATEGORIES[slug]}), as the spreadsheet words "
                             "in the area config say")
    if not category:
        error("category", f"is empty; use one of: {', '.join(CATEGORIES)}")
    elif slug is None:
        error("category", f"'{category}' is not a category we know; use one of: {', '.join(CATEGORIES)}")
    record["category"] = slug

    if clean["id"] and not _SLUG.match(clean["id"]):
        error("id", f"'{clean['id']}' is not a valid id; use lowercase letters, digits and single hyphens")

    # Where it is: given coordinates win over a postcode.
    lat = lon = None
    if clean["lat"] or clean["lon"]:
        if not (clean["lat"] and clean["lon"]):
            given, other = ("lat", "lon") if clean["lat"] else ("lon", "lat")
            error(other, f"is empty but {given} is given; give both lat and lon, or neither")
        else:
            lat, lon = _number(clean["lat"]), _number(clean["lon"])
            if lat is None:
                error("lat", f"'{clean['lat']}' is not a number")
            if lon is None:
                error("lon", f"'{clean['lon']}' is not a number")
            if lat is not None and lon is not None:
                if not -90 <= lat <= 90 or not -180 <= lon <= 180:
                    bad = "lat" if not -90 <= lat <= 90 else "lon"
                    error(bad, f"{lat}, {lon} is out of range (lat must be -90 to 90, lon -180 to 180)")
                    lat = lon = None
                elif not in_uk(lat, lon) and in_uk(lon, lat):
                    error("lat", f"lat {lat} and lon {lon} look swapped: {lon}, {lat} would be in the UK")
                    lat = lon = None
    record["lat"], record["lon"] = lat, lon

    postcode = None
    if clean["postcode"]:
        try:
            postcode = normalise_postcode(clean["postcode"])
        except InvalidPostcode as exc:
            if lat is not None:
                warn("postcode", f"{exc}; using the given lat and lon")
            else:
                error("postcode", str(exc))
    record["postcode"] = postcode

    precision = clean["location_precision"].lower()
    if precision and precision not in PRECISIONS:
        error("location_precision", f"'{clean['location_precision']}' is not one of: {', '.join(PRECISIONS)}")
        precision = ""
    record["location_precision"] = precision
    has_place = lat is not None or postcode is not None or bool(clean["ward"])
    if not has_place and not any(p.column in ("lat", "lon", "postcode") for p in problems):
        error("postcode", "no postcode, lat/lon or ward is given; we need at least one to place the asset")

    record["sessions"] = ()
    if clean["schedule"]:
        try:
            record["sessions"] = parse_schedule(clean["schedule"])
        except ScheduleError as exc:
            error("schedule", str(exc))
        else:
            record["schedule"] = format_schedule(record["sessions"])
            for note in assumed_weeks(record["sessions"], today or date.today()):
                warn("schedule", note)

    if clean["last_verified"]:
        try:
            verified = parse_date(clean["last_verified"])
        except ValueError:
            error("last_verified", f"'{clean['last_verified']}' is not a date; write it as YYYY-MM-DD, e.g. 2026-03-01")
        else:
            if verified > (today or date.today()):
                error("last_verified", f"{verified.isoformat()} is in the future")
            record["last_verified"] = verified.isoformat()

    if clean["source_date"] and not _PARTIAL_DATE.match(clean["source_date"]):
        warn("source_date", f"'{clean['source_date']}' is not a date; write YYYY, YYYY-MM or YYYY-MM-DD")
    if not clean["source"]:
        warn("source", "is empty; say where this information came from")

    if clean["contact_email"] and not _EMAIL.match(clean["contact_email"]):
        error("contact_email", f"'{clean['contact_email']}' is not an email address")
    if clean["website"] and not clean["website"].lower().startswith(("http://", "https://")):
        error("website", f"'{clean['website']}' must start with http:// or https://")
    if clean["contact_phone"]:
        digits = re.sub(r"\D", "", clean["contact_phone"])
        if not 10 <= len(digits) <= 13:
            warn("contact_phone", f"'{clean['contact_phone']}' does not look like a UK phone number")
    return Validated(record, problems)
