"""The one history writer: who changed what and when, field by field, for listings and for traders."""
from __future__ import annotations

import sqlite_utils

from app.clock import stamp

# What has a history: its table and the column naming the thing changed.
HISTORIES = {"asset": ("changes", "asset_id"), "trader": ("trader_changes", "trader_id"),
             "kiosk": ("kiosk_changes", "kiosk_id")}


def record(db: sqlite_utils.Database, kind: str, subject_id: str, user_name: str, action: str,
           changes: list[tuple[str | None, str | None, str | None]], note: str = "",
           change_set: int | None = None) -> None:
    """Write one save's changes (field, old, new) inside the caller's transaction; none means an event."""
    record_many(db, kind, user_name, note, [(subject_id, action, changes, change_set)])


def record_many(db: sqlite_utils.Database, kind: str, user_name: str, note: str,
                saves: list[tuple[str, str, list[tuple[str | None, str | None, str | None]], int | None]]) -> None:
    """Write many saves' changes, each (subject_id, action, changes, change_set), in one statement."""
    if not saves:
        return
    table, key = HISTORIES[kind]
    columns = [key, "at", "user_name", "action", "field", "old_value", "new_value", "note"]
    grouped = saves[0][3] is not None
    if grouped:
        columns.append("change_set")  # listings group a save's fields, so a save can be undone whole
    at = stamp()
    rows = [(subject_id, at, user_name, action, field, old, new, note or None) + ((change_set,) if grouped else ())
            for subject_id, action, changes, change_set in saves
            for field, old, new in (changes or [(None, None, None)])]
    db.conn.executemany(f"insert into {table} ({', '.join(columns)}) values ({', '.join('?' * len(columns))})", rows)
