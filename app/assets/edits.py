"""The workspace's write side: saving, closing, hiding, verifying and restoring assets, each
change recorded field by field (who, when, old value, new value, why)."""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import date

import geopandas as gpd
import shapely
import sqlite_utils

from app.accounts import User
from app.assets.pipeline import asset_row, generated_id, prepare, prepare_many, unused_id
from app.assets.record import COLUMNS, STATUSES, Problem
from app.clock import stamp
from app.config import Area
from app.places.wards import slugify
from app.store import ASSET_COLUMNS
from app.store.connection import transaction
from app.store.history import record as record_history
from app.store.history import record_many as record_history_many
from app.store.schema import insert_assets
from app.values import truthy

# The fields a person edits: the CSV contract plus the private-address flag.
EDITABLE = tuple(c for c in COLUMNS if c != "id") + ("private_address",)
# Derived columns: recomputed on save, not recorded in history.
DERIVED = {"category_label", "lat", "lon", "easting", "northing", "ward_code", "ward_name", "outside_area",
           "nearest_ward_code", "nearest_ward_m", "sessions", "extra", "source_row", "warnings",
           "location_precision"}


class EditError(ValueError):
    """A change that was not saved: the problems say why, field by field."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


class ConflictError(ValueError):
    """Someone else saved the asset after this form was opened."""

    def __init__(self, current_version: int, changes: list[dict]):
        super().__init__(f"changed by someone else (now version {current_version})")
        self.current_version, self.changes = current_version, changes


@dataclass
class Saved:
    asset_id: str
    version: int
    warnings: list[Problem] = field(default_factory=list)


def wards_frame(db: sqlite_utils.Database) -> gpd.GeoDataFrame:
    """The live database's wards as a GeoDataFrame (EPSG:4326), for placing a saved asset."""
    rows = list(db.execute("select ward_code, ward_name, geometry from wards order by ward_code"))
    return gpd.GeoDataFrame({"ward_code": [r[0] for r in rows], "ward_name": [r[1] for r in rows]},
                            geometry=[shapely.from_geojson(r[2]) for r in rows], crs="EPSG:4326")


def workspace_asset(db: sqlite_utils.Database, asset_id: str) -> dict | None:
    """Every stored field of an asset, whatever its status."""
    row = db.execute("select * from assets where id = ?", [asset_id]).fetchone()
    return dict(row) if row else None


def _form_values(asset: dict) -> dict[str, str]:
    """An asset's editable fields as the strings a form or CSV holds."""
    values = {c: "" if asset.get(c) is None else str(asset[c]) for c in EDITABLE}
    if asset.get("location_precision") == "exact":
        values["lat"], values["lon"] = str(asset["lat"]), str(asset["lon"])
    else:
        values["lat"] = values["lon"] = ""
    if asset.get("location_precision") == "ward" and not asset.get("postcode"):
        values["location_precision"] = "ward"
    else:
        values["location_precision"] = ""
    values["ward"] = asset.get("ward_name") or ""
    values["private_address"] = "1" if asset.get("private_address") else ""
    return values


def unpin_ward_only(before: dict[str, str], values: dict[str, str]) -> dict[str, str]:
    """Let a ward-only listing that is now given a postcode or coordinates show its place.

    The form carries location_precision "ward" from before; left as it is, it would mean "use
    the new postcode only to find the ward" and hide the pin. Only `keep_ward` keeps it so.
    """
    was_ward_only = before.get("location_precision") == "ward" and not before.get("postcode") and not before.get("lat")
    placed_now = (values.get("postcode") or "").strip() or (values.get("lat") or "").strip()
    if was_ward_only and placed_now and values.get("location_precision") == "ward" and not values.get("keep_ward"):
        return {**values, "location_precision": ""}
    return values


def form_values(asset: dict) -> dict[str, str]:
    """What the edit form shows for an asset (and what an import compares a CSV row with)."""
    return _form_values(asset)


