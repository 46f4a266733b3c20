"""The JSON API: the same searches as the pages, plus the map's GeoJSON."""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import orjson
from flask import Blueprint, abort, current_app, jsonify, redirect, request, url_for
from flask_babel import get_locale

from app.assets.search import get_asset, hydrate, list_wards, next_changes, redirect_for, result_for, search
from app.formats.clusters import ViewError, group, parse_view
from app.formats.geojson import pin_features, points_geojson, wards_geojson
from app.web import compress
from app.web.db import get_db
from app.web.filters import local_now, parse_filters
from app.web.page_cache import kept, valid_until
from app.clock import next_midnight
from app.values import truthy
from app.web.searches import cached_search
from app.web.wording import describe_session

bp = Blueprint("api", __name__, url_prefix="/api")

MAX_LIMIT = 500


def _bad_request(message: str):
    response = jsonify(error=message)
    response.status_code = 400
    return response


def _cached(response, seconds: int = 300):
    """Let browsers and proxies keep a response; the ETag changes whenever the data is rebuilt."""
    response.cache_control.public = True
    response.cache_control.max_age = seconds
    response.add_etag()
    return response.make_conditional(request)


def _revalidated(response):
    """Let caches keep a response but ask us before each use (a cheap 304 while the ETag holds).

    Listings' data can turn private at any moment: no copy of the old answer may be served
    without asking, or a home's pin would stay on shared caches for minutes.
    """
    response.cache_control.no_cache = True
    response.add_etag()
    return response.make_conditional(request)


def _parse():
    parsed = parse_filters(get_db(), request.args, local_now(), postcode_keys=("near", "postcode"))
    if parsed.problems:
        first = parsed.problems[0]
        return None, _bad_request(f"{first.field}: {first.message}")
    return parsed, None


@bp.get("/assets")
@kept
def assets():
    """Search assets: near (postcode), lat/lon, radius (metres), ward, category, day, today, free,
    access, language, q; nearest first when a place is given."""
    parsed, error = _parse()
    if error:
        return error
    try:
        limit = int(request.args.get("limit", 100))
        offset = int(request.args.get("offset", 0))
    except ValueError:
        return _bad_request("limit and offset must be whole numbers")
    if not 1 <= limit <= MAX_LIMIT or offset < 0:
        return _bad_request(f"limit must be 1 to {MAX_LIMIT} and offset 0 or more")
    now = local_now()
    found = search(get_db(), parsed.query, now)
    results = found.results + found.ward_only
    page = hydrate(get_db(), results[offset:offset + limit])
    if parsed.query.at is None:
        valid_until(next_midnight(now), *next_changes(page))
    return jsonify(
        total=len(results), limit=limit, offset=offset, suggestion=found.suggestion,
        assets=[{**r.asset, "distance_m": None if r.distance_m is None else round(r.distance_m),
                 "walk_minutes": r.walk_minutes,
                 "next_on": None if r.next_on is None else {"date": r.next_on.day.isoformat(), "start": r.next_on.start,
                                                             "end": r.next_on.end, "now": r.next_on.now}}
                for r in page],
    )


@lru_cache(maxsize=4096)
def _when(sessions: tuple, language: str) -> str:
    # Many assets share a schedule; wording it once per language saves most of the time.
    return "; ".join(describe_session(s) for s in sessions)


def _with_words(data: dict, results) -> dict:
    """Add when each asset is on, in the request's language, for the map's popups."""
    by_id = {r.asset["id"]: r for r in results}
    language = str(get_locale())
    for feature in data["features"]:
        sessions = by_id[feature["properties"]["id"]].sessions
        if sessions:
            feature["properties"]["when"] = _when(sessions, language)
    return data


@bp.get("/assets.geojson")
@kept
def assets_geojson():
    """The searched assets as GeoJSON points for the map; ward-only ones have no geometry."""
    if not truthy(request.args.get("now")):
        # Which listings are "on today" changes with the day; which are "on now", by the minute.
        valid_until(next_midnight(local_now()))
    view = None
    if "bbox" in request.args or "zoom" in request.args:
        try:
            view = parse_view(request.args.get("bbox", ""), request.args.get("zoom", ""))
        except ViewError as exc:
            return _bad_request(str(exc))
    parsed, error = _parse()
    if error:
        return error
    found = cached_search(get_db(), parsed.query, local_now())
    if view is None:
        results = found.results + found.ward_only
        data = _with_words(points_geojson(results, include_unplaced=True), results)
    else:
        data = _view_geojson(found, view)
    # orjson writes the ~2 MB of a 10,000-point map about ten times faster than json.
    response = current_app.response_class(orjson.dumps(data), mimetype="application/geo+json")
    response = compress.gzip_response(response)  # before the ETag: it names the bytes sent
    return _revalidated(response)


def _view_geojson(found, view) -> dict:
    """Return the points in view, grouped into clusters with counts below street level, and the unplaced ones."""
    lon, lat = found.results.coordinates()
    grouped = group(lon, lat, view)
    unplaced = [found.results[i] for i in np.flatnonzero(np.isnan(lat)).tolist()] + list(found.ward_only)
    data = _with_words(points_geojson(unplaced, include_unplaced=True), unplaced)
    language = str(get_locale())
    # Thousands of points at street level: written straight from the index, not as results.
    data["features"] += pin_features(found.results.pins(grouped.singles), lambda sessions: _when(sessions, language))
    data["features"] += [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [x, y]},
         "properties": {"cluster": True, "count": count, "bbox": [west, south, east, north]}}
        for x, y, count, west, south, east, north in grouped.clusters]
    data["total"] = len(found.results) + len(found.ward_only)
    return data


def _renamed_or_404(endpoint: str, asset_id: str):
    """Send a client holding a renamed listing's old id to its new address (as its page does), or 404."""
    new_id = redirect_for(get_db(), asset_id)
    if new_id is None:
        abort(404, description=f"no asset with id '{asset_id}'")
    return redirect(url_for(endpoint, asset_id=new_id, **request.args), 301)


@bp.get("/assets/<asset_id>.geojson")
def asset_geojson(asset_id: str):
    """One asset as GeoJSON, for its page's small map."""
    asset = get_asset(get_db(), asset_id)
    if asset is None:
        return _renamed_or_404("api.asset_geojson", asset_id)
    result = result_for(asset, local_now())
    response = jsonify(_with_words(points_geojson([result], include_unplaced=True), [result]))
    response.mimetype = "application/geo+json"
    return _revalidated(response)


@bp.get("/assets/<asset_id>")
def asset(asset_id: str):
    """One asset by id."""
    found = get_asset(get_db(), asset_id)
    if found is None:
        return _renamed_or_404("api.asset", asset_id)
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
    return _cached(response, 3600)
