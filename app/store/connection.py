"""The SQLite database (through sqlite-utils): tables, full-text search and atomic rebuilds."""
from __future__ import annotations

import itertools
import json
import os
import sqlite3
import time
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


def private_dir(path: str | Path) -> Path:
    """Make a folder (and its parents) that only this account can read: 0700."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o700)
    return path


def private_file(path: str | Path) -> Path:
    """Create an empty file (or take an existing one) that only this account can read: 0600."""
    path = Path(path)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    path.chmod(0o600)
    return path


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
    # SQLite gives its -wal and -shm files the database file's mode, so they are private too.
    conn = sqlite3.connect(private_file(tmp))
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
        create index if not exists changes_set on changes (change_set);  -- the next change set, per save
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


class Unavailable(RuntimeError):
    """The database is being restored from a backup, and stayed so longer than a write will wait."""


RESTORE_WAIT_SECONDS = 60
_savepoints = itertools.count()


def _restore_flag(db_path: str | Path) -> Path:
    db_path = Path(db_path)
    return db_path.with_name(db_path.name + ".restoring")


def _restoring(flag: Path) -> bool:
    """Say whether a restore holds the flag (a flag left by a killed restore does not count)."""
    try:
        pid = int(flag.read_text() or 0)
    except (FileNotFoundError, ValueError):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


@contextmanager
def transaction(db: sqlite_utils.Database):
    """Make every write inside the block one transaction: all of it lands, or none.

    `with conn:` is not enough here: sqlite-utils commits a write by itself unless a
    transaction is already open, so the block opens one first. Inside another transaction
    it is a SAVEPOINT, so a caller (an import) can make many saves one transaction.
    Writes wait while a restore runs (see restore), so none lands in the file being replaced.
    """
    conn = db.conn
    if conn.in_transaction:
        name = f"nested_{next(_savepoints)}"
        conn.execute(f"savepoint {name}")
        try:
            yield db
        except BaseException:
            conn.execute(f"rollback to {name}")
            conn.execute(f"release {name}")
            raise
        conn.execute(f"release {name}")
        return
    _begin_write(conn)
    try:
        yield db
    except BaseException:
        conn.rollback()
        raise
    conn.commit()


def _begin_write(conn: sqlite3.Connection) -> None:
    """Take the write lock, waiting while a restore of this database runs."""
    main = next(r[2] for r in conn.execute("pragma database_list") if r[1] == "main")
    flag = _restore_flag(main) if main else None
    deadline = time.monotonic() + RESTORE_WAIT_SECONDS
    while True:
        conn.execute("begin immediate")
        # Checked while holding the lock: a restore raises its flag, then waits for this lock.
        if flag is None or not _restoring(flag):
            return
        conn.rollback()
        if time.monotonic() > deadline:
            raise Unavailable("The database is being restored from a backup. Please try again in a minute.")
        time.sleep(0.05)


def insert_row(db: sqlite_utils.Database, table: str, row: dict) -> None:
    """Insert one row inside the caller's transaction (sqlite-utils' Table.insert commits by itself)."""
    columns = ", ".join(f"[{c}]" for c in row)
    db.execute(f"insert into [{table}] ({columns}) values ({', '.join('?' * len(row))})", list(row.values()))


# Tables whose rows only people on the site make: accounts, history, traders, residents' words.
LIVE_TABLES = ("users", "changes", "traders", "trader_checks", "recommendations", "trader_changes", "suggestions")


def has_live_data(db_path: str | Path) -> bool:
    """Say whether a database holds anything people made on the site, which a build would wipe."""
    if not Path(db_path).exists():
        return False
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        tables = {r[0] for r in conn.execute("select name from sqlite_master where type = 'table'")}
        return any(conn.execute(f"select 1 from {t} limit 1").fetchone() for t in LIVE_TABLES if t in tables)
    finally:
        conn.close()


def backup(db_path: str | Path, target: str | Path) -> Path:
    """Copy a database consistently, even while the site is writing to it (SQLite backup API)."""
    target = Path(target)
    tmp = target.with_name(f".{target.name}.partial")
    source = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    dest = sqlite3.connect(private_file(tmp))
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
    """Copy a checked backup into the live database; keep the replaced one beside it. Returns its copy.

    The backup is copied into the live file (SQLite backup API), not swapped for it, so open
    connections see the restored data. Writes wait while it runs: a flag file tells them to,
    and the restore takes the write lock once so that every write already under way has
    committed (and is in the kept copy) before the copy starts.
    """
    db_path = Path(db_path)
    if not db_path.exists():
        backup(backup_file, db_path)
        return None
    flag = _restore_flag(db_path)
    flag.write_text(str(os.getpid()))
    try:
        live = sqlite3.connect(db_path, timeout=RESTORE_WAIT_SECONDS, isolation_level=None)
        try:
            live.execute("begin immediate")
            live.execute("commit")
            kept = backup(db_path, db_path.with_name(db_path.stem + "-before-restore.db"))
            before = _data_version(live)
            source = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
            try:
                source.backup(live)
            finally:
                source.close()
            # Caches are keyed on data_version; the backup's could equal one already cached.
            if before is not None and _data_version(live) is not None:
                live.execute("update meta set value = ? where key = 'data_version'",
                             [str(max(before, _data_version(live)) + 1)])
        finally:
            live.close()
    finally:
        flag.unlink(missing_ok=True)
    return kept


def _data_version(conn: sqlite3.Connection) -> int | None:
    try:
        row = conn.execute("select value from meta where key = 'data_version'").fetchone()
    except sqlite3.OperationalError:
        return None
    return int(row[0]) if row else None


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
