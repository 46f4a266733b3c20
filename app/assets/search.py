"""Read-side queries over the built database: finding assets near a place, on a day, by text."""
from __future__ import annotations

import difflib
import json
import math
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from types import MappingProxyType
from typing import Mapping, NamedTuple

import sqlite_utils

from app.assets.record import PUBLIC_SQL
from app.assets.schedule import Occurrence, Session, is_on_at, next_occurrence, occurs_on
from app.cache import LRUCache
from app.places.locate import Origin
from app.places.nearby import ward_distances
from app.store import FTS_COLUMNS
from app.store.connection import data_version, decode_asset

PUBLIC_COLUMNS = (
    "id", "name", "category", "category_label", "description", "address", "postcode", "lat",
    "lon", "ward_code", "ward_name", "location_precision", "outside_area", "schedule", "sessions",
    "contact_phone", "contact_email", "website", "cost", "languages", "accessibility",
    "audience", "source", "source_date", "last_verified", "status",
)


def _public(asset: dict, private: bool) -> dict:
    """Blank what a resident must not see of a listing at a private address."""
    if private:
        asset.update(address=None, postcode=None, lat=None, lon=None, location_precision="ward")
    return asset

# Residents walk at different speeds; we assume an easy 3 km/h (50 m a minute) and streets that
# are about a third longer than the straight line.
WALKING_METRES_PER_MINUTE = 50
ROUTE_FACTOR = 1.3
MAX_RADIUS_M = 20_000


def walking_minutes(straight_m: float) -> int:
    """Say how many minutes an easy walk takes between two points this far apart in a straight line."""
    return max(1, round(straight_m * ROUTE_FACTOR / WALKING_METRES_PER_MINUTE))

STALE_DAYS = 365


@dataclass(frozen=True)
class Query:
    q: str = ""
    categories: tuple[str, ...] = ()  # any of these; none: every category
    ward_code: str | None = None
    origin: Origin | None = None
    radius_m: float | None = None
    day: int | None = None            # 0 = Monday
    on_date: date | None = None       # "on today"
    at: datetime | None = None        # "on now": a local moment, to the minute
    free: bool = False
    access: tuple[str, ...] = ()
    language: str | None = None
    audience: str | None = None       # one of the audiences the data names ("Women aged 50+")


# Health and advice services are listed apart from the things to do, so ~60 GP practices never push
# the groups and cafés off a resident's first page.
SERVICE_CATEGORIES = ("health_service", "advice_support")


def is_service(result: "Result") -> bool:
    """Say whether a result is a health or advice service rather than a thing to do."""
    return result.asset["category"] in SERVICE_CATEGORIES


def frozen_asset(asset: dict) -> Mapping:
    """Return a read-only view of an asset, so a cached search cannot be changed by its readers."""
    return MappingProxyType(asset)


@lru_cache(maxsize=8192)
def _next_on(sessions: tuple[Session, ...], now: datetime) -> Occurrence | None:
    # Worked out only for results that are shown, and once per schedule and moment.
    return next_occurrence(sessions, now) if sessions else None


class Result(NamedTuple):
    """One asset found by a search, with its distance and sessions; immutable, as searches are cached.

    A tuple: a search of 10,000 assets makes 10,000 of these.
    """

    asset: Mapping
    now: datetime
    distance_m: float | None = None
    sessions: tuple[Session, ...] = ()
    ward_distance_m: float | None = None  # known only to its ward: metres to where that ward starts

    @property
    def next_on(self) -> Occurrence | None:
        """When it is next on."""
        return _next_on(self.sessions, self.now)

    @property
    def walk_minutes(self) -> int | None:
        if self.distance_m is None:
            return None
        return walking_minutes(self.distance_m)


@dataclass(frozen=True)
class Found:
    results: tuple[Result, ...]
    suggestion: str | None = None     # "did you mean" when text found nothing
    ward_only: tuple[Result, ...] = ()  # in the origin's ward or a nearby one, place not known, nearest ward first


def split_list(text: str | None) -> list[str]:
    """Split a free-text list cell ('Gujarati; Hindi, English') into its items."""
    if not text:
        return []
    return [item.strip() for item in text.replace(",", ";").split(";") if item.strip()]


