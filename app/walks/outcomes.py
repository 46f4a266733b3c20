"""What a connector found at each stop of a walk, written through the listings' own write paths."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlite_utils

from app.accounts import User
from app.assets.edits import (
    ConflictError,
    EditError,
    form_values,
    note_change,
    require_version,
    save_asset,
    set_status,
    verify,
    workspace_asset,
)
from app.clock import stamp
from app.config import Area
from app.store.connection import transaction
from app.walks.walk import OUTCOMES, load_walk

# What "Something changed" may change on the spot: the day and time, the contact.
SHORT_EDIT = ("schedule", "contact_phone", "contact_email")
FIELD_NAMES = {"schedule": "Day and time", "contact_phone": "Phone", "contact_email": "Email", "status": "Status"}
WORDS = {"verified": "still running, details right", "changed": "something changed",
         "closed": "closed or not there", "not_found": "couldn't find it"}
MAX_NOTE = 500


class OutcomeError(ValueError):
    """An outcome that cannot be recorded as sent (a bad stop, nothing said to have changed)."""


@dataclass
class Recorded:
    """What became of one outcome: saved, already (recorded before), conflict, gone or invalid."""
    status: str
    message: str
    version: int | None = None
    conflict: dict = field(default_factory=dict)  # both versions, for the connector to compare

    def as_json(self) -> dict:
        return {"status": self.status, "message": self.message, "version": self.version, "conflict": self.conflict}


def is_gone(asset: dict | None) -> bool:
    """Say whether a stop's listing has been deleted since the walk was planned."""
    return asset is None or asset["status"] == "deleted"


def _conflict(error: ConflictError, current: dict, yours: dict[str, str]) -> dict:
    """Both versions side by side: the listing now, and what the phone sent (or showed, when it only confirmed)."""
    shown_then: dict[str, str] = {}
    for change in reversed(error.changes):  # oldest first: the first old value is what the phone showed
        for f in change["fields"]:
            shown_then.setdefault(f["field"], f["old"] or "")
    now = {**form_values(current), "status": current["status"]}
    sent = yours or shown_then
    return {"version": error.current_version,
            "fields": [{"field": FIELD_NAMES.get(k, k), "now": now.get(k, ""), "yours": sent.get(k, "")}
                       for k in dict.fromkeys([*yours, *shown_then])],
            "changes": [{"at": c["at"], "by": c["user_name"], "note": c["note"] or ""} for c in error.changes]}


def record_outcome(db: sqlite_utils.Database, area: Area, user: User, walk_id: str, seq: int, outcome: str, *,
                   based_on: int | None, changes: dict[str, str] | None = None, note: str = "",
                   today: date | None = None) -> Recorded:
    """Record what a connector found at one stop, through the listing's own write path, and finish a done walk.

    based_on is the listing version the phone showed: a listing saved since is a conflict, never
    overwritten. The listing's change and the stop's outcome land together, or neither does.
    """
    if outcome not in OUTCOMES:
        return Recorded("invalid", f"“{outcome}” is not something a stop can be marked: use one of the buttons.")
    if based_on is None and outcome != "not_found":
        return Recorded("invalid", "This outcome does not say which version of the listing it was based on, so it "
                                   "could overwrite someone else's change: open the walk again and check the stop.")
    note = " ".join((note or "").split())[:MAX_NOTE]
    walk = load_walk(db, walk_id)
    stop = next((s for s in walk.stops if s.seq == seq), None) if walk else None
    if stop is None:
        return Recorded("gone", "This walk or stop no longer exists.")
    if stop.outcome:
        return Recorded("already", f"Already recorded by {stop.outcome_by}: {WORDS[stop.outcome]}.")
    current = workspace_asset(db, stop.asset_id)
    if is_gone(current):
        return Recorded("gone", "This listing was deleted after the walk was planned: nothing was saved for it.")
    history_note = f"Patch walk {walk_id}, stop {seq}: {WORDS[outcome]}" + (f". {note}" if note else "")
    yours = {k: " ".join((changes or {}).get(k, "").split()) for k in SHORT_EDIT if k in (changes or {})}
    try:
        with transaction(db):
            version = _apply(db, area, user, current, outcome, based_on, yours, history_note, today)
            db.execute("update walk_stops set outcome = ?, outcome_at = ?, outcome_by = ?, note = ? "
                       "where walk_id = ? and seq = ?", [outcome, stamp(), user.name, note or None, walk_id, seq])
            _finish_if_done(db, walk_id)
    except OutcomeError as exc:
        return Recorded("invalid", str(exc))
    except ConflictError as exc:
        return Recorded("conflict", "Someone saved this listing after your phone loaded it. Nothing was saved: "
                        "compare the two and check it again.", exc.current_version,
                        _conflict(exc, workspace_asset(db, stop.asset_id), yours))
    except EditError as exc:
        if is_gone(workspace_asset(db, stop.asset_id)):
            return Recorded("gone", "This listing was deleted after the walk was planned: nothing was saved for it.")
        return Recorded("invalid", "Not saved: " + "; ".join(p.message for p in exc.problems))
    return Recorded("saved", f"Saved: {WORDS[outcome]}.", version)


def _apply(db, area: Area, user: User, current: dict, outcome: str, based_on: int | None, yours: dict[str, str],
           note: str, today: date | None) -> int:
    asset_id = current["id"]
    if outcome == "not_found":  # nothing about the listing itself is known to have changed
        note_change(db, user, asset_id, note)
        return current["version"]
    require_version(db, asset_id, based_on)
    if outcome == "verified":
        return verify(db, user, asset_id, today, note)
    if outcome == "closed":
        return set_status(db, user, asset_id, "closed", note)
    saved = save_asset(db, area, user, {**form_values(current), **yours}, asset_id, based_on, note, today=today)
    if saved.version == current["version"]:  # the listing already said all that: nothing was written
        raise OutcomeError("Nothing you typed differs from the listing. Say what changed (the day and time, "
                           "the phone or the email); if it is all still right, use “Still running, details right”.")
    return saved.version


def _finish_if_done(db: sqlite_utils.Database, walk_id: str) -> None:
    """Finish the walk once every stop whose listing still exists has an outcome."""
    waiting = db.execute(
        "select count(*) from walk_stops s left join assets a on a.id = s.asset_id where s.walk_id = ? "
        "and s.outcome is null and a.id is not null and a.status != 'deleted'", [walk_id]).fetchone()[0]
    if not waiting:
        finish_walk(db, walk_id)


def finish_walk(db: sqlite_utils.Database, walk_id: str) -> None:
    """Mark a walk finished now (once: a finished walk keeps the time it was first finished)."""
    with transaction(db):
        db.execute("update walks set status = 'finished', finished_at = ? where id = ? and status != 'finished'",
                   [stamp(), walk_id])
