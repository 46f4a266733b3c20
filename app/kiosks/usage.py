"""How much a library kiosk is used: anonymous, coarse counts per kiosk, day and kind of event.

What is kept is only (kiosk, day, event, count). No address, no time finer than the day, nothing a
person typed: a postcode search is counted as "postcode_search", never with its postcode. The events
are a fixed vocabulary, so nothing else can be written here. The day is the area's local day
(app.clock), given by the caller.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta

import sqlite_utils

from app.store.connection import transaction

# What library staff see, each event counted under one of these headings.
GROUPS = {
    "tiles": "Tiles used",
    "listings": "Listings opened",
    "qr": "QR codes shown",
    "printed": "Slips printed",
    "postcode": "Postcode searches",
}
# Every event a kiosk can count: name -> (group, what it is, in the staff's words).
EVENTS = {
    "tile_today": ("tiles", "Tile: On today"),
    "tile_this_week": ("tiles", "Tile: This week"),
    "tile_near": ("tiles", "Tile: Near this library"),
    "tile_areas": ("tiles", "Tile: Choose an area"),
    "tile_category": ("tiles", "Tile: a category"),
    "tile_traders": ("tiles", "Tile: Find a trusted trader"),
    "tile_tell_us": ("tiles", "Tile: Tell us something"),
    "tile_postcode": ("tiles", "Tile: Search by postcode"),
    "listing_opened": ("listings", "Listings opened"),
    "trader_opened": ("listings", "Traders' pages opened"),
    "qr_shown": ("qr", "QR codes shown"),
    "slip_printed": ("printed", "Slips printed"),
    "postcode_search": ("postcode", "Postcode searches made"),
}
# The events a kiosk's browser may report itself (the rest are counted as pages are served).
CLIENT_EVENTS = ("slip_printed",)
WEEKS_SHOWN = 12


class UsageError(ValueError):
    """An event that is not one of EVENTS: nothing was counted."""


def record(db: sqlite_utils.Database, kiosk_id: int, event: str, day: date) -> None:
    """Count one event for a kiosk on a day."""
    if event not in EVENTS:
        raise UsageError(f"“{event}” is not something a kiosk counts.")
    with transaction(db):
        db.execute("insert into kiosk_usage (kiosk_id, day, event, count) values (?, ?, ?, 1) "
                   "on conflict (kiosk_id, day, event) do update set count = count + 1",
                   [kiosk_id, day.isoformat(), event])


def counts(db: sqlite_utils.Database, kiosk_id: int) -> dict[tuple[str, str], int]:
    """Every count of a kiosk: (day, event) -> count."""
    return {(r[0], r[1]): r[2] for r in db.execute(
        "select day, event, count from kiosk_usage where kiosk_id = ? order by day, event", [kiosk_id])}


@dataclass(frozen=True)
class Week:
    year: int
    number: int
    monday: date
    events: dict[str, int]   # event -> count, every event (0 when none)

    @property
    def label(self) -> str:
        return f"{self.year}-W{self.number:02d}"

    @property
    def groups(self) -> dict[str, int]:
        totals = dict.fromkeys(GROUPS, 0)
        for event, n in self.events.items():
            totals[EVENTS[event][0]] += n
        return totals


def weekly(db: sqlite_utils.Database, kiosk_id: int, today: date, weeks: int = WEEKS_SHOWN) -> list[Week]:
    """The last `weeks` ISO weeks up to today's, oldest first, weeks with no use included."""
    this_monday = today - timedelta(days=today.weekday())
    first = this_monday - timedelta(weeks=weeks - 1)
    found = {}
    for day, event, n in db.execute("select day, event, count from kiosk_usage where kiosk_id = ? and day >= ?",
                                    [kiosk_id, first.isoformat()]):
        if event in EVENTS:  # a later release's event names are not this one's to show
            monday = date.fromisoformat(day) - timedelta(days=date.fromisoformat(day).weekday())
            found[(monday, event)] = found.get((monday, event), 0) + n
    result = []
    for i in range(weeks):
        monday = first + timedelta(weeks=i)
        year, number, _ = monday.isocalendar()
        result.append(Week(year, number, monday, {e: found.get((monday, e), 0) for e in EVENTS}))
    return result


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: int
    label: str


def bars(values: list[tuple[str, int]], width: float, height: float) -> list[Bar]:
    """Lay out a bar chart of (label, value) in a width x height box, bars scaled to the largest value."""
    if not values:
        return []
    top = max(v for _, v in values) or 1
    step = width / len(values)
    return [Bar(i * step + step * 0.15, height - height * v / top, step * 0.7, height * v / top, v, label)
            for i, (label, v) in enumerate(values)]


def usage_csv(db: sqlite_utils.Database, kiosk_id: int) -> str:
    """Every day's counts of a kiosk as CSV: day, ISO week, event, what it is, count."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["day", "iso_week", "event", "what", "count"])
    for (day, event), n in counts(db, kiosk_id).items():
        if event not in EVENTS:
            continue
        year, number, _ = date.fromisoformat(day).isocalendar()
        writer.writerow([day, f"{year}-W{number:02d}", event, EVENTS[event][1], n])
    return out.getvalue()
