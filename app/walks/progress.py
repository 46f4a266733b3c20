"""A walk as the connector's phone shows it: each stop's listing, its state, and how far to the next."""
from __future__ import annotations

import math

import sqlite_utils

from app.assets.schedule import ScheduleError, parse_schedule
from app.assets.search import WALKING_METRES_PER_MINUTE, walking_minutes
from app.walks.outcomes import WORDS, is_gone
from app.walks.walk import Walk
from app.web.wording import describe_session, describe_walk

PHONE_FIELDS = ("id", "name", "address", "postcode", "ward_name", "schedule", "contact_phone", "contact_email",
                "status", "version", "lat", "lon", "easting", "northing", "location_precision", "private_address")


def _when(schedule: str | None) -> str:
    if not schedule:
        return "No day or time listed"
    try:
        return "; ".join(describe_session(s) for s in parse_schedule(schedule)) or schedule
    except ScheduleError:
        return schedule


def _placed(asset: dict | None) -> bool:
    return bool(asset) and asset["location_precision"] != "ward" and asset["easting"] is not None


def phone_stops(db: sqlite_utils.Database, walk: Walk) -> list[dict]:
    """Every stop in route order with its listing's details, its state and the walk to the next stop."""
    stops = placed_stops(db, walk)
    for stop in stops:
        stop.pop("place")
    return stops


def placed_stops(db: sqlite_utils.Database, walk: Walk) -> list[dict]:
    """As phone_stops, each with its "place" too: (easting, northing) in metres, or None (no pin)."""
    ids = [s.asset_id for s in walk.stops]
    found = {r["id"]: dict(r) for r in db.execute(
        f"select {', '.join(PHONE_FIELDS)} from assets where id in ({', '.join('?' * len(ids))})", ids)} if ids else {}
    stops = []
    for stop in walk.stops:
        asset = found.get(stop.asset_id)
        gone = is_gone(asset)
        stops.append({
            "seq": stop.seq, "asset_id": stop.asset_id, "gone": gone,
            "name": stop.asset_id if gone else asset["name"],
            "where": "" if gone else ("Somewhere in this ward: ask around" if not _placed(asset)
                                      else ", ".join(filter(None, (asset["address"], asset["postcode"])))),
            "ward": "" if gone else asset["ward_name"] or "",
            "when": "" if gone else _when(asset["schedule"]),
            "schedule": "" if gone else asset["schedule"] or "",
            "contact_phone": "" if gone else asset["contact_phone"] or "",
            "contact_email": "" if gone else asset["contact_email"] or "",
            "status": "deleted" if gone else asset["status"],
            "postcode": "" if gone else asset["postcode"] or "",
            "private_address": not gone and bool(asset["private_address"]),
            "version": None if gone else asset["version"],
            "outcome": stop.outcome, "outcome_words": WORDS.get(stop.outcome or "", ""),
            "outcome_by": stop.outcome_by, "outcome_at": stop.outcome_at,
            "lat": asset["lat"] if _placed(asset) else None, "lon": asset["lon"] if _placed(asset) else None,
            "place": (asset["easting"], asset["northing"]) if _placed(asset) else None,
        })
    planned = {(leg.get("from"), leg.get("to")): leg.get("metres") for leg in walk.plan.get("legs", [])}
    for here, there in zip(stops, stops[1:] + [None]):
        here["to_next"] = _leg(here, there, planned.get((here["seq"], there["seq"])) if there else None)
    return stops


def _leg(here: dict, there: dict | None, walking_metres: float | None = None) -> str:
    """Say how far it is to the next stop: the plan's walking metres when it has them (a street network's),
    else the straight line x 1.3 at an easy 3 km/h, as residents are told."""
    if there is None:
        return "This is the last stop."
    if here["place"] is None or there["place"] is None:
        return f"Next: {there['name']} (no exact place on the map)."
    metres = math.dist(here["place"], there["place"])
    if walking_metres is not None:
        minutes = max(1, round(walking_metres / WALKING_METRES_PER_MINUTE))
        return f"Next: {there['name']}. {describe_walk(minutes, walking_metres)}."
    return f"Next: {there['name']}. {describe_walk(walking_minutes(metres), metres)}."


def current_stop(stops: list[dict]) -> dict | None:
    """The first stop still to visit (skipping listings deleted since the walk was planned)."""
    return next((s for s in stops if not s["outcome"] and not s["gone"]), None)
