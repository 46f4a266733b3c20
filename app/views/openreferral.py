"""The Open Referral UK 3.0 feed at /openreferral/: the nine GET endpoints of the UK profile's openapi30.json.

Thin: the residents' search decides what is found (and what is public), app.formats.oruk what it
looks like in HSDS. Any other site may read the feed (Access-Control-Allow-Origin: *), and no
other part of the site gets that header.
"""
from __future__ import annotations

import math
import re
import uuid
from dataclasses import replace

from flask import Blueprint, current_app, jsonify, request, send_file, url_for
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

from app.assets.record import PUBLIC_SQL
from app.assets.search import Found, get_asset, hydrate
from app.cache import LRUCache
from app.formats import oruk
from app.views.api import _revalidated
from app.web.db import database_version, get_db
from app.web.filters import DAY_CODES, local_now, parse_filters
from app.web.searches import cached_search

bp = Blueprint("openreferral", __name__, url_prefix="/openreferral")

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 200
_DAY_WORDS = dict(zip(("mo", "tu", "we", "th", "fr", "sa", "su"), DAY_CODES))


class BadRequest(ValueError):
    """A query parameter we cannot use: answered 400 with this message."""


@bp.after_request
def open_to_all(response):
    # Directory tools read the feed from their own sites' pages.
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.errorhandler(HTTPException)
def http_error(exc: HTTPException):
    response = jsonify(error=exc.description if exc.code != 404 else "not found")
    response.status_code = exc.code or 500
    return response


@bp.errorhandler(BadRequest)
def bad_request(exc: BadRequest):
    response = jsonify(error=str(exc))
    response.status_code = 400
    return response


def _area():
    return current_app.config["AREA"]


def _lad_names() -> dict[str, str]:
    return dict(get_db().execute("select ward_code, lad_name from wards").fetchall())


