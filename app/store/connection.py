"""Connections to the database: opening it, private files, one write transaction at a time, data versions."""
from __future__ import annotations

import itertools
import json
import os
import sqlite3
import time
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils


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


class Unavailable(RuntimeError):
    """The database is being restored from a backup, and stayed so longer than a write will wait."""


RESTORE_WAIT_SECONDS = 60
# How long a write waits for another (a big import, a backup) before saying the site is busy.
WRITE_WAIT_SECONDS = 10
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
        conn = sqlite3.connect(db_path, check_same_thread=False, timeout=WRITE_WAIT_SECONDS)
        conn.execute("pragma foreign_keys = on")
    conn.row_factory = sqlite3.Row
    return sqlite_utils.Database(conn)


def data_version(db: sqlite_utils.Database) -> tuple:
    """Identify the database's data as it is now: a rebuild swaps in a new file, an edit bumps meta.

    A connection reading one snapshot (a web request's) carries the version read when it began.
    """
    pinned = getattr(db, "pinned_version", None)
    if pinned is not None:
        return pinned
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
