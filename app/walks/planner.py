"""Which listings a walk should visit, most useful first: never checked, long unchecked, reported, asked about.

A walk covers a ward, or the listings within a distance of a start. Listings with a place on the
map can be stops on the route; listings known only to their ward are listed apart ("somewhere in
this ward: ask around"), never given a point. Residents' suggestions of new places near the walk
are listed too, to look for on the way.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlite_utils

from app.walks.route import BudgetTooShort, Route, plan_route

# How much each reason makes a listing worth a visit; a listing with none is still worth a look.
WEIGHTS = {"never": 40, "stale": 30, "problem": 25, "suggested": 15}


@dataclass(frozen=True)
class Candidate:
    asset_id: str
    name: str
    category: str
    where: str                         # address and postcode, or the ward for a ward-level listing
    place: tuple[float, float] | None  # easting, northing; None: known only to its ward
    version: int
    reasons: tuple[str, ...]           # in plain words, most pressing first
    score: int


@dataclass
class Candidates:
    located: list[Candidate] = field(default_factory=list)     # can be stops, most useful first
    ward_level: list[Candidate] = field(default_factory=list)  # ask around
    suggestions: list[dict] = field(default_factory=list)      # residents' new places waiting, to look for


def _months_ago(since: str, today: date) -> int:
    then = date.fromisoformat(since[:10])
    return (today.year - then.year) * 12 + today.month - then.month


def candidates(db: sqlite_utils.Database, today: date, *, ward_code: str | None = None,
               centre: tuple[float, float] | None = None, radius_m: float | None = None,
               stale_months: int = 6) -> Candidates:
    """The listings a walk of a ward (or within radius_m of centre) could visit, most useful first."""
    since = (today - timedelta(days=round(stale_months * 30.44))).isoformat()
    problems = dict(db.execute("select asset_id, count(*) from suggestions where kind = 'problem' "
                               "and status = 'open' and asset_id is not null group by asset_id").fetchall())
    rows = db.execute("""
        select id, name, category, address, postcode, ward_code, ward_name, easting, northing,
               location_precision, private_address, last_verified, version
        from assets where status != 'deleted' and (? is null or ward_code = ?)
        order by name collate nocase""", [ward_code, ward_code]).fetchall()
    found = Candidates()
    for r in rows:
        located = r["location_precision"] != "ward" and r["easting"] is not None
        place = (r["easting"], r["northing"]) if located else None
        if centre is not None and (place is None or math.dist(place, centre) > (radius_m or 0)):
            continue
        reasons, score = [], 0
        if not r["last_verified"]:
            reasons.append("Never checked")
            score += WEIGHTS["never"]
        elif r["last_verified"] < since:
            months = _months_ago(r["last_verified"], today)
            reasons.append(f"Last checked {months} months ago")
            score += WEIGHTS["stale"] + min(months, 24)
        if problems.get(r["id"]):
            n = problems[r["id"]]
            reasons.append(f"{n} problem report{'s' if n > 1 else ''} waiting")
            score += WEIGHTS["problem"] * n
        where = ", ".join(filter(None, (r["address"], r["postcode"]))) if located else \
            f"Somewhere in {r['ward_name']}: ask around"
        candidate = Candidate(r["id"], r["name"], r["category"], where, place, r["version"], tuple(reasons), score)
        (found.located if located else found.ward_level).append(candidate)
    found.located.sort(key=lambda c: -c.score)
    found.ward_level.sort(key=lambda c: -c.score)
    wards = {ward_code} if ward_code else {r["ward_code"] for r in rows if r["ward_code"]}
    found.suggestions = _suggestions_waiting(db, wards)
    return found


def _suggestions_waiting(db: sqlite_utils.Database, ward_codes: set[str]) -> list[dict]:
    """Residents' and connectors' suggested new places, not yet dealt with, whose postcode is in the walk's wards."""
    if not ward_codes:
        return []
    rows = db.execute("""
        select s.id, s.name, s.postcode, s.when_text from suggestions s join postcodes p on p.postcode = s.postcode
        where s.kind != 'problem' and s.status = 'open' and p.ward_code in (select value from json_each(?))
        order by s.id""", [json.dumps(sorted(ward_codes))]).fetchall()
    return [dict(r) for r in rows]


class PlanError(ValueError):
    """A walk that cannot be planned as asked, with what to do instead."""


@dataclass(frozen=True)
class End:
    """Where a walk starts or ends: a label people read and a point on the grid."""
    label: str
    place: tuple[float, float]


@dataclass
class Plan:
    stops: list[Candidate]          # in walking order
    route: Route
    left_out: list[tuple[Candidate, str]]
    found: Candidates
    start: End | None
    end: End | None
    budget_minutes: int | None
    minutes_per_stop: int
    basis: str

    def as_saved(self) -> dict:
        """The plan's working as saved with the walk (walks.plan): legs, totals, what was left out."""
        seqs = ["start"] * bool(self.start) + list(range(1, len(self.stops) + 1)) + ["end"] * bool(self.end)
        return {
            "walking": self.basis,
            "total_minutes": round(self.route.total_minutes),
            "walking_minutes": round(self.route.walking_minutes),
            "legs": [{"from": seqs[i], "to": seqs[i + 1], "metres": round(leg.metres),
                      "minutes": round(leg.minutes), "path": [[round(x), round(y)] for x, y in leg.path]}
                     for i, leg in enumerate(self.route.legs)],
            "left_out": [{"asset_id": c.asset_id, "name": c.name, "reason": why} for c, why in self.left_out],
            "ward_level": [{"asset_id": c.asset_id, "name": c.name} for c in self.found.ward_level],
            "suggestions": [{"name": s["name"], "postcode": s["postcode"]} for s in self.found.suggestions],
            **{key: {"label": e.label, "easting": round(e.place[0]), "northing": round(e.place[1])}
               for key, e in (("start", self.start), ("end", self.end)) if e},
        }


def make_plan(found: Candidates, walking, *, chosen: list[str] | None = None, start: End | None = None,
              end: End | None = None, budget_minutes: int | None = None, minutes_per_stop: int = 5) -> Plan:
    """Route the chosen listings (by default every located candidate), trimmed to the budget."""
    by_id = {c.asset_id: c for c in found.located}
    if chosen is None:
        picked = list(found.located)
    else:
        unknown = [a for a in chosen if a not in by_id]
        if unknown:
            raise PlanError(f"These are not listings with a place on the map in this walk's area: {', '.join(unknown)}")
        picked = [by_id[a] for a in dict.fromkeys(chosen)]
    if not picked:
        raise PlanError("There are no listings with a place on the map to visit here, so there is no route to "
                        "plan. The listings known only to their ward are below, to ask around for.")
    try:
        route = plan_route(walking, [c.place for c in picked], [c.score for c in picked],
                           start=start.place if start else None, end=end.place if end else None,
                           budget_minutes=budget_minutes, minutes_per_stop=minutes_per_stop)
    except BudgetTooShort as short:
        raise PlanError(f"{budget_minutes} minutes is not enough for even one stop: the quickest takes about "
                        f"{short.args[0]} minutes, walking there and back with {minutes_per_stop} minutes at the "
                        f"stop. Give more time, or start nearer.") from None
    left = [(picked[i], f"No time left within {budget_minutes} minutes") for i in route.left_out]
    return Plan([picked[i] for i in route.stops], route, left, found, start, end, budget_minutes, minutes_per_stop,
                getattr(walking, "basis", "straight line x 1.3"))
