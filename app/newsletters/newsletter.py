"""A ward's month, gathered from the public listings: what the printed newsletter says, in no language yet.

Everything comes from what residents can already see: the ward's public listings (hidden, closed
and deleted ones never; a listing at someone's home with its address blanked, as on its page) and
the dates their schedules give in the month (app/assets/schedule.py, closures left out). The
words are chosen when it is rendered (render.py), in the reader's language.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import shapely
import sqlite_utils

from app.assets.search import SERVICE_CATEGORIES, Query, get_ward, hydrate, list_wards, search
from app.config import Area
from app.places.nearby import ward_boundaries

# Wards whose boundary comes this close to the ward's own are "nearby" (touching ones are 0 m away).
NEARBY_WARD_M = 500
# An empty month lists at most this many things to do nearby: the sheet stays two pages.
NEARBY_MAX = 8


class NewsletterError(ValueError):
    """A newsletter that cannot be made (an unknown ward, a month not written YYYY-MM), with what to write."""


@dataclass(frozen=True)
class Entry:
    """One listing as the newsletter names it: its own words, as written."""
    id: str
    name: str
    category: str
    where: str | None        # its address and postcode; None when only its ward is known (or it is private)
    ward_name: str
    cost: str | None
    phone: str | None

    @property
    def ward_level(self) -> bool:
        return self.where is None


@dataclass(frozen=True)
class Happening:
    """One dated occurrence of a listing in the month."""
    day: date
    start: str | None        # 'HH:MM' local, None when the listing gives no times
    end: str | None
    entry: Entry


@dataclass(frozen=True)
class Newsletter:
    ward_code: str
    ward_name: str
    ward_slug: str
    month: date                                   # its first day
    days: tuple[tuple[date, tuple[Happening, ...]], ...]   # only days with something on, in order
    regular: tuple[Entry, ...]                    # the ward's things to do with no dates (ask when)
    nearby: tuple[tuple[Entry, tuple[Happening, ...]], ...]  # only when the ward's month is empty
    connector: str | None                         # how to reach the ward's community connector, as written
    outline: shapely.Geometry | None              # the ward's boundary, British National Grid metres
    made: date

    @property
    def happenings(self) -> tuple[Happening, ...]:
        return tuple(h for _, on_day in self.days for h in on_day)

    @property
    def empty(self) -> bool:
        return not self.days


def parse_month(text: str) -> date:
    """Read a month written YYYY-MM ('2026-12') as its first day, or raise NewsletterError."""
    match = re.fullmatch(r"(\d{4})-(\d{1,2})", (text or "").strip())
    if not match or not 1 <= int(match[2]) <= 12 or int(match[1]) < 2000:
        raise NewsletterError(f"“{text}” is not a month: write the year and month as YYYY-MM, for example 2026-12.")
    return date(int(match[1]), int(match[2]), 1)


def month_end(first: date) -> date:
    return (first + timedelta(days=31)).replace(day=1) - timedelta(days=1)


def find_ward(db: sqlite_utils.Database, slug: str) -> dict:
    """Return the ward the ward pages call `slug` (or its code), or raise NewsletterError naming the slugs."""
    found = get_ward(db, slug or "")
    if found is None:
        slugs = ", ".join(w["slug"] for w in list_wards(db))
        raise NewsletterError(f"There is no ward called “{slug}”. Use one of: {slugs}.")
    return found


def _entry(asset) -> Entry:
    placed = asset.get("location_precision") != "ward" and (asset.get("address") or asset.get("postcode"))
    where = ", ".join(p for p in (asset.get("address"), asset.get("postcode")) if p) if placed else None
    return Entry(id=asset["id"], name=asset["name"], category=asset["category"], where=where,
                 ward_name=asset.get("ward_name") or "", cost=(asset.get("cost") or "").strip() or None,
                 phone=(asset.get("contact_phone") or "").strip() or None)


def _listings(db, ward_code: str, now: datetime):
    """The ward's public things to do (health and advice services are not "what's on"), with their sessions."""
    results = hydrate(db, search(db, Query(ward_code=ward_code), now).results)
    return [r for r in results if r.asset["category"] not in SERVICE_CATEGORIES]


def _happenings(result, first: date, last: date) -> list[Happening]:
    entry = _entry(result.asset)
    return [Happening(o.day, o.start, o.end, entry) for s in result.sessions for o in s.occurrences(first, last)]


def _order(h: Happening):
    return (h.day, h.start or "", h.entry.name.casefold(), h.entry.id)


def _nearby(db, ward_code: str, outline, first: date, last: date, now: datetime):
    """Things to do in the wards next to this one, those on this month first (for a month with nothing on)."""
    if outline is None:
        return ()
    boundaries = ward_boundaries(db)
    near = sorted((float(shapely.distance(outline, shape)), code) for code, shape in boundaries.items()
                  if code != ward_code and shapely.distance(outline, shape) <= NEARBY_WARD_M)
    found = []
    for _, code in near:
        for result in _listings(db, code, now):
            on = tuple(sorted(_happenings(result, first, last), key=_order))
            found.append((_entry(result.asset), on))
    found.sort(key=lambda pair: (not pair[1], pair[1][0].day if pair[1] else first))  # stable: nearest ward first
    return tuple(found[:NEARBY_MAX])


def gather(db: sqlite_utils.Database, area: Area, ward_slug: str, month: date, now: datetime) -> Newsletter:
    """Gather what a ward's newsletter for `month` says, from the listings as they are at `now` (local time)."""
    ward = find_ward(db, ward_slug)
    first, last = month.replace(day=1), month_end(month)
    listings = _listings(db, ward["ward_code"], now)
    happenings, regular = [], []
    for result in listings:
        if not result.sessions:
            regular.append(_entry(result.asset))
        else:  # a listing with dates but none this month is not on: it is not listed
            happenings += _happenings(result, first, last)
    by_day: dict[date, list[Happening]] = {}
    for happening in sorted(happenings, key=_order):
        by_day.setdefault(happening.day, []).append(happening)
    outline = ward_boundaries(db).get(ward["ward_code"])
    regular.sort(key=lambda e: (e.name.casefold(), e.id))
    return Newsletter(
        ward_code=ward["ward_code"], ward_name=ward["ward_name"], ward_slug=ward["slug"], month=first,
        days=tuple((day, tuple(on)) for day, on in by_day.items()), regular=tuple(regular),
        nearby=() if by_day else _nearby(db, ward["ward_code"], outline, first, last, now),
        connector=dict(area.connectors).get(ward["ward_name"]), outline=outline, made=now.date())
