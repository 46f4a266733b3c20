"""Whole answers kept for a moment: the same search, listing page or map data asked for again.

Residents ask for the same things over and over: the listings near a popular postcode, the page of
a lunch club, a library kiosk's few searches all day. A view marked `@kept` has its finished
answer (gzipped or not, as asked) kept in this worker's memory, and the same address asked for
again is answered from it until the database changes (an edit or a rebuild) or the answer's time
is up. Time matters to a page ("on now", "next on", "today"): a view says with `valid_until` the
moments its answer changes (the next session to start or end among the listings it shows, the day
ending); one that says nothing is kept until the minute turns.

Only what is the same for everyone is kept. Not kept, and not answered from what was kept:
- a request carrying any cookie (a signed-in connector: residents get no cookies) or credentials;
- a request for part of an answer (Range); a conditional one is answered from what was kept, with a
  304 where its ETag still holds;
- a search from the resident's own position (lat and lon): the About page promises it is used only
  for that search;
- an answer made for this visitor alone: a form's one-time token (it calls `not_for_keeping()`),
  a cookie set, `no-store`, anything but 200, a streamed body.
A page with an inline script (a map) names a nonce that must be new for every answer: it is kept
unpacked, and each visitor gets it with a nonce of their own (and gzipped afresh if asked).
Nothing is written to disk, and a worker keeps at most BUDGET_BYTES, the least recently asked
for going first.
"""
from __future__ import annotations

import functools
import gzip
from datetime import datetime, timedelta
from typing import NamedTuple

from flask import Flask, current_app, g, request, session

from app.cache import LRUCache
from app.web.db import database_version
from app.web.filters import local_now
from app.web.headers import csp_nonce

BUDGET_BYTES = 32 * 1024 * 1024  # per worker process: about 5,000 gzipped pages of results
MAX_ENTRIES = 20_000
_SKIP_WHEN_ASKED_WITH = ("If-Range", "Range")


class _Kept(NamedTuple):
    status: int
    headers: list
    body: bytes
    nonce: str | None  # the page's script nonce, replaced for each visitor
    expires: datetime  # local wall clock


def kept(view):
    """Mark a view whose answer may be kept (see the module's description)."""
    @functools.wraps(view)
    def keeping(*args, **kwargs):
        key = _key()
        if key is not None:
            hit = _cache().get(key)
            if hit is not None and local_now() < hit.expires:
                body = hit.body if hit.nonce is None else hit.body.replace(hit.nonce.encode(), csp_nonce().encode())
                response = current_app.response_class(body, status=hit.status, headers=hit.headers)
                return response.make_conditional(request)  # a 304 if the browser's copy (its ETag) still holds
            g.page_cache_key = key
        return view(*args, **kwargs)
    return keeping


def valid_until(*moments: datetime | None) -> None:
    """Say the answer being made holds until the earliest of these moments (local wall clock; None: no limit)."""
    for moment in moments:
        if moment is not None:
            held = g.get("page_valid_until")
            g.page_valid_until = moment if held is None else min(held, moment)


def not_for_keeping() -> None:
    """Say that this answer holds something made for this visitor alone: it must never be kept."""
    g.page_not_kept = True


def _key() -> tuple | None:
    if request.method != "GET" or request.cookies or request.authorization:
        return None
    if any(name in request.headers for name in _SKIP_WHEN_ASKED_WITH):
        return None
    if "lat" in request.args or "lon" in request.args:
        return None
    return (database_version(), request.scheme, request.host, request.script_root, request.full_path,
            "gzip" in request.headers.get("Accept-Encoding", ""))


def _cache() -> LRUCache:
    return current_app.extensions["page_cache"]


def keep(response):
    """Keep a finished answer that was asked to be kept and is the same for everyone (after_request)."""
    key = g.pop("page_cache_key", None)
    if (key is None or g.get("page_not_kept") or response.status_code != 200 or response.is_streamed
            or response.direct_passthrough or "Set-Cookie" in response.headers or session.modified
            or response.cache_control.no_store):
        return response
    body, nonce = response.get_data(), g.get("csp_nonce")
    # The security headers are added again to every answer; the length follows the body.
    dropped = {"Content-Length", "Content-Security-Policy"}
    if nonce is not None:
        # The nonce changes for every answer, and the page with it: keep it unpacked, to be packed again.
        dropped |= {"Content-Encoding", "ETag"}
        if response.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
    headers = [(name, value) for name, value in response.headers.items() if name not in dropped]
    expires = g.get("page_valid_until") or local_now().replace(second=0, microsecond=0) + timedelta(minutes=1)
    _cache().put(key, _Kept(response.status_code, headers, body, nonce, expires))
    return response


def init_app(app: Flask) -> None:
    """Call before the other after_request hooks are added: Flask runs them last-added first, so this
    one sees the answer as sent (gzipped, with its headers)."""
    app.extensions["page_cache"] = LRUCache(MAX_ENTRIES, budget=BUDGET_BYTES, weigh=lambda entry: len(entry.body))
    app.after_request(keep)