def is_free(cost: str | None) -> bool:
    """Say whether a cost cell means free of charge."""
    text = (cost or "").strip().lower()
    return text.startswith("free") or text in ("£0", "0", "£0.00", "no charge")


# What a search needs to filter, sort and draw; the rest of an asset is read only for the
# results a page shows (hydrate), which keeps a 10,000-asset map quick.
SLIM_COLUMNS = ("id", "name", "category", "lat", "lon", "ward_code", "location_precision", "sessions",
                "cost", "accessibility", "languages", "easting", "northing", "private_address", "last_verified",
                "audience")
_FILTER_ONLY = ("sessions", "cost", "accessibility", "languages", "easting", "northing", "audience")


@lru_cache(maxsize=8192)
def _sessions(sessions_json: str) -> tuple[Session, ...]:
    return tuple(Session.from_dict(s) for s in json.loads(sessions_json)) if sessions_json else ()


def _rows(db: sqlite_utils.Database, query: Query):
    where, params = [PUBLIC_SQL], {}
    if query.categories:
        names = [f":category{i}" for i in range(len(query.categories))]
        where.append(f"assets.category in ({', '.join(names)})")
        params.update({name[1:]: slug for name, slug in zip(names, query.categories)})
    if query.ward_code:
        where.append("assets.ward_code = :ward_code")
        params["ward_code"] = query.ward_code
    # Quoting turns every word into a literal phrase; text with no words quotes to nothing.
    fts_query = db.quote_fts(query.q.strip()) if query.q and query.q.strip() else ""
    # Five decimal places is about a metre: finer than a postcode centre can claim.
    columns = ", ".join(f"round(assets.{c}, 5)" if c in ("lat", "lon") else f"assets.{c}" for c in SLIM_COLUMNS)
    if fts_query:
        params["query"] = fts_query
        sql = (f"select {columns} from assets join assets_fts on assets_fts.rowid = assets.rowid "
               "where assets_fts match :query" + "".join(f" and {w}" for w in where) +
               " order by assets_fts.rank, assets.name, assets.id")
    else:
        sql = (f"select {columns} from assets where " + " and ".join(where) +
               " order by assets.name collate nocase, assets.id")
    return db.execute(sql, params)


def _matches(row: tuple, sessions: tuple[Session, ...], query: Query, today: date) -> bool:
    cost, accessibility, languages = row[8], row[9], row[10]
    if query.day is not None and not any(s.on_weekday(query.day, today) for s in sessions):
        return False
    if query.on_date is not None and not any(occurs_on(s, query.on_date) for s in sessions):
        return False
    if query.at is not None and not any(is_on_at(s, query.at) for s in sessions):
        return False
    if query.free and not is_free(cost):
        return False
    if query.access:
        held = {a.casefold() for a in split_list(accessibility)}
        if not all(a.casefold() in held for a in query.access):
            return False
    if query.language and query.language.casefold() not in {l.casefold() for l in split_list(languages)}:
        return False
    if query.audience and query.audience.casefold() not in {a.casefold() for a in split_list(row[15])}:
        return False
    return True


def result_for(asset: dict, now: datetime) -> Result:
    """Wrap one whole asset as a result: its sessions and when it is next on."""
    return Result(frozen_asset(asset), now, sessions=tuple(Session.from_dict(s) for s in asset["sessions"]))


