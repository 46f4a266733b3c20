"""A resident's list to take away: listings picked by id, kept only in the URL (no account, no cookie)."""
from __future__ import annotations

import re
from datetime import datetime
from typing import NamedTuple

from app.assets.search import Result, get_asset, redirect_for, result_for

MAX_ITEMS = 30
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")  # the shape of every listing id (app/assets/record.py)


class Entry(NamedTuple):
    """One id on a list and what it shows now: a result, or None when it is no longer listed."""

    id: str
    result: Result | None


class Picked(NamedTuple):
    ids: tuple[str, ...]
    unreadable: bool = False  # some values were not listing ids
    too_many: bool = False    # the list was cut to MAX_ITEMS


def parse_ids(values: list[str], remove: list[str] = ()) -> Picked:
    """Read list ids from URL values ("a,b,c" or repeated), in order, once each, at most MAX_ITEMS."""
    gone = {v.strip().lower() for text in remove for v in text.split(",")}
    ids, unreadable = [], False
    for text in values:
        for value in text.split(","):
            value = value.strip().lower()
            if not value:
                continue
            if len(value) > 200 or not _ID.match(value):
                unreadable = True
            elif value not in gone and value not in ids:
                ids.append(value)
    return Picked(tuple(ids[:MAX_ITEMS]), unreadable, len(ids) > MAX_ITEMS)


def entries(db, ids: tuple[str, ...], now: datetime) -> tuple[Entry, ...]:
    """Return each id with its public listing; hidden, closed, deleted and unknown ones alike have none."""
    found = []
    for asset_id in ids:
        asset = get_asset(db, asset_id)
        if asset is None and (new_id := redirect_for(db, asset_id)) is not None:
            asset = get_asset(db, new_id)  # renamed since the list was made
        found.append(Entry(asset_id, result_for(asset, now) if asset else None))
    return tuple(found)
