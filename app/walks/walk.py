"""A saved walk: its stops in route order, and what happened at each."""
from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field

import sqlite_utils

from app.accounts import User
from app.clock import stamp
from app.store.connection import insert_row, transaction

# What a connector can find at a stop; None until the stop is visited.
OUTCOMES = ("verified", "changed", "closed", "not_found")


@dataclass(frozen=True)
class Stop:
    seq: int                       # 1, 2, 3... in route order
    asset_id: str
    asset_version: int | None      # the listing's version when the walk was planned
    outcome: str | None = None
    outcome_at: str | None = None
    outcome_by: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Walk:
    id: str
    ward_code: str | None
    title: str
    created_by: str
    created_at: str
    start_label: str
    end_label: str
    budget_minutes: int | None
    minutes_per_stop: int | None
    plan: dict                     # the planner's working: legs, distances, what was left out
    status: str
    finished_at: str | None
    stops: tuple[Stop, ...] = field(default=())


def new_walk_id() -> str:
    """Make a walk id no one can guess: it is printed as a QR code on a sheet that may be left on a bus."""
    return secrets.token_urlsafe(12)


def save_walk(db: sqlite_utils.Database, user: User, *, ward_code: str | None, title: str, asset_ids: list[str],
              start_label: str = "", end_label: str = "", budget_minutes: int | None = None,
              minutes_per_stop: int | None = None, plan: dict | None = None) -> str:
    """Save a planned walk and its stops (in route order) as one transaction; return its id."""
    if len(set(asset_ids)) != len(asset_ids):
        raise ValueError("A walk cannot visit the same listing twice.")
    walk_id = new_walk_id()
    with transaction(db):
        versions = dict(db.execute(
            f"select id, version from assets where id in ({', '.join('?' * len(asset_ids))})", asset_ids).fetchall()
        ) if asset_ids else {}
        missing = [a for a in asset_ids if a not in versions]
        if missing:
            raise ValueError(f"These listings no longer exist: {', '.join(missing)}")
        insert_row(db, "walks", {
            "id": walk_id, "ward_code": ward_code, "title": title, "created_by": user.name,
            "created_at": stamp(), "start_label": start_label, "end_label": end_label,
            "budget_minutes": budget_minutes, "minutes_per_stop": minutes_per_stop,
            "plan": json.dumps(plan or {}), "status": "planned"})
        db.conn.executemany(
            "insert into walk_stops (walk_id, seq, asset_id, asset_version) values (?, ?, ?, ?)",
            [(walk_id, seq, asset_id, versions[asset_id]) for seq, asset_id in enumerate(asset_ids, 1)])
    return walk_id


def load_walk(db: sqlite_utils.Database, walk_id: str) -> Walk | None:
    """Return a walk with its stops in route order, or None if there is no such walk."""
    row = db.execute("select id, ward_code, title, created_by, created_at, start_label, end_label, budget_minutes, "
                     "minutes_per_stop, plan, status, finished_at from walks where id = ?", [walk_id]).fetchone()
    if row is None:
        return None
    stops = tuple(Stop(*r) for r in db.execute(
        "select seq, asset_id, asset_version, outcome, outcome_at, outcome_by, note from walk_stops "
        "where walk_id = ? order by seq", [walk_id]))
    return Walk(*row[:9], json.loads(row[9] or "{}"), row[10], row[11], stops)