def normalised_values(db: sqlite_utils.Database, area: Area, values: dict[str, str], today: date,
                      wards: gpd.GeoDataFrame) -> tuple[dict[str, str] | None, list[Problem]]:
    """What an asset's values would look like once saved, without saving: None if rejected."""
    normal, problems, _ = normalised_many(db, area, [values], today, wards)[0]
    return normal, problems


def save_values(values: dict[str, str], asset_id: str | None = None, new_id: str | None = None) -> dict[str, str]:
    """The values save_asset prepares, for a caller preparing many at once."""
    return {**{k: (values.get(k) or "") for k in EDITABLE}, "id": asset_id or new_id or ""}


def normalised_many(db: sqlite_utils.Database, area: Area, rows: list[dict[str, str]], today: date,
                    wards: gpd.GeoDataFrame) -> list[tuple[dict[str, str] | None, list[Problem], dict]]:
    """normalised_values for many assets at once, with the record each was prepared as (its id made if it had none)."""
    prepared = prepare_many([save_values(values, values.get("id")) for values in rows], area, wards, today)
    ward_names = dict(db.execute("select ward_code, ward_name from wards").fetchall())
    return [(saved_form(record, problems, values, ward_names), problems, record)
            for values, (record, problems) in zip(rows, prepared)]


def saved_form(record: dict, problems: list[Problem], values: dict[str, str], ward_names: dict) -> dict[str, str] | None:
    """What the edit form would show once a prepared record is saved: None if it would be rejected."""
    if any(p.severity == "error" for p in problems):
        return None
    row = dict(zip(ASSET_COLUMNS, asset_row(record, problems, ward_names)))
    row["private_address"] = int(truthy(values.get("private_address")))
    return _form_values(row)


DELETED = Problem(None, "status", "this listing is deleted: an admin must bring it back before it can be changed")


def _conflict(db, asset_id: str, expected_version: int) -> ConflictError:
    current = workspace_asset(db, asset_id)
    # Each save adds one to the version, so the newest saves are the ones this form missed.
    missed = max(0, current["version"] - expected_version)
    return ConflictError(current["version"], history(db, asset_id)[:missed])


def require_version(db: sqlite_utils.Database, asset_id: str, expected_version: int | None) -> None:
    """Raise ConflictError if the listing has been saved since expected_version (None: no check)."""
    current = workspace_asset(db, asset_id)
    if current is not None and expected_version is not None and current["version"] != expected_version:
        raise _conflict(db, asset_id, expected_version)


def _lost_race(db, asset_id: str, expected_version: int) -> ValueError:
    """Why a version-checked update changed no row: the listing was deleted or saved meanwhile."""
    current = workspace_asset(db, asset_id)
    if current is not None and current["status"] == "deleted":
        return EditError([DELETED])
    return _conflict(db, asset_id, expected_version)


def _next_change_set(db) -> int:
    return (db.execute("select max(change_set) from changes").fetchone()[0] or 0) + 1


def _bump_data_version(db) -> None:
    db.execute("update meta set value = cast(value as integer) + 1 where key = 'data_version'")


def _record(db, change_set: int, asset_id: str, user: User, action: str, note: str,
            changes: list[tuple[str, str, str]]) -> None:
    record_history(db, "asset", asset_id, user.name, action, changes, note, change_set)


def likely_duplicates(db, name: str, postcode: str | None, ward_code: str | None, exclude: str | None = None) -> list[dict]:
    """Other assets with the same name in the same postcode (or ward, when there is no postcode)."""
    key = " ".join(name.casefold().split())
    rows = db.execute("select id, name, postcode, ward_code, status from assets where id != ?", [exclude or ""])
    return [dict(zip(("id", "name", "postcode", "ward_code", "status"), r)) for r in rows
            if " ".join(r[1].casefold().split()) == key
            and ((postcode and r[2] == postcode) or (not postcode and ward_code and r[3] == ward_code))]


