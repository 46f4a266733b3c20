"""Read-side queries over the built database: assets by text, category and ward; wards."""
from __future__ import annotations

import json

import sqlite_utils

from .store import decode_asset

PUBLIC_COLUMNS = (
    "id", "name", "category", "category_label", "description", "address", "postcode", "lat",
    "lon", "ward_code", "ward_name", "location_precision", "outside_area", "schedule", "sessions",
    "contact_phone", "contact_email", "website", "cost", "languages", "accessibility",
    "audience", "source", "source_date", "last_verified",
)


def find_assets(db: sqlite_utils.Database, q: str | None = None, category: str | None = None,
                ward_code: str | None = None, limit: int = 100, offset: int = 0) -> tuple[int, list[dict]]:
    """Return (total, page of assets) matching all given filters; q is quoted full-text search."""
    where, params = [], {}
    if category:
        where.append("assets.category = :category")
        params["category"] = category
    if ward_code:
        where.append("assets.ward_code = :ward_code")
        params["ward_code"] = ward_code
    columns = ", ".join(f"assets.{c}" for c in PUBLIC_COLUMNS)
    # Quoting turns every word into a literal phrase; text with no words quotes to nothing.
    fts_query = db.quote_fts(q.strip()) if q and q.strip() else ""
    if fts_query:
        params["query"] = fts_query
        base = ("from assets join assets_fts on assets_fts.rowid = assets.rowid "
                "where assets_fts match :query" + "".join(f" and {w}" for w in where))
        order = "order by assets_fts.rank, assets.name, assets.id"
    else:
        base = "from assets" + (" where " + " and ".join(where) if where else "")
        order = "order by assets.name, assets.id"
    total = db.execute(f"select count(*) {base}", params).fetchone()[0]
    rows = db.execute(f"select {columns} {base} {order} limit :limit offset :offset",
                      {**params, "limit": limit, "offset": offset}).fetchall()
    return total, [decode_asset(dict(zip(PUBLIC_COLUMNS, row))) for row in rows]


def get_asset(db: sqlite_utils.Database, asset_id: str) -> dict | None:
    """Return one asset's public fields, or None."""
    columns = ", ".join(PUBLIC_COLUMNS)
    row = db.execute(f"select {columns} from assets where id = ?", [asset_id]).fetchone()
    return decode_asset(dict(zip(PUBLIC_COLUMNS, row))) if row else None


def list_wards(db: sqlite_utils.Database) -> list[dict]:
    """Return every ward with its asset counts by category, in name order."""
    wards = [dict(zip(("ward_code", "ward_name", "slug", "is_focus"), row)) for row in db.execute(
        "select ward_code, ward_name, slug, is_focus from wards order by ward_name")]
    counts: dict[str, dict[str, int]] = {}
    for code, category, n in db.execute(
            "select ward_code, category, count(*) from assets where ward_code is not null "
            "group by ward_code, category"):
        counts.setdefault(code, {})[category] = n
    for ward in wards:
        ward["is_focus"] = bool(ward["is_focus"])
        ward["counts"] = counts.get(ward["ward_code"], {})
        ward["total"] = sum(ward["counts"].values())
    return wards


def wards_geojson(db: sqlite_utils.Database) -> dict:
    """Return the simplified ward boundaries as a GeoJSON FeatureCollection."""
    features = [
        {"type": "Feature",
         "properties": {"ward_code": code, "ward_name": name, "slug": slug, "is_focus": bool(focus)},
         "geometry": json.loads(geometry)}
        for code, name, slug, focus, geometry in db.execute(
            "select ward_code, ward_name, slug, is_focus, geometry_simplified from wards order by ward_code")
    ]
    return {"type": "FeatureCollection", "features": features}

