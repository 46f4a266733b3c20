"""The SQLite database (through sqlite-utils): tables, full-text search and atomic rebuilds."""
from __future__ import annotations

import json
import os
import sqlite3
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

ASSET_COLUMNS = {
    "id": str, "name": str, "category": str, "category_label": str, "description": str,
    "address": str, "postcode": str, "lat": float, "lon": float, "easting": float,
    "northing": float, "ward_code": str, "ward_name": str, "location_precision": str,
    "outside_area": int, "nearest_ward_code": str, "nearest_ward_m": float, "schedule": str,
    "sessions": str, "contact_phone": str, "contact_email": str, "website": str, "cost": str,
    "languages": str, "accessibility": str, "audience": str, "source": str, "source_date": str,
    "last_verified": str, "extra": str, "source_row": int, "warnings": str,
}
WARD_COLUMNS = {
    "ward_code": str, "ward_name": str, "slug": str, "lad_code": str, "lad_name": str,
    "is_focus": int, "area_km2": float, "centroid_lat": float, "centroid_lon": float,
    "geometry": str, "geometry_simplified": str,
}
BUILD_COLUMNS = {
    "id": int, "built_at": str, "assets_file": str, "assets_sha256": str, "wards_sha256": str,
    "rows_read": int, "imported": int, "warned": int, "rejected": int,
}
PROBLEM_COLUMNS = {
    "build_id": int, "row": int, "column": str, "severity": str, "message": str,
}
POSTCODE_COLUMNS = {
    "postcode": str, "lat": float, "lon": float, "easting": float, "northing": float, "ward_code": str,
}
FTS_COLUMNS = ["name", "description", "category_label", "ward_name"]


def _temporary_path(db_path: Path) -> Path:
    return db_path.with_name(f".{db_path.name}.building-{os.getpid()}")


def _remove_stale_builds(db_path: Path) -> None:
    for stale in db_path.parent.glob(f".{db_path.name}.building-*"):
        stale.unlink(missing_ok=True)


def write_database(db_path: str | Path, assets: list[tuple], wards: list[dict], build: dict,
                   problems: list[dict], postcodes: list[tuple] = ()) -> Path:
    """Write a complete database to a temporary file, then swap it into place.

    `assets` are tuples in ASSET_COLUMNS order and `postcodes` in POSTCODE_COLUMNS order (the
    bulk of the data, so no dicts). The postcodes of the area let the web process find a
    resident's postcode without loading the whole directory.
    If anything fails (or the process is killed) before the swap, the database already at
    db_path is left exactly as it was.
    """
    db_path = Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_builds(db_path)
    tmp = _temporary_path(db_path)
    conn = sqlite3.connect(tmp)
    try:
        # The file is private until the rename, so it needs no journal; we sync it before the swap.
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        db = sqlite_utils.Database(conn)
        db["assets"].create(ASSET_COLUMNS, pk="id", not_null={"name", "category"})
        db["wards"].create(WARD_COLUMNS, pk="ward_code")
        db["builds"].create(BUILD_COLUMNS, pk="id")
        db["build_problems"].create(PROBLEM_COLUMNS, foreign_keys=[("build_id", "builds", "id")])
        db["postcodes"].create(POSTCODE_COLUMNS, pk="postcode")
        with conn:
            db["wards"].insert_all(wards, batch_size=100)
            # Plain executemany: sqlite-utils' insert_all spends most of its time per value.
            conn.executemany(
                f"insert into assets ({', '.join(ASSET_COLUMNS)}) values ({', '.join('?' * len(ASSET_COLUMNS))})",
                assets,
            )
            conn.executemany(f"insert into postcodes values ({', '.join('?' * len(POSTCODE_COLUMNS))})", postcodes)
            db["builds"].insert(build)
            db["build_problems"].insert_all(problems, batch_size=2000)
        db["assets"].create_index(["ward_code"])
        db["assets"].create_index(["category"])
        db["build_problems"].create_index(["build_id"])
        db["assets"].enable_fts(FTS_COLUMNS, fts_version="FTS5", create_triggers=True)
        # The index's own word list, for "did you mean" suggestions.
        conn.execute("create virtual table assets_fts_words using fts5vocab(assets_fts, 'row')")
        ensure_live_tables(db)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.commit()
    except BaseException:
        conn.close()
        tmp.unlink(missing_ok=True)
        raise
    conn.close()
    with open(tmp, "rb+") as handle:
        os.fsync(handle.fileno())
    for leftover in (db_path.with_name(db_path.name + "-wal"), db_path.with_name(db_path.name + "-shm")):
        leftover.unlink(missing_ok=True)
    os.replace(tmp, db_path)
    _fsync_dir(db_path.parent)
    return db_path