def save_asset(db: sqlite_utils.Database, area: Area, user: User, values: dict[str, str],
               asset_id: str | None = None, expected_version: int | None = None, note: str = "",
               action: str | None = None, today: date | None = None, new_id: str | None = None,
               extra: dict | None = None, wards: gpd.GeoDataFrame | None = None,
               prepared: tuple[dict, list[Problem]] | None = None) -> Saved:
    """Validate and save an asset (new when asset_id is None), recording each changed field.

    A new asset takes new_id if given (an import keeps the file's ids), else one made from its
    name and place. Raises EditError with the problems when the values would be rejected by the
    CSV importer, and ConflictError when the asset has changed since expected_version.
    `prepared` is what pipeline.prepare made of these values, when the caller (an import)
    has prepared many at once.
    """
    today = today or date.today()
    current = workspace_asset(db, asset_id) if asset_id else None
    if asset_id and current is None:
        raise EditError([Problem(None, "id", f"no asset with id '{asset_id}'")])
    if current and current["status"] == "deleted":
        raise EditError([DELETED])
    if current and expected_version is not None and current["version"] != expected_version:
        raise _conflict(db, asset_id, expected_version)
    if current:
        values = unpin_ward_only(_form_values(current), values)
    values = save_values(values, asset_id, new_id)
    if not asset_id and new_id and db.execute("select 1 from assets where id = ?", [new_id]).fetchone():
        raise EditError([Problem(None, "id", f"'{new_id}' is already used by another listing")])
    if prepared is None:
        # Only a new listing without an id needs the ids in use, to make its own.
        taken = {r[0] for r in db.execute("select id from assets")} if not values["id"] else frozenset()
        prepared = prepare(values, area, wards if wards is not None else wards_frame(db), today, taken_ids=taken)
    record, problems = prepared
    ward_names = dict(db.execute("select ward_code, ward_name from wards").fetchall())
    save = pending_save(record, problems, values, current, extra, ward_names, action)
    return write_saves(db, user, note, [save])[0]


@dataclass
class PendingSave:
    """One listing's save worked out but not yet written: its new row, the row before, the fields it changes."""
    row: dict
    current: dict | None
    changed: list[tuple[str, str, str]]
    action: str
    warnings: list[Problem]


def pending_save(record: dict, problems: list[Problem], values: dict[str, str], current: dict | None,
                 extra: dict | None, ward_names: dict, action: str | None = None) -> PendingSave:
    """Work out the row a prepared record saves as, and which fields change; raise EditError if rejected.

    extra None keeps the listing's extra columns (those the form does not show) as they are.
    """
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise EditError(errors)
    row = dict(zip(ASSET_COLUMNS, asset_row(record, problems, ward_names)))
    row["private_address"] = int(truthy(values.get("private_address")))
    if extra is not None:
        row["extra"] = json.dumps(extra, ensure_ascii=False, sort_keys=True) if extra else "{}"
    elif current:
        row["extra"] = current["extra"]  # columns from a CSV that the form does not show
    if current:
        row["source_row"] = current["source_row"]
    before = _form_values(current) if current else {k: "" for k in EDITABLE}
    after = _form_values(row)
    changed = [(k, before.get(k, ""), after.get(k, "")) for k in EDITABLE if before.get(k, "") != after.get(k, "")]
    return PendingSave(row, current, changed, action or ("edit" if current else "create"),
                       [p for p in problems if p.severity == "warning"])


