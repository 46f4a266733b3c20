"""Read-side queries over the built database: finding assets near a place, on a day, by text."""
from __future__ import annotations

import difflib
import json
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import lru_cache
from types import MappingProxyType
from typing import NamedTuple

import numpy as np
import sqlite_utils

from app.assets.index import AssetIndex, asset_index

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


def next_changes(*groups) -> list:
    """When what each result says about its next session stops being true, for each group of results."""
    return [result.next_on.changes_at() for results in groups for result in results if result.next_on is not None]


@dataclass(frozen=True)
class Found:
    results: Sequence[Result]
    suggestion: str | None = None     # "did you mean" when text found nothing
    ward_only: Sequence[Result] = ()  # in the origin's ward or a nearby one, place not known, nearest ward first


def split_list(text: str | None) -> list[str]:
    """Split a free-text list cell ('Gujarati; Hindi, English') into its items."""
    if not text:
        return []
    return [item.strip() for item in text.replace(",", ";").split(";") if item.strip()]


def is_free(cost: str | None) -> bool:
    """Say whether a cost cell means free of charge."""
    text = (cost or "").strip().lower()
    return text.startswith("free") or text in ("£0", "0", "£0.00", "no charge")


@lru_cache(maxsize=8192)
def _sessions(sessions_json: str) -> tuple[Session, ...]:
    return tuple(Session.from_dict(s) for s in json.loads(sessions_json)) if sessions_json else ()


def _text_positions(db: sqlite_utils.Database, index: AssetIndex, query: Query) -> np.ndarray:
    """Return the positions of the listings whose words match, best match first (SQLite's FTS5 ranks)."""
    # Quoting turns every word into a literal phrase; text with no words quotes to nothing.
    fts_query = db.quote_fts(query.q.strip()) if query.q and query.q.strip() else ""
    if not fts_query:
        return np.arange(len(index), dtype=np.int64)
    rowids = db.execute("select assets.rowid from assets join assets_fts on assets_fts.rowid = assets.rowid "
                        f"where assets_fts match :query and {PUBLIC_SQL} "
                        "order by assets_fts.rank, assets.name, assets.id", {"query": fts_query})
    where = index.position_of_rowid
    return np.fromiter((where[r[0]] for r in rowids), dtype=np.int64)


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


class Results(Sequence):
    """Search results made only when read: a page of 50 out of 100,000 makes 50 Result objects.

    Immutable, as searches are cached; a Result once made is kept, so both readers get the same one.
    """

    def __init__(self, index: AssetIndex, positions: np.ndarray, distances: np.ndarray | None, now: datetime,
                 ward_distances: np.ndarray | None = None):
        self._index, self._positions, self._distances, self._now = index, positions, distances, now
        self._ward_distances = ward_distances
        self._made: dict[int, Result] = {}

    def __len__(self) -> int:
        return len(self._positions)

    def _make(self, i: int) -> Result:
        result = self._made.get(i)
        if result is None:
            row = self._index.rows[self._positions[i]]
            asset = {"id": row[0], "name": row[1], "category": row[2], "lat": row[3], "lon": row[4],
                     "ward_code": row[5], "location_precision": row[6], "last_verified": row[14]}
            distance = None if self._distances is None else float(self._distances[i])
            ward_m = None if self._ward_distances is None else float(self._ward_distances[i])
            result = self._made.setdefault(i, Result(frozen_asset(_public(asset, bool(row[13]))), self._now,
                                                     distance, _sessions(row[7]), ward_m))
        return result

    def __getitem__(self, item):
        if isinstance(item, slice):
            return tuple(self._make(i) for i in range(*item.indices(len(self))))
        if item < 0:
            item += len(self)
        if not 0 <= item < len(self):
            raise IndexError(item)
        return self._make(item)

    def __iter__(self):
        return (self._make(i) for i in range(len(self)))

    def __add__(self, other):
        return Joined((self, other))

    def __radd__(self, other):
        return Joined((other, self))

    def __eq__(self, other):
        return isinstance(other, Sequence) and tuple(self) == tuple(other)

    __hash__ = None

    def __repr__(self) -> str:
        return f"Results({len(self)})"

    def coordinates(self) -> tuple[np.ndarray, np.ndarray]:
        """Return every result's lon and lat as arrays (NaN where there is no pin), for the map's clusters."""
        return self._index.lon[self._positions], self._index.lat[self._positions]

    def pins(self, indexes: np.ndarray) -> list[tuple]:
        """Return (id, name, category, lon, lat, sessions) of the results at these indexes, making no results.

        For map points by the thousand; only results with a pin may be asked for (a private listing
        has none in the index, so it can never be one).
        """
        rows, lon, lat = self._index.rows, self._index.lon, self._index.lat
        picked = self._positions[indexes]
        if np.isnan(lat[picked]).any():
            raise ValueError("pins() was asked for a result with no pin")
        return [(row[0], row[1], row[2], row[4], row[3], _sessions(row[7]))
                for row in (rows[p] for p in picked.tolist())]

    def category_counts(self) -> dict[str, int]:
        """Return how many results there are of each category, counted without making the results."""
        names = {code: slug for slug, code in self._index.category_codes.items()}
        counts = np.bincount(self._index.category[self._positions], minlength=len(names))
        return {names[code]: int(n) for code, n in enumerate(counts) if n}

    def of_categories(self, categories: tuple[str, ...], keep: bool = True) -> "Results":
        """Return the results in (or, with keep=False, not in) these categories, in the same order."""
        codes = [self._index.category_codes[c] for c in categories if c in self._index.category_codes]
        inside = np.isin(self._index.category[self._positions], codes)
        chosen = inside if keep else ~inside
        pick = (lambda a: None if a is None else a[chosen])
        return Results(self._index, self._positions[chosen], pick(self._distances), self._now,
                       pick(self._ward_distances))