def search(db: sqlite_utils.Database, query: Query, now: datetime) -> Found:
    """Find assets matching every filter; near an origin they come nearest first.

    Results carry the fields a list or map needs to sort and draw (id, name, category, lat,
    lon, ward); call hydrate() on the ones a page shows. Assets known only to ward level have no
    distance: near an origin, those in the origin's ward and in wards starting nearby are returned
    separately (`ward_only`, with the distance to their ward) rather than given a made-up position.
    """
    results, ward_only = [], []
    origin = query.origin
    # From a postcode or a device we measure; a ward's centre is no one's front door.
    measuring = origin is not None and origin.kind != "ward" and origin.easting is not None
    filtering = (query.day is not None or query.on_date is not None or query.at is not None or query.free
                 or query.access or query.language or query.audience)
    # Wards are 21 polygons: measured once per search, not per listing.
    nearby = ward_distances(db, origin.easting, origin.northing) if measuring else {}
    if measuring and origin.ward_code:
        nearby[origin.ward_code] = 0.0  # the simplified boundary may shave off the resident's own street
    for row in _rows(db, query):
        sessions = _sessions(row[7])
        if filtering and not _matches(row, sessions, query, now.date()):
            continue
        private = row[13]
        asset = {"id": row[0], "name": row[1], "category": row[2], "lat": row[3], "lon": row[4],
                 "ward_code": row[5], "location_precision": row[6], "last_verified": row[14]}
        if private:
            _public(asset, True)
        distance = None
        if measuring:
            # A private listing is someone's home: no distance, no place in the nearest-first
            # order (a few searches from different postcodes would triangulate it).
            easting, northing = (None, None) if private else (row[11], row[12])
            if easting is None:
                ward_m = nearby.get(row[5])
                if ward_m is not None and (query.radius_m is None or ward_m <= query.radius_m):
                    ward_only.append(Result(frozen_asset(asset), now, None, sessions, ward_m))
                continue
            distance = math.hypot(easting - origin.easting, northing - origin.northing)
            if query.radius_m is not None and distance > query.radius_m:
                continue
        results.append(Result(frozen_asset(asset), now, distance, sessions))
    if measuring:
        results.sort(key=lambda r: (r.distance_m, r.asset["name"].casefold(), r.asset["id"]))
        ward_only.sort(key=lambda r: (r.ward_distance_m, r.asset["name"].casefold(), r.asset["id"]))
    # Listings last checked over a year ago go to the end (in the same order among themselves);
    # never-checked ones are not moved, or every imported listing would sink together.
    today = now.date()
    results.sort(key=lambda r: bool(r.asset["last_verified"]) and is_stale(r.asset, today))
    suggestion = None
    if not results and not ward_only and query.q.strip():
        suggestion = suggest_words(db, query.q)
    return Found(tuple(results), suggestion, tuple(ward_only))


def on_each_day(results, today: date) -> dict[int, tuple[tuple[Result, tuple[Session, ...]], ...]]:
    """Group results by the weekdays (0 = Monday) they really happen on soon, each with those sessions."""
    by_day = {}
    for day in range(7):
        found = ((r, tuple(s for s in r.sessions if s.on_weekday(day, today))) for r in results)
        by_day[day] = tuple((r, sessions) for r, sessions in found if sessions)
    return by_day


def hydrate(db: sqlite_utils.Database, results) -> tuple[Result, ...]:
    """Return the given results with every public field filled in (the ones a page is about to show).

    The results given are left as they are (they may be a cached search's): new ones come back.
    """
    wanted = [r.asset["id"] for r in results if "description" not in r.asset]
    full = {}
    if wanted:
        columns = ", ".join(PUBLIC_COLUMNS + ("private_address",))
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            sql = f"select {columns} from assets where id in ({', '.join('?' * len(chunk))})"
            for row in db.execute(sql, chunk):
                full[row[0]] = frozen_asset(_public(decode_asset(dict(zip(PUBLIC_COLUMNS, row))), bool(row[-1])))
    return tuple(result._replace(asset=full[result.asset["id"]]) if result.asset["id"] in full else result
                 for result in results)


# "Did you mean" offers only words residents could find: the full-text index also holds the words
# of hidden, closed and deleted listings (a "refuge" must never be suggested). Kept per version of
# the data, as words are read from every public listing.
_VOCABULARIES = LRUCache(4)


def public_vocabulary(db: sqlite_utils.Database) -> tuple[tuple[str, ...], frozenset[str]]:
    """Return the words of public listings (as a list and a set), split as the full-text index splits them."""
    key = data_version(db)
    vocabulary = _VOCABULARIES.get(key)
    if vocabulary is None:
        # SQLite's own FTS5 tokenizer splits the words, in memory, so they are exactly the indexed ones.
        scratch = sqlite3.connect(":memory:")
        try:
            scratch.execute(f"create virtual table words using fts5({', '.join(FTS_COLUMNS)})")
            scratch.executemany(f"insert into words values ({', '.join('?' * len(FTS_COLUMNS))})",
                                db.execute(f"select {', '.join(FTS_COLUMNS)} from assets where {PUBLIC_SQL}"))
            scratch.execute("create virtual table terms using fts5vocab(words, 'row')")
            terms = tuple(row[0] for row in scratch.execute("select term from terms"))
        finally:
            scratch.close()
        vocabulary = (terms, frozenset(terms))
        _VOCABULARIES.put(key, vocabulary)
    return vocabulary


