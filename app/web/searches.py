"""Searches kept in memory between requests, until the database changes or the minute turns."""
from __future__ import annotations

from datetime import datetime

from app.assets.search import Found, Query, search
from app.cache import LRUCache
from app.web.db import database_version

# The map page and the map's data ask for the same search within a moment of each other, and a
# kiosk asks for the same few searches all day: keep recent answers until the database file
# changes or the minute turns ("next on" and "on today" depend on the clock).
_SEARCHES = LRUCache(32)


def cached_search(db, query: Query, now: datetime) -> Found:
    """Run search(), reusing the answer for the same database, query and minute."""
    key = (database_version(), query, now.replace(second=0, microsecond=0))
    found = _SEARCHES.get(key)
    if found is None:
        found = search(db, query, now)
        _SEARCHES.put(key, found)
    return found
