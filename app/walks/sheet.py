"""A walk on paper: what the printed sheet says, and the route its map and GPX file draw.

The planner leaves its working in walk.plan: "legs" (each {"from": seq or "start", "to": seq or
"end", "metres", "minutes", optionally "path": [[easting, northing], ...]}), "total_minutes",
"walking" (words), "left_out", "ward_level", "start" and "end". Older walks have none of these:
their route is then straight lines between the stops in order.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import shapely
import sqlite_utils

from app.assets.search import ROUTE_FACTOR, WALKING_METRES_PER_MINUTE, walking_minutes
from app.places.nearby import ward_boundaries
from app.walks.progress import placed_stops
from app.walks.walk import Walk

Point = tuple[float, float]

# What to look at at every stop; the printed sheet has a tick box for each.
CHECKS = ("Open / still running?", "Day and times right?", "Contact right?", "Posters nearby?")
ASK_AROUND = "Somewhere in this ward: ask around"
# Points of a leg's path closer than this (metres) to the one before are the same point.
SAME_POINT_M = 0.5


@dataclass(frozen=True)
class Mark:
    """A place the route passes on purpose: the start, a stop or the end."""
    kind: str            # "start", "stop" or "end"
    key: str             # as the plan's legs name it: "start", "end" or the stop's seq
    label: str           # what the map prints in its marker: "S", "E" or the stop's number
    name: str            # "Start: Belgrave Library", "1. Belgrave Library"
    point: Point         # easting, northing (British National Grid metres)
    seq: int | None = None


@dataclass(frozen=True)
class Route:
    """The route in walking order: legs[i] runs from marks[i] to marks[i + 1], ends included."""
    marks: tuple[Mark, ...]
    legs: tuple[tuple[Point, ...], ...]
    straight: tuple[bool, ...]   # per leg: drawn as the crow flies (the plan gave no path)

    def points(self) -> list[Point]:
        return [p for leg in self.legs for p in leg] or [m.point for m in self.marks]


def _point(value) -> Point | None:
    """An [easting, northing] pair (or a dict with them) as floats, or None when it is not one."""
    if isinstance(value, dict):
        value = (value.get("easting"), value.get("northing"))
    try:
        easting, northing = (float(v) for v in value)
    except (TypeError, ValueError):
        return None
    return (easting, northing) if math.isfinite(easting) and math.isfinite(northing) else None


def _path(leg: dict | None) -> list[Point] | None:
    """A leg's walking path, or None when the plan gave none (or an unreadable one)."""
    if not isinstance(leg, dict) or not isinstance(leg.get("path"), list):
        return None
    points = [_point(p) for p in leg["path"]]
    return points if points and None not in points else None


def _without_repeats(points: list[Point]) -> tuple[Point, ...]:
    kept: list[Point] = []
    for p in points:
        if not kept or math.dist(kept[-1], p) > SAME_POINT_M:
            kept.append(p)
    return tuple(kept)


def _place_words(plan: dict, kind: str, label: str) -> str:
    """Where the walk starts (or ends), as the planner or the walk's own label says it."""
    where = plan.get(kind)
    return str((where.get("label") if isinstance(where, dict) else "") or label or "").strip()


def _end_mark(plan: dict, kind: str, label: str) -> Mark | None:
    where = plan.get(kind)
    point = _point(where) if isinstance(where, dict) else None
    if point is None:
        return None
    words = {"start": "Start", "end": "End"}[kind]
    named = _place_words(plan, kind, label)
    return Mark(kind, kind, words[0], f"{words}: {named}" if named else words, point)


def route(walk: Walk, stops: list[dict]) -> Route:
    """The walk's route through its stops that have a place, in order, from the start to the end when known.

    Stops known only to their ward, and listings deleted since planning, are not on it. A leg the
    plan gives a path for follows the path; any other is a straight line.
    """
    plan = walk.plan if isinstance(walk.plan, dict) else {}
    marks = [m for m in [_end_mark(plan, "start", walk.start_label)] if m]
    marks += [Mark("stop", str(s["seq"]), str(s["seq"]), f"{s['seq']}. {s['name']}", tuple(s["place"]), s["seq"])
              for s in stops if s["place"] is not None and not s["gone"]]
    marks += [m for m in [_end_mark(plan, "end", walk.end_label)] if m]
    planned = {(str(leg.get("from")), str(leg.get("to"))): leg
               for leg in plan.get("legs") or [] if isinstance(leg, dict)}
    legs, straight = [], []
    for here, there in zip(marks, marks[1:]):
        path = _path(planned.get((here.key, there.key)))
        legs.append(_without_repeats([here.point, *(path or []), there.point]))
        straight.append(path is None)
    return Route(tuple(marks), tuple(legs), tuple(straight))