# What the web workspace adds to a built database: asset status and versions, accounts, history.
LIVE_ASSET_COLUMNS = {
    "status": "text not null default 'open'",          # open, temporarily_closed, closed, hidden, deleted
    "private_address": "integer not null default 0",   # 1: address and postcode never shown publicly
    "version": "integer not null default 1",           # goes up with every saved change
    "verified_by": "text",
    "updated_at": "text",
}
PUBLIC_STATUSES = ("open", "temporarily_closed")


def ensure_live_tables(db: sqlite_utils.Database) -> None:
    """Add the workspace's tables and columns to a database that lacks them (safe to repeat)."""
    have = {c.name for c in db["assets"].columns}
    for name, definition in LIVE_ASSET_COLUMNS.items():
        if name not in have:
            db.execute(f"alter table assets add column {name} {definition}")
    if "users" in db.table_names() and "session_version" not in {c.name for c in db["users"].columns}:
        # Goes up at sign-out and password change, ending every session signed in before.
        db.execute("alter table users add column session_version integer not null default 1")
    db.executescript("""
        create table if not exists users (
            id integer primary key, name text not null unique collate nocase,
            password_hash text not null, role text not null check (role in ('connector', 'admin')),
            active integer not null default 1, created_at text not null,
            session_version integer not null default 1);
        create table if not exists rate_events (bucket text not null, key text not null, at real not null);
        create index if not exists rate_events_key on rate_events (bucket, key, at);
        create table if not exists used_forms (nonce text primary key, at real not null);
        create table if not exists changes (
            id integer primary key, change_set integer not null, asset_id text not null,
            at text not null, user_name text not null, action text not null,
            field text, old_value text, new_value text, note text);
        create index if not exists changes_asset on changes (asset_id, change_set);
        create table if not exists meta (key text primary key, value text);
        insert or ignore into meta (key, value) values ('data_version', '1');
        create table if not exists suggestions (
            id integer primary key, kind text not null, asset_id text, problem text,
            name text not null default '', category text not null default '', postcode text not null default '',
            when_text text not null default '', details text not null default '', contact text,
            created_at text not null, status text not null default 'open', reason text,
            handled_by text, handled_at text, merged_into text, trader_id text);
        create table if not exists traders (
            id text primary key, name text not null, trades text not null default '[]',
            areas text not null default '[]', base_postcode text, base_lat real, base_lon real,
            base_easting real, base_northing real,
            phone text not null default '', email text not null default '', website text not null default '',
            languages text not null default '', memberships text not null default '[]',
            callout_charge text not null default '', free_quotes integer,
            status text not null default 'pending', status_reason text, example integer not null default 0,
            created_at text not null, updated_at text not null, version integer not null default 1);
        create table if not exists trader_checks (
            id integer primary key, trader_id text not null references traders(id), kind text not null,
            checked_on text not null, connector text not null, expires_on text, detail text not null default '');
        create table if not exists recommendations (
            id integer primary key, trader_id text not null references traders(id), given_name text not null,
            ward_code text, job text not null, job_month text, would_use_again integer, comments text not null default '',
            contact text, channel text not null default 'web', status text not null default 'pending',
            reply text, created_at text not null, moderated_by text, moderated_at text);
        create table if not exists trader_changes (
            id integer primary key, trader_id text not null, at text not null, user_name text not null,
            action text not null, field text, old_value text, new_value text, note text);
    """)
    # Databases made before residents could report a problem with a trader.
    if "trader_id" not in {c.name for c in db["suggestions"].columns}:
        db.execute("alter table suggestions add column trader_id text")
    # Old ids of renamed listings, so old links keep working (never kept for private listings).
    db.execute("create table if not exists asset_redirects (old_id text primary key, new_id text not null)")


