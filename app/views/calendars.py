"""Calendar files (.ics) of a listing, a ward, or any list of results, for "add to my calendar"."""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, request, url_for

from app.assets.search import Query, get_asset, get_ward, hydrate, search
from app.formats.ics import listings_calendar
from app.web.db import get_db
from app.web.filters import local_now, parse_filters
from app.web.i18n import gettext
from app.web.searches import cached_search

bp = Blueprint("calendars", __name__)

# A calendar of a long result list is still one file: the first this many listings, nearest first.
MAX_LISTINGS = 500


@bp.app_template_filter("webcal")
def webcal(url: str) -> str:
    """The same address for a calendar app to follow (webcal://), which fetches it again as times change."""
    return "webcal://" + url.split("://", 1)[1]


def where(asset: dict) -> str:
    """Where a listing is, in the words a calendar shows: its address, or its ward when that is all we know."""
    if asset.get("location_precision") == "ward" or not (asset.get("address") or asset.get("postcode")):
        return gettext("Somewhere in %(ward)s ward – exact place not known", ward=asset.get("ward_name") or "")
    return ", ".join(p for p in (asset.get("address"), asset.get("postcode")) if p)


def _calendar(assets, name: str, filename: str) -> Response:
    area = current_app.config["AREA"]
    listings = [(a, url_for("pages.asset", asset_id=a["id"], _external=True), where(a)) for a in assets]
    body = listings_calendar(listings, name=name, zone_name=area.timezone, uid_domain=f"{area.lad_code}.assetmap",
                             no_times=gettext("Times not known: ask before you go."))
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}.ics"'
    response.cache_control.max_age = 3600  # calendar apps poll; an hour old is fresh enough
    return response


@bp.get("/assets/<asset_id>.ics")
def asset(asset_id: str):
    found = get_asset(get_db(), asset_id)
    if found is None:
        abort(404)
    return _calendar([found], found["name"], found["id"])


@bp.get("/wards/<slug>.ics")
def ward(slug: str):
    db = get_db()
    found = get_ward(db, slug)
    if found is None:
        abort(404)
    results = hydrate(db, search(db, Query(ward_code=found["ward_code"]), local_now()).results)
    return _calendar([r.asset for r in results],
                     gettext("What's on in %(ward)s", ward=found["ward_name"]), f"whats-on-{found['slug']}")


@bp.get("/calendar.ics")
def results():
    """The listings of a search (the same filters as the home page's), nearest first."""
    db = get_db()
    now = local_now()
    parsed = parse_filters(db, request.args, now)
    place = [p for p in parsed.problems if p.field in ("postcode", "location", "ward")]
    if place:  # a calendar of the wrong place would mislead: say why, in words a person can act on
        return Response(place[0].message, 400, mimetype="text/plain")
    found = cached_search(db, parsed.query, now)
    picked = list(found.results[:MAX_LISTINGS]) + list(found.ward_only[:MAX_LISTINGS])
    return _calendar([r.asset for r in hydrate(db, picked)], gettext("What's on near you"), "whats-on")