class Joined(Sequence):
    """Sequences read one after another without copying them (results, then the ward's)."""

    def __init__(self, parts):
        self._parts = tuple(parts)

    def __len__(self) -> int:
        return sum(len(part) for part in self._parts)

    def __getitem__(self, item):
        if isinstance(item, slice):
            start, stop, step = item.indices(len(self))
            if step != 1:
                return tuple(self[i] for i in range(start, stop, step))
            taken = []
            for part in self._parts:
                if stop > 0 and start < len(part):
                    taken.extend(part[max(start, 0):stop])
                start, stop = start - len(part), stop - len(part)
            return tuple(taken)
        if item < 0:
            item += len(self)
        for part in self._parts:
            if 0 <= item < len(part):
                return part[item]
            item -= len(part)
        raise IndexError(item)

    def __iter__(self):
        for part in self._parts:
            yield from part

    def __add__(self, other):
        return Joined(self._parts + (other,))


@lru_cache(maxsize=65536)
def _schedule_matches(sessions_json: str, day: int | None, on_date: date | None, at: datetime | None,
                      today: date) -> bool:
    # Once per distinct schedule and question: listings share schedules, and the rules are slow to read.
    sessions = _sessions(sessions_json)
    return ((day is None or any(s.on_weekday(day, today) for s in sessions))
            and (on_date is None or any(occurs_on(s, on_date) for s in sessions))
            and (at is None or any(is_on_at(s, at) for s in sessions)))


def _on_time(index: AssetIndex, positions: np.ndarray, query: Query, today: date) -> np.ndarray:
    """Return a mask of the positions on at the day, date or moment asked, deciding each distinct schedule once."""
    by_schedule = np.fromiter((_schedule_matches(text, query.day, query.on_date, query.at, today)
                               for text in index.schedules), dtype=bool, count=len(index.schedules))
    codes = index.schedule[positions]
    # A listing with no times (-1) is never on at a time asked for; -1 would read the last schedule.
    return (codes >= 0) & np.append(by_schedule, False)[codes]


def _filtered(index: AssetIndex, positions: np.ndarray, query: Query, today: date) -> np.ndarray:
    """Return a mask of the positions whose cost, access, language and audience match.

    Checked in Python row by row, but only for the listings left by every other filter.
    """
    untimed = replace(query, day=None, on_date=None, at=None)  # times were checked by _on_time
    rows = index.rows
    return np.fromiter((_matches(rows[p], (), untimed, today) for p in positions.tolist()),
                       dtype=bool, count=len(positions))


