import pytest

from app.schedule import ScheduleError, Session, format_schedule, parse_schedule


@pytest.mark.parametrize("text, canonical", [
    ("Thu 10:00-12:00; 1st Sat 14:00-16:00", "Thu 10:00-12:00; 1st Sat 14:00-16:00"),
    ("thursday 10:00 - 12:00", "Thu 10:00-12:00"),
    ("Thurs 9.30-11.00", "Thu 09:30-11:00"),
    ("Mon-Fri 09:00-17:00", "Mon-Fri 09:00-17:00"),
    ("Mon,Wed,Fri 13:00-14:00", "Mon,Wed,Fri 13:00-14:00"),
    ("daily", "Daily"),
    ("weekdays 10:00-11:00", "Mon-Fri 10:00-11:00"),
    ("1st,3rd Tue 10:00-12:00", "1st,3rd Tue 10:00-12:00"),
    ("last Fri 18:00-20:00", "last Fri 18:00-20:00"),
    ("Sat", "Sat"),
    ("Thu 10:00\u201312:00", "Thu 10:00-12:00"),
    ("", ""),
])
def test_parse_and_format(text, canonical):
    assert format_schedule(parse_schedule(text)) == canonical


def test_parsed_sessions():
    assert parse_schedule("Thu 10:00-12:00; 1st Sat 14:00-16:00") == (
        Session((3,), (), "10:00", "12:00"),
        Session((5,), ("1st",), "14:00", "16:00"),
    )


@pytest.mark.parametrize("text, says", [
    ("Thursday mornings", "cannot read"),
    ("Funday 10:00-12:00", "'Funday' in 'Funday 10:00-12:00' is not a day"),
    ("Thu 12:00-10:00", "not after the start"),
    ("Thu 25:00-26:00", "not a time of day"),
    ("Thu 10:75-11:00", "not a time of day"),
    ("Fri-Mon 10:00-11:00", "runs backwards"),
    ("Thu 10:00", "cannot read"),
    ("6th Thu 10:00-11:00", "cannot read"),
])
def test_unparseable_schedules_say_why(text, says):
    with pytest.raises(ScheduleError, match=says):
        parse_schedule(text)


def test_session_dict_round_trip():
    session = parse_schedule("1st,last Sat 14:00-16:00")[0]
    assert Session.from_dict(session.as_dict()) == session


from datetime import date, datetime

from app.schedule import Occurrence, next_occurrence, occurs_on


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