def estimated_minutes(walk: Walk, walk_route: Route, stop_count: int) -> int:
    """Minutes for the walk when the plan does not say: its legs at the residents' pace, and the time at each stop."""
    minutes = 0
    for leg, straight in zip(walk_route.legs, walk_route.straight):
        metres = shapely.LineString(leg).length if len(leg) > 1 else 0.0
        # A straight leg is stretched by ROUTE_FACTOR, as the residents' site does; a path is walked as it is.
        minutes += walking_minutes(metres) if straight else max(1, round(metres / WALKING_METRES_PER_MINUTE))
    return minutes + (walk.minutes_per_stop or 0) * stop_count


def walking_words(plan: dict) -> str:
    """How the walking times were worked out, in the planner's words or the residents' site's rule."""
    words = str(plan.get("walking") or "").strip()
    if words:
        return words
    km_per_hour = WALKING_METRES_PER_MINUTE * 60 / 1000
    return (f"Walking times are the straight line between stops × {ROUTE_FACTOR:g} "
            f"at an easy {km_per_hour:g} km/h, as the residents' site works them out.")


def ward_name(db: sqlite_utils.Database, ward_code: str | None) -> str:
    row = db.execute("select ward_name from wards where ward_code = ?", [ward_code]).fetchone() if ward_code else None
    return row[0] if row else ""


def ward_outline(db: sqlite_utils.Database, ward_code: str | None) -> shapely.Geometry | None:
    """The ward's simplified boundary in British National Grid metres, or None."""
    return ward_boundaries(db).get(ward_code) if ward_code else None


def planned_on(walk: Walk, timezone: str) -> date:
    """The day the walk was planned, as the area's clocks showed it (it is stored in UTC)."""
    return datetime.fromisoformat(walk.created_at).astimezone(ZoneInfo(timezone)).date()


def _named(items) -> list[dict]:
    """The plan's lists of listings ({"asset_id", "name", ...}), kept only where they are such."""
    return [i for i in items or [] if isinstance(i, dict) and (i.get("name") or i.get("asset_id"))]


@dataclass(frozen=True)
class Sheet:
    walk: Walk
    ward_name: str
    start: str                  # where the walk starts and ends, in words ("" when not said)
    end: str
    outline: shapely.Geometry | None
    route: Route
    on_route: list[dict]        # stops in route order that are not ward-level: to find by address (or deleted)
    ask_around: list[dict]      # stops known only to their ward, listed after the route, never pinned
    ward_level: list[dict]      # the plan's other ward-level listings: {"asset_id", "name"}
    left_out: list[dict]        # the plan's {"asset_id", "name", "reason"}
    total_minutes: int | None
    total_estimated: bool       # the plan gave no total: it was worked out here
    walking: str

    @property
    def map_label(self) -> str:
        where = f" in {self.ward_name}" if self.ward_name else ""
        count = sum(m.kind == "stop" for m in self.route.marks)
        return (f"Map of the walk{where}: the route through {count} numbered "
                f"stop{'s' if count != 1 else ''} in order. The same stops are listed below.")


def walk_sheet(db: sqlite_utils.Database, walk: Walk) -> Sheet:
    """Everything the printed sheet shows for a walk."""
    plan = walk.plan if isinstance(walk.plan, dict) else {}
    stops = placed_stops(db, walk)
    for stop in stops:
        if stop["private_address"] and stop["place"] is not None:
            # Someone's home: a sheet can be left on a bus, so it gives the postcode and not the street.
            stop["where"] = f"{stop['postcode']} (the street address is private, so it is not printed)"
    on_route = [s for s in stops if s["gone"] or s["place"] is not None]
    ask_around = [s for s in stops if not s["gone"] and s["place"] is None]
    walk_route = route(walk, stops)
    in_walk = {s["asset_id"] for s in stops}
    total = plan.get("total_minutes")
    total = int(total) if isinstance(total, (int, float)) and not isinstance(total, bool) else None
    estimated = total is None and bool(stops)
    if estimated:
        total = estimated_minutes(walk, walk_route, sum(not s["gone"] for s in stops))
    return Sheet(
        walk=walk, ward_name=ward_name(db, walk.ward_code),
        start=_place_words(plan, "start", walk.start_label), end=_place_words(plan, "end", walk.end_label),
        outline=ward_outline(db, walk.ward_code), route=walk_route, on_route=on_route, ask_around=ask_around,
        ward_level=[i for i in _named(plan.get("ward_level")) if i.get("asset_id") not in in_walk],
        left_out=_named(plan.get("left_out")), total_minutes=total, total_estimated=estimated,
        walking=walking_words(plan))

