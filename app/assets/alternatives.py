"""What to offer a resident whose search found nothing: other days, further away, the library."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Mapping

import sqlite_utils

from app.assets.search import Query, facets, search


@dataclass(frozen=True)
class Alternatives:
    other_days: tuple[tuple[int, int], ...] = ()  # (day, how many are on then), 0 = Monday
    any_distance: int = 0                           # how many there are at any distance
    nearest_library: Mapping | None = None          # the library nearest the resident (id, name)
    empty_filters: tuple[str, ...] = ()              # "day", "free", "language", "access": no listing has that data yet


def _count(db, query: Query, now: datetime) -> int:
    found = search(db, query, now)
    return len(found.results) + len(found.ward_only)


def alternatives(db: sqlite_utils.Database, query: Query, now: datetime) -> Alternatives:
    """Work out what else to offer for a search that found nothing."""
    other_days = ()
    if query.day is not None or query.on_date is not None:
        asked = query.day if query.day is not None else query.on_date.weekday()
        any_day = replace(query, day=None, on_date=None)
        other_days = tuple((day, n) for day in range(7) if day != asked
                           for n in [_count(db, replace(any_day, day=day), now)] if n)
    any_distance = _count(db, replace(query, radius_m=None), now) if query.radius_m is not None else 0
    library = None
    origin = query.origin
    if origin is not None and origin.easting is not None and origin.kind != "ward":
        libraries = search(db, Query(origin=origin, categories=("library",)), now).results
        library = libraries[0].asset if libraries else None
    held = facets(db)
    empty = []
    if (query.day is not None or query.on_date is not None) and not held["times"]:
        empty.append("day")
    if query.free and not held["cost"]:
        empty.append("free")
    if query.language and query.language.casefold() not in {l.casefold() for l in held["languages"]}:
        empty.append("language")
    if query.access and not {a.casefold() for a in query.access} <= {a.casefold() for a in held["access"]}:
        empty.append("access")
    return Alternatives(other_days, any_distance, library, tuple(empty))