def search(db: sqlite_utils.Database, query: Query, now: datetime) -> Found:
    """Find assets matching every filter; near an origin they come nearest first.

    Results carry the fields a list or map needs to sort and draw (id, name, category, lat,
    lon, ward) and are made only when read; call hydrate() on the ones a page shows. Assets known
    only to ward level have no distance: near an origin, those in the origin's ward and in wards
    starting nearby are returned separately (`ward_only`, with the distance to their ward) rather
    than given a made-up position.
    """
    index = asset_index(db)
    origin = query.origin
    today = now.date()
    # From a postcode or a device we measure; a ward's centre is no one's front door.
    measuring = origin is not None and origin.kind != "ward" and origin.easting is not None
    positions = _text_positions(db, index, query)
    if query.categories:
        codes = [index.category_codes[c] for c in query.categories if c in index.category_codes]
        positions = positions[np.isin(index.category[positions], codes)]
    if query.ward_code:
        positions = positions[index.ward[positions] == index.ward_codes.get(query.ward_code, -2)]
    if query.day is not None or query.on_date is not None or query.at is not None:
        positions = positions[_on_time(index, positions, query, today)]
    distances = ward_positions = ward_metres = None
    if measuring:
        # Wards are 21 polygons: measured once per search, not per listing.
        nearby = ward_distances(db, origin.easting, origin.northing)
        if origin.ward_code:
            nearby[origin.ward_code] = 0.0  # the simplified boundary may shave off the resident's own street
        # A private listing is someone's home: the index holds no place for it, so it gets no
        # distance and no place in the nearest-first order (searches from a few postcodes would
        # triangulate it); like a listing known only to its ward, it is listed with its ward.
        unmeasured = np.isnan(index.easting[positions])
        by_ward = np.full(len(index.ward_codes) + 1, np.inf)  # ward number -> metres; the last slot: no ward
        for code, metres in nearby.items():
            if code in index.ward_codes and (query.radius_m is None or metres <= query.radius_m):
                by_ward[index.ward_codes[code]] = metres
        candidates = positions[unmeasured]
        metres = by_ward[index.ward[candidates]]  # a listing with no ward (-1) reads the last slot
        near_ward = np.isfinite(metres)
        ward_positions, ward_metres = candidates[near_ward], metres[near_ward]
        order = np.lexsort((index.name_rank[ward_positions], ward_metres))
        ward_positions, ward_metres = ward_positions[order], ward_metres[order]
        positions = positions[~unmeasured]
        distances = np.hypot(index.easting[positions] - origin.easting, index.northing[positions] - origin.northing)
        if query.radius_m is not None:
            near = distances <= query.radius_m
            positions, distances = positions[near], distances[near]
        # One sort on one integer key (micrometres, then name) is twice as quick as numpy's lexsort.
        order = np.argsort(np.rint(distances * 1e6).astype(np.int64) * len(index) + index.name_rank[positions])
        positions, distances = positions[order], distances[order]
    if query.free or query.access or query.language or query.audience:
        # Read row by row, so only for the listings left by place.
        keep = _filtered(index, positions, query, today)
        positions = positions[keep]
        distances = None if distances is None else distances[keep]
        if ward_positions is not None:
            keep = _filtered(index, ward_positions, query, today)
            ward_positions, ward_metres = ward_positions[keep], ward_metres[keep]
    # Listings last checked over a year ago go to the end (in the same order among themselves);
    # never-checked ones are not moved, or every imported listing would sink together.
    stale = index.stale(positions, today, STALE_DAYS)
    if stale.any():
        order = np.argsort(stale, kind="stable")
        positions = positions[order]
        distances = None if distances is None else distances[order]
    results = Results(index, positions, distances, now)
    ward_only = (Results(index, ward_positions, None, now, ward_metres) if ward_positions is not None
                 else Results(index, np.empty(0, dtype=np.int64), None, now))
    suggestion = None
    if not results and not ward_only and query.q.strip():
        suggestion = suggest_words(db, query.q)
    return Found(results, suggestion, ward_only)


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


def facets(db: sqlite_utils.Database) -> dict:
    """Return the values the data holds for the list filters, and whether any listing has a cost or times."""
    held = asset_index(db).facets  # worked out once per version of the data; a copy for the caller
    return {key: list(value) if isinstance(value, tuple) else value for key, value in held.items()}


def get_asset(db: sqlite_utils.Database, asset_id: str) -> dict | None:
    """Return one public asset's public fields, or None (also for closed, hidden or deleted ones)."""
    columns = ", ".join(PUBLIC_COLUMNS + ("private_address",))
    row = db.execute(f"select {columns} from assets where id = ? and {PUBLIC_SQL}", [asset_id]).fetchone()
    return _public(decode_asset(dict(zip(PUBLIC_COLUMNS, row))), bool(row[-1])) if row else None


def is_private(db: sqlite_utils.Database, asset_id: str) -> bool:
    """Say whether a listing is at someone's home (its address is never shown)."""
    row = db.execute("select private_address from assets where id = ?", [asset_id]).fetchone()
    return bool(row and row[0])


def public_page_ids(db: sqlite_utils.Database) -> list[str]:
    """The ids of listings whose pages may be offered to search engines: public, and not at someone's home."""
    return [r[0] for r in db.execute(f"select id from assets where {PUBLIC_SQL} and private_address = 0 order by id")]


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


_WARD_LISTS = LRUCache(4)


def list_wards(db: sqlite_utils.Database) -> list[dict]:
    """Return every ward with its asset counts by category, in name order (the caller's own copy)."""
    key = data_version(db)
    wards = _WARD_LISTS.get(key)
    if wards is None:  # read once per version of the data: every results page asks
        wards = [dict(zip(("ward_code", "ward_name", "slug", "is_focus"), row)) for row in db.execute(
            "select ward_code, ward_name, slug, is_focus from wards order by ward_name")]
        counts = asset_index(db).ward_counts  # counted once per version of the data
        for ward in wards:
            ward["is_focus"] = bool(ward["is_focus"])
            ward["counts"] = dict(counts.get(ward["ward_code"], {}))
            ward["total"] = sum(ward["counts"].values())
        _WARD_LISTS.put(key, wards)
    return [{**ward, "counts": dict(ward["counts"])} for ward in wards]


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


