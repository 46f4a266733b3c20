"""Plain words for residents, in their language: schedules, next times, distances, categories."""
from __future__ import annotations

from datetime import date, time
from decimal import Decimal

from babel.dates import format_skeleton, get_day_names
from babel.numbers import format_decimal
from flask_babel import format_date, format_time, get_locale

from app.cache import LRUCache
from app.web.i18n import gettext, ngettext, translations

from app.assets.record import CATEGORIES
from app.assets.schedule import Occurrence, Session, monthday_text


def file_size(size: int) -> str:
    """Say a number of bytes the way people read it: 20 KB, 5 MB."""
    if size < 1024 * 1024:
        return f"{round(size / 1024)} KB"
    return f"{round(size / 1024 / 1024, 1):g} MB"


def category_name(slug: str) -> str:
    """Return a category's name in the reader's language."""
    return gettext(CATEGORIES[slug]) if slug in CATEGORIES else slug


def day_name(index: int) -> str:
    """Return a weekday's name (0 = Monday) in the reader's language."""
    return get_day_names("wide", locale=get_locale())[index]


def clock(hhmm: str) -> str:
    """Say a time of day: '10am', '2:30pm', '12 noon' in English; the local style otherwise.

    Where the language tells the time on a 12-hour clock, the part of the day is said in its own
    words (CLDR's day periods: '10:00 સવારે', morning), never with English AM/PM; otherwise its
    24-hour style.
    """
    h, m = int(hhmm[:2]), int(hhmm[3:])
    locale = get_locale()
    if locale.language != "en":
        if "a" in locale.time_formats["short"].pattern:
            return format_skeleton("Bhm", time(h, m), locale=locale)
        return format_time(time(h, m), "short")
    if (h, m) == (12, 0):
        return "12 noon"
    if (h, m) == (0, 0):
        return "midnight"
    suffix = "am" if h < 12 else "pm"
    return f"{h % 12 or 12}{suffix}" if m == 0 else f"{h % 12 or 12}:{m:02d}{suffix}"


def comma() -> str:
    """The comma between parts of a sentence in the reader's language (Urdu and Arabic write ،)."""
    # Translators: the comma (and space) between items in a list or parts of a sentence.
    return gettext(", ")


def _join(items: list[str]) -> str:
    if len(items) == 1:
        return items[0]
    return gettext("%(first)s and %(last)s", first=comma().join(items[:-1]), last=items[-1])


def _ordinal(n: int) -> str:
    return {1: gettext("1st"), 2: gettext("2nd"), 3: gettext("3rd"), 4: gettext("4th"),
            5: gettext("5th"), -1: gettext("last")}[n]


def _day_of_month(n: int) -> str:
    if n < 0:
        return gettext("last day")
    if get_locale().language != "en":
        return str(n)  # other languages say the date's number ('15 તારીખ')
    return monthday_text(n)


def _weekdays(days: tuple[int, ...]) -> str:
    if len(days) > 2 and days == tuple(range(days[0], days[-1] + 1)):
        return gettext("%(first)s to %(last)s", first=day_name(days[0]), last=day_name(days[-1]))
    return _join([day_name(d) for d in days])


def _when(session: Session) -> str:
    if session.freq == "DAILY":
        missing = [d for d in range(7) if d not in session.days]
        if missing:
            return gettext("Every day except %(days)s", days=_join([day_name(d) for d in missing]))
        return gettext("Every day")
    if session.monthdays:
        if session.monthdays == (-1,):
            return gettext("The last day of the month")
        return gettext("The %(days)s of the month", days=_join([_day_of_month(n) for n in session.monthdays]))
    days = _weekdays(session.days)
    if session.freq == "MONTHLY":
        return gettext("The %(ordinal)s %(days)s of the month",
                       ordinal=_join([_ordinal(n) for n in session.nths]), days=days)
    if session.interval == 2:
        return gettext("Every other %(days)s", days=days)
    if session.interval > 2:
        return gettext("Every %(num)d weeks on %(days)s", num=session.interval, days=days)
    return gettext("Every %(days)s", days=days)


def describe_session(session: Session) -> str:
    """Say a session in plain words: 'Every other Tuesday, 10am to 12 noon, from 1 December 2026'."""
    when = _when(session)
    if session.start:
        words = [gettext("%(when)s, %(start)s to %(end)s", when=when, start=clock(session.start),
                         end=clock(session.end))]
    else:
        words = [gettext("%(when)s (times not known)", when=when)]
    if session.valid_from:
        words.append(gettext("from %(date)s", date=format_date(session.valid_from, "d MMMM y")))
    if session.valid_to:
        words.append(gettext("until %(date)s", date=format_date(session.valid_to, "d MMMM y")))
    if session.exdates:
        words.append(gettext("not on %(dates)s", dates=_join([format_date(d, "d MMMM y") for d in session.exdates])))
    return comma().join(words)


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


def kilometres(metres: float, places: str = "0.0") -> str:
    """Kilometres written as the reader's language writes numbers (1.2 in English, 1,2 in Polish)."""
    return format_decimal(metres / 1000, places, locale=get_locale())


# Said on every card of every list of results (fifty to a page), and slow to say (numbers are written
# by the CLDR's rules): each wording is made once per language and kept.
_WALKS = LRUCache(20_000)
_TENTHS = Decimal("0.1")


def describe_walk(minutes: int | None, metres: float | None) -> str:
    """Say how far away something is: 'About 6 minutes' walk (300 metres)'."""
    if minutes is None or metres is None:
        return ""
    if metres < 50:
        return gettext("Very close: less than a minute's walk")
    # What the words show of the distance: metres to the nearest 10, or kilometres to one place
    # (rounded as Babel rounds them, from the number's decimal form).
    shown = round(metres / 10) * 10 if metres < 1000 else Decimal(str(metres / 1000)).quantize(_TENTHS)
    key = (translations(), minutes, shown)  # the catalogue stands for the language (force_locale included)
    words = _WALKS.get(key)
    if words is None:
        if metres >= 1000:
            distance = gettext("%(km)s km", km=kilometres(shown * 1000))
        else:
            distance = gettext("%(m)d metres", m=shown)
        walk = ngettext("About %(num)d minute's walk", "About %(num)d minutes' walk", minutes)
        words = f"{walk} ({distance})"
        _WALKS.put(key, words)
    return words


def describe_ward_distance(ward: str, metres: float | None) -> str:
    """Say where a ward-level listing is: 'In Belgrave, which starts about 600 metres from you'."""
    if not metres:
        return gettext("In %(ward)s, your ward", ward=ward)
    if metres >= 1000:
        distance = gettext("%(km)s km", km=kilometres(metres))
    else:  # the boundary is simplified, so say it to the nearest 50 metres
        distance = gettext("%(m)d metres", m=max(50, round(metres / 50) * 50))
    return gettext("In %(ward)s, which starts about %(distance)s from you", ward=ward, distance=distance)


def describe_date(iso: str) -> str:
    """Say a date in full: '3 March 2026'."""
    return format_date(date.fromisoformat(iso), "d MMMM y")