def write_saves(db: sqlite_utils.Database, user: User, note: str, saves: list[PendingSave]) -> list[Saved]:
    """Write listings' saves in one transaction: a change set each, version-checked updates, one data version bump.

    The one write path for listings' fields: a form saves one, an import many in one go.
    """
    to_write = [s for s in saves if s.changed or not s.current]
    with transaction(db):
        first_set = _next_change_set(db)
        at = stamp()
        inserts, updates = [], []
        for save in to_write:
            save.row["updated_at"] = at
            if save.current:
                save.row["version"] = save.current["version"] + 1
                updates.append(save)
            else:
                save.row["version"] = 1
                save.row["status"] = "open"
                inserts.append(save)
        if inserts:
            columns = list(inserts[0].row)
            try:
                insert_assets(db, columns, [[s.row[c] for c in columns] for s in inserts])
            except sqlite3.IntegrityError:
                raise EditError([Problem(None, "id", f"'{_first_taken(db, inserts)}' is already used by another listing")]
                                ) from None
        if updates:
            columns = [c for c in updates[0].row if c != "id"]
            sets = ", ".join(f"{c} = ?" for c in columns)
            # The version check is part of the write, so of two racing saves only one can land.
            updated = db.conn.executemany(
                f"update assets set {sets} where id = ? and version = ? and status != 'deleted'",
                [[s.row[c] for c in columns] + [s.row["id"], s.current["version"]] for s in updates])
            if updated.rowcount != len(updates):
                lost = _first_lost(db, updates)
                raise _lost_race(db, lost.row["id"], lost.current["version"])
        record_history_many(db, "asset", user.name, note, [(s.row["id"], s.action, s.changed, first_set + i)
                                                           for i, s in enumerate(to_write)])
        for save in to_write:
            if save.row["private_address"]:
                save.row["id"] = _unaddressed_id(db, user, save.row["id"],
                                                 {save.row["postcode"], save.current and save.current["postcode"]})
        if to_write:
            _bump_data_version(db)
    return [Saved(s.row["id"], s.row.get("version") or s.current["version"], s.warnings) for s in saves]


def _first_taken(db, inserts: list[PendingSave]) -> str:
    """The first id among new listings that another listing (or an earlier one of them) already has."""
    seen = set()
    for save in inserts:
        asset_id = save.row["id"]
        if asset_id in seen or db.execute("select 1 from assets where id = ?", [asset_id]).fetchone():
            return asset_id
        seen.add(asset_id)
    return inserts[0].row["id"]


def _first_lost(db, updates: list[PendingSave]) -> PendingSave:
    """The first version-checked update that changed no row (its listing is not at the version it set)."""
    for save in updates:
        now = db.execute("select version from assets where id = ?", [save.row["id"]]).fetchone()
        if now is None or now[0] != save.row["version"]:
            return save
    return updates[0]


def rename_asset(db: sqlite_utils.Database, user: User, old_id: str, new_id: str, note: str) -> None:
    """Give an asset a new id inside the caller's transaction, carrying its history and suggestions.

    The old id is kept in asset_redirects, so old links and spreadsheets still find the listing;
    residents are redirected only while it is not private (see search.redirect_for).
    """
    db.execute("update assets set id = ? where id = ?", [new_id, old_id])
    db.execute("update changes set asset_id = ? where asset_id = ?", [new_id, old_id])
    db.execute("update suggestions set asset_id = ? where asset_id = ?", [new_id, old_id])
    db.execute("update suggestions set merged_into = ? where merged_into = ?", [new_id, old_id])
    db.execute("update asset_redirects set new_id = ? where new_id = ?", [new_id, old_id])
    db.execute("insert or replace into asset_redirects (old_id, new_id) values (?, ?)", [old_id, new_id])
    db.execute("delete from asset_redirects where old_id = ?", [new_id])
    _record(db, _next_change_set(db), new_id, user, "rename", note, [("id", old_id, new_id)])


def current_id(db: sqlite_utils.Database, asset_id: str) -> str:
    """Return the id an asset has now, following renames (for spreadsheets holding old ids)."""
    return current_ids(db, [asset_id])[0]


def current_ids(db: sqlite_utils.Database, asset_ids: list[str]) -> list[str]:
    """current_id for many ids at once: one query for the ids in use, one for the renamed."""
    wanted = json.dumps(sorted({a for a in asset_ids if a}))
    in_use = {r[0] for r in db.execute("select id from assets where id in (select value from json_each(?))", [wanted])}
    moved = dict(db.execute("select old_id, new_id from asset_redirects where old_id in (select value from json_each(?))",
                            [wanted]).fetchall())
    return [a if not a or a in in_use else moved.get(a, a) for a in asset_ids]


