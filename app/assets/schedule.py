"""When an activity happens, written the way people write it: 'Thu 10:00-12:00; 1st Sat 14:00-16:00'.

A schedule is entries separated by ';'. Each entry is one recurring session:

- how often (optional): 'Every other' or 'Fortnightly' (every 2 weeks), 'Every 3 weeks';
- which days: 'Thu', 'Mon-Fri', 'Mon,Wed', 'Mon and Wed', 'Daily', 'Weekdays', 'Daily except Sun';
  or days of the month: '1st Sat', '1st and 3rd Wed', 'Last Fri of the month', '15th of the month',
  'Last day of the month';
- an optional 24-hour time range: '10:00-12:00';
- optional dates, written YYYY-MM-DD: 'from 2026-12-01', 'until 2027-03-31', and closures
  'not 2026-12-24, 2026-12-31'. An entry that is only closures ('not 2026-12-25') closes every
  session that would have been on that date.

Each session is an RFC 5545 recurrence; dateutil.rrule works out its dates. Dates and times are
local wall-clock (Europe/London for Leicester): a 10:00 session stays at 10:00 across the clock
changes because dates are computed without a time zone and the time is added after.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from dateutil import rrule as rr

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
ORDINALS = ("1st", "2nd", "3rd", "4th", "5th", "last")
RFC_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY")

# 'Every other Thu' with no 'from' date counts its weeks from this Monday, so the same text always
# means the same weeks, whenever and wherever it is read. The CSV check warns which weeks it took.
# Sessions with no 'from' date start here too: the map held no schedules before then.
EPOCH = date(2026, 1, 5)

_DAY_ALIASES = {}
for _index, (_short, _long) in enumerate(zip(DAYS, DAY_NAMES)):
    for _alias in {_short, _long, _long[:4], _long[:5]}:
        _DAY_ALIASES[_alias.lower()] = _index
_DAY_ALIASES["tues"] = 1
_DAY_ALIASES["thur"] = _DAY_ALIASES["thurs"] = 3

_NTH_WORDS = {"1st": 1, "2nd": 2, "3rd": 3, "4th": 4, "5th": 5, "last": -1,
              "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5}
_SEP = r"\s*(?:,|&|\band\b)\s*"
_NTH = r"(?:1st|2nd|3rd|4th|5th|first|second|third|fourth|fifth|last)"
_MONTHDAY = r"(?:\d{1,2}(?:st|nd|rd|th)|last)"
_TIME = r"(\d{1,2})[:.](\d{2})"
_DATE = r"\d{4}-\d{1,2}-\d{1,2}"
_DATES = rf"{_DATE}(?:{_SEP}{_DATE})*"

_TIMES = re.compile(rf"(?:^|\s){_TIME}\s*[-\u2013]\s*{_TIME}(?=\s|$)")
_CLOSURES = re.compile(rf"(?:^|\s)(?:not|except|closed)\s+(?:on\s+)?(?P<dates>{_DATES})(?=\s|$)", re.I)
_FROM = re.compile(rf"(?:^|\s)(?:from|starting)\s+(?P<date>{_DATE})(?=\s|$)", re.I)
_UNTIL = re.compile(rf"(?:^|\s)(?:until|till|to)\s+(?P<date>{_DATE})(?=\s|$)", re.I)
_INTERVAL = re.compile(r"^(?:every\s+other(?:\s+week)?|fortnightly|every\s+(?P<n>\d+)\s+weeks)(?:\s+on)?\s+(?P<rest>.+)$")
_OF_MONTH = re.compile(r"\s+(?P<day>day\s+)?of\s+(?:the|each|every)\s+month$")
_NTHS_DAYS = re.compile(rf"^(?P<nths>{_NTH}(?:{_SEP}{_NTH})*)\s+(?P<days>.+)$")
_MONTHDAYS = re.compile(rf"^{_MONTHDAY}(?:{_SEP}{_MONTHDAY})*$")


class ScheduleError(ValueError):
    """A schedule that cannot be read, with what to write instead."""


def _nth_key(n: int) -> int:
    return n if n > 0 else 99  # 'last' after the numbered ones


@dataclass(frozen=True)
class Session:
    """One recurring session: an RFC 5545 recurrence rule plus its local times and dates.

    WEEKLY and DAILY sessions fall on `weekdays` (DAILY with none: every day); MONTHLY ones on
    the `nths` of each of `weekdays` (1 to 5, -1 = last), or on `monthdays` (1 to 31, -1 = last
    day). A month without that day (a 5th Monday, a 31st) is skipped.
    """

    freq: str = "WEEKLY"
    weekdays: tuple[int, ...] = ()     # 0 = Monday
    nths: tuple[int, ...] = ()
    monthdays: tuple[int, ...] = ()
    interval: int = 1
    start: str | None = None           # 'HH:MM', local wall-clock
    end: str | None = None
    valid_from: date | None = None     # also the anchor that 'every other' counts weeks from
    valid_to: date | None = None
    exdates: tuple[date, ...] = ()     # closures

    def __post_init__(self):
        # Sessions key the caches of their dates; hashing ten fields on every look-up would cost
        # more than the look-up itself (a search filters thousands).
        object.__setattr__(self, "_hash", hash(tuple(getattr(self, f.name) for f in fields(self))))

    def __hash__(self) -> int:
        return self._hash

    @property
    def days(self) -> tuple[int, ...]:
        """The weekdays it can fall on (0 = Monday)."""
        return self.weekdays or tuple(range(7))

    @property
    def byday(self) -> tuple[tuple[int, int | None], ...]:
        """The rule's BYDAY as (weekday, n) pairs: n None for every week, 2 the second, -1 the last."""
        if self.freq == "MONTHLY":
            return tuple((d, n) for d in self.weekdays for n in self.nths)
        return tuple((d, None) for d in self.weekdays)

    def rrule_text(self) -> str:
        """Return the RFC 5545 RRULE value, e.g. 'FREQ=WEEKLY;INTERVAL=2;BYDAY=TU'."""
        parts = [f"FREQ={self.freq}"]
        if self.interval != 1:
            parts.append(f"INTERVAL={self.interval}")
        if self.valid_to:
            parts.append(f"UNTIL={self.valid_to:%Y%m%d}")
        if self.monthdays:
            parts.append("BYMONTHDAY=" + ",".join(str(n) for n in self.monthdays))
        if self.weekdays:
            parts.append("BYDAY=" + ",".join(f"{'' if n is None else n}{RFC_DAYS[d]}" for d, n in self.byday))
        return ";".join(parts)

    @property
    def anchor(self) -> date:
        """The first day the rule counts from (DTSTART): the 'from' date, else EPOCH."""
        return self.valid_from or EPOCH

    def rule(self, dtstart: date | None = None, until: date | None = None) -> rr.rruleset:
        """Build the dateutil recurrence (with closures) on naive local dates from `dtstart`."""
        last = min(d for d in (until, self.valid_to) if d) if (until or self.valid_to) else None
        options = {"interval": self.interval, "wkst": rr.MO,
                   "dtstart": datetime.combine(dtstart or self.anchor, time()),
                   "until": datetime.combine(last, time()) if last else None}
        if self.monthdays:
            options["bymonthday"] = self.monthdays
        if self.weekdays:
            options["byweekday"] = [rr.weekdays[d] if n is None else rr.weekdays[d](n) for d, n in self.byday]
        rules = rr.rruleset()
        rules.rrule(rr.rrule(getattr(rr, self.freq), **options))
        for closed in self.exdates:
            rules.exdate(datetime.combine(closed, time()))
        return rules

    def dates(self, first: date, last: date) -> tuple[date, ...]:
        """List the dates it is on from `first` to `last`, both included."""
        begin = max(first, self.anchor)
        if self.valid_to:
            last = min(last, self.valid_to)
        if begin > last:
            return ()
        # Starting the rule at the window (rather than at the anchor, maybe years ago) spares
        # rrule walking every date in between; 'every other' weeks still count from the anchor.
        dtstart = self.anchor
        if begin > dtstart:
            if self.freq == "WEEKLY":
                monday = self.anchor - timedelta(days=self.anchor.weekday())
                weeks = (begin - monday).days // 7
                dtstart = max(dtstart, monday + timedelta(weeks=weeks - weeks % self.interval))
            elif self.freq == "MONTHLY":
                dtstart = max(dtstart, begin.replace(day=1))
            else:
                dtstart = begin
        found = self.rule(dtstart, last).between(datetime.combine(begin, time()),
                                                 datetime.combine(last, time()), inc=True)
        return tuple(d.date() for d in found)

    def on_weekday(self, weekday: int, today: date) -> bool:
        """Say whether it really happens on that weekday (0 = Monday) in the weeks ahead of `today`."""
        # The rule's weekdays rule most sessions out without working out a single date.
        return weekday in self.days and weekday in _weekdays_ahead(self, today)

    def occurrences(self, first: date, last: date) -> tuple["Occurrence", ...]:
        """List its dated occurrences from `first` to `last`, both included."""
        return tuple(Occurrence(day, self.start, self.end) for day in self.dates(first, last))

    def as_text(self) -> str:
        """Write the session back in the canonical short form."""
        parts = []
        if self.interval == 2:
            parts.append("Every other")
        elif self.interval > 2:
            parts.append(f"Every {self.interval} weeks")
        if self.freq == "DAILY":
            missing = tuple(d for d in range(7) if d not in self.days)
            parts.append(f"Daily except {_days_text(missing)}" if missing else "Daily")
        elif self.monthdays:
            named = [monthday_text(n) for n in self.monthdays]
            parts.append(",".join(named) + (" day of the month" if -1 in self.monthdays else " of the month"))
        else:
            if self.freq == "MONTHLY":
                parts.append(",".join(ORDINALS[n - 1] if n > 0 else "last" for n in self.nths))
            parts.append(_days_text(self.days))
        if self.start:
            parts.append(f"{self.start}-{self.end}")
        if self.valid_from:
            parts.append(f"from {self.valid_from.isoformat()}")
        if self.valid_to:
            parts.append(f"until {self.valid_to.isoformat()}")
        if self.exdates:
            parts.append("not " + ",".join(d.isoformat() for d in self.exdates))
        return " ".join(parts)

    def as_dict(self) -> dict:
        """Return the session as JSON-ready values named as in RFC 5545."""
        return {"freq": self.freq, "interval": self.interval,
                "byday": [f"{'' if n is None else n}{RFC_DAYS[d]}" for d, n in self.byday],
                "bymonthday": list(self.monthdays), "start": self.start, "end": self.end,
                "valid_from": self.valid_from and self.valid_from.isoformat(),
                "valid_to": self.valid_to and self.valid_to.isoformat(),
                "exdates": [d.isoformat() for d in self.exdates]}

    @classmethod
    def from_dict(cls, data: dict) -> "Session":
        """Read a session stored by as_dict, or in the older {'days', 'ordinals'} shape."""
        if "freq" not in data:  # databases built before recurrence rules
            weekdays = tuple(DAYS.index(d) for d in data["days"])
            nths = tuple(_NTH_WORDS[o] for o in data.get("ordinals") or ())
            return _session(weekdays, nths, daily=weekdays == tuple(range(7)), start=data.get("start"),
                            end=data.get("end"))
        pairs = [re.fullmatch(r"(-?\d)?([A-Z]{2})", code).groups() for code in data["byday"]]
        weekdays = tuple(sorted({RFC_DAYS.index(d) for _, d in pairs}))
        nths = tuple(sorted({int(n) for n, _ in pairs if n}, key=_nth_key))
        return cls(data["freq"], weekdays, nths, tuple(data.get("bymonthday") or ()), data.get("interval", 1),
                   data.get("start"), data.get("end"), _iso(data.get("valid_from")), _iso(data.get("valid_to")),
                   tuple(date.fromisoformat(d) for d in data.get("exdates") or ()))


