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
    current_ids,
    form_values,
    pending_save,
    save_values,
    saved_form,
    set_statuses,
    unpin_ward_only,
    wards_frame,
    write_saves,
)
from app.assets.pipeline import prepare_many
from app.assets.record import COLUMNS, PUBLIC_SQL, STATUSES, Problem, decode_csv_bytes, parse_asset_csv
from app.assets.search import Query, hydrate, search
from app.config import Area
from app.formats.csv_safe import SPREADSHEET_ENCODING, neutralise
from app.formats import oruk
from app.formats.geojson import listings_geojson
from app.store.connection import data_version, transaction

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


def open_data_rows(db: sqlite_utils.Database) -> list[dict]:
    """The listings anyone may download: public ones, the contract's columns only, no private address.

    Connectors' own extra columns stay out: they are free text nobody checked for publishing.
    """
    return [{c: row[c] for c in COLUMNS} for row in export_rows(db)]


def last_updated(db: sqlite_utils.Database) -> str | None:
    """When the listings last changed: the latest build or edit (UTC, as stored)."""
    return db.execute("select max(at) from (select built_at as at from builds union all "
                      "select max(at) from changes)").fetchone()[0]


def open_data_geojson(db: sqlite_utils.Database, area: Area, page_url, now) -> dict:
    """The public listings as GeoJSON with the licence, the credits and when they last changed.

    `page_url(asset_id)` gives each listing's public page.
    """
    data = listings_geojson([r.asset for r in hydrate(db, search(db, Query(), now).results)], page_url)
    data["licence"], data["licence_url"] = area.open_data_licence
    data["attribution"] = list(area.attribution)
    data["updated"] = last_updated(db)
    return data


def open_data_oruk(db: sqlite_utils.Database, area: Area, now) -> dict:
    """Every public listing as an Open Referral UK 3.0 service, in one page of the standard's envelope.

    The same services as the feed's /services/{id}; `assetmap import-oruk FILE` reads it back.
    """
    lad = dict(db.execute("select ward_code, lad_name from wards").fetchall())
    services = [oruk.service(dict(r.asset), area, lad.get(r.asset.get("ward_code")))
                for r in hydrate(db, search(db, Query(), now).results)]
    return oruk.page_envelope(services, len(services), 1, len(services))


def write_csv_rows(rows: list[dict], handle) -> None:
    """Write rows to an open text file with the contract columns first, every cell neutralised for spreadsheets."""
    header = list(COLUMNS) + [c for c in EXPORT_EXTRA if any(c in r for r in rows)]
    header += sorted({k for r in rows for k in r} - set(header))
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow([neutralise(h) for h in header])  # extra columns' names come from users too
    for row in rows:
        writer.writerow([neutralise(row.get(k, "")) for k in header])


def write_csv(rows: list[dict], path: str | Path) -> Path:
    """Write rows to a CSV file (see write_csv_rows), in the encoding spreadsheets open cleanly."""
    path = Path(path)
    with open(path, "w", encoding=SPREADSHEET_ENCODING, newline="") as handle:
        write_csv_rows(rows, handle)
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
    # What the apply writes from: each new or changed listing's prepared record, and the row it replaces.
    prepared: dict[str, tuple[dict, list[Problem]]] = field(default_factory=dict, repr=False)
    current: dict[str, dict] = field(default_factory=dict, repr=False)
    # Each row's values as prepared, with the record made of them, so an apply can reuse the preview's work.
    by_values: dict[tuple, tuple[dict, list[Problem]]] = field(default_factory=dict, repr=False)
    # The listings' data version it was planned on: unchanged at the apply, the plan still holds.
    based_on: tuple | None = field(default=None, repr=False)

    @property
    def conflicts(self) -> list[Change]:
        return [c for _, c, _ in self.changed if c.web_edit]

    def summary(self) -> str:
        return (f"{len(self.new)} new, {len(self.changed)} changed ({len(self.conflicts)} would overwrite a web edit), "
                f"{len(self.unchanged)} unchanged, {len(self.rejected)} rejected")


def _last_web_edits(db: sqlite_utils.Database, asset_ids: list[str]) -> dict[str, str]:
    """For each listing whose newest change was made on the web (not by an import): who made it and when."""
    # SQLite takes the bare columns from the row holding max(change_set): the newest change of each listing.
    rows = db.execute("select asset_id, max(change_set), at, user_name, action from changes "
                      "where asset_id in (select value from json_each(?)) group by asset_id", [json.dumps(asset_ids)])
    return {r[0]: f"edited on the web on {r[2][:10]} by {r[3]}" for r in rows if r[4] != "import"}


def _listings_version(db: sqlite_utils.Database) -> tuple:
    """Identify the listings as they are now: the database file and its data version (bumped by every save)."""
    path, inode, _, version = data_version(db)
    return path, inode, version


def _listings(db: sqlite_utils.Database, asset_ids) -> dict[str, dict]:
    return {r["id"]: dict(r) for r in db.execute("select * from assets where id in (select value from json_each(?))",
                                                 [json.dumps(sorted(set(asset_ids)))])}


