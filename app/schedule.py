"""When an activity happens, written the way people write it: 'Thu 10:00-12:00; 1st Sat 14:00-16:00'.

A schedule is entries separated by ';'. Each entry is an optional monthly ordinal (1st, 2nd,
3rd, 4th, 5th, last, or several joined by ','), one or more days (Thu, Mon-Fri, Mon,Wed,
Daily, Weekdays) and an optional time range in 24-hour clock (10:00-12:00).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
ORDINALS = ("1st", "2nd", "3rd", "4th", "5th", "last")

_DAY_ALIASES = {}
for _index, (_short, _long) in enumerate(zip(DAYS, DAY_NAMES)):
    for _alias in {_short, _long, _long[:4], _long[:5]}:
        _DAY_ALIASES[_alias.lower()] = _index
_DAY_ALIASES["tues"] = 1
_DAY_ALIASES["thur"] = _DAY_ALIASES["thurs"] = 3

_TIME = r"(\d{1,2})[:.](\d{2})"
_ENTRY = re.compile(
    rf"^(?:(?P<ordinals>(?:1st|2nd|3rd|4th|5th|last)(?:\s*,\s*(?:1st|2nd|3rd|4th|5th|last))*)\s+)?"
    rf"(?P<days>[A-Za-z]+(?:\s*[-,]\s*[A-Za-z]+)*)"
    rf"(?:\s+(?P<start>{_TIME})\s*[-\u2013]\s*(?P<end>{_TIME}))?$",
    re.I,
)


class ScheduleError(ValueError):
    """A schedule that cannot be read, with what to write instead."""


@dataclass(frozen=True)
class Session:
    days: tuple[int, ...]          # 0 = Monday
    ordinals: tuple[str, ...] = ()  # empty means every week
    start: str | None = None        # 'HH:MM'
    end: str | None = None

    def as_text(self) -> str:
        """Write the session back in the canonical short form."""
        days = _days_text(self.days)
        parts = [",".join(self.ordinals)] if self.ordinals else []
        parts.append(days)
        if self.start:
            parts.append(f"{self.start}-{self.end}")
        return " ".join(parts)

    def as_dict(self) -> dict:
        return {"days": [DAYS[d] for d in self.days], "ordinals": list(self.ordinals),
                "start": self.start, "end": self.end}

    @classmethod
    def from_dict(cls, data: dict) -> "Session":
        return cls(tuple(DAYS.index(d) for d in data["days"]), tuple(data["ordinals"]),
                   data["start"], data["end"])


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
        raise ScheduleError(
            f"'{word}' in '{entry}' is not a day; use Mon, Tue, Wed, Thu, Fri, Sat or Sun"
        ) from None


def _parse_days(text: str, entry: str) -> tuple[int, ...]:
    compact = re.sub(r"\s+", "", text)
    if compact.lower() in ("daily", "everyday"):
        return tuple(range(7))
    if compact.lower() == "weekdays":
        return tuple(range(5))
    if compact.lower() == "weekends":
        return (5, 6)
    days: set[int] = set()
    for part in compact.split(","):
        if "-" in part:
            first, _, last = part.partition("-")
            a, b = _day(first, entry), _day(last, entry)
            if b < a:
                raise ScheduleError(f"'{part}' in '{entry}' runs backwards; write the earlier day first")
            days.update(range(a, b + 1))
        else:
            days.add(_day(part, entry))
    return tuple(sorted(days))


def _time(hours: str, minutes: str, entry: str) -> str:
    h, m = int(hours), int(minutes)
    if h > 23 or m > 59:
        raise ScheduleError(f"'{hours}:{minutes}' in '{entry}' is not a time of day (use 24-hour clock, e.g. 14:30)")
    return f"{h:02d}:{m:02d}"


@lru_cache(maxsize=4096)
def parse_schedule(text: str) -> tuple[Session, ...]:
    """Read a schedule string into sessions, or raise ScheduleError saying what is wrong."""
    sessions = []
    for raw in (text or "").split(";"):
        entry = raw.strip()
        if not entry:
            continue
        match = _ENTRY.match(entry)
        if not match:
            raise ScheduleError(
                f"cannot read '{entry}'; write a day and times like 'Thu 10:00-12:00' "
                "or '1st Sat 14:00-16:00', separated by ';'"
            )
        days = _parse_days(match["days"], entry)
        ordinals = ()
        if match["ordinals"]:
            ordinals = tuple(sorted({o.strip().lower() for o in match["ordinals"].split(",")}, key=ORDINALS.index))
        start = end = None
        if match["start"]:
            start = _time(match.group(4), match.group(5), entry)
            end = _time(match.group(7), match.group(8), entry)
            if end <= start:
                raise ScheduleError(f"in '{entry}' the end time {end} is not after the start time {start}")
        sessions.append(Session(days, ordinals, start, end))
    return tuple(sessions)


@lru_cache(maxsize=4096)
def format_schedule(sessions: tuple[Session, ...]) -> str:
    """Write sessions in the canonical short form ('Thu 10:00-12:00; 1st Sat 14:00-16:00')."""
    return "; ".join(s.as_text() for s in sessions)


def _ordinal_matches(ordinals: tuple[str, ...], day: date) -> bool:
    if not ordinals:
        return True
    nth = (day.day - 1) // 7 + 1
    last = (day + timedelta(days=7)).month != day.month
    return any(o == "last" and last or o != "last" and int(o[0]) == nth for o in ordinals)


def occurs_on(session: Session, day: date) -> bool:
    """Say whether a session happens on a date (its weekday and, if monthly, its ordinal)."""
    return day.weekday() in session.days and _ordinal_matches(session.ordinals, day)


@dataclass(frozen=True)
class Occurrence:
    day: date
    start: str | None
    end: str | None
    now: bool = False  # going on at this moment


def next_occurrence(sessions, now: datetime, horizon_days: int = 62) -> Occurrence | None:
    """Return the next time any session happens, counting one that is on right now.

    `now` is local wall-clock time (Europe/London for Leicester); sessions with no times count
    for the whole day.
    """
    clock = now.strftime("%H:%M")
    best: Occurrence | None = None
    for offset in range(horizon_days):
        day = now.date() + timedelta(days=offset)
        for session in sessions:
            if not occurs_on(session, day):
                continue
            if offset == 0 and session.end and session.end <= clock:
                continue  # already over today
            on_now = offset == 0 and (session.start is None or session.start <= clock)
            candidate = Occurrence(day, session.start, session.end, on_now)
            if best is None or (candidate.day, candidate.start or "") < (best.day, best.start or ""):
                best = candidate
        if best is not None:
            return best
    return None
