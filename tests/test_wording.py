from datetime import date

import pytest

from app.schedule import Occurrence, parse_schedule
from app.wording import category_name, clock, describe_next, describe_session, describe_walk


@pytest.fixture
def english(app):
    with app.test_request_context("/"):
        yield


@pytest.fixture
def gujarati(app):
    with app.test_request_context("/?lang=gu"):
        yield


@pytest.mark.parametrize("text, words", [
    ("Thu 10:00-12:00", "Every Thursday, 10am to 12 noon"),
    ("1st Sat 14:00-16:00", "The 1st Saturday of the month, 2pm to 4pm"),
    ("1st,3rd Tue 09:30-11:15", "The 1st and 3rd Tuesday of the month, 9:30am to 11:15am"),
    ("Mon-Fri 09:00-17:00", "Every Monday to Friday, 9am to 5pm"),
    ("Mon,Wed 13:00-14:00", "Every Monday and Wednesday, 1pm to 2pm"),
    ("Mon,Wed,Fri 13:00-14:00", "Every Monday, Wednesday and Friday, 1pm to 2pm"),
    ("Daily", "Every day (times not known)"),
    ("Sun 23:00-23:30", "Every Sunday, 11pm to 11:30pm"),
])
def test_describe_session_in_plain_english(english, text, words):
    assert describe_session(parse_schedule(text)[0]) == words


def test_clock(english):
    assert [clock(t) for t in ("00:00", "09:05", "12:00", "12:30", "17:00")] == ["midnight", "9:05am", "12 noon", "12:30pm", "5pm"]


def test_describe_next(english):
    today = date(2026, 11, 26)
    assert describe_next(Occurrence(today, "10:00", "12:00", now=True), today) == "On now, until 12 noon"
    assert describe_next(Occurrence(today, "14:00", "16:00"), today) == "Today, 2pm to 4pm"
    assert describe_next(Occurrence(date(2026, 11, 27), "14:00", "16:00"), today) == "Tomorrow, 2pm to 4pm"
    assert describe_next(Occurrence(date(2026, 12, 5), "14:00", "16:00"), today) == "Saturday 5 December, 2pm to 4pm"
    assert describe_next(None, today) == ""


def test_describe_walk(english):
    assert describe_walk(1, 20) == "Very close: less than a minute's walk"
    assert describe_walk(2, 60) == "About 2 minutes' walk (60 metres)"
    assert describe_walk(8, 310) == "About 8 minutes' walk (310 metres)"
    assert describe_walk(31, 1234) == "About 31 minutes' walk (1.2 km)"


def test_gujarati_words(gujarati):
    words = describe_session(parse_schedule("Thu 10:00-12:00")[0])
    assert "ગુરુવાર" in words  # Thursday, from the CLDR
    assert "Every" not in words
    assert category_name("library") != "Library"