def _page_args() -> tuple[int, int]:
    values = []
    for key, default, top in (("page", 1, None), ("per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE)):
        text = request.args.get(key, "").strip()
        try:
            value = int(text) if text else default
        except ValueError:
            raise BadRequest(f"{key} must be a whole number, not '{text[:40]}'") from None
        if value < 1 or (top and value > top):
            raise BadRequest(f"{key} must be 1 or more" + (f" and at most {top}" if top else ""))
        values.append(value)
    return values[0], values[1]


def _time(key: str) -> str | None:
    text = request.args.get(key, "").strip()
    if not text:
        return None
    match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)(?::[0-5]\d)?", text)
    if not match:
        raise BadRequest(f"{key} must be a time such as 10:00, not '{text[:40]}'")
    return f"{int(match.group(1)):02d}:{match.group(2)}"


def _uuid(key: str) -> str | None:
    text = request.args.get(key, "").strip()
    if not text:
        return None
    try:
        return str(uuid.UUID(text))
    except ValueError:
        raise BadRequest(f"{key} must be a UUID, not '{text[:60]}'") from None


def _found(with_place: bool) -> list:
    """Search as residents do, with the feed's filters (AND-combined); raise BadRequest for bad values."""
    args = request.args
    for key in ("minimum_age", "maximum_age"):
        if args.get(key, "").strip():
            try:
                float(args[key])
            except ValueError:
                raise BadRequest(f"{key} must be a number") from None
            # Our listings hold no age limits: an age narrows nothing.
    mapped = MultiDict()
    if args.get("search"):
        mapped["q"] = args["search"]
    day = args.get("day", "").strip().lower()
    if day:
        mapped["day"] = _DAY_WORDS.get(day[:2], day) if len(day) == 2 else day
    if with_place:
        if args.get("postcode"):
            mapped["postcode"] = args["postcode"]
        if args.get("proximity"):
            mapped["radius"] = args["proximity"]
    elif args.get("postcode") or args.get("proximity"):
        raise BadRequest("postcode and proximity are filters of /service_at_locations")
    term_id, taxonomy_id = _uuid("taxonomy_term_id"), _uuid("taxonomy_id")
    start, end = _time("start_time"), _time("end_time")
    now = local_now()
    parsed = parse_filters(get_db(), mapped, now)
    if parsed.problems:
        first = parsed.problems[0]
        name = {"q": "search", "radius": "proximity"}.get(first.field, first.field)
        raise BadRequest(f"{name}: {first.message}")
    query = parsed.query
    area = _area()
    if term_id:
        slug = oruk.term_ids(area).get(term_id)
        if slug is None:
            return []  # a term of some other taxonomy: none of our listings has it
        query = replace(query, categories=(slug,))
    if taxonomy_id and taxonomy_id != oruk.taxonomy(area)["id"]:
        return []
    found: Found = cached_search(get_db(), query, now)
    results = list(found.results) + list(found.ward_only)
    if start or end:
        results = [r for r in results if any(
            (query.day is None or s.on_weekday(query.day, now.date()))
            and (start is None or (s.start is not None and s.start >= start))
            and (end is None or (s.end is not None and s.end <= end)) for s in r.sessions)]
    return results


def _listed(results: list, make) -> dict:
    page, per_page = _page_args()
    chosen = hydrate(get_db(), results[(page - 1) * per_page:page * per_page])
    lad = _lad_names()
    items = [make(dict(r.asset), _area(), lad.get(r.asset.get("ward_code"))) for r in chosen]
    return oruk.page_envelope(items, len(results), page, per_page)


def _ids() -> dict[str, str]:
    """Every public listing's service, and service-at-location, UUID -> our id (worked out once per data version)."""
    key = database_version()
    known = _IDS.get(key)
    if known is None:
        ns = oruk.namespace(_area())
        known = {}
        for (asset_id,) in get_db().execute(f"select id from assets where {PUBLIC_SQL}"):
            known[oruk.make_id(ns, "service", asset_id)] = asset_id
            known[oruk.make_id(ns, "service_at_location", asset_id)] = asset_id
        _IDS.put(key, known)
    return known


_IDS = LRUCache(4)


def _asset_for(item_id: str) -> dict:
    asset_id = _ids().get(item_id.lower())
    asset = get_asset(get_db(), asset_id) if asset_id else None
    if asset is None:
        raise NotFound(item_id)
    return asset


class NotFound(LookupError):
    pass


@bp.errorhandler(NotFound)
def not_found(exc: NotFound):
    response = jsonify(error="nothing in this feed has that id")
    response.status_code = 404
    return response


def _json(data):
    return _revalidated(jsonify(data))


@bp.get("/")
def root():
    """What this feed is: the HSDS version, the UK profile and the OpenAPI file it follows."""
    return _json({"version": oruk.VERSION, "profile": oruk.PROFILE,
                  "openapi_url": url_for("openreferral.openapi", _external=True)})


@bp.get("/openapi.json")
def openapi():
    """The UK profile's OpenAPI file this feed follows (CC BY-SA 4.0, see app/standards/oruk-3.0/)."""
    response = send_file(oruk.STANDARD_DIR / "openapi30.json", mimetype="application/json", max_age=3600)
    return response


@bp.get("/services")
def services():
    return _json(_listed(_found(with_place=False), lambda asset, area, lad: oruk.service_summary(asset, area)))


@bp.get("/services/<item_id>")
def service(item_id: str):
    asset = _asset_for(item_id)
    return _json(oruk.service(asset, _area(), _lad_names().get(asset.get("ward_code"))))


@bp.get("/service_at_locations")
def service_at_locations():
    return _json(_listed(_found(with_place=True), oruk.service_at_location))


@bp.get("/service_at_locations/<item_id>")
def service_at_location(item_id: str):
    # The UK profile's openapi30.json answers this path with a fully nested service (compiled/service.json).
    asset = _asset_for(item_id)
    return _json(oruk.service(asset, _area(), _lad_names().get(asset.get("ward_code"))))


@bp.get("/taxonomies")
def taxonomies():
    page, per_page = _page_args()
    every = [oruk.taxonomy(_area())]
    return _json(oruk.page_envelope(every[(page - 1) * per_page:page * per_page], len(every), page, per_page))


@bp.get("/taxonomies/<item_id>")
def taxonomy(item_id: str):
    found = oruk.taxonomy(_area())
    if found["id"] != item_id.lower():
        raise NotFound(item_id)
    return _json(found)


@bp.get("/taxonomy_terms")
def taxonomy_terms():
    page, per_page = _page_args()
    every = oruk.taxonomy_terms(_area())
    return _json(oruk.page_envelope(every[(page - 1) * per_page:page * per_page], len(every), page, per_page))


@bp.get("/taxonomy_terms/<item_id>")
def taxonomy_term(item_id: str):
    found = next((t for t in oruk.taxonomy_terms(_area()) if t["id"] == item_id.lower()), None)
    if found is None:
        raise NotFound(item_id)
    return _json(found)
