from datetime import date, datetime, timedelta, timezone

import pytest
from conftest import WEEKDAY_CASES, WEEKDAY_TODAY
from dateutil.rrule import rrulestr

from app.assets.schedule import (
    EPOCH,
    Occurrence,
    ScheduleError,
    Session,
    assumed_weeks,
    format_schedule,
    next_occurrence,
    occurs_on,
    parse_schedule,
)

# text as a connector writes it -> canonical text, RFC 5545 RRULE of each session
PARSE_CASES = [
    ("Thu 10:00-12:00; 1st Sat 14:00-16:00", "Thu 10:00-12:00; 1st Sat 14:00-16:00",
     ["FREQ=WEEKLY;BYDAY=TH", "FREQ=MONTHLY;BYDAY=1SA"]),
    ("thursday 10:00 - 12:00", "Thu 10:00-12:00", ["FREQ=WEEKLY;BYDAY=TH"]),
    ("Thurs 9.30-11.00", "Thu 09:30-11:00", ["FREQ=WEEKLY;BYDAY=TH"]),
    ("Mon-Fri 09:00-17:00", "Mon-Fri 09:00-17:00", ["FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"]),
    ("Mon,Wed,Fri 13:00-14:00", "Mon,Wed,Fri 13:00-14:00", ["FREQ=WEEKLY;BYDAY=MO,WE,FR"]),
    ("daily", "Daily", ["FREQ=DAILY"]),
    ("Mon-Sun", "Daily", ["FREQ=DAILY"]),
    ("weekdays 10:00-11:00", "Mon-Fri 10:00-11:00", ["FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"]),
    ("1st,3rd Tue 10:00-12:00", "1st,3rd Tue 10:00-12:00", ["FREQ=MONTHLY;BYDAY=1TU,3TU"]),
    ("last Fri 18:00-20:00", "last Fri 18:00-20:00", ["FREQ=MONTHLY;BYDAY=-1FR"]),
    ("Sat", "Sat", ["FREQ=WEEKLY;BYDAY=SA"]),
    ("Thu 10:00\u201312:00", "Thu 10:00-12:00", ["FREQ=WEEKLY;BYDAY=TH"]),
    ("", "", []),
    # the forms issue 9 asks for
    ("Every other Tue 10:00-12:00 from 2026-12-01", "Every other Tue 10:00-12:00 from 2026-12-01",
     ["FREQ=WEEKLY;INTERVAL=2;BYDAY=TU"]),
    ("Fortnightly Thu", "Every other Thu", ["FREQ=WEEKLY;INTERVAL=2;BYDAY=TH"]),
    ("Thu fortnightly 14:00-15:00", "Every other Thu 14:00-15:00", ["FREQ=WEEKLY;INTERVAL=2;BYDAY=TH"]),
    ("Last Fri of the month", "last Fri", ["FREQ=MONTHLY;BYDAY=-1FR"]),
    ("1st and 3rd Wed", "1st,3rd Wed", ["FREQ=MONTHLY;BYDAY=1WE,3WE"]),
    ("First Monday of each month 10:00-11:00", "1st Mon 10:00-11:00", ["FREQ=MONTHLY;BYDAY=1MO"]),
    ("Daily except Sun", "Daily except Sun", ["FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR,SA"]),
    ("Every day except Sat and Sun 08:00-09:00", "Daily except Sat,Sun 08:00-09:00",
     ["FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR"]),
    ("Mon and Wed", "Mon,Wed", ["FREQ=WEEKLY;BYDAY=MO,WE"]),
    ("Mon to Fri", "Mon-Fri", ["FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"]),
    ("15th of the month 18:00-19:00", "15th of the month 18:00-19:00", ["FREQ=MONTHLY;BYMONTHDAY=15"]),
    ("Last day of the month", "last day of the month", ["FREQ=MONTHLY;BYMONTHDAY=-1"]),
    ("1st and 15th of the month", "1st,15th of the month", ["FREQ=MONTHLY;BYMONTHDAY=1,15"]),
    ("Thu 10:00-12:00 not 2026-12-31, 2026-12-24", "Thu 10:00-12:00 not 2026-12-24,2026-12-31",
     ["FREQ=WEEKLY;BYDAY=TH"]),
    ("Thu 10:00-12:00; Sat 10:00-12:00; not 2026-12-26", "Thu 10:00-12:00; Sat 10:00-12:00 not 2026-12-26",
     ["FREQ=WEEKLY;BYDAY=TH", "FREQ=WEEKLY;BYDAY=SA"]),
    ("Every 3 weeks on Mon 10:00-11:00 from 2026-12-07 until 2027-03-29",
     "Every 3 weeks Mon 10:00-11:00 from 2026-12-07 until 2027-03-29",
     ["FREQ=WEEKLY;INTERVAL=3;UNTIL=20270329;BYDAY=MO"]),
]


