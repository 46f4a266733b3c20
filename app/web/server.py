"""Serve the app over HTTP: one worker process per CPU, each with a few threads.

Python runs one thread at a time per process, so a single-process server (waitress) keeps one
core busy however many residents are waiting; under 50 residents at once on a 2-core machine that
halved what the site could answer. Gunicorn (a well-kept pre-fork server) runs a worker process
per core. The app is made once, in the parent, before the workers are forked: the database is
migrated once, not raced by each worker, and the parent answers a few residents' requests itself
before forking (`warm_up`), so every worker starts with the search index and the compiled templates
in memory, shared with the others, instead of a resident's request waiting while
a worker makes them.

Each worker takes a new connection only when it has room for it (`worker_connections`: its threads,
plus as many again for browsers keeping a connection open between requests). Left to itself a
worker accepts every connection it can and queues them behind its own threads, even while the other
worker is idle: under 50 residents at once, one in twenty waited three times as long as the middle
resident. Connections not yet taken wait in the kernel's queue, which every worker takes from in turn.
"""
from __future__ import annotations

import gc
import os
from urllib.parse import urlencode

from flask import Flask
from gunicorn.app.base import BaseApplication

from app import store
from app.assets.record import PUBLIC_SQL
from app.web.db import release_thread_reader

# Two threads: one can wait on the database or a slow client while the other works. More only share
# the same core (Python runs one thread at a time) and make every request take longer.
THREADS_PER_WORKER = 2


def default_workers() -> int:
    """One worker per CPU this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


class _Server(BaseApplication):
    def __init__(self, app: Flask, options: dict):
        self._app, self._options = app, options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self._app


def warm_up(app: Flask) -> list[str]:
    """Answer, in this process, the requests that make what every worker would otherwise make on its
    first ones; return their paths. Then set aside for good what they made (`gc.freeze`).

    Python's collector otherwise walks every long-lived object (the search index: about 130,000 at
    10,000 listings) in each full collection, stopping the worker for a tenth of a second or more,
    and, by touching them, copies memory the workers could share.
    """
    try:
        db = store.connect(app.config["DATABASE"], readonly=True)
    except FileNotFoundError:
        return []
    try:
        listing = db.execute(f"select id, postcode from assets where postcode is not null and {PUBLIC_SQL} "
                             "order by id limit 1").fetchone()
    finally:
        db.conn.close()
    paths = ["/", "/map"]
    if listing is not None:
        paths += [f"/?{urlencode({'postcode': listing['postcode']})}", f"/assets/{listing['id']}"]
    client = app.test_client()
    for path in paths:
        client.get(path, headers={"Accept-Encoding": "gzip"})
    release_thread_reader(app)
    gc.collect()
    gc.freeze()
    return paths


def serve(app: Flask, host: str, port: int, workers: int | None = None) -> None:
    """Serve app on host:port until interrupted (Ctrl+C or SIGTERM)."""
    warm_up(app)
    _Server(app, {
        "bind": f"{host}:{port}",
        "workers": workers or default_workers(),
        "worker_class": "gthread",
        "threads": THREADS_PER_WORKER,
        "worker_connections": 2 * THREADS_PER_WORKER,
        # A resident's slow phone connection must not hold a worker for ever, nor a long
        # spreadsheet import be killed: imports are bounded by their own row limits.
        "timeout": 120,
        # On Ctrl+C or SIGTERM, a worker still busy (or one that missed the signal while starting) is
        # stopped after this long rather than Gunicorn's 30 s: a resident's answer takes well under a second.
        "graceful_timeout": 10,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "warning",
        # No control socket in the user's home folder: the server is stopped with a signal.
        "control_socket_disable": True,
    }).run()
