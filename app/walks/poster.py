"""A poster's words read by OCR: guess its name, days, times, phone number and description."""
from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from babel.dates import get_day_names

from app.assets.schedule import DAYS

DESCRIPTION_LIMIT = 2000


def _day_words() -> dict[str, int]:
    """Map day words (English and Gujarati, from the Unicode CLDR) to 0 = Monday ... 6 = Sunday."""
    words: dict[str, int] = {}
    for locale, widths in (("en", ("wide", "abbreviated")), ("gu", ("wide",))):
        for width in widths:
            for index, name in get_day_names(width, locale=locale).items():
                words[name.lower()] = index
    # Spellings posters use that CLDR does not list.
    words.update({"tues": 1, "weds": 2, "thur": 3, "thurs": 3})
    return words


_DAY_WORDS = _day_words()
# Longest first, so "Tuesday" is found before "Tue"; "Tuesdays" counts as Tuesday.
_DAY = "|".join(sorted((re.escape(w) for w in _DAY_WORDS), key=len, reverse=True))
_DAY_RE = re.compile(rf"(?<!\w)({_DAY})s?(?!\w)", re.IGNORECASE)
_DAY_RANGE_RE = re.compile(rf"(?<!\w)({_DAY})s?\s*(?:-|–|—|to|till|until)\s*({_DAY})s?(?!\w)", re.IGNORECASE)

_CLOCK = r"(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm|a\.m\.|p\.m\.|noon)?"
_TIME_RANGE_RE = re.compile(rf"(?<![\d:.]){_CLOCK}\s*(?:-|–|—|to|till|until)\s*{_CLOCK}(?![\d:])", re.IGNORECASE)
_NOON_RE = re.compile(r"\b(?:12\s*)?noon\b", re.IGNORECASE)


@dataclass(frozen=True)
class PosterFields:
    name: str
    when_text: str
    phone: str
    description: str


def find_phone(text: str) -> str:
    """Return the first UK phone number in the text, written the usual way ("0116 496 0123"), or ""."""
    # POSSIBLE, not VALID: OCR text and example numbers (Ofcom's drama ranges) still count.
    for match in phonenumbers.PhoneNumberMatcher(text, "GB", leniency=phonenumbers.Leniency.POSSIBLE):
        if len(str(match.number.national_number)) < 9:
            continue  # a short run of digits ("10.30") is a time or a price, not a UK number
        return phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return ""


def find_days(text: str) -> list[int]:
    """Return the days the text names, in week order (0 = Monday); "Monday to Friday" names five."""
    days: set[int] = set()
    for match in _DAY_RANGE_RE.finditer(text):
        first, last = _DAY_WORDS[match.group(1).lower()], _DAY_WORDS[match.group(2).lower()]
        days.update(range(first, last + 1) if first <= last else ())
    days.update(_DAY_WORDS[m.group(1).lower()] for m in _DAY_RE.finditer(text))
    return sorted(days)


def _hour24(hour: int, minute: int, suffix: str) -> tuple[int, int] | None:
    suffix = suffix.replace(".", "").lower()
    if suffix == "noon":
        return (12, 0) if hour == 12 else None
    if suffix in ("am", "pm"):
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if suffix == "pm" else 0)
    return (hour, minute) if hour < 24 and minute < 60 else None


def find_times(text: str) -> str:
    """Return the first time range in the text as 24-hour "10:00-12:00", or ""."""
    text = _NOON_RE.sub("12noon", text)
    for match in _TIME_RANGE_RE.finditer(text):
        h1, m1, s1, h2, m2, s2 = match.groups()
        s1, s2 = (s1 or "").lower(), (s2 or "").lower()
        if not (s1 or s2 or m1 or m2):
            continue  # two bare numbers ("3-4") are more likely an age or a count than a time
        end = _hour24(int(h2), int(m2 or 0), s2)
        start_suffix = s1 or ("am" if s2 == "noon" else s2)
        start = _hour24(int(h1), int(m1 or 0), start_suffix)
        if start and end and not s1 and s2 in ("pm", "p.m.") and start > end:
            start = _hour24(int(h1), int(m1 or 0), "am")  # "10-12pm" means ten in the morning to noon
        if start and end and not (s1 or s2) and end[0] < 8:
            # A 12-hour clock written without am/pm ("1:30-3:30"): groups meet in the afternoon.
            start, end = (start[0] + 12 if start[0] < 8 else start[0], start[1]), (end[0] + 12, end[1])
        if start and end and start < end:
            return f"{start[0]:02d}:{start[1]:02d}-{end[0]:02d}:{end[1]:02d}"
    return ""


def _days_text(days: list[int]) -> str:
    if len(days) > 2 and days == list(range(days[0], days[-1] + 1)):
        return f"{DAYS[days[0]]}-{DAYS[days[-1]]}"
    return ",".join(DAYS[d] for d in days)


def _readable(line: str) -> bool:
    """Say whether an OCR line is words rather than specks read as punctuation."""
    letters = sum(c.isalnum() for c in line)
    return letters >= 3 and letters >= len(line.replace(" ", "")) / 2


def read_poster(text: str) -> PosterFields:
    """Guess a poster's fields from its OCR text; the connector checks and corrects them."""
    lines = [" ".join(line.split()) for line in text.splitlines()]
    lines = [line for line in lines if line and _readable(line)]
    phone = find_phone(text)
    days, times = find_days(text), find_times(text)
    when = " ".join(part for part in (_days_text(days), times) if part)
    # The name is the first line that is not only a day, a time or a phone number.
    name = ""
    for line in lines:
        rest = _TIME_RANGE_RE.sub("", _DAY_RE.sub("", line))
        if phone:
            rest = re.sub(r"[\d()+\s]{7,}", " ", rest)
        if sum(c.isalpha() for c in rest) >= 3:
            name = line
            break
    description = " ".join(line for line in lines if line != name)[:DESCRIPTION_LIMIT]
    return PosterFields(name=name[:200], when_text=when, phone=phone, description=description)
