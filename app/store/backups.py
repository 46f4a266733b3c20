"""Backups: consistent copies of the live database, checked restores, and the guard against wiping live data."""
from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from app.store import migrations
from app.store.connection import RESTORE_WAIT_SECONDS, _data_version, _restore_flag, private_file

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
            version = migrations.version_of(conn)
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        return f"it is not a readable SQLite database ({exc})"
    missing = [t for t in REQUIRED_TABLES if t not in tables]
    if missing:
        return f"it has no {', '.join(missing)} table"
    if version > migrations.LATEST:
        return (f"it was made by a newer release of assetmap (schema version {version}; this one knows up to "
                f"{migrations.LATEST})")
    return None


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
            migrations.migrate_connection(live, str(backup_file))  # a backup from an older release
            # Caches are keyed on data_version; the backup's could equal one already cached.
            if before is not None and _data_version(live) is not None:
                live.execute("update meta set value = ? where key = 'data_version'",
                             [str(max(before, _data_version(live)) + 1)])
        finally:
            live.close()
    finally:
        flag.unlink(missing_ok=True)
    return kept
