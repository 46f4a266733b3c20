"""The JSON API: assets, one asset, wards, ward boundaries."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, request

from ..assets import CATEGORIES
from ..db import get_db
from ..search import find_assets, get_asset, list_wards, wards_geojson

bp = Blueprint("api", __name__, url_prefix="/api")

MAX_LIMIT = 500


def _bad_request(message: str):
    response = jsonify(error=message)
    response.status_code = 400
    return response


@bp.get("/assets")
def assets():
    """List assets, filtered by q (full text), category and ward (code or slug)."""
    args = request.args
    category = args.get("category") or None
    if category and category not in CATEGORIES:
        return _bad_request(f"unknown category '{category}'; use one of: {', '.join(CATEGORIES)}")
    ward_code = None
    if args.get("ward"):
        wanted = args["ward"].casefold()
        matches = [w for w in list_wards(get_db()) if wanted in (w["ward_code"].casefold(), w["slug"])]
        if not matches:
            return _bad_request(f"unknown ward '{args['ward']}'; see /api/wards for the ward codes and slugs")
        ward_code = matches[0]["ward_code"]
    try:
        limit = int(args.get("limit", 100))
        offset = int(args.get("offset", 0))
    except ValueError:
        return _bad_request("limit and offset must be whole numbers")
    if not 1 <= limit <= MAX_LIMIT or offset < 0:
        return _bad_request(f"limit must be 1 to {MAX_LIMIT} and offset 0 or more")
    q = args.get("q", "")
    if len(q) > 200:
        return _bad_request("q is too long: 200 characters at most")
    total, rows = find_assets(get_db(), q=q, category=category, ward_code=ward_code, limit=limit, offset=offset)
    return jsonify(total=total, limit=limit, offset=offset, assets=rows)


@bp.get("/assets/<asset_id>")
def asset(asset_id: str):
    """One asset by id."""
    found = get_asset(get_db(), asset_id)
    if found is None:
        abort(404, description=f"no asset with id '{asset_id}'")
    return jsonify(found)


@bp.get("/wards")
def wards():
    """Every ward with asset counts by category."""
    return jsonify(wards=list_wards(get_db()))


@bp.get("/wards.geojson")
def wards_boundaries():
    """Simplified ward boundaries for maps (EPSG:4326), with attribution."""
    data = wards_geojson(get_db())
    data["attribution"] = " ".join(current_app.config["AREA"].attribution)
    response = jsonify(data)
    response.mimetype = "application/geo+json"
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    return response


@bp.errorhandler(404)
def not_found(error):
    response = jsonify(error=error.description)
    response.status_code = 404
    return response
