"""Residents' suggestions and problem reports, and the queue connectors work through."""
from __future__ import annotations

import time
from dataclasses import dataclass

import sqlite_utils

from app import ratelimit
from app.accounts import User
from app.clock import stamp
from app.store.connection import transaction

KINDS = ("new", "problem")
# A connector's own draft, from a poster photographed on a walk (app/walks/captures.py): never a resident's.
CAPTURE = "capture"
PROBLEMS = ("out_of_date", "closed", "extra", "other")
TRADER_PROBLEMS = ("bad_work", "behaviour", "out_of_date", "other")
LIMITS = {"name": 200, "category": 100, "postcode": 20, "when_text": 300, "details": 2000, "contact": 200}


class SuggestionError(ValueError):
    """A suggestion that was not accepted, with the reason (shown to the resident)."""

    def __init__(self, field: str, code: str):
        super().__init__(f"{field}: {code}")
        self.field, self.code = field, code


@dataclass
class Suggestion:
    id: int
    kind: str
    asset_id: str | None
    problem: str | None
    name: str
    category: str
    postcode: str
    when_text: str
    details: str
    contact: str | None
    created_at: str
    status: str
    reason: str | None
    handled_by: str | None
    trader_id: str | None = None


def submit(db: sqlite_utils.Database, kind: str, fields: dict[str, str], address: str,
           now: float | None = None) -> int:
    """Store a resident's suggestion, after the length and rate limits."""
    now = time.time() if now is None else now
    if kind not in KINDS:
        raise SuggestionError("kind", "unknown")
    values = {k: " ".join((fields.get(k) or "").split()) if k != "details" else (fields.get(k) or "").strip()
              for k in LIMITS}
    for key, limit in LIMITS.items():
        if len(values[key]) > limit:
            raise SuggestionError(key, "too_long")
    if kind == "new" and not values["name"]:
        raise SuggestionError("name", "missing")
    trader_id = fields.get("trader_id") if kind == "problem" else None
    if kind == "problem" and trader_id:
        if (fields.get("problem") or "") not in TRADER_PROBLEMS:
            raise SuggestionError("problem", "missing")
        if not db.execute("select 1 from traders where id = ?", [trader_id]).fetchone():
            raise SuggestionError("trader_id", "unknown")
    elif kind == "problem":
        if (fields.get("problem") or "") not in PROBLEMS:
            raise SuggestionError("problem", "missing")
        if not db.execute("select 1 from assets where id = ?", [fields.get("asset_id") or ""]).fetchone():
            raise SuggestionError("asset_id", "unknown")
    try:
        ratelimit.take(db, [("problem" if kind == "problem" else "suggestion", address)], now)
    except ratelimit.Limited:
        raise SuggestionError("form", "too_many") from None
    with transaction(db):
        cursor = db.execute(
            "insert into suggestions (kind, asset_id, problem, name, category, postcode, when_text, details, contact, "
            "created_at, trader_id) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [kind, fields.get("asset_id") if kind == "problem" and not trader_id else None,
             fields.get("problem") if kind == "problem" else None, values["name"], values["category"],
             values["postcode"], values["when_text"], values["details"], values["contact"] or None,
             stamp(), trader_id or None])
    return cursor.lastrowid


def add_draft(db: sqlite_utils.Database, fields: dict[str, str]) -> int:
    """Queue a connector's draft listing (a captured poster) inside the caller's transaction; return its id."""
    values = {k: " ".join((fields.get(k) or "").split()) if k != "details" else (fields.get(k) or "").strip()
              for k in LIMITS}
    for key, limit in LIMITS.items():
        if len(values[key]) > limit:
            raise SuggestionError(key, "too_long")
    if not values["name"]:
        raise SuggestionError("name", "missing")
    cursor = db.execute(
        "insert into suggestions (kind, name, category, postcode, when_text, details, contact, created_at) "
        "values (?, ?, ?, ?, ?, ?, ?, ?)",
        [CAPTURE, values["name"], values["category"], values["postcode"], values["when_text"], values["details"],
         values["contact"] or None, stamp()])
    return cursor.lastrowid


def get(db: sqlite_utils.Database, suggestion_id: int) -> Suggestion | None:
    row = db.execute("select id, kind, asset_id, problem, name, category, postcode, when_text, details, contact, "
                     "created_at, status, reason, handled_by, trader_id from suggestions where id = ?", [suggestion_id]).fetchone()
    return Suggestion(*row) if row else None


def open_suggestions(db: sqlite_utils.Database) -> list[Suggestion]:
    rows = db.execute("select id, kind, asset_id, problem, name, category, postcode, when_text, details, contact, "
                      "created_at, status, reason, handled_by, trader_id from suggestions where status = 'open' order by id")
    return [Suggestion(*r) for r in rows]


def close(db: sqlite_utils.Database, user: User, suggestion_id: int, status: str, reason: str = "",
          merged_into: str | None = None) -> None:
    """Accept, reject or merge a suggestion; the resident's contact details and any captured photo go with it."""
    # Imported here: captures makes its drafts through this module.
    from app.walks.captures import delete_photos, release_photos

    if status not in ("accepted", "rejected", "merged"):
        raise SuggestionError("status", "unknown")
    if status == "rejected" and not reason.strip():
        raise SuggestionError("reason", "missing")
    with transaction(db):
        db.execute("update suggestions set status = ?, reason = ?, handled_by = ?, handled_at = ?, merged_into = ?, "
                   "contact = null where id = ? and status = 'open'",
                   [status, reason.strip() or None, user.name, stamp(),
                    merged_into, suggestion_id])
        photos = release_photos(db, suggestion_id)
    # Files go only once the database says the draft is closed; a rolled-back close keeps its photo.
    delete_photos(db, photos)


def as_asset_values(suggestion: Suggestion) -> dict[str, str]:
    """Start an asset form from a suggestion (the connector checks and completes it)."""
    if suggestion.kind == CAPTURE:
        return {"name": suggestion.name, "category": suggestion.category, "postcode": suggestion.postcode,
                "description": suggestion.details, "schedule": suggestion.when_text,
                "contact_phone": suggestion.contact or "",
                "source": f"Poster or flyer seen by a connector on foot (suggestion {suggestion.id})",
                "source_date": suggestion.created_at[:10]}
    return {"name": suggestion.name, "category": suggestion.category, "postcode": suggestion.postcode,
            "description": suggestion.details, "source": f"Suggested by a resident (suggestion {suggestion.id})",
            "source_date": suggestion.created_at[:10]}
