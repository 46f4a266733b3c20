"""The built database's tables: what a build writes, with full-text search, swapped into place atomically."""
from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import sqlite_utils

from app.store import migrations
from app.store.connection import _fsync_dir, private_file

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
                   problems: list[dict], postcodes: list[tuple] = (), private_ids: list[str] = ()) -> Path:
    """Write a complete database to a temporary file, then swap it into place.

    `assets` are tuples in ASSET_COLUMNS order and `postcodes` in POSTCODE_COLUMNS order (the
    bulk of the data, so no dicts). The postcodes of the area let the web process find a
    resident's postcode without loading the whole directory. `private_ids` are the listings
    whose address is someone's home (shown by ward only).
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
        conn.commit()
        # The live tables (accounts, history, traders, suggestions) come from the same numbered
        # steps that upgrade an existing database, so a new one is at the latest version.
        migrations.migrate_connection(conn)
        with conn:
            conn.executemany("update assets set private_address = 1 where id = ?", [(i,) for i in private_ids])
        conn.execute("PRAGMA journal_mode = WAL")
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


# Below this many new rows the search index's own trigger is quick enough.
BULK_INDEX_ROWS = 200


def insert_assets(db: sqlite_utils.Database, columns: list[str], rows: list[list]) -> None:
    """Insert new assets inside the caller's transaction, indexed for search; many at once in one pass.

    FTS5's insert trigger indexes row by row, which for a 10,000-row import costs seven times
    what indexing the new rows in one statement does; so for a large batch the trigger is set
    aside and put back within the same transaction (a rollback undoes all of it together).
    """
    sql = f"insert into assets ({', '.join(columns)}) values ({', '.join('?' * len(columns))})"
    trigger = db.execute("select sql from sqlite_master where type = 'trigger' and name = 'assets_ai'").fetchone()
    if len(rows) < BULK_INDEX_ROWS or trigger is None:
        db.conn.executemany(sql, rows)
        return
    before = db.execute("select coalesce(max(rowid), 0) from assets").fetchone()[0]
    db.execute("drop trigger assets_ai")
    try:
        db.conn.executemany(sql, rows)
        indexed = ", ".join(FTS_COLUMNS)
        db.execute(f"insert into assets_fts (rowid, {indexed}) select rowid, {indexed} from assets where rowid > ?",
                   [before])
    finally:
        db.execute(trigger[0])
