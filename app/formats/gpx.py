"""A walk as GPX 1.1 (gpxpy) for phone map apps: the route in order, and a waypoint at each stop with a place."""
from __future__ import annotations

from datetime import datetime

import gpxpy.gpx

from app.places.geocode import bng_to_wgs84
from app.walks.sheet import Sheet

# Six decimal places of a degree is about 10 cm.
DEGREE_PLACES = 6


def _lat_lon(points) -> list[tuple[float, float]]:
    if not points:
        return []
    lats, lons = bng_to_wgs84([p[0] for p in points], [p[1] for p in points])
    return [(round(float(lat), DEGREE_PLACES), round(float(lon), DEGREE_PLACES)) for lat, lon in zip(lats, lons)]


def walk_gpx(sheet: Sheet, creator: str) -> str:
    """The walk as a GPX 1.1 document.

    One <rte>: the start, each leg's path and each stop in walking order, then the end. One <wpt>
    per stop that has a place, named "1. Name", described by its address and times. Stops known
    only to their ward get no waypoint: there is no true point to give them.
    """
    walk, walk_route = sheet.walk, sheet.route
    gpx = gpxpy.gpx.GPX()
    gpx.creator = creator
    gpx.name = walk.title or "Patch walk"
    gpx.description = " ".join(filter(None, [
        f"A patch walk in {sheet.ward_name}." if sheet.ward_name else "A patch walk.",
        f"Planned by {walk.created_by}." if walk.created_by else "",
        f"{len(sheet.ask_around)} more listing{'s' if len(sheet.ask_around) != 1 else ''} "
        f"somewhere in the ward with no exact place: ask around." if sheet.ask_around else ""]))
    gpx.time = datetime.fromisoformat(walk.created_at)
    stops = {s["seq"]: s for s in sheet.on_route}
    stop_marks = [m for m in walk_route.marks if m.kind == "stop"]
    for mark, (lat, lon) in zip(stop_marks, _lat_lon([m.point for m in stop_marks])):
        stop = stops[mark.seq]
        gpx.waypoints.append(gpxpy.gpx.GPXWaypoint(
            lat, lon, name=mark.name, description=". ".join(filter(None, [stop["where"], stop["when"]])),
            type="Stop"))
    rte = gpxpy.gpx.GPXRoute(name=gpx.name)
    # The points in walking order, each mark named and the paths between them not.
    ordered: list[tuple[tuple[float, float], str | None]] = []
    for i, mark in enumerate(walk_route.marks):
        ordered.append((mark.point, mark.name))
        if i < len(walk_route.legs):
            ordered += [(p, None) for p in walk_route.legs[i][1:-1]]
    for ((lat, lon), (_, name)) in zip(_lat_lon([p for p, _ in ordered]), ordered):
        rte.points.append(gpxpy.gpx.GPXRoutePoint(lat, lon, name=name))
    if rte.points:
        gpx.routes.append(rte)
    return gpx.to_xml(version="1.1")