def _postcode_slugs(postcodes) -> list[str]:
    return [slugify(p) for p in postcodes if p]


def _unaddressed_id(db: sqlite_utils.Database, user: User, asset_id: str, postcodes) -> str:
    """Rename a private listing whose id carries its postcode (le5-5aa) to one made from its ward."""
    if not any(f"-{slug}" in asset_id for slug in _postcode_slugs(postcodes)):
        return asset_id
    name, ward_name = db.execute("select name, ward_name from assets where id = ?", [asset_id]).fetchone()
    taken = {r[0] for r in db.execute("select id from assets")} | {
        r[0] for r in db.execute("select old_id from asset_redirects")}
    new_id = unused_id(generated_id(name, ward_name or ""), taken)
    rename_asset(db, user, asset_id, new_id, "private address: the id no longer carries the postcode")
    return new_id


MIGRATION_USER = User(0, "system", "admin")


def rename_private_ids(db: sqlite_utils.Database) -> list[tuple[str, str]]:
    """Rename every private listing whose id carries its postcode; safe to repeat. Returns (old, new) pairs."""
    renamed = []
    with transaction(db):
        for asset_id, postcode in db.execute(
                "select id, postcode from assets where private_address = 1 and postcode is not null").fetchall():
            new_id = _unaddressed_id(db, MIGRATION_USER, asset_id, [postcode])
            if new_id != asset_id:
                renamed.append((asset_id, new_id))
        if renamed:
            _bump_data_version(db)
    return renamed


def set_status(db: sqlite_utils.Database, user: User, asset_id: str, status: str, note: str = "") -> int:
    """Open, temporarily close, close, hide or delete an asset; only admins may undo a deletion."""
    return set_statuses(db, user, [(asset_id, status)], note)[0]


def set_statuses(db: sqlite_utils.Database, user: User, wanted: list[tuple[str, str]], note: str = "") -> list[int]:
    """set_status for many listings in one transaction, each its own change set; returns their versions."""
    for _, status in wanted:
        if status not in STATUSES:
            raise EditError([Problem(None, "status", f"'{status}' is not one of: {', '.join(STATUSES)}")])
    # Read inside the write transaction, so a save racing this one cannot be overwritten.
    with transaction(db):
        ids = json.dumps([asset_id for asset_id, _ in wanted])
        found = {r["id"]: dict(r) for r in db.execute(
            "select id, status, version from assets where id in (select value from json_each(?))", [ids])}
        versions, writes = [], []
        for asset_id, status in wanted:
            current = found.get(asset_id)
            if current is None:
                raise EditError([Problem(None, "id", f"no asset with id '{asset_id}'")])
            if current["status"] == "deleted" and not user.is_admin:
                raise EditError([Problem(None, "status", "only an admin can bring back a deleted listing")])
            if current["status"] != status:
                writes.append((asset_id, current["status"], status, current["version"] + 1))
                current["status"], current["version"] = status, current["version"] + 1
            versions.append(current["version"])
        if writes:
            at = stamp()
            db.conn.executemany("update assets set status = ?, version = ?, updated_at = ? where id = ?",
                                [(status, version, at, asset_id) for asset_id, _, status, version in writes])
            first_set = _next_change_set(db)
            record_history_many(db, "asset", user.name, note, [
                (asset_id, "status", [("status", old, new)], first_set + i)
                for i, (asset_id, old, new, _) in enumerate(writes)])
            _bump_data_version(db)
    return versions


