"""One rate limiter: how many times a key (an address, a name) may act in a bucket within a window.

Events live in the `rate_events(bucket, key, at)` table. Counting and recording happen in one
immediate transaction, so requests racing each other cannot all slip under a limit.
"""
from __future__ import annotations

import time
from collections.abc import Iterable

import sqlite_utils
from flask import current_app, has_app_context

from app.store.connection import transaction

# (events, window in seconds) for each bucket. Residents' forms count per address and per form:
# generous, because a library's public computers share one address, and a report of a problem
# must not be blocked by suggestions. RATE_LIMITS in the app's configuration overrides any of them
# (ASSETMAP_RATE_LIMITS='{"suggestion": [40, 3600]}').
DEFAULTS: dict[str, tuple[int, int]] = {
    "suggestion": (20, 60 * 60),
    "problem": (20, 60 * 60),
    "recommendation": (10, 60 * 60),
    # Failed sign-ins: for one name from one address (a person mistyping, or one guesser) ...
    "sign-in": (5, 15 * 60),
    # ... from one address over every name (password spraying) ...
    "sign-in-address": (20, 15 * 60),
    # ... and for one name from everywhere. One address can add only 5 to it every 15 minutes, so a
    # single stranger cannot keep a connector out; an admin can unlock the account at once.
    "sign-in-name": (30, 60 * 60),
    # A library kiosk reporting "Print this" for its usage counts, keyed by the kiosk: far more than any
    # library prints, few enough that nobody can swell the counts by posting in a loop.
    "kiosk-usage": (300, 60 * 60),
}


class Limited(Exception):
    """A bucket is full for a key; `bucket` says which."""

    def __init__(self, bucket: str):
        super().__init__(bucket)
        self.bucket = bucket


def rule(bucket: str) -> tuple[int, int]:
    """Return (events, window seconds) for a bucket, as configured."""
    configured = (current_app.config.get("RATE_LIMITS") or {}) if has_app_context() else {}
    count, window = configured.get(bucket, DEFAULTS[bucket])
    return int(count), int(window)


def take(db: sqlite_utils.Database, wanted: Iterable[tuple[str, str]], now: float | None = None) -> list[int]:
    """Record one event in each (bucket, key), or none if any is full (raise Limited); return the event ids."""
    now = time.time() if now is None else now
    wanted = list(wanted)
    ids = []
    with transaction(db):
        for bucket, key in wanted:
            count, window = rule(bucket)
            db.execute("delete from rate_events where bucket = ? and at <= ?", [bucket, now - window])
            used = db.execute("select count(*) from rate_events where bucket = ? and key = ?", [bucket, key]).fetchone()[0]
            if used >= count:
                raise Limited(bucket)  # rolls back the events recorded for earlier buckets
        for bucket, key in wanted:
            ids.append(db.execute("insert into rate_events (bucket, key, at) values (?, ?, ?)", [bucket, key, now]).lastrowid)
    return ids


def forget(db: sqlite_utils.Database, ids: Iterable[int] = (), bucket: str | None = None, key: str | None = None,
           key_prefix: str | None = None) -> None:
    """Delete events: by id, or every event of a bucket for a key (or for keys starting with a prefix)."""
    with transaction(db):
        for event_id in ids:
            db.execute("delete from rate_events where rowid = ?", [event_id])
        if bucket and key is not None:
            db.execute("delete from rate_events where bucket = ? and key = ?", [bucket, key])
        if bucket and key_prefix is not None:
            db.execute("delete from rate_events where bucket = ? and substr(key, 1, ?) = ?",
                       [bucket, len(key_prefix), key_prefix])
