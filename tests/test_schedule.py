import pytest

from app.schedule import ScheduleError, Session, describe_session, format_schedule, parse_schedule


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


@pytest.mark.parametrize("text, words", [
    ("Thu 10:00-12:00", "Every Thursday, 10am to 12 noon"),
    ("1st Sat 14:00-16:00", "The 1st Saturday of the month, 2pm to 4pm"),
    ("1st,3rd Tue 09:30-11:15", "The 1st and 3rd Tuesday of the month, 9:30am to 11:15am"),
    ("Mon-Fri 09:00-17:00", "Every Monday to Friday, 9am to 5pm"),
    ("Mon,Wed 13:00-14:00", "Every Monday and Wednesday, 1pm to 2pm"),
    ("Daily", "Every day (times not known)"),
    ("Sun 23:00-23:30", "Every Sunday, 11pm to 11:30pm"),
])
def test_describe_in_plain_words(text, words):
    assert describe_session(parse_schedule(text)[0]) == words


def test_session_dict_round_trip():
    session = parse_schedule("1st,last Sat 14:00-16:00")[0]
    assert Session.from_dict(session.as_dict()) == session