def plan_import(db: sqlite_utils.Database, area: Area, path: str | Path, today: date | None = None,
                name: str | None = None, preview: ImportPlan | None = None) -> ImportPlan:
    """Work out what importing a CSV would do, writing nothing: new, changed, unchanged, rejected.

    Only the columns the file has are compared and changed: a spreadsheet without a `cost`
    column leaves every listing's cost as it is. Rows whose values are the same as in
    `preview` (a plan of the same file) reuse the records it prepared instead of preparing them again.
    """
    today = today or date.today()
    path = Path(path)
    data = path.read_bytes()
    name = name or path.name
    asset_file = parse_asset_csv(decode_csv_bytes(data, name), name)
    plan = ImportPlan(name, hashlib.sha256(data).hexdigest(), based_on=_listings_version(db))
    present = set(asset_file.columns) - {"id"}
    if any(h == "private_address" for h, _ in asset_file.extras):
        present.add("private_address")
    read = []
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
        read.append((raw.row, values, extras, status))
    # A spreadsheet may hold old ids; then one query for the listings the file names.
    ids = current_ids(db, [values.get("id", "").strip() for _, values, _, _ in read])
    assets = _listings(db, ids)
    forms = {asset_id: form_values(asset) for asset_id, asset in assets.items()}  # each listing's form, once
    pending = []
    for (row, values, extras, status), asset_id in zip(read, ids):
        now = forms.get(asset_id)
        merged = {**now, **{k: v for k, v in values.items() if k in present}} if now else values
        if now and "location_precision" in present:
            merged["keep_ward"] = "1"  # the file says the precision itself
        elif now:
            merged = unpin_ward_only(now, merged)  # as the edit form does, so the apply saves what is shown
        pending.append((row, asset_id, merged, extras, status))
    # Every row checked and placed together: one postcode and ward lookup for the whole file, not one per row.
    to_save = [save_values(merged, merged.get("id") or asset_id) for _, asset_id, merged, _, _ in pending]
    keys = [tuple(values.items()) for values in to_save]
    reuse = preview.by_values if preview is not None and preview.digest == plan.digest else {}
    fresh = iter(prepare_many([v for v, k in zip(to_save, keys) if k not in reuse], area, wards_frame(db), today))
    prepared = [reuse[k] if k in reuse else next(fresh) for k in keys]
    plan.by_values = dict(zip(keys, prepared))
    made = [record["id"] for (_, asset_id, _, _, _), (record, _) in zip(pending, prepared) if not asset_id]
    if made:  # a row without an id may be a listing already there (its id made the same way)
        assets.update(_listings(db, made))
    ward_names = dict(db.execute("select ward_code, ward_name from wards").fetchall())
    seen: set[str] = set()
    changed = []
    for (row, asset_id, merged, extras, status), (record, problems) in zip(pending, prepared):
        errors = [p for p in problems if p.severity == "error"]
        if errors:
            plan.rejected.append((row, "; ".join(str(Problem(row, p.column, p.message)) for p in errors)))
            continue
        asset_id = asset_id or record["id"]
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
            plan.prepared[asset_id] = (record, problems)
            continue
        now = forms[asset_id] if asset_id in forms else form_values(current)
        normal = saved_form(record, problems, merged, ward_names)
        fields = [(k, now.get(k, ""), normal.get(k, "")) for k in sorted(present)
                  if k in normal and now.get(k, "") != normal.get(k, "")]
        status_change = status if status and status != current["status"] else None
        if not fields and not status_change:
            plan.unchanged.append((row, asset_id))
            continue
        changed.append((row, Change(asset_id, fields, None, status_change), merged))
        plan.prepared[asset_id], plan.current[asset_id] = (record, problems), current
    web_edits = _last_web_edits(db, [change.asset_id for _, change, _ in changed])
    for row, change, merged in changed:
        change.web_edit = web_edits.get(change.asset_id)
        plan.changed.append((row, change, merged))
    return plan


def apply_import(db: sqlite_utils.Database, area: Area, user: User, path: str | Path, digest: str,
                 overwrite_web_edits: bool = False, today: date | None = None, name: str | None = None,
                 preview: ImportPlan | None = None) -> ImportPlan:
    """Import a CSV exactly as previewed (same file digest), all rows or none; returns the plan carried out.

    Rows that would overwrite a web edit are skipped unless overwrite_web_edits. The plan is
    worked out again inside the one write transaction, so it matches what is written; given
    the preview's plan, rows whose values have not changed since are not prepared again.
    """
    try:
        with transaction(db):
            if preview is not None and preview.digest == digest and preview.based_on == _listings_version(db):
                plan = preview  # nothing has changed since the preview: it is exactly what would be written
            else:
                plan = plan_import(db, area, path, today, name, preview)
            if plan.digest != digest:
                raise ImportRefused("the file is not the one that was previewed; preview it again")
            _carry_out(db, user, plan, overwrite_web_edits)
    except (EditError, ConflictError) as exc:
        raise ImportRefused(f"nothing was imported, because a listing could not be saved: {exc}") from None
    return plan


def _carry_out(db, user: User, plan: ImportPlan, overwrite_web_edits: bool) -> None:
    """Write the plan's new and changed listings in bulk, from the records the plan prepared."""
    note = f"import of {plan.file_name}"
    ward_names = dict(db.execute("select ward_code, ward_name from wards").fetchall())
    changed = [(change, values) for _, change, values in plan.changed
               if not (change.web_edit and not overwrite_web_edits)]
    saves = [pending_save(*plan.prepared[values["id"]], save_values(values, new_id=values["id"]), None,
                          values["_extra"] or {}, ward_names, "import") for _, values, _ in plan.new]
    saves += [pending_save(*plan.prepared[change.asset_id], save_values(values, change.asset_id),
                           plan.current[change.asset_id], values["_extra"], ward_names, "import")
              for change, values in changed if change.fields]
    saved = iter(write_saves(db, user, note, saves))
    statuses = []
    for _, values, _ in plan.new:
        asset_id = next(saved).asset_id  # a private one may have been renamed
        if values["_status"] and values["_status"] != "open":
            statuses.append((asset_id, values["_status"]))
    for change, values in changed:
        asset_id = next(saved).asset_id if change.fields else change.asset_id
        if change.status:
            statuses.append((asset_id, change.status))
    set_statuses(db, user, statuses, note)


class ImportRefused(ValueError):
    """An import that cannot go ahead as previewed."""




