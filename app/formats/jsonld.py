"""A listing as schema.org JSON-LD, for search engines: a Place, or an Event with its repeating schedule.

Only what the listing's public page shows goes in: a listing at someone's home gets none at all
(search engines keep what they read), and a listing known only to its ward gets no address or point.
"""
from __future__ import annotations

from app.assets.schedule import DAY_NAMES, ScheduleError, Session, parse_schedule

SCHEMA = "https://schema.org"


def _schedule(session: Session, zone: str) -> dict:
    """One schema.org Schedule for one session of a listing's recurrence rules."""
    unit = {"DAILY": "D", "WEEKLY": "W", "MONTHLY": "M"}[session.freq]
    schedule = {"@type": "Schedule", "repeatFrequency": f"P{session.interval}{unit}", "scheduleTimezone": zone}
    if session.weekdays:
        schedule["byDay"] = [f"{SCHEMA}/{DAY_NAMES[d]}" for d in session.weekdays]
    if session.nths:
        schedule["byMonthWeek"] = list(session.nths)
    if session.monthdays:
        schedule["byMonthDay"] = list(session.monthdays)
    if session.start:
        schedule["startTime"], schedule["endTime"] = session.start, session.end
    if session.valid_from:
        schedule["startDate"] = session.valid_from.isoformat()
    if session.valid_to:
        schedule["endDate"] = session.valid_to.isoformat()
    if session.exdates:
        schedule["exceptDate"] = [d.isoformat() for d in session.exdates]
    return schedule


def listing_jsonld(asset: dict, url: str, *, area_name: str, zone: str) -> dict | None:
    """Return the JSON-LD of a public listing's page, or None for a listing at a private address."""
    if asset.get("private"):
        return None
    place: dict = {"@type": "Place", "name": asset["name"]}
    if asset.get("location_precision") != "ward" and (asset.get("address") or asset.get("postcode")):
        address = {"@type": "PostalAddress", "addressLocality": area_name, "addressCountry": "GB"}
        if asset.get("address"):
            address["streetAddress"] = asset["address"]
        if asset.get("postcode"):
            address["postalCode"] = asset["postcode"]
        place["address"] = address
        if asset.get("lat") is not None:
            place["geo"] = {"@type": "GeoCoordinates", "latitude": asset["lat"], "longitude": asset["lon"]}
    elif asset.get("ward_name"):
        place["containedInPlace"] = {"@type": "AdministrativeArea", "name": f"{asset['ward_name']} ward, {area_name}"}
    try:
        sessions = parse_schedule(asset.get("schedule") or "")
    except ScheduleError:
        sessions = ()
    contact = {k: asset[f] for k, f in (("telephone", "contact_phone"), ("email", "contact_email")) if asset.get(f)}
    if sessions:
        data = {"@type": "Event", "name": asset["name"], "location": place,
                "eventAttendanceMode": f"{SCHEMA}/OfflineEventAttendanceMode",
                "eventStatus": f"{SCHEMA}/EventScheduled",
                "eventSchedule": [_schedule(s, zone) for s in sessions]}
        if contact:
            data["organizer"] = {"@type": "Organization", "name": asset["name"], **contact}
    else:
        data = {**place, **contact}
    data = {"@context": SCHEMA, **data, "url": url}
    if asset.get("description"):
        data["description"] = asset["description"]
    if asset.get("website"):
        data["sameAs"] = asset["website"]
    return data
