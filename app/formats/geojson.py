"""GeoJSON for maps and downloads: ward boundaries and listings as points (lon, lat order)."""
from __future__ import annotations

import json
from typing import TYPE_CHECKING

import sqlite_utils

if TYPE_CHECKING:
    from app.assets.search import Result


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


def points_geojson(results: list[Result], include_unplaced: bool = False) -> dict:
    """Return results as GeoJSON points (lon, lat order) with the fields a map needs.

    Assets known only to ward level have no point; with include_unplaced they come as features
    with a null geometry and their ward, so a map can list them on the ward.
    """
    features = []
    for result in results:
        asset = result.asset
        if asset["lat"] is None and not include_unplaced:
            continue
        geometry = None if asset["lat"] is None else {"type": "Point", "coordinates": [asset["lon"], asset["lat"]]}
        properties = {"id": asset["id"], "name": asset["name"], "category": asset["category"]}
        if geometry is None:
            properties["ward_code"] = asset["ward_code"]
        features.append({"type": "Feature", "geometry": geometry, "properties": properties})
    return {"type": "FeatureCollection", "features": features}


def pin_features(pins, when) -> list[dict]:
    """Return map points from (id, name, category, lon, lat, sessions) tuples; `when` words the sessions."""
    features = []
    for asset_id, name, category, lon, lat, sessions in pins:
        properties = {"id": asset_id, "name": name, "category": category}
        if sessions:
            properties["when"] = when(sessions)
        features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
                         "properties": properties})
    return features


# What a download of the listings carries for each one: its public fields, as on its page.
LISTING_PROPERTIES = ("id", "name", "category", "description", "address", "postcode", "ward_code", "ward_name",
                      "location_precision", "schedule", "contact_phone", "contact_email", "website", "cost",
                      "languages", "accessibility", "audience", "source", "source_date", "last_verified")


def listings_geojson(assets, page_url) -> dict:
    """Return public listings as GeoJSON (lon, lat); a listing with no public point has a null geometry."""
    features = []
    for asset in assets:
        properties = {key: asset.get(key) for key in LISTING_PROPERTIES if asset.get(key) not in (None, "")}
        properties["url"] = page_url(asset["id"])
        geometry = ({"type": "Point", "coordinates": [asset["lon"], asset["lat"]]}
                    if asset.get("lat") is not None else None)
        features.append({"type": "Feature", "id": asset["id"], "geometry": geometry, "properties": properties})
    return {"type": "FeatureCollection", "features": features}
