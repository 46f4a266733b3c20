"""The web process's read-only connection to the built database, one per request."""
from __future__ import annotations

import os

from flask import Flask, current_app, g

from . import store


def get_db():
    """Return this request's database connection, opening it on first use."""
    if "db" not in g:
        g.db = store.connect(current_app.config["DATABASE"], readonly=True)
    return g.db


def database_version() -> tuple:
    """Identify the database file as it is now; a rebuild swaps in a new file, so this changes."""
    path = current_app.config["DATABASE"]
    stat = os.stat(path)
    return (path, stat.st_ino, stat.st_mtime_ns)


def close_db(exception=None) -> None:
    db = g.pop("db", None)
    if db is not None:
        db.conn.close()


def init_app(app: Flask) -> None:
    app.teardown_appcontext(close_db)
