"""The web process's connections to the database: a read-only one kept per thread, a writer per request."""
from __future__ import annotations

import os
import threading

from flask import Flask, current_app, g, has_request_context, request

from app import store

# Requests that only read: each reads one snapshot of the database from start to finish.
_READING = frozenset({"GET", "HEAD"})


def get_db():
    """Return this request's read-only database connection: the thread's own, kept between requests.

    Opening a connection and reading the schema again costs about a millisecond, a sixth of a
    listing page. A kept connection sees every edit (it holds no transaction between requests);
    a rebuild or a restored backup swaps in a new file, and then the thread opens that one.

    A page is read from one snapshot: an edit landing halfway through cannot mix old and new in it,
    and the data's version (which every cache checks, several times a page) is read once.
    """
    if "db" not in g:
        db = _thread_reader(current_app.config["DATABASE"])
        if has_request_context() and request.method in _READING and not db.conn.in_transaction:
            db.conn.execute("begin")
            db.pinned_version = store.data_version(db)
        g.db = db
    return g.db


def _end_snapshot(db) -> None:
    db.pinned_version = None
    if db.conn.in_transaction:
        db.conn.rollback()


def _thread_reader(path: str):
    readers = current_app.extensions["db_readers"]
    try:
        key = (path, os.stat(path).st_ino)
    except FileNotFoundError:
        key = None  # store.connect says what is missing
    held = getattr(readers, "held", None)
    if held is not None and held[0] == key:
        return held[1]
    if held is not None:
        held[1].conn.close()
        readers.held = None
    db = store.connect(path, readonly=True)
    readers.held = (key, db)
    return db


def release_thread_reader(app: Flask) -> None:
    """Close the connection this thread keeps (before the server forks: a child must not share it)."""
    readers = app.extensions["db_readers"]
    held = getattr(readers, "held", None)
    if held is not None:
        held[1].conn.close()
        readers.held = None


def get_write_db():
    """Return this request's read-write connection (the workspace only)."""
    if "db" in g:
        _end_snapshot(g.db)  # what this request writes, it then reads
    if "write_db" not in g:
        g.write_db = store.connect(current_app.config["DATABASE"])
    return g.write_db


def database_version() -> tuple:
    """Identify this app's database as it is now (for caches): changes with a rebuild or an edit."""
    return store.data_version(get_db())


def close_db(exception=None) -> None:
    db = g.pop("db", None)
    if db is not None:
        _end_snapshot(db)  # the thread keeps it for its next request
    db = g.pop("write_db", None)
    if db is not None:
        db.conn.close()


def init_app(app: Flask) -> None:
    app.extensions["db_readers"] = threading.local()
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