@contextmanager
def transaction(db: sqlite_utils.Database):
    """Make every write inside the block one transaction: all of it lands, or none.

    `with conn:` is not enough here: sqlite-utils commits a write by itself unless a
    transaction is already open, so the block opens one first.
    """
    db.conn.execute("begin immediate")
    try:
        yield db
    except BaseException:
        db.conn.rollback()
        raise
    db.conn.commit()


def insert_row(db: sqlite_utils.Database, table: str, row: dict) -> None:
    """Insert one row inside the caller's transaction (sqlite-utils' Table.insert commits by itself)."""
    columns = ", ".join(f"[{c}]" for c in row)
    db.execute(f"insert into [{table}] ({columns}) values ({', '.join('?' * len(row))})", list(row.values()))


def has_live_data(db_path: str | Path) -> bool:
    """Say whether a database holds anything the workspace made (accounts or history)."""
    if not Path(db_path).exists():
        return False
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        tables = {r[0] for r in conn.execute("select name from sqlite_master where type = 'table'")}
        return any(conn.execute(f"select 1 from {t} limit 1").fetchone() for t in ("users", "changes") if t in tables)
    finally:
        conn.close()


def backup(db_path: str | Path, target: str | Path) -> Path:
    """Copy a database consistently, even while the site is writing to it (SQLite backup API)."""
    target = Path(target)
    tmp = target.with_name(f".{target.name}.partial")
    source = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    dest = sqlite3.connect(tmp)
    try:
        source.backup(dest)
    finally:
        dest.close()
        source.close()
    os.replace(tmp, target)
    return target


REQUIRED_TABLES = ("assets", "wards", "postcodes", "builds")


def check_backup(path: str | Path) -> str | None:
    """Say what is wrong with a backup file, or None if it can be restored."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = conn.execute("pragma integrity_check").fetchone()[0]
            if result != "ok":
                return f"SQLite's integrity check failed ({result})"
            tables = {r[0] for r in conn.execute("select name from sqlite_master where type = 'table'")}
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        return f"it is not a readable SQLite database ({exc})"
    missing = [t for t in REQUIRED_TABLES if t not in tables]
    return f"it has no {', '.join(missing)} table" if missing else None


def restore(backup_file: str | Path, db_path: str | Path) -> Path | None:
    """Swap a checked backup into place; keep the replaced database beside it. Returns its copy."""
    db_path = Path(db_path)
    kept = None
    if db_path.exists():
        kept = backup(db_path, db_path.with_name(db_path.stem + "-before-restore.db"))
    tmp = _temporary_path(db_path)
    backup(backup_file, tmp)
    for leftover in (db_path.with_name(db_path.name + "-wal"), db_path.with_name(db_path.name + "-shm")):
        leftover.unlink(missing_ok=True)
    os.replace(tmp, db_path)
    _fsync_dir(db_path.parent)
    return kept


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def connect(db_path: str | Path, readonly: bool = False) -> sqlite_utils.Database:
    """Open the database for reading (or writing); raise FileNotFoundError if it is missing."""
    db_path = Path(db_path)
    if not db_path.exists():
        raise FileNotFoundError(f"no database at {db_path}; run `assetmap build` first")
    if readonly:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, check_same_thread=False)
    else:
        conn = sqlite3.connect(db_path, check_same_thread=False, timeout=10)
        conn.execute("pragma foreign_keys = on")
    conn.row_factory = sqlite3.Row
    return sqlite_utils.Database(conn)


def data_version(db: sqlite_utils.Database) -> tuple:
    """Identify the database's data as it is now: a rebuild swaps in a new file, an edit bumps meta."""
    path = next(row[2] for row in db.execute("pragma database_list") if row[1] == "main")
    stat = os.stat(path)
    row = db.execute("select value from meta where key = 'data_version'").fetchone()
    return (path, stat.st_ino, stat.st_mtime_ns, row[0] if row else None)


def decode_asset(row: dict) -> dict:
    """Turn an assets-table row into plain Python values (JSON columns decoded)."""
    asset = dict(row)
    for column, empty in (("sessions", []), ("extra", {}), ("warnings", [])):
        if column in asset:
            asset[column] = json.loads(asset[column]) if asset[column] else empty
    if "outside_area" in asset:
        asset["outside_area"] = bool(asset["outside_area"])
    return asset
