"""The web process's read-only connection to the built database, one per request."""
from __future__ import annotations

import os

from flask import Flask, current_app, g

from app import store


def get_db():
    """Return this request's read-only database connection, opening it on first use."""
    if "db" not in g:
        g.db = store.connect(current_app.config["DATABASE"], readonly=True)
    return g.db


def get_write_db():
    """Return this request's read-write connection (the workspace only)."""
    if "write_db" not in g:
        g.write_db = store.connect(current_app.config["DATABASE"])
    return g.write_db


def database_version() -> tuple:
    """Identify this app's database as it is now (for caches): changes with a rebuild or an edit."""
    return store.data_version(get_db())


def close_db(exception=None) -> None:
    for key in ("db", "write_db"):
        db = g.pop(key, None)
        if db is not None:
            db.conn.close()


def init_app(app: Flask) -> None:
    app.teardown_appcontext(close_db)
    # A database made by an earlier release is upgraded in place when the app starts (numbered
    # migrations); one made by a newer release is refused with store.DatabaseTooNew.
    if os.path.exists(app.config["DATABASE"]):
        store.migrate(app.config["DATABASE"])
        db = store.connect(app.config["DATABASE"])
        try:
            # Private listings made before their ids were kept free of postcodes get new ones.
            from app.assets.edits import rename_private_ids
            rename_private_ids(db)
        finally:
            db.conn.close()