def suggest_words(db: sqlite_utils.Database, text: str) -> str | None:
    """Return the text with each unknown word replaced by the closest public word, or None."""
    vocabulary, known = public_vocabulary(db)
    words = text.lower().split()
    fixed, changed = [], False
    for word in words:
        if word in known or not word.isalnum():
            fixed.append(word)
            continue
        close = difflib.get_close_matches(word, vocabulary, n=1, cutoff=0.75)
        fixed.append(close[0] if close else word)
        changed |= bool(close)
    return " ".join(fixed) if changed else None


def facets(db: sqlite_utils.Database) -> dict[str, list[str]]:
    """Return the values the data holds for the list filters, and whether any listing has a cost or times."""
    access, languages, audiences, costs, times = set(), set(), set(), False, False
    for cell_access, cell_languages, cell_audience, cost, sessions in db.execute(
            f"select accessibility, languages, audience, cost, sessions from assets where {PUBLIC_SQL}"):
        access.update(split_list(cell_access))
        languages.update(split_list(cell_languages))
        audiences.update(split_list(cell_audience))
        costs |= bool((cost or "").strip())
        times |= bool(sessions and sessions != "[]")
    return {"access": sorted(access, key=str.casefold), "languages": sorted(languages, key=str.casefold),
            "audiences": sorted(audiences, key=str.casefold), "cost": costs, "times": times}


def get_asset(db: sqlite_utils.Database, asset_id: str) -> dict | None:
    """Return one public asset's public fields, or None (also for closed, hidden or deleted ones)."""
    columns = ", ".join(PUBLIC_COLUMNS + ("private_address",))
    row = db.execute(f"select {columns} from assets where id = ? and {PUBLIC_SQL}", [asset_id]).fetchone()
    return _public(decode_asset(dict(zip(PUBLIC_COLUMNS, row))), bool(row[-1])) if row else None


def redirect_for(db: sqlite_utils.Database, old_id: str) -> str | None:
    """Return the new id of a renamed public listing, or None (always None for a private one)."""
    row = db.execute(f"select asset_redirects.new_id from asset_redirects join assets on assets.id = asset_redirects.new_id "
                     f"where asset_redirects.old_id = ? and assets.private_address = 0 and {PUBLIC_SQL}", [old_id]).fetchone()
    return row[0] if row else None


def is_stale(asset: dict, today: date) -> bool:
    """Say whether nobody has checked an asset for over a year (or ever)."""
    if not asset.get("last_verified"):
        return True
    return (today - date.fromisoformat(asset["last_verified"])).days > STALE_DAYS


def list_wards(db: sqlite_utils.Database) -> list[dict]:
    """Return every ward with its asset counts by category, in name order."""
    wards = [dict(zip(("ward_code", "ward_name", "slug", "is_focus"), row)) for row in db.execute(
        "select ward_code, ward_name, slug, is_focus from wards order by ward_name")]
    counts: dict[str, dict[str, int]] = {}
    for code, category, n in db.execute(
            f"select ward_code, category, count(*) from assets where ward_code is not null and {PUBLIC_SQL} "
            "group by ward_code, category"):
        counts.setdefault(code, {})[category] = n
    for ward in wards:
        ward["is_focus"] = bool(ward["is_focus"])
        ward["counts"] = counts.get(ward["ward_code"], {})
        ward["total"] = sum(ward["counts"].values())
    return wards


def get_ward(db: sqlite_utils.Database, slug_or_code: str) -> dict | None:
    """Return one ward (by slug or code) with its boundary as GeoJSON, or None."""
    key = slug_or_code.strip().lower()
    row = db.execute("select ward_code, ward_name, slug, is_focus, area_km2, centroid_lat, centroid_lon, "
                     "geometry_simplified from wards where slug = ? or lower(ward_code) = ?", [key, key]).fetchone()
    if row is None:
        return None
    names = ("ward_code", "ward_name", "slug", "is_focus", "area_km2", "centroid_lat", "centroid_lon", "geometry")
    ward = dict(zip(names, row))
    ward["is_focus"] = bool(ward["is_focus"])
    ward["geometry"] = json.loads(ward["geometry"])
    return ward