@pytest.mark.parametrize("text, canonical, rules", PARSE_CASES)
def test_parse_and_format(text, canonical, rules):
    sessions = parse_schedule(text)
    assert format_schedule(sessions) == canonical
    assert [s.rrule_text() for s in sessions] == rules
    assert parse_schedule(canonical) == sessions  # the canonical text means the same
    assert tuple(Session.from_dict(s.as_dict()) for s in sessions) == sessions


def test_parsed_sessions():
    assert parse_schedule("Thu 10:00-12:00; 1st Sat 14:00-16:00") == (
        Session("WEEKLY", (3,), start="10:00", end="12:00"),
        Session("MONTHLY", (5,), (1,), start="14:00", end="16:00"),
    )
    every_other = parse_schedule("Every other Tue 10:00-12:00 from 2026-12-01 not 2026-12-29")[0]
    assert (every_other.interval, every_other.byday, every_other.valid_from, every_other.exdates) == (
        2, ((1, None),), date(2026, 12, 1), (date(2026, 12, 29),))
    assert parse_schedule("1st,last Sat")[0].byday == ((5, 1), (5, -1))
    assert parse_schedule("Last Fri of the month")[0].days == (4,)
    assert parse_schedule("15th of the month")[0].days == tuple(range(7))


@pytest.mark.parametrize("text, says", [
    ("Thursday mornings", "cannot read"),
    ("Funday 10:00-12:00", "'Funday' in 'Funday 10:00-12:00' is not a day"),
    ("Thu 12:00-10:00", "not after the start"),
    ("Thu 25:00-26:00", "not a time of day"),
    ("Thu 10:75-11:00", "not a time of day"),
    ("Fri-Mon 10:00-11:00", "runs backwards"),
    ("Thu 10:00", "cannot read"),
    ("6th Thu 10:00-11:00", "cannot read"),
    ("Every other 1st Sat", "cannot also be every other week"),
    ("Thu from 1/12/2026", "write dates as YYYY-MM-DD"),
    ("Thu from 2026-02-30", "'2026-02-30' in 'Thu from 2026-02-30' is not a date"),
    ("Thu 10:00-12:00 not 2026-12-26", "is not on Saturday 2026-12-26"),
    ("Every other Tue from 2026-12-01 not 2026-12-08", "is not on Tuesday 2026-12-08"),
    ("Thu 10:00-12:00 from 2026-12-03 not 2026-11-26", "the closure 2026-11-26 is outside the dates it runs"),
    ("Thu; not 2026-12-26", "nothing in this schedule is on Saturday 2026-12-26"),
    ("Daily except Mon-Sun", "leaves no day"),
    ("Thu from 2026-12-01 until 2026-11-01", "before the start date"),
    ("32nd of the month", "not a day of the month"),
    ("Thu 10:00-11:00 14:00-15:00", "more than one"),
    ("Sat of the month", "say which one in the month"),
])
def test_unparseable_schedules_say_why(text, says):
    with pytest.raises(ScheduleError, match=says):
        parse_schedule(text)


