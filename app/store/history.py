"""The one history writer: who changed what and when, field by field, for listings and for traders."""
from __future__ import annotations

import sqlite_utils

from app.clock import stamp

# What has a history: its table and the column naming the thing changed.
HISTORIES = {"asset": ("changes", "asset_id"), "trader": ("trader_changes", "trader_id")}


def record(db: sqlite_utils.Database, kind: str, subject_id: str, user_name: str, action: str,
           changes: list[tuple[str | None, str | None, str | None]], note: str = "",
           change_set: int | None = None) -> None:
    """Write one save's changes (field, old, new) inside the caller's transaction; none means an event."""
    table, key = HISTORIES[kind]
    columns = [key, "at", "user_name", "action", "field", "old_value", "new_value", "note"]
    if change_set is not None:
        columns.append("change_set")  # listings group a save's fields, so a save can be undone whole
    at = stamp()
    rows = [(subject_id, at, user_name, action, field, old, new, note or None) + (() if change_set is None else (change_set,))
            for field, old, new in (changes or [(None, None, None)])]
    db.conn.executemany(f"insert into {table} ({', '.join(columns)}) values ({', '.join('?' * len(columns))})", rows)
