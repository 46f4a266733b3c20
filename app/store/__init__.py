"""The SQLite database: connections and transactions, schema, migrations, history, backups.

`from app import store` gives the functions other packages use; each lives in one module here.
"""
from app.store.backups import backup, check_backup, has_live_data, restore
from app.store.connection import (
    Unavailable,
    connect,
    data_version,
    decode_asset,
    insert_row,
    private_dir,
    private_file,
    transaction,
)
from app.store.migrations import DatabaseTooNew, migrate, migrate_connection
from app.store.schema import ASSET_COLUMNS, FTS_COLUMNS, write_database

__all__ = [
    "ASSET_COLUMNS", "FTS_COLUMNS", "DatabaseTooNew", "Unavailable", "backup", "check_backup", "connect",
    "data_version", "decode_asset", "has_live_data", "insert_row", "migrate", "migrate_connection", "private_dir",
    "private_file", "restore", "transaction", "write_database",
]
