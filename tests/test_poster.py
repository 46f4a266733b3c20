"""Reading a poster's OCR text: phone numbers, days, times, a name and a description."""
import pytest

from app.walks.poster import find_days, find_phone, find_times, read_poster


@pytest.mark.parametrize("text, phone", [
    ("Call 0116 496 0123 today", "0116 496 0123"),
    ("Tel: 01164960123", "0116 496 0123"),
    ("Ring (0116) 496 0123", "0116 496 0123"),
    ("+44 116 496 0123", "0116 496 0123"),
    ("Text Meena on 07700 900123", "07700 900123"),
    ("Starts 10.30am, costs £2.50", ""),          # times and prices are not phone numbers
    ("No number here", ""),
])
def test_uk_phone_numbers(text, phone):
    assert find_phone(text) == phone


@pytest.mark.parametrize("text, days", [
    ("Every Tuesday", [1]),
    ("Tuesdays and Thursdays", [1, 3]),
    ("Tues & Thurs", [1, 3]),
    ("Monday to Friday", [0, 1, 2, 3, 4]),
    ("Mon-Wed", [0, 1, 2]),
    ("દર ગુરુવારે", [3]),                          # "every Thursday" in Gujarati
    ("શનિવાર અને રવિવાર", [5, 6]),
    ("Monumental mondays", [0]),                   # "Mon" inside a word is not a day
    ("Open all week", []),
])
def test_days(text, days):
    assert find_days(text) == days


@pytest.mark.parametrize("text, times", [
    ("10am-12pm", "10:00-12:00"),
    ("10:00 - 12:00", "10:00-12:00"),
    ("10.30am – 12 noon", "10:30-12:00"),
    ("2-4pm", "14:00-16:00"),
    ("10-12pm", "10:00-12:00"),
    ("11am to 2pm", "11:00-14:00"),
    ("1:30-3:30", "13:30-15:30"),                  # a 12-hour clock with no am/pm: the afternoon
    ("18:00–20:00", "18:00-20:00"),
    ("Ages 3-4", ""),                              # two bare numbers are not times
    ("Call 0116 496 0123", ""),
])
def test_times(text, times):
    assert find_times(text) == times


def test_a_poster_fills_the_fields():
    fields = read_poster("Coffee Morning\n\nTuesday 10am-12pm\n\nAll welcome, free tea and cake\n"
                         "સૌનું સ્વાગત છે\n\n— ~ .\nCall 0116 496 0123\n")
    assert fields.name == "Coffee Morning"
    assert fields.when_text == "Tue 10:00-12:00"
    assert fields.phone == "0116 496 0123"
    # Everything but the name, specks of punctuation left out.
    assert fields.description == ("Tuesday 10am-12pm All welcome, free tea and cake સૌનું સ્વાગત છે "
                                  "Call 0116 496 0123")


def test_the_name_is_the_first_line_that_is_not_only_a_day_or_a_time():
    assert read_poster("TUESDAY 2-4pm\nChair Yoga\nat the temple").name == "Chair Yoga"


def test_day_and_time_can_be_read_by_the_schedule_parser():
    from app.assets.schedule import parse_schedule

    assert parse_schedule(read_poster("Knit and natter\nMonday to Friday 2-4pm").when_text)


def test_nothing_read_gives_empty_fields():
    fields = read_poster("")
    assert (fields.name, fields.when_text, fields.phone, fields.description) == ("", "", "", "")
