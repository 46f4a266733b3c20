"""Listings in and out of spreadsheets: export in the asset CSV contract, import with a preview, all or nothing."""
from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import sqlite_utils

from app.accounts import User
from app.assets.edits import (
    ConflictError,
    EditError,
    current_id,
    form_values,
    normalised_many,
    save_asset,
    save_values,
    set_status,
    unpin_ward_only,
    wards_frame,
)
from app.assets.pipeline import prepare_many
from app.assets.record import COLUMNS, PUBLIC_SQL, STATUSES, Problem, decode_csv_bytes, parse_asset_csv
from app.config import Area
from app.formats.csv_safe import SPREADSHEET_ENCODING, neutralise
from app.store.connection import transaction

EXPORT_EXTRA = ("status", "private_address")


def export_rows(db: sqlite_utils.Database, include_private: bool = False, include_hidden: bool = False) -> list[dict]:
    """Every public asset (or, if asked, every asset) as a row of the asset CSV contract, with its status."""
    # Hidden, closed and deleted listings are often hidden for a reason (a refuge, a complaint):
    # an export is easily shared, so they stay out unless asked for.
    where = "" if include_hidden else f"where {PUBLIC_SQL}"
    rows = []
    for asset in db.execute(f"select * from assets {where} order by rowid"):
        asset = dict(asset)
        row = {c: "" if asset.get(c) is None else str(asset[c]) for c in COLUMNS}
        if asset["location_precision"] != "exact":
            row["lat"] = row["lon"] = ""  # derived from the postcode; the postcode is the source
        row["location_precision"] = "ward" if asset["location_precision"] == "ward" else ""
        row["ward"] = asset["ward_name"] or ""
        row["status"] = asset["status"]
        if asset["private_address"]:
            if include_private:
                row["private_address"] = "1"
            else:
                row["address"] = ""
                row["postcode"] = ""
                row["lat"] = row["lon"] = ""
                row["location_precision"] = "ward"
        for key, value in json.loads(asset["extra"] or "{}").items():
            row.setdefault(key, value)
        rows.append(row)
    return rows


def left_out(db: sqlite_utils.Database) -> dict[str, int]:
    """Count the listings an export leaves out by default, by status (hidden, closed, deleted)."""
    return dict(db.execute(f"select status, count(*) from assets where not {PUBLIC_SQL} "
                           "group by status order by status"))


