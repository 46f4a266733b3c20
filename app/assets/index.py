"""An in-memory index of the public listings, for searching by place and filter without a table scan.

Built once per version of the data (store.data_version) from one read of the slim columns; the
arrays are read-only, so a cached index cannot be changed by the searches that share it.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType
from typing import Mapping

import numpy as np
import sqlite_utils

from app.assets.record import PUBLIC_SQL
from app.cache import LRUCache
from app.store.connection import data_version

# What a search needs to filter, sort and draw; the rest of an asset is read only for the
# results a page shows (search.hydrate).
SLIM_COLUMNS = ("id", "name", "category", "lat", "lon", "ward_code", "location_precision", "sessions",
                "cost", "accessibility", "languages", "easting", "northing", "private_address", "last_verified",
                "audience")


@dataclass(frozen=True)
class AssetIndex:
    """The public listings in name order, with numpy columns for place, category, ward and checking date."""

    rows: tuple[tuple, ...]          # SLIM_COLUMNS, lat/lon rounded to about a metre
    position_of_rowid: dict          # sqlite rowid -> position in rows (read only by convention)
    easting: np.ndarray              # NaN where a listing must not be measured (private or unplaced)
    northing: np.ndarray
    lon: np.ndarray                  # NaN where a listing has no pin to show (private or unplaced)
    lat: np.ndarray
    category: np.ndarray             # small ints, see category_codes
    category_codes: dict
    ward: np.ndarray                 # small ints, see ward_codes; -1 for none
    ward_codes: dict
    schedule: np.ndarray             # small ints, see schedules; -1 for a listing with no times
    schedules: tuple[str, ...]       # each distinct sessions JSON once: a time filter checks each rule once
    verified_ordinal: np.ndarray     # date.toordinal() of last_verified, 0 when never checked
    name_rank: np.ndarray            # rank by (name casefolded, id): the nearest-first tie-break
    ward_counts: Mapping             # ward code -> {category: listings}, read-only
    facets: Mapping                  # the filters' choices the data holds (see search.facets), read-only

    def __len__(self) -> int:
        return len(self.rows)

    def stale(self, positions: np.ndarray, today: date, stale_days: int) -> np.ndarray:
        """Say, per position, whether a checked listing was last checked over stale_days ago."""
        checked = self.verified_ordinal[positions]
        return (checked > 0) & (today.toordinal() - checked > stale_days)


def _read_only(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


def _codes(values: list) -> tuple[np.ndarray, dict]:
    codes: dict = {}
    array = np.fromiter((-1 if v is None else codes.setdefault(v, len(codes)) for v in values),
                        dtype=np.int32, count=len(values))
    return _read_only(array), codes


def build_index(db: sqlite_utils.Database) -> AssetIndex:
    """Read every public listing's slim columns once and index them."""
    # Five decimal places is about a metre: finer than a postcode centre can claim.
    columns = ", ".join(f"round({c}, 5)" if c in ("lat", "lon") else c for c in SLIM_COLUMNS)
    fetched = db.execute(f"select rowid, {columns} from assets where {PUBLIC_SQL} "
                         "order by name collate nocase, id").fetchall()
    rows = tuple(row[1:] for row in fetched)
    n = len(rows)
    # A private listing is someone's home: it is never measured, so it has no coordinates here.
    easting = np.array([np.nan if r[13] or r[11] is None else r[11] for r in rows], dtype=np.float64)
    northing = np.array([np.nan if r[13] or r[12] is None else r[12] for r in rows], dtype=np.float64)
    lon = np.array([np.nan if r[13] or r[4] is None else r[4] for r in rows], dtype=np.float64)
    lat = np.array([np.nan if r[13] or r[3] is None else r[3] for r in rows], dtype=np.float64)
    category, category_codes = _codes([r[2] for r in rows])
    ward, ward_codes = _codes([r[5] for r in rows])
    schedule, schedule_codes = _codes([r[7] if r[7] and r[7] != "[]" else None for r in rows])
    verified = np.fromiter((date.fromisoformat(r[14]).toordinal() if r[14] else 0 for r in rows),
                           dtype=np.int64, count=n)
    by_name = sorted(range(n), key=lambda i: (rows[i][1].casefold(), rows[i][0]))
    name_rank = np.empty(n, dtype=np.int64)
    name_rank[np.array(by_name, dtype=np.int64)] = np.arange(n)
    counts: dict = {}
    for row in rows:
        if row[5] is not None:
            by_category = counts.setdefault(row[5], {})
            by_category[row[2]] = by_category.get(row[2], 0) + 1
    from app.assets.search import split_list  # search builds on this module: imported late, not in a cycle

    access, languages, audiences = set(), set(), set()
    for row in rows:
        access.update(split_list(row[9]))
        languages.update(split_list(row[10]))
        audiences.update(split_list(row[15]))
    ordered = (lambda values: tuple(sorted(values, key=str.casefold)))
    facets = MappingProxyType({
        "access": ordered(access), "languages": ordered(languages), "audiences": ordered(audiences),
        "cost": any((row[8] or "").strip() for row in rows),
        "times": any(row[7] and row[7] != "[]" for row in rows)})
    return AssetIndex(rows, {row[0]: i for i, row in enumerate(fetched)}, _read_only(easting),
                      _read_only(northing), _read_only(lon), _read_only(lat), category, category_codes, ward, ward_codes,
                      schedule, tuple(schedule_codes),
                      _read_only(verified), _read_only(name_rank),
                      MappingProxyType({ward: MappingProxyType(dict(sorted(c.items()))) for ward, c in counts.items()}),
                      facets)


_INDEXES = LRUCache(4)
_BUILDING = threading.Lock()


def asset_index(db: sqlite_utils.Database) -> AssetIndex:
    """Return the index for the database's current data, building it when the data has changed."""
    key = data_version(db)
    index = _INDEXES.get(key)
    if index is None:
        with _BUILDING:  # one thread builds; the others wait for it rather than each reading 100,000 rows
            index = _INDEXES.get(key)
            if index is None:
                index = build_index(db)
                _INDEXES.put(key, index)
    return index
