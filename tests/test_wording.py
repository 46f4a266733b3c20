from datetime import date

import pytest

from app.assets.schedule import Occurrence, parse_schedule
from app.web.wording import category_name, clock, describe_next, describe_session, describe_walk


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


# the forms issue 9 asks for, in plain English and in Gujarati
NEW_FORMS = [
    ("Every other Tue 10:00-12:00", "Every other Tuesday, 10am to 12 noon",
     "દર બીજા અઠવાડિયે મંગળવાર, 10:00 સવારે થી 12:00 બપોરે"),
    ("Fortnightly Thu 14:00-15:30 from 2026-12-03", "Every other Thursday, 2pm to 3:30pm, from 3 December 2026",
     "દર બીજા અઠવાડિયે ગુરુવાર, 2:00 બપોરે થી 3:30 બપોરે, 3 ડિસેમ્બર 2026 થી"),
    ("Every 3 weeks Mon 10:00-11:00 from 2026-12-07", "Every 3 weeks on Monday, 10am to 11am, from 7 December 2026",
     "દર 3 અઠવાડિયે સોમવાર, 10:00 સવારે થી 11:00 સવારે, 7 ડિસેમ્બર 2026 થી"),
    ("Last Fri of the month 18:00-20:00", "The last Friday of the month, 6pm to 8pm",
     "દર મહિનાનો છેલ્લો શુક્રવાર, 6:00 સાંજે થી 8:00 રાત્રે"),
    ("1st and 3rd Wed 10:00-12:00", "The 1st and 3rd Wednesday of the month, 10am to 12 noon",
     "દર મહિનાનો પહેલો અને ત્રીજો બુધવાર, 10:00 સવારે થી 12:00 બપોરે"),
    ("Daily except Sun 09:00-17:00", "Every day except Sunday, 9am to 5pm",
     "રવિવાર સિવાય દરરોજ, 9:00 સવારે થી 5:00 સાંજે"),
    ("15th of the month", "The 15th of the month (times not known)",
     "દર મહિનાની 15 તારીખ (સમય ખબર નથી)"),
    ("1st and last day of the month", "The 1st and last day of the month (times not known)",
     "દર મહિનાની 1 અને છેલ્લી તારીખ (સમય ખબર નથી)"),
    ("Last day of the month 10:00-11:00", "The last day of the month, 10am to 11am",
     "દર મહિનાની છેલ્લી તારીખ, 10:00 સવારે થી 11:00 સવારે"),
    ("Thu 10:00-12:00 until 2027-03-25 not 2026-12-24,2026-12-31",
     "Every Thursday, 10am to 12 noon, until 25 March 2027, not on 24 December 2026 and 31 December 2026",
     "દર ગુરુવાર, 10:00 સવારે થી 12:00 બપોરે, 25 માર્ચ 2027 સુધી, 24 ડિસેમ્બર 2026 અને 31 ડિસેમ્બર 2026 ના રોજ નહીં"),
]


@pytest.mark.parametrize("text, english_words, gujarati_words", NEW_FORMS)
def test_new_schedule_forms_in_plain_words(app, text, english_words, gujarati_words):
    session = parse_schedule(text)[0]
    with app.test_request_context("/"):
        assert describe_session(session) == english_words
    with app.test_request_context("/?lang=gu"):
        assert describe_session(session) == gujarati_words


def test_distances_are_written_as_the_reader_s_language_writes_numbers(app):
    from app.views.pages import describe_distance
    from app.web.wording import describe_ward_distance

    with app.test_request_context("/?lang=pl"):
        assert describe_walk(31, 1234).endswith("(1,2 km)")
        assert "1,5 km" in describe_ward_distance("Belgrave", 1500)
        assert describe_distance(1500) == "Do 1,5 km" and describe_distance(2000) == "Do 2 km"
    with app.test_request_context("/"):
        assert describe_distance(1500) == "Within 1.5 km" and describe_distance(2000) == "Within 2 km"


def test_a_kept_walking_distance_is_said_again_in_each_reader_s_language(app):
    # The wording of a distance is kept between pages (cards.py asks for fifty a page); what is
    # kept for one language or one distance must never be said for another.
    with app.test_request_context("/"):
        assert describe_walk(31, 1234) == "About 31 minutes' walk (1.2 km)"
        assert describe_walk(31, 1250) == "About 31 minutes' walk (1.2 km)"  # half to even, as Babel rounds
        assert describe_walk(31, 1251) == "About 31 minutes' walk (1.3 km)"
        assert describe_walk(31, 1236) == "About 31 minutes' walk (1.2 km)"
        assert describe_walk(8, 314) == "About 8 minutes' walk (310 metres)"
        assert describe_walk(8, 316) == "About 8 minutes' walk (320 metres)"
        assert describe_walk(1, 1234).startswith("About 1 minute's walk")
    with app.test_request_context("/?lang=pl"):
        assert describe_walk(31, 1234).endswith("(1,2 km)")
        assert not describe_walk(8, 314).startswith("About")
    with app.test_request_context("/"):
        assert describe_walk(31, 1234) == "About 31 minutes' walk (1.2 km)"


def test_parts_of_a_sentence_are_joined_with_the_reader_s_comma(app):
    session = parse_schedule("Thu 10:00-12:00 until 2027-03-25 not 2026-12-24,2026-12-31")[0]
    with app.test_request_context("/?lang=ur"):
        words = describe_session(session)
        assert "، " in words and ", " not in words
    with app.test_request_context("/"):
        assert describe_session(session).count(", ") >= 2
