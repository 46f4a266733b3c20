"""Plain words for residents, in their language: schedules, next times, distances, categories."""
from __future__ import annotations

from datetime import date, time

from babel.dates import get_day_names
from flask_babel import format_date, format_time, get_locale, gettext, ngettext

from .assets import CATEGORIES
from .schedule import Occurrence, Session


def category_name(slug: str) -> str:
    """Return a category's name in the reader's language."""
    return gettext(CATEGORIES[slug]) if slug in CATEGORIES else slug


def day_name(index: int) -> str:
    """Return a weekday's name (0 = Monday) in the reader's language."""
    return get_day_names("wide", locale=get_locale())[index]


def clock(hhmm: str) -> str:
    """Say a time of day: '10am', '2:30pm', '12 noon' in English; the local style otherwise."""
    h, m = int(hhmm[:2]), int(hhmm[3:])
    if get_locale().language != "en":
        return format_time(time(h, m), "short")
    if (h, m) == (12, 0):
        return "12 noon"
    if (h, m) == (0, 0):
        return "midnight"
    suffix = "am" if h < 12 else "pm"
    return f"{h % 12 or 12}{suffix}" if m == 0 else f"{h % 12 or 12}:{m:02d}{suffix}"


def _join(items: list[str]) -> str:
    if len(items) == 1:
        return items[0]
    return gettext("%(first)s and %(last)s", first=", ".join(items[:-1]), last=items[-1])


def _ordinal(code: str) -> str:
    return {"1st": gettext("1st"), "2nd": gettext("2nd"), "3rd": gettext("3rd"), "4th": gettext("4th"),
            "5th": gettext("5th"), "last": gettext("last")}[code]


def describe_session(session: Session) -> str:
    """Say a session in plain words: 'Every Thursday, 10am to 12 noon'."""
    days = session.days
    if days == tuple(range(7)):
        when = gettext("Every day")
    else:
        if len(days) > 2 and days == tuple(range(days[0], days[-1] + 1)):
            day_text = gettext("%(first)s to %(last)s", first=day_name(days[0]), last=day_name(days[-1]))
        else:
            day_text = _join([day_name(d) for d in days])
        if session.ordinals:
            when = gettext("The %(ordinal)s %(days)s of the month",
                           ordinal=_join([_ordinal(o) for o in session.ordinals]), days=day_text)
        else:
            when = gettext("Every %(days)s", days=day_text)
    if session.start:
        return gettext("%(when)s, %(start)s to %(end)s", when=when, start=clock(session.start), end=clock(session.end))
    return gettext("%(when)s (times not known)", when=when)


def describe_next(occurrence: Occurrence | None, today: date) -> str:
    """Say when something is next on: 'On now, until 12 noon', 'Today, 10am to 12 noon', ..."""
    if occurrence is None:
        return ""
    if occurrence.now:
        if occurrence.end:
            return gettext("On now, until %(end)s", end=clock(occurrence.end))
        return gettext("On today")
    if occurrence.day == today:
        day = gettext("Today")
    elif (occurrence.day - today).days == 1:
        day = gettext("Tomorrow")
    else:
        day = format_date(occurrence.day, "EEEE d MMMM")
    if occurrence.start:
        return gettext("%(day)s, %(start)s to %(end)s", day=day, start=clock(occurrence.start), end=clock(occurrence.end))
    return day


def describe_walk(minutes: int | None, metres: float | None) -> str:
    """Say how far away something is: 'About 6 minutes' walk (300 metres)'."""
    if minutes is None or metres is None:
        return ""
    if metres < 50:
        return gettext("Very close: less than a minute's walk")
    if metres >= 1000:
        distance = gettext("%(km).1f km", km=metres / 1000)
    else:
        distance = gettext("%(m)d metres", m=round(metres / 10) * 10)
    walk = ngettext("About %(num)d minute's walk", "About %(num)d minutes' walk", minutes)
    return f"{walk} ({distance})"


def describe_date(iso: str) -> str:
    """Say a date in full: '3 March 2026'."""
    return format_date(date.fromisoformat(iso), "d MMMM y")