def test_session_dict_round_trip():
    session = parse_schedule("1st,last Sat 14:00-16:00 from 2026-12-01 until 2027-06-30 not 2027-01-02")[0]
    assert Session.from_dict(session.as_dict()) == session


@pytest.mark.parametrize("old, text", [
    ({"days": ["Thu"], "ordinals": [], "start": "10:00", "end": "12:00"}, "Thu 10:00-12:00"),
    ({"days": ["Sat"], "ordinals": ["1st"], "start": "14:00", "end": "16:00"}, "1st Sat 14:00-16:00"),
    ({"days": ["Tue"], "ordinals": ["2nd", "last"], "start": None, "end": None}, "2nd,last Tue"),
    ({"days": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"], "ordinals": [], "start": None, "end": None}, "Daily"),
])
def test_sessions_stored_in_the_old_shape_still_read(old, text):
    assert (Session.from_dict(old),) == parse_schedule(text)


@pytest.mark.parametrize("text, day, expected", [
    ("Thu 10:00-12:00", date(2026, 11, 26), True),          # a Thursday
    ("Thu 10:00-12:00", date(2026, 11, 27), False),
    ("1st Sat 14:00-16:00", date(2026, 12, 5), True),
    ("1st Sat 14:00-16:00", date(2026, 12, 12), False),
    ("last Fri 18:00-20:00", date(2026, 11, 27), True),
    ("last Fri 18:00-20:00", date(2026, 11, 20), False),
    ("2nd,4th Tue", date(2026, 11, 24), True),
    ("5th Mon", date(2026, 11, 30), True),
    ("Mon-Fri", date(2026, 11, 29), False),                  # a Sunday
    ("Every other Tue from 2026-12-01", date(2026, 12, 1), True),
    ("Every other Tue from 2026-12-01", date(2026, 12, 8), False),
    ("Every other Tue from 2026-12-01", date(2026, 11, 17), False),   # before it starts
    ("Thu not 2026-12-24", date(2026, 12, 24), False),
    ("Thu until 2026-12-10", date(2026, 12, 17), False),
    ("Thu until 2026-12-10", date(2026, 12, 10), True),               # its last day
    ("Thu from 2027-01-07", date(2026, 12, 31), False),               # not started yet
    ("Thu 10:00-12:00; not 2026-12-24", date(2026, 12, 24), False),   # a closure written on its own
    ("Every other Tue from 2026-12-01 not 2026-12-15", date(2026, 12, 15), False),
    ("Daily except Sun", date(2026, 11, 29), False),
    ("Daily except Sun", date(2026, 11, 28), True),
])
def test_occurs_on(text, day, expected):
    assert occurs_on(parse_schedule(text)[0], day) is expected


def test_next_occurrence():
    sessions = parse_schedule("Thu 10:00-12:00; 1st Sat 14:00-16:00")
    thursday = datetime(2026, 11, 26, 9, 0)
    assert next_occurrence(sessions, thursday) == Occurrence(date(2026, 11, 26), "10:00", "12:00")
    assert next_occurrence(sessions, thursday.replace(hour=11)) == Occurrence(date(2026, 11, 26), "10:00", "12:00", now=True)
    assert next_occurrence(sessions, thursday.replace(hour=13)) == Occurrence(date(2026, 12, 3), "10:00", "12:00")
    friday = datetime(2026, 12, 4, 20, 0)
    assert next_occurrence(sessions, friday) == Occurrence(date(2026, 12, 5), "14:00", "16:00")
    assert next_occurrence((), friday) is None


# schedule, local wall-clock now -> the next occurrence's date (and whether it is on now)
NEXT_CASES = [
    # month and year ends
    ("last Fri 18:00-20:00", datetime(2026, 12, 26, 9, 0), date(2027, 1, 29), False),
    ("last Fri 18:00-20:00", datetime(2026, 12, 25, 19, 0), date(2026, 12, 25), True),
    ("5th Mon", datetime(2026, 12, 1, 9, 0), date(2027, 3, 29), False),   # no 5th Monday Dec to Feb
    ("31st of the month 10:00-11:00", datetime(2027, 2, 1, 9, 0), date(2027, 3, 31), False),
    ("last day of the month 10:00-11:00", datetime(2026, 4, 30, 12, 0), date(2026, 5, 31), False),
    ("1st and 3rd Wed 10:00-11:00", datetime(2026, 12, 17, 9, 0), date(2027, 1, 6), False),
    # leap years
    ("last day of the month 10:00-11:00", datetime(2028, 2, 28, 12, 0), date(2028, 2, 29), False),
    ("last day of the month 10:00-11:00", datetime(2027, 2, 27, 12, 0), date(2027, 2, 28), False),
    ("29th of the month 10:00-11:00", datetime(2028, 2, 1, 9, 0), date(2028, 2, 29), False),
    ("29th of the month 10:00-11:00", datetime(2027, 2, 1, 9, 0), date(2027, 3, 29), False),
    ("Every other Tue 10:00-12:00 from 2028-02-15", datetime(2028, 2, 16, 9, 0), date(2028, 2, 29), False),
    # every other week, anchored by 'from' or, without one, by EPOCH (Monday 5 January 2026)
    ("Every other Tue 10:00-12:00 from 2026-12-01", datetime(2026, 11, 20, 9, 0), date(2026, 12, 1), False),
    ("Every other Tue 10:00-12:00 from 2026-12-01", datetime(2026, 12, 2, 9, 0), date(2026, 12, 15), False),
    ("Every other Tue 10:00-12:00 from 2026-12-01", datetime(2026, 12, 29, 11, 0), date(2026, 12, 29), True),
    ("Every other Tue 10:00-12:00 from 2026-12-01", datetime(2026, 12, 29, 12, 0), date(2027, 1, 12), False),
    ("Fortnightly Thu 10:00-12:00", datetime(2026, 1, 5, 9, 0), date(2026, 1, 8), False),
    ("Fortnightly Thu 10:00-12:00", datetime(2026, 12, 1, 9, 0), date(2026, 12, 10), False),
    ("Every 3 weeks Mon 10:00-11:00 from 2026-12-07", datetime(2026, 12, 8, 9, 0), date(2026, 12, 28), False),
    # British Summer Time starts 29 March 2026 and ends 25 October 2026: a 10:00 session stays 10:00
    ("Sun 10:00-12:00", datetime(2026, 3, 29, 9, 30), date(2026, 3, 29), False),
    ("Sun 10:00-12:00", datetime(2026, 3, 29, 10, 30), date(2026, 3, 29), True),
    ("Sun 10:00-12:00", datetime(2026, 10, 25, 11, 59), date(2026, 10, 25), True),
    ("Sun 10:00-12:00", datetime(2026, 10, 25, 12, 0), date(2026, 11, 1), False),
    # closures, dates it runs between, days left out
    ("Thu 10:00-12:00 not 2026-12-24,2026-12-31", datetime(2026, 12, 18, 9, 0), date(2027, 1, 7), False),
    ("Thu 10:00-12:00; Sat 10:00-12:00; not 2026-12-26", datetime(2026, 12, 25, 9, 0), date(2026, 12, 31), False),
    ("Mon 10:00-11:00 from 2027-01-04", datetime(2026, 12, 1, 9, 0), date(2027, 1, 4), False),
    ("Mon 10:00-11:00 until 2026-12-07", datetime(2026, 12, 8, 9, 0), None, False),
    ("Daily except Sun 09:00-17:00", datetime(2026, 12, 5, 20, 0), date(2026, 12, 7), False),
]


@pytest.mark.parametrize("text, now, day, on_now", NEXT_CASES)
def test_next_date(text, now, day, on_now):
    found = next_occurrence(parse_schedule(text), now)
    assert (found.day, found.now) == (day, on_now) if day else found is None


@pytest.mark.parametrize("first, utc_hours", [
    (date(2026, 3, 22), [10, 9, 9]),      # GMT, then BST from 29 March
    (date(2026, 10, 18), [9, 10, 10]),    # BST, then GMT from 25 October
])
def test_a_session_keeps_its_local_time_across_the_clock_change(first, utc_hours):
    sunday = parse_schedule("Sun 10:00-12:00")[0]
    found = sunday.occurrences(first, first + timedelta(days=14))
    assert [o.day for o in found] == [first + timedelta(weeks=n) for n in range(3)]
    spans = [o.span("Europe/London") for o in found]
    assert [start.strftime("%H:%M") for start, _ in spans] == ["10:00"] * 3
    assert [start.astimezone(timezone.utc).hour for start, _ in spans] == utc_hours
    assert [end.strftime("%H:%M") for _, end in spans] == ["12:00"] * 3


@pytest.mark.parametrize("text", [
    "Thu", "Every other Tue from 2026-12-01", "Fortnightly Thu", "Every 3 weeks Mon,Fri from 2026-02-11",
    "last Fri", "1st,3rd Wed", "5th Mon", "29th of the month", "last day of the month", "Daily except Sun",
    "Daily", "Mon until 2028-06-30",
])
def test_dates_agree_with_the_whole_rule_and_its_rrule_text(text):
    # dates() starts rrule near the window to save time; it must agree with the rule started
    # at its anchor, and with dateutil reading the RRULE text we publish.
    session = parse_schedule(text)[0]
    published = rrulestr(session.rrule_text(), dtstart=datetime.combine(session.anchor, datetime.min.time()))
    whole = session.rule()
    for offset in range(0, 3 * 366, 17):
        first = EPOCH + timedelta(days=offset)
        last = first + timedelta(days=40)
        window = (datetime.combine(first, datetime.min.time()), datetime.combine(last, datetime.min.time()))
        expected = tuple(d.date() for d in whole.between(*window, inc=True))
        assert session.dates(first, last) == expected
        assert tuple(d.date() for d in published.between(*window, inc=True)) == expected


def test_every_other_week_with_no_start_says_which_weeks_it_took():
    notes = assumed_weeks(parse_schedule("Thu 10:00-12:00; Fortnightly Thu 14:00-15:00"), date(2026, 12, 1))
    assert notes == ["'Every other Thu 14:00-15:00' gives no start date, so we took it to be on Thu 10 Dec 2026 "
                     "and Thu 24 Dec 2026; if those are the wrong weeks, add 'from' and a date it is on, "
                     "e.g. 'from 2026-12-17'"]
    assert assumed_weeks(parse_schedule("Every other Thu from 2026-12-03"), date(2026, 12, 1)) == []


# A build of a CSV with the new forms: accepted, worded and "next on" right on the asset page.
BUILD_NOW = datetime(2026, 11, 26, 9, 0)  # a Thursday morning
BUILD_ROWS = [
    ("every-other", "Every other Tue 10:00-12:00 from 2026-12-01",
     "Every other Tuesday, 10am to 12 noon, from 1 December 2026", "Tuesday 1 December, 10am to 12 noon"),
    ("fortnightly", "Fortnightly Thu 14:00-15:00", "Every other Thursday, 2pm to 3pm", "Today, 2pm to 3pm"),
    ("last-friday", "Last Fri of the month 18:00-20:00", "The last Friday of the month, 6pm to 8pm",
     "Tomorrow, 6pm to 8pm"),
    ("first-third", "1st and 3rd Wed 10:00-12:00", "The 1st and 3rd Wednesday of the month, 10am to 12 noon",
     "Wednesday 2 December, 10am to 12 noon"),
    ("not-sunday", "Daily except Sun 09:00-17:00", "Every day except Sunday, 9am to 5pm", "On now, until 5pm"),
    ("closed-today", "Thu 10:00-12:00 not 2026-11-26", "Every Thursday, 10am to 12 noon, not on 26 November 2026",
     "Thursday 3 December, 10am to 12 noon"),
    ("month-end", "Last day of the month 10:00-11:00", "The last day of the month, 10am to 11am",
     "Monday 30 November, 10am to 11am"),
]


@pytest.fixture(scope="module")
def schedules_site(tmp_path_factory, area):
    from conftest import write_csv

    from app import create_app
    from app.assets.pipeline import build

    tmp = tmp_path_factory.mktemp("schedules")
    rows = [{"id": asset_id, "name": f"Group {asset_id}", "category": "group_activity", "postcode": "LE4 6JD",
             "schedule": text, "source": "poster"} for asset_id, text, _, _ in BUILD_ROWS]
    report = build(area, tmp / "assets.db", write_csv(tmp / "assets.csv", rows), today=BUILD_NOW.date())
    app = create_app({"TESTING": True, "DATABASE": str(tmp / "assets.db"), "TILE_URL": "", "NOW": BUILD_NOW})
    return report, app.test_client()


def test_a_build_accepts_the_new_forms_and_says_which_weeks_it_assumed(schedules_site):
    report, _ = schedules_site
    assert (report.imported, report.rejected) == (len(BUILD_ROWS), 0)
    assert [(p.row, p.column, p.severity) for p in report.problems if p.column == "schedule"] == [
        (3, "schedule", "warning")]
    assert "we took it to be on Thu 26 Nov 2026 and Thu 10 Dec 2026" in next(
        p.message for p in report.problems if p.column == "schedule")


@pytest.mark.parametrize("asset_id, text, words, next_on", BUILD_ROWS)
def test_asset_page_words_the_schedule_and_when_it_is_next_on(schedules_site, asset_id, text, words, next_on):
    _, client = schedules_site
    html = client.get(f"/assets/{asset_id}").get_data(as_text=True)
    assert words in html
    assert f"<dt>Next on</dt><dd>{next_on}</dd>" in html


def test_day_filters_follow_the_rules(schedules_site):
    _, client = schedules_site

    def ids(query):
        return sorted(a["id"] for a in client.get(f"/api/assets?{query}").get_json()["assets"])

    assert ids("today=1") == ["fortnightly", "not-sunday"]  # closed today; the others are other days
    # The last day of the month is Mon 30 November and Thu 31 December: not a Tuesday soon.
    assert ids("day=tue") == ["every-other", "not-sunday"]
    assert ids("day=mon") == ["month-end", "not-sunday"]
    gujarati = client.get("/assets/every-other?lang=gu").get_data(as_text=True)
    assert "દર બીજા અઠવાડિયે મંગળવાર" in gujarati


@pytest.mark.parametrize("asset_id, text, weekday, expected", WEEKDAY_CASES)
def test_on_a_weekday_means_on_that_weekday_in_the_weeks_ahead(asset_id, text, weekday, expected):
    assert parse_schedule(text)[0].on_weekday(weekday, WEEKDAY_TODAY) is expected


def test_on_a_weekday_moves_with_today():
    fifth_monday = parse_schedule("5th Mon 10:00-11:00")[0]
    assert fifth_monday.on_weekday(0, date(2026, 11, 26))       # Monday 30 November
    assert not fifth_monday.on_weekday(0, date(2026, 12, 1))    # the next is 29 March 2027
    assert fifth_monday.on_weekday(0, date(2027, 2, 2))        # 29 March is the last day of its window


@pytest.mark.parametrize("text", ["Tue", "Mon-Fri 09:00-17:00", "Daily except Sun", "Daily", "Thu from 2026-11-26",
                                  "Sat from 2026-11-27", "Wed from 2027-06-01", "Fortnightly Thu", "1st Sat"])
def test_on_a_weekday_agrees_with_the_dates_it_is_on(text):
    session = parse_schedule(text)[0]
    for today in (date(2026, 11, 26), date(2027, 3, 1)):
        on = {d.weekday() for d in session.dates(today, today + timedelta(weeks=8) - timedelta(days=1))}
        assert {d for d in range(7) if session.on_weekday(d, today)} == on