def verify(db: sqlite_utils.Database, user: User, asset_id: str, today: date | None = None, note: str = "") -> int:
    """Record that a connector checked the listing today and it is still right."""
    day = (today or date.today()).isoformat()
    with transaction(db):
        current = workspace_asset(db, asset_id)
        if current is None:
            raise EditError([Problem(None, "id", f"no asset with id '{asset_id}'")])
        if current["status"] == "deleted":
            raise EditError([DELETED])
        version = current["version"] + 1
        db.execute("update assets set last_verified = ?, verified_by = ?, version = ?, updated_at = ? where id = ?",
                   [day, user.name, version, stamp(), asset_id])
        _record(db, _next_change_set(db), asset_id, user, "verify", note,
                [("last_verified", current["last_verified"] or "", day)])
        _bump_data_version(db)
    return version


def note_change(db: sqlite_utils.Database, user: User, asset_id: str, note: str) -> None:
    """Record something that happened to an asset without changing its fields (e.g. a merge)."""
    with transaction(db):
        _record(db, _next_change_set(db), asset_id, user, "note", note, [])


def history(db: sqlite_utils.Database, asset_id: str) -> list[dict]:
    """Every change to an asset, newest first, grouped by save (change_set)."""
    rows = [dict(r) for r in db.execute(
        "select change_set, at, user_name, action, field, old_value, new_value, note from changes "
        "where asset_id = ? order by change_set desc, id", [asset_id])]
    sets: dict[int, dict] = {}
    for row in rows:
        entry = sets.setdefault(row["change_set"], {k: row[k] for k in ("change_set", "at", "user_name", "action", "note")}
                                | {"fields": []})
        if row["field"]:
            entry["fields"].append({"field": row["field"], "old": row["old_value"], "new": row["new_value"]})
    return list(sets.values())


ORIGINAL = 0  # the change set before every change: the listing as first built or imported


def values_at(db: sqlite_utils.Database, asset_id: str, change_set: int) -> dict[str, str]:
    """The asset's editable values just after the given save (ORIGINAL: before any), by undoing later ones."""
    current = workspace_asset(db, asset_id)
    values = _form_values(current)
    for row in db.execute("select field, old_value from changes where asset_id = ? and change_set > ? "
                          "and field is not null order by change_set desc, id desc", [asset_id, change_set]):
        if row[0] in values:
            values[row[0]] = row[1] or ""
    return values


def _status_at(db: sqlite_utils.Database, asset_id: str, change_set: int) -> str | None:
    """The asset's status just after the given save, or None if no status change is recorded."""
    row = db.execute("select new_value from changes where asset_id = ? and field = 'status' and change_set <= ? "
                     "order by change_set desc, id desc limit 1", [asset_id, change_set]).fetchone()
    if row:
        return row[0]
    row = db.execute("select old_value from changes where asset_id = ? and field = 'status' and change_set > ? "
                     "order by change_set, id limit 1", [asset_id, change_set]).fetchone()
    return row[0] if row else None


def has_original(entries: list[dict]) -> bool:
    """Say whether the listing existed before its first recorded change (built or imported from a CSV)."""
    if not entries:
        return False
    first = entries[-1]
    return not (first["action"] in ("create", "import") and any(f["field"] == "name" and not f["old"]
                                                                 for f in first["fields"]))


def restore(db: sqlite_utils.Database, area: Area, user: User, asset_id: str, change_set: int,
            note: str = "") -> Saved:
    """Bring an asset back to how it was after an earlier save (or to the original); the restore is itself a change."""
    what = "the original version" if change_set == ORIGINAL else f"the version saved in change {change_set}"
    with transaction(db):  # fields and status together, or neither
        current = workspace_asset(db, asset_id)
        values = {**values_at(db, asset_id, change_set), "keep_ward": "1"}
        saved = save_asset(db, area, user, values, asset_id, current["version"],
                           note or f"restored {what}", action="restore")
        old_status = _status_at(db, asset_id, change_set)
        if old_status and old_status != workspace_asset(db, asset_id)["status"]:
            set_status(db, user, asset_id, old_status, note or f"restored the status of {what}")
    return saved
