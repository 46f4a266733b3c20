"""Calendar files: read back by two independent parsers, on the same dates and times the site shows."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import icalendar
import pytest
from ical.calendar_stream import IcsCalendarStream
from conftest import write_csv
from dateutil import rrule as rr

from app import create_app
from app.assets.pipeline import build
from app.assets.schedule import parse_schedule

LONDON = ZoneInfo("Europe/London")
TODAY = date(2026, 11, 26)
# Schedules as connectors write them, across the clock changes (29 Mar and 25 Oct 2026, 28 Mar 2027).
CASES = {
    "weekly": "Tue 10:00-12:00",
    "second-tuesday": "2nd Tue 14:00-16:00",
    "fortnightly": "Every other Thu 10:00-11:30 from 2026-10-01",
    "closures": "Mon 09:30-11:00 not 2026-12-28, 2027-01-04",
    "last-friday": "Last Fri of the month 18:00-20:00",
    "until": "Wed 13:00-15:00 until 2027-01-27",
    "weekdays-but-sunday": "Daily except Sun 08:00-09:00 from 2027-03-01 until 2027-04-10",
    "last-day": "Last day of the month",
    "two-sessions": "Sat 10:00-12:00; 1st Sun 14:00-15:00",
}


@pytest.fixture(scope="module")
def client(tmp_path_factory, area):
    tmp = tmp_path_factory.mktemp("calendars")
    rows = [{"id": key, "name": f"Group {key}", "category": "group_activity", "postcode": "LE4 6JD",
             "address": "Belgrave Neighbourhood Centre", "schedule": text, "source": "poster",
             "description": "Bring a friend"} for key, text in CASES.items()]
    rows.append({"id": "no-times-known", "name": "Knit and natter", "category": "group_activity",
                 "ward": "Belgrave", "location_precision": "ward", "source": "poster", "schedule": ""})
    build(area, tmp / "a.db", write_csv(tmp / "a.csv", rows), today=TODAY)
    app = create_app({"TESTING": True, "DATABASE": str(tmp / "a.db"), "NOW": datetime(2026, 11, 26, 9, 0)})
    return app.test_client()


def expand_with_icalendar(text: str, first: datetime, last: datetime) -> list[datetime]:
    """Start times (UTC) of every event in the file between first and last, by icalendar + dateutil."""
    found = []
    for event in icalendar.Calendar.from_ical(text).walk("VEVENT"):
        start = event.decoded("dtstart")
        rule = rr.rrulestr(event["rrule"].to_ical().decode(), dtstart=start, forceset=True)
        for exdate in (event.get("exdate") if isinstance(event.get("exdate"), list) else [event.get("exdate")]):
            for when in (exdate.dts if exdate else []):
                rule.exdate(when.dt)
        if isinstance(start, datetime):
            found += [d.astimezone(timezone.utc) for d in rule.between(first, last, inc=True)]
        else:  # all-day
            naive = rule.between(first.replace(tzinfo=None), last.replace(tzinfo=None), inc=True)
            found += [datetime.combine(d.date(), datetime.min.time(), timezone.utc) for d in naive]
    return sorted(found)


def expand_with_ical(text: str, first: datetime, last: datetime) -> list[datetime]:
    """The same, by the `ical` package: its own parser, time zones and recurrence timeline."""
    found = []
    for event in IcsCalendarStream.calendar_from_ics(text).timeline.start_after(first):
        start = event.dtstart
        start = (start.astimezone(timezone.utc) if isinstance(start, datetime)
                 else datetime.combine(start, datetime.min.time(), timezone.utc))
        if start > last:
            break
        found.append(start)
    return sorted(found)


def site_dates(schedule: str, first: date, last: date) -> list[datetime]:
    """The dates and times the site itself shows for a schedule (its own recurrence code), in UTC."""
    found = []
    for session in parse_schedule(schedule):
        for day in session.dates(first, last):
            if session.start:
                local = datetime.combine(day, datetime.strptime(session.start, "%H:%M").time(), LONDON)
                found.append(local.astimezone(timezone.utc))
            else:
                found.append(datetime.combine(day, datetime.min.time(), timezone.utc))
    return sorted(found)


@pytest.mark.parametrize("key", CASES)
def test_each_listing_calendar_has_the_dates_and_times_the_site_shows(client, key):
    response = client.get(f"/assets/{key}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    text = response.get_data(as_text=True)
    first, last = date(2026, 11, 1), date(2027, 6, 30)
    window = (datetime.combine(first, datetime.min.time(), timezone.utc),
              datetime.combine(last + timedelta(days=1), datetime.min.time(), timezone.utc))
    expected = site_dates(CASES[key], first, last)
    assert expected, "the case must have dates in the window"
    assert expand_with_icalendar(text, *window) == expected
    assert expand_with_ical(text, *window) == expected


def test_times_stay_local_across_the_clock_change(client):
    text = client.get("/assets/weekdays-but-sunday.ics").get_data(as_text=True)
    starts = expand_with_ical(text, datetime(2027, 3, 26, tzinfo=timezone.utc), datetime(2027, 3, 31, 12, tzinfo=timezone.utc))
    # 8am in London is 08:00 UTC before 28 March 2027 and 07:00 UTC after it.
    assert [(d.day, d.hour) for d in starts] == [(26, 8), (27, 8), (29, 7), (30, 7), (31, 7)]
    calendar = icalendar.Calendar.from_ical(text)
    assert [tz["tzid"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/London"]
    assert "TZID=Europe/London" in text


def test_the_next_date_in_the_file_is_the_one_the_listing_page_shows(client):
    # 26 Nov 2026 is a Thursday; the page says when each group is next on.
    text = client.get("/assets/second-tuesday.ics").get_data(as_text=True)
    upcoming = expand_with_icalendar(text, datetime(2026, 11, 26, 9, tzinfo=timezone.utc),
                                     datetime(2027, 1, 1, tzinfo=timezone.utc))
    assert upcoming[0] == datetime(2026, 12, 8, 14, 0, tzinfo=timezone.utc)
    page = client.get("/assets/second-tuesday").get_data(as_text=True)
    assert "Tuesday 8 December" in page


def test_an_event_names_the_listing_its_place_and_its_page(client):
    calendar = icalendar.Calendar.from_ical(client.get("/assets/two-sessions.ics").get_data())
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 2 and len({str(e["uid"]) for e in events}) == 2
    for event in events:
        assert str(event["summary"]) == "Group two-sessions"
        assert str(event["location"]) == "Belgrave Neighbourhood Centre, LE4 6JD"
        assert str(event["url"]).endswith("/assets/two-sessions")
        assert "Bring a friend" in str(event["description"])
    # Stable: the same file twice has the same events (a calendar app updates, never duplicates).
    again = icalendar.Calendar.from_ical(client.get("/assets/two-sessions.ics").get_data())
    assert [str(e["uid"]) for e in again.walk("VEVENT")] == [str(e["uid"]) for e in events]


def test_ward_and_result_calendars_hold_every_listing_with_times(client):
    ward = icalendar.Calendar.from_ical(client.get("/wards/belgrave.ics").get_data())
    assert str(ward["x-wr-calname"]) == "What's on in Belgrave"
    names = {str(e["summary"]) for e in ward.walk("VEVENT")}
    assert names == {f"Group {key}" for key in CASES}  # the listing without a schedule adds nothing
    near = icalendar.Calendar.from_ical(client.get("/calendar.ics?postcode=LE4+6JD&day=tue").get_data())
    assert {str(e["summary"]) for e in near.walk("VEVENT")} == {"Group weekly", "Group second-tuesday"}
    bad = client.get("/calendar.ics?postcode=LE99+9ZZ")
    assert bad.status_code == 400 and "LE99 9ZZ" in bad.get_data(as_text=True)
    assert client.get("/assets/no-such-listing.ics").status_code == 404
    assert client.get("/wards/nowhere.ics").status_code == 404


def test_pages_offer_the_calendar_only_where_there_are_times(client):
    page = client.get("/assets/weekly").get_data(as_text=True)
    assert 'href="http://localhost/assets/weekly.ics" download>Add to my calendar</a>' in page
    assert 'href="webcal://localhost/assets/weekly.ics">Follow in my calendar app</a>' in page
    assert "Add to my calendar" not in client.get("/assets/no-times-known").get_data(as_text=True)
    ward = client.get("/wards/belgrave?lang=gu").get_data(as_text=True)
    assert "webcal://localhost/wards/belgrave.ics" in ward and "મારા કૅલેન્ડરમાં ઉમેરો" in ward
    found = client.get("/?postcode=LE4+6JD&day=tue").get_data(as_text=True)
    assert "webcal://localhost/calendar.ics?postcode=LE4+6JD&amp;day=tue" in found
    calendar = icalendar.Calendar.from_ical(client.get("/wards/belgrave.ics?lang=gu").get_data())
    assert str(calendar["x-wr-calname"]) == "Belgrave માં શું ચાલી રહ્યું છે"
