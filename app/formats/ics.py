"""Listings as iCalendar (RFC 5545) files: one event per session, repeating by its recurrence rule.

A calendar app then shows the sessions on the same dates the site does: the rule, its closures
(EXDATE) and its last date (UNTIL) come from the listing's schedule (app/assets/schedule.py), and
times are local wall-clock in the area's time zone, with that zone's definition (VTIMEZONE) in the
file, so a 10am group stays at 10am across the clock changes. Built with the `icalendar` package:
line folding, escaping and time-zone definitions are not worth writing by hand.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vRecur

from app.assets.schedule import RFC_DAYS, ScheduleError, Session, parse_schedule

PRODUCT = "-//Community asset map//Listings//EN"


def _first_date(session: Session) -> date | None:
    """The session's first real date: DTSTART must be one of the rule's own dates (RFC 5545 3.8.5.3)."""
    found = session.rule().after(datetime.combine(session.anchor, time()), inc=True)
    return found.date() if found else None


def _recurrence(session: Session, zone: ZoneInfo) -> vRecur:
    rule = {"FREQ": session.freq, "WKST": "MO"}
    if session.interval != 1:
        rule["INTERVAL"] = session.interval
    if session.monthdays:
        rule["BYMONTHDAY"] = list(session.monthdays)
    if session.weekdays:
        rule["BYDAY"] = [f"{'' if n is None else n}{RFC_DAYS[d]}" for d, n in session.byday]
    if session.valid_to:
        if session.start:
            # With a zoned start, UNTIL must be UTC: the end of the last day, local time.
            last = datetime.combine(session.valid_to, time(23, 59, 59), zone)
            rule["UNTIL"] = last.astimezone(timezone.utc)
        else:
            rule["UNTIL"] = session.valid_to
    return vRecur(rule)


def _at(day: date, hhmm: str, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(int(hhmm[:2]), int(hhmm[3:])), zone)


def session_event(asset: dict, index: int, session: Session, zone: ZoneInfo, *, uid_domain: str, url: str,
                  location: str, stamp: datetime, no_times: str) -> Event | None:
    """One VEVENT for one session of a listing, or None for a session with no date left."""
    first = _first_date(session)
    if first is None:
        return None
    event = Event()
    event.add("uid", f"{asset['id']}.{index}@{uid_domain}")
    event.add("dtstamp", stamp)
    event.add("summary", asset["name"])
    if session.start:
        start = _at(first, session.start, zone)
        end = _at(first, session.end, zone)
        if end <= start:  # past midnight
            end += timedelta(days=1)
        event.add("dtstart", start)
        event.add("dtend", end)
        closures = [_at(d, session.start, zone) for d in session.exdates]
    else:
        # No times known: an all-day event on each date, saying so.
        event.add("dtstart", first)
        event.add("dtend", first + timedelta(days=1))
        closures = list(session.exdates)
    event.add("rrule", _recurrence(session, zone))
    if closures:
        event.add("exdate", closures)
    if location:
        event.add("location", location)
    event.add("url", url)
    description = [asset.get("description") or "", url]
    if not session.start:
        description.insert(0, no_times)
    event.add("description", "\n\n".join(d for d in description if d))
    return event


def listings_calendar(listings: list[tuple[dict, str, str]], *, name: str, zone_name: str, uid_domain: str,
                      no_times: str, stamp: datetime | None = None) -> bytes:
    """Return one .ics file for listings given as (public asset, its page's URL, where it is in words).

    `no_times` is said (in the reader's language) on sessions whose times are not known.

    Listings with no schedule, or one that cannot be read, add nothing (the site says "ask when").
    """
    zone = ZoneInfo(zone_name)
    stamp = (stamp or datetime.now(timezone.utc)).astimezone(timezone.utc)
    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", zone_name)
    earliest = stamp.date()
    for asset, url, location in listings:
        try:
            sessions = parse_schedule(asset.get("schedule") or "")
        except ScheduleError:
            continue
        for index, session in enumerate(sessions, 1):
            event = session_event(asset, index, session, zone, uid_domain=uid_domain, url=url, location=location,
                                  stamp=stamp, no_times=no_times)
            if event is not None:
                calendar.add_component(event)
                earliest = min(earliest, event.decoded("dtstart") if not isinstance(event.decoded("dtstart"), datetime)
                               else event.decoded("dtstart").date())
    # The zone's changes from the first event on (not from 1970: a shorter file, and readers that
    # pick the first definition would otherwise take an old rule), for twenty years.
    calendar.add_missing_timezones(first_date=date(earliest.year, 1, 1), last_date=date(stamp.year + 20, 1, 1))
    return calendar.to_ical()