def write_csv(rows: list[dict], path: str | Path) -> Path:
    """Write rows with the contract columns first, every cell neutralised for spreadsheets."""
    header = list(COLUMNS) + [c for c in EXPORT_EXTRA if any(c in r for r in rows)]
    header += sorted({k for r in rows for k in r} - set(header))
    path = Path(path)
    with open(path, "w", encoding=SPREADSHEET_ENCODING, newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow([neutralise(h) for h in header])  # extra columns' names come from users too
        for row in rows:
            writer.writerow([neutralise(row.get(k, "")) for k in header])
    return path


# --- Importing a connector's spreadsheet into the live database -------------------------------

@dataclass
class Change:
    asset_id: str
    fields: list[tuple[str, str, str]]        # (field, now, in the file)
    web_edit: str | None = None               # "edited on the web on DATE by NAME" if that would be overwritten
    status: str | None = None


@dataclass
class ImportPlan:
    file_name: str
    digest: str
    new: list[tuple[int, dict, list[Problem]]] = field(default_factory=list)  # (row, values, warnings)
    changed: list[tuple[int, Change, dict]] = field(default_factory=list)     # (row, change, values)
    unchanged: list[tuple[int, str]] = field(default_factory=list)
    rejected: list[tuple[int, str]] = field(default_factory=list)             # (row, reasons)

    @property
    def conflicts(self) -> list[Change]:
        return [c for _, c, _ in self.changed if c.web_edit]

    def summary(self) -> str:
        return (f"{len(self.new)} new, {len(self.changed)} changed ({len(self.conflicts)} would overwrite a web edit), "
                f"{len(self.unchanged)} unchanged, {len(self.rejected)} rejected")


def _last_web_edit(db: sqlite_utils.Database, asset_id: str) -> str | None:
    row = db.execute("select at, user_name, action from changes where asset_id = ? order by change_set desc limit 1",
                     [asset_id]).fetchone()
    if row and row[2] != "import":
        return f"edited on the web on {row[0][:10]} by {row[1]}"
    return None


def plan_import(db: sqlite_utils.Database, area: Area, path: str | Path, today: date | None = None,
                name: str | None = None) -> ImportPlan:
    """Work out what importing a CSV would do, writing nothing: new, changed, unchanged, rejected.

    Only the columns the file has are compared and changed: a spreadsheet without a `cost`
    column leaves every listing's cost as it is.
    """
    today = today or date.today()
    path = Path(path)
    data = path.read_bytes()
    name = name or path.name
    asset_file = parse_asset_csv(decode_csv_bytes(data, name), name)
    plan = ImportPlan(name, hashlib.sha256(data).hexdigest())
    wards = wards_frame(db)
    present = set(asset_file.columns) - {"id"}
    if any(h == "private_address" for h, _ in asset_file.extras):
        present.add("private_address")
    assets = {r["id"]: dict(r) for r in db.execute("select * from assets")}
    # First each row's values as they would be saved, then all rows checked and placed together:
    # one postcode and ward lookup for the whole file, not one per row.
    pending = []
    for raw in asset_file.rows:
        values = asset_file.values(raw)
        extras = asset_file.extra_values(raw)
        status = (extras.pop("status", "") or "").strip() or None
        if "private_address" in extras:
            values["private_address"] = extras.pop("private_address")
        if len(raw.cells) > len(asset_file.header):
            plan.rejected.append((raw.row, f"row {raw.row}: has more cells than the header has columns"))
            continue
        # The apply writes exactly what the preview accepted, so the preview checks everything the apply would.
        if status and status not in STATUSES:
            plan.rejected.append((raw.row, f"row {raw.row}, status: '{status}' is not one of: {', '.join(STATUSES)}"))
            continue
        asset_id = current_id(db, values.get("id", "").strip())  # a spreadsheet may hold an old id
        now = form_values(assets[asset_id]) if asset_id in assets else None
        merged = {**now, **{k: v for k, v in values.items() if k in present}} if now else values
        if now and "location_precision" in present:
            merged["keep_ward"] = "1"  # the file says the precision itself
        elif now:
            merged = unpin_ward_only(now, merged)  # as the edit form does, so the apply saves what is shown
        pending.append((raw.row, asset_id, merged, extras, status))
    normalised = normalised_many(db, area, [merged for _, _, merged, _, _ in pending], today, wards)
    seen: set[str] = set()
    for (row, asset_id, merged, extras, status), (normal, problems, made_id) in zip(pending, normalised):
        errors = [p for p in problems if p.severity == "error"]
        if normal is None or errors:
            plan.rejected.append((row, "; ".join(str(Problem(row, p.column, p.message)) for p in errors)))
            continue
        asset_id = asset_id or made_id
        current = assets.get(asset_id)
        if current is not None and current["status"] == "deleted":
            reason = f"row {row}: '{asset_id}' is deleted; an admin must bring it back in the workspace first"
            plan.rejected.append((row, reason))
            continue
        if asset_id in seen:
            plan.rejected.append((row, f"row {row}: id '{asset_id}' appears twice in the file"))
            continue
        seen.add(asset_id)
        merged = {**merged, "id": asset_id, "_extra": extras or None, "_status": status}
        if current is None:
            plan.new.append((row, merged, [p for p in problems if p.severity == "warning"]))
            continue
        now = form_values(current)
        fields = [(k, now.get(k, ""), normal.get(k, "")) for k in sorted(present)
                  if k in normal and now.get(k, "") != normal.get(k, "")]
        status_change = status if status and status != current["status"] else None
        if not fields and not status_change:
            plan.unchanged.append((row, asset_id))
            continue
        plan.changed.append((row, Change(asset_id, fields, _last_web_edit(db, asset_id), status_change), merged))
    return plan


def apply_import(db: sqlite_utils.Database, area: Area, user: User, path: str | Path, digest: str,
                 overwrite_web_edits: bool = False, today: date | None = None, name: str | None = None) -> ImportPlan:
    """Import a CSV exactly as previewed (same file digest), all rows or none; returns the plan carried out.

    Rows that would overwrite a web edit are skipped unless overwrite_web_edits. The plan is
    worked out again inside the one write transaction, so it matches what is written.
    """
    try:
        with transaction(db):
            plan = plan_import(db, area, path, today, name)
            if plan.digest != digest:
                raise ImportRefused("the file is not the one that was previewed; preview it again")
            _carry_out(db, area, user, plan, overwrite_web_edits, today)
    except (EditError, ConflictError) as exc:
        raise ImportRefused(f"nothing was imported, because a listing could not be saved: {exc}") from None
    return plan


def _carry_out(db, area: Area, user: User, plan: ImportPlan, overwrite_web_edits: bool, today: date | None) -> None:
    note = f"import of {plan.file_name}"
    wards = wards_frame(db)
    changed = [(change, values) for _, change, values in plan.changed
               if not (change.web_edit and not overwrite_web_edits)]
    # Every row checked and placed at once (one ward lookup), as the preview did, not row by row.
    prepared = iter(prepare_many([save_values(values, new_id=values["id"]) for _, values, _ in plan.new]
                                 + [save_values(values, change.asset_id) for change, values in changed if change.fields],
                                 area, wards, today or date.today()))
    for _, values, _ in plan.new:
        saved = save_asset(db, area, user, values, note=note, action="import", today=today, new_id=values["id"],
                           extra=values["_extra"] or {}, wards=wards, prepared=next(prepared))
        if values["_status"] and values["_status"] != "open":
            set_status(db, user, saved.asset_id, values["_status"], note)  # a private one may have been renamed
    for change, values in changed:
        if change.fields:
            save_asset(db, area, user, values, change.asset_id, note=note, action="import", today=today,
                       extra=values["_extra"], wards=wards, prepared=next(prepared))
        if change.status:
            set_status(db, user, change.asset_id, change.status, note)


class ImportRefused(ValueError):
    """An import that cannot go ahead as previewed."""




