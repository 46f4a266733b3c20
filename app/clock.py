"""The one clock: when things happen, as stored (UTC) and as residents live it (the area's local time)."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo


def stamp() -> str:
    """Return now in UTC as stored with every change ('2026-11-28T09:00:00+00:00')."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def local_now(timezone_name: str, pinned: datetime | None = None) -> datetime:
    """Return the area's local wall-clock time (naive), or the pinned time a test set."""
    if pinned is not None:
        return pinned
    return datetime.now(ZoneInfo(timezone_name)).replace(tzinfo=None)


def next_midnight(moment: datetime) -> datetime:
    """Return when the day after moment begins (wall clock): when "today" and "tomorrow" move on."""
    return datetime.combine(moment.date() + timedelta(days=1), time())