def _iso(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _session(weekdays, nths=(), monthdays=(), interval=1, daily=False, **rest) -> Session:
    """Make a session in its one canonical shape (every day of the week counts as 'Daily')."""
    if monthdays or nths:
        return Session("MONTHLY", weekdays, nths, monthdays, interval, **rest)
    if interval == 1 and (daily or weekdays == tuple(range(7))):
        return Session("DAILY", () if weekdays == tuple(range(7)) else weekdays, **rest)
    return Session("WEEKLY", weekdays, interval=interval, **rest)


def monthday_text(n: int) -> str:
    """Write a day of the month as in English ('1st', '22nd', 'last')."""
    if n < 0:
        return "last"
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _days_text(days: tuple[int, ...]) -> str:
    if days == tuple(range(7)):
        return "Daily"
    if len(days) > 2 and days == tuple(range(days[0], days[-1] + 1)):
        return f"{DAYS[days[0]]}-{DAYS[days[-1]]}"
    return ",".join(DAYS[d] for d in days)


def _day(word: str, entry: str) -> int:
    try:
        return _DAY_ALIASES[word.lower()]
    except KeyError:
        as_written = re.search(re.escape(word), entry, re.I)  # the rule is read in lower case
        raise ScheduleError(
            f"'{as_written[0] if as_written else word}' in '{entry}' is not a day; "
            "use Mon, Tue, Wed, Thu, Fri, Sat or Sun"
        ) from None


def _parse_days(text: str, entry: str) -> tuple[tuple[int, ...], bool]:
    """Read days ('Mon-Fri', 'Mon and Wed', 'Daily except Sun'); say whether they were 'daily'."""
    base, _, excluded = text.partition(" except ")
    compact = re.sub(r"\s*(?:\band\b|&)\s*", ",", base)
    compact = re.sub(r"\s+to\s+", "-", compact)
    compact = re.sub(r"\s+", "", compact)
    daily = compact in ("daily", "everyday")
    if daily:
        days = set(range(7))
    elif compact == "weekdays":
        days = set(range(5))
    elif compact == "weekends":
        days = {5, 6}
    else:
        days = set()
        for part in compact.split(","):
            if "-" in part:
                first, _, last = part.partition("-")
                a, b = _day(first, entry), _day(last, entry)
                if b < a:
                    raise ScheduleError(f"'{part}' in '{entry}' runs backwards; write the earlier day first")
                days.update(range(a, b + 1))
            else:
                days.add(_day(part, entry))
    if excluded:
        days -= set(_parse_days(excluded, entry)[0])
        if not days:
            raise ScheduleError(f"'{entry}' leaves no day at all")
    return tuple(sorted(days)), daily


def _time(hours: str, minutes: str, entry: str) -> str:
    h, m = int(hours), int(minutes)
    if h > 23 or m > 59:
        raise ScheduleError(f"'{hours}:{minutes}' in '{entry}' is not a time of day (use 24-hour clock, e.g. 14:30)")
    return f"{h:02d}:{m:02d}"


def _date(text: str, entry: str) -> date:
    try:
        return date.fromisoformat("-".join(f"{int(p):02d}" for p in text.split("-")))
    except ValueError:
        raise ScheduleError(f"'{text}' in '{entry}' is not a date; write dates as YYYY-MM-DD, e.g. 2026-12-25") from None


def _cut(pattern: re.Pattern, text: str) -> tuple[list[re.Match], str]:
    """Find every match of a clause and return them with the text left without them."""
    found = list(pattern.finditer(text))
    return found, pattern.sub(" ", text).strip()


def _parse_rule(words: str, entry: str, **rest) -> Session:
    """Read the 'how often, which days' part of an entry."""
    text = " ".join(words.lower().split())
    text = re.sub(r"\bevery\s*day\b", "daily", text)
    interval = 1
    if match := _INTERVAL.match(text):
        interval, text = int(match["n"] or 2), match["rest"]
        if interval < 1:
            raise ScheduleError(f"in '{entry}' the number of weeks must be 1 or more")
    elif text.endswith(" fortnightly"):
        interval, text = 2, text.removesuffix(" fortnightly")
    elif text.startswith("every "):
        text = text.removeprefix("every ")
    of_month = _OF_MONTH.search(text)
    if of_month:
        text = text[:of_month.start()]
    if of_month and _MONTHDAYS.match(text):
        monthdays = set()
        for token in re.split(_SEP, text):
            n = -1 if token == "last" else int(token[:-2])
            if not 1 <= n <= 31 and n != -1:
                raise ScheduleError(f"'{token}' in '{entry}' is not a day of the month (1st to 31st)")
            monthdays.add(n)
        if interval != 1:
            raise ScheduleError(f"in '{entry}' a day of the month cannot also be every other week; write one or the other")
        return _session((), monthdays=tuple(sorted(monthdays, key=_nth_key)), **rest)
    nths: tuple[int, ...] = ()
    if match := _NTHS_DAYS.match(text):
        nths = tuple(sorted({_NTH_WORDS[w] for w in re.split(_SEP, match["nths"])}, key=_nth_key))
        text = match["days"]
        if interval != 1:
            raise ScheduleError(f"in '{entry}' '{match['nths']}' of the month cannot also be every other week; "
                                "write one or the other")
    elif of_month:
        raise ScheduleError(f"cannot read '{entry}'; say which one in the month, e.g. 'Last Fri of the month' "
                            "or '15th of the month'")
    if not re.fullmatch(r"[a-z]+(?:(?:\s*[-,&]\s*|\s+(?:and|to|except)\s+)[a-z]+)*", text):
        raise ScheduleError(
            f"cannot read '{entry}'; write a day and times like 'Thu 10:00-12:00', "
            "'1st Sat 14:00-16:00' or 'Every other Tue 10:00-12:00 from 2026-12-01', separated by ';'"
        )
    weekdays, daily = _parse_days(text, entry)
    return _session(weekdays, nths, interval=interval, daily=daily, **rest)


def _parse_entry(entry: str) -> tuple[Session | None, tuple[date, ...]]:
    """Read one entry: a session, or (None, dates) for an entry that is only closures."""
    closures, rest = _cut(_CLOSURES, entry)
    exdates = tuple(sorted({_date(d, entry) for m in closures for d in re.split(_SEP, m["dates"])}))
    starts, rest = _cut(_FROM, rest)
    ends, rest = _cut(_UNTIL, rest)
    times, rest = _cut(_TIMES, rest)
    if not rest and exdates and not (starts or ends or times):
        return None, exdates
    if len(starts) > 1 or len(ends) > 1 or len(times) > 1:
        raise ScheduleError(f"'{entry}' has more than one start date, end date or time range; "
                            "write each session as its own entry, separated by ';'")
    if re.search(r"(?:^|\s)(?:from|until|till|not|except\s+\d)", rest, re.I):
        raise ScheduleError(f"cannot read the date in '{entry}'; write dates as YYYY-MM-DD, e.g. 'from 2026-12-01'")
    start = end = None
    if times:
        groups = times[0].groups()
        start, end = _time(groups[0], groups[1], entry), _time(groups[2], groups[3], entry)
        if end <= start:
            raise ScheduleError(f"in '{entry}' the end time {end} is not after the start time {start}")
    valid_from = _date(starts[0]["date"], entry) if starts else None
    valid_to = _date(ends[0]["date"], entry) if ends else None
    if valid_from and valid_to and valid_to < valid_from:
        raise ScheduleError(f"in '{entry}' the end date {valid_to} is before the start date {valid_from}")
    session = _parse_rule(rest, entry, start=start, end=end, valid_from=valid_from, valid_to=valid_to)
    if exdates:
        _check_closures(session, exdates, entry)
        session = replace(session, exdates=exdates)
    return session, ()


def _check_closures(session: Session, exdates: tuple[date, ...], entry: str) -> None:
    for closed in exdates:
        if session.valid_from and closed < session.valid_from or session.valid_to and closed > session.valid_to:
            raise ScheduleError(f"in '{entry}' the closure {closed.isoformat()} is outside the dates it runs; "
                                "check the date")
        if closed not in session.dates(closed, closed):
            raise ScheduleError(f"'{entry}' is not on {closed:%A} {closed.isoformat()}, so it cannot be closed "
                                "then; check the date")


@lru_cache(maxsize=4096)
def parse_schedule(text: str) -> tuple[Session, ...]:
    """Read a schedule string into sessions, or raise ScheduleError saying what is wrong."""
    sessions: list[Session] = []
    closures: list[tuple[str, tuple[date, ...]]] = []
    for raw in (text or "").split(";"):
        entry = raw.strip()
        if not entry:
            continue
        session, closed = _parse_entry(entry)
        if session:
            sessions.append(session)
        else:
            closures.append((entry, closed))
    for entry, closed in closures:  # an entry of closures only closes the sessions on those dates
        for day in closed:
            hit = [i for i, s in enumerate(sessions) if day in s.dates(day, day)]
            if not hit:
                raise ScheduleError(f"nothing in this schedule is on {day:%A} {day.isoformat()}, "
                                    f"so '{entry}' closes nothing; check the date")
            for i in hit:
                sessions[i] = replace(sessions[i], exdates=tuple(sorted({*sessions[i].exdates, day})))
    return tuple(sessions)


@lru_cache(maxsize=4096)
def format_schedule(sessions: tuple[Session, ...]) -> str:
    """Write sessions in the canonical short form ('Thu 10:00-12:00; 1st Sat 14:00-16:00')."""
    return "; ".join(s.as_text() for s in sessions)


def assumed_weeks(sessions: tuple[Session, ...], today: date) -> list[str]:
    """Say, for each 'every other week' session with no 'from' date, which dates we took it to be on."""
    notes = []
    for session in sessions:
        if session.interval > 1 and session.valid_from is None:
            upcoming = session.dates(today, today + timedelta(weeks=4 * session.interval))[:2]
            on = " and ".join(f"{d:%a} {d.day} {d:%b} {d.year}" for d in upcoming)
            notes.append(f"'{session.as_text()}' gives no start date, so we took it to be on {on}; if those "
                         "are the wrong weeks, add 'from' and a date it is on, e.g. 'from "
                         f"{(upcoming[0] + timedelta(weeks=1)).isoformat()}'")
    return notes


# Room for this month and the next of 30,000 different sessions (about 6 MB).
@lru_cache(maxsize=65536)
def _month_dates(session: Session, year: int, month: int) -> tuple[date, ...]:
    first = date(year, month, 1)
    return session.dates(first, (first + timedelta(days=31)).replace(day=1) - timedelta(days=1))


# "On Tuesdays" means on a Tuesday soon, not one day in a rule: a '15th of the month' session
# is not on every weekday, one that ended in January is not on any. Eight weeks hold every
# weekday of a weekly, fortnightly or monthly rule; a rarer one (a 5th Monday) counts when one is near.
WEEKDAY_WINDOW = timedelta(weeks=8)


# Room for today's weekdays of 30,000 different sessions, and tomorrow's as the date turns.
@lru_cache(maxsize=65536)
def _weekdays_ahead(session: Session, today: date) -> frozenset[int]:
    if (session.freq != "MONTHLY" and session.interval == 1 and session.anchor <= today
            and not session.valid_to and not session.exdates):
        return frozenset(session.days)  # every week without end or closures: no dates to work out
    return frozenset(d.weekday() for d in session.dates(today, today + WEEKDAY_WINDOW - timedelta(days=1)))


def occurs_on(session: Session, day: date) -> bool:
    """Say whether a session happens on a date (by its rule, dates and closures)."""
    return day in _month_dates(session, day.year, day.month)


def is_on_at(session: Session, now: datetime) -> bool:
    """Say whether a session with times is going on at a local wall-clock moment."""
    # A session without times is "on" all day, which is not what "on now" promises a resident.
    if not (session.start and session.end):
        return False
    clock = now.strftime("%H:%M")
    return session.start <= clock < session.end and occurs_on(session, now.date())


def _upcoming(session: Session, first: date, last: date):
    month = first.replace(day=1)
    while month <= last:
        for day in _month_dates(session, month.year, month.month):
            if first <= day <= last:
                yield day
        month = (month + timedelta(days=31)).replace(day=1)


@dataclass(frozen=True)
class Occurrence:
    day: date
    start: str | None
    end: str | None
    now: bool = False  # going on at this moment

    def changes_at(self) -> datetime:
        """When "next on" stops being this answer (local wall clock): as it starts, or as it ends if on now.

        Without times it is on for the whole day, so it changes as that day begins or ends.
        """
        if self.now:
            if self.end:
                return datetime.combine(self.day, time.fromisoformat(self.end))
            return datetime.combine(self.day + timedelta(days=1), time())
        return datetime.combine(self.day, time.fromisoformat(self.start) if self.start else time())

    def span(self, timezone: str) -> tuple[datetime, datetime] | None:
        """Return when it starts and ends as aware datetimes in the area's zone (None without times)."""
        if not self.start:
            return None
        zone = ZoneInfo(timezone)
        return tuple(datetime.combine(self.day, time.fromisoformat(t), zone) for t in (self.start, self.end))


def next_occurrence(sessions, now: datetime, horizon_days: int = 366) -> Occurrence | None:
    """Return the next time any session happens, counting one that is on right now.

    `now` is local wall-clock time (Europe/London for Leicester); sessions with no times count
    for the whole day. A year ahead is far enough for the rarest rule (a 5th weekday).
    """
    clock = now.strftime("%H:%M")
    today = now.date()
    best: Occurrence | None = None
    for session in sessions:
        for day in _upcoming(session, today, today + timedelta(days=horizon_days - 1)):
            if day == today and session.end and session.end <= clock:
                continue  # already over today
            candidate = Occurrence(day, session.start, session.end,
                                   day == today and (session.start is None or session.start <= clock))
            if best is None or (candidate.day, candidate.start or "") < (best.day, best.start or ""):
                best = candidate
            break
    return best
