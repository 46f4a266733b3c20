"""The residents' pages: search, map, asset, ward and about. Thin: the work is in app.assets.search."""
from __future__ import annotations

import sqlite3

import numpy as np
from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from app.web.i18n import gettext

from app.assets.alternatives import alternatives
from app.assets.record import CATEGORIES
from app.assets.search import (
    Query,
    facets,
    get_asset,
    get_ward,
    hydrate,
    SERVICE_CATEGORIES,
    is_service,
    is_private,
    is_stale,
    list_wards,
    next_changes,
    on_each_day,
    redirect_for,
    result_for,
    search,
)
from app.assets.record import OSM_SOURCE, PUBLIC_SQL
from app.assets.shortlist import entries, parse_ids
from app.formats.jsonld import listing_jsonld
from app.web.db import get_db
from app.web.filters import DAY_CODES, local_now, parse_filters
from app.web.i18n import DEFAULT_LANGUAGE
from app.web.maps import CATEGORY_MARKS, build_map, latlon
from app.web.page_cache import kept, valid_until
from app.clock import next_midnight
from app.web.qr import qr_svg
from app.web.searches import cached_search
from app.web.wording import (
    category_name,
    day_name,
    describe_date,
    describe_next,
    describe_session,
    describe_walk,
    describe_ward_distance,
    kilometres,
)

bp = Blueprint("pages", __name__)

SEARCH_KEYS = ("postcode", "ward", "lat", "lon", "q", "category", "day", "today", "now", "free", "access",
               "language", "audience", "radius", "ids")
LIST_KEYS = ("access", "category")  # may be given more than once
# Services shown under the things to do when no kind of place was chosen; the rest are one link away.
SERVICES_SHOWN = 5


@bp.app_template_filter("isolate")
def isolate(text) -> str:
    """Wrap plain text in Unicode isolates (FSI … PDI), the <bdi> of places that cannot hold tags."""
    # A name in a <title> carrying a right-to-left override would otherwise flip what follows it.
    return f"\u2068{text}\u2069"


@bp.app_context_processor
def page_context():
    now = local_now()
    return {
        "area": current_app.config["AREA"],
        "site_name": gettext("%(area)s Community Map", area=current_app.config["AREA"].name),
        "categories": CATEGORIES,
        "category_name": category_name,
        "day_name": day_name,
        "describe_session": describe_session,
        "describe_next": describe_next,
        "describe_walk": describe_walk,
        "describe_ward_distance": describe_ward_distance,
        "describe_date": describe_date,
        "describe_distance": describe_distance,
        "is_stale": is_stale,
        "today_text": describe_date(now.date().isoformat()),
    }


def describe_distance(metres: int) -> str:
    if metres >= 1000:
        return gettext("Within %(km)s km", km=kilometres(metres, "0.#"))
    return gettext("Within %(m)d metres", m=metres)


def _search_args() -> dict:
    """The search filters in the URL, to carry into links (lists kept as lists)."""
    return {k: (request.args.getlist(k) if k in LIST_KEYS else request.args[k])
            for k in SEARCH_KEYS if request.args.get(k)}


PER_PAGE = 50


class Pages:
    """One page of a long list, with links to its neighbours that keep the search."""

    def __init__(self, items, args: dict, endpoint: str, per_page: int | None = PER_PAGE):
        try:
            wanted = int(request.args.get("page", 1))
        except ValueError:
            wanted = 1
        per_page = per_page or max(1, len(items))  # None: everything on one page (to print)
        self.count = max(1, -(-len(items) // per_page))
        self.page = min(max(1, wanted), self.count)
        self.items = items[(self.page - 1) * per_page:self.page * per_page]
        self._args, self._endpoint = args, endpoint

    def url(self, page: int) -> str:
        return url_for(self._endpoint, **dict(self._args, page=page if page > 1 else None))


class _Args(dict):
    """The search arguments for templates: dict access plus getlist, like request.args."""

    def getlist(self, key):
        value = self.get(key, [])
        return value if isinstance(value, list) else [value]


def _map_options(points_url: str | None, fit: str, only_ward: str | None = None, origin=None) -> dict:
    return {
        "origin": None if origin is None or origin.lat is None else {
            "latlon": latlon(origin.lon, origin.lat),
            "label": origin.label if origin.kind == "postcode" else gettext("You are here")},
        "pointsUrl": points_url,
        "wardsUrl": url_for("api.wards_boundaries"),
        "assetUrl": url_for("pages.asset", asset_id="__ID__"),
        "wardUrl": url_for("pages.ward", slug="__SLUG__"),
        "fit": fit,
        "onlyWard": only_ward,
        "categories": [{"slug": slug, "symbol": CATEGORY_MARKS[slug][0], "shape": CATEGORY_MARKS[slug][1],
                        "label": category_name(slug)} for slug in CATEGORIES],
        "text": {
            "more": gettext("More about this"),
            "wardOnly": gettext("Also in this ward (exact place not known):"),
            "wardPage": gettext("Everything in this ward"),
            "focusWard": gettext("A Community Connectors ward"),
            "cluster": gettext("%(num)d places here. Choose to zoom in."),
        },
    }


def _view_bounds(found) -> list | None:
    """Return [[south, west], [north, east]] of the results' pins when there are too many to send at once, else None.

    Beyond that many, the map asks the API for each view's points (clustered by the server)
    rather than downloading every one.
    """
    lon, lat = found.results.coordinates()
    placed = ~np.isnan(lat)
    if placed.sum() <= current_app.config.get("MAP_VIEW_THRESHOLD", 2000):
        return None
    return [[float(lat[placed].min()), float(lon[placed].min())], [float(lat[placed].max()), float(lon[placed].max())]]


def _tiles() -> dict | None:
    url = current_app.config.get("TILE_URL")
    return {"url": url, "attribution": current_app.config["TILE_ATTRIBUTION"]} if url else None


@bp.get("/")
@kept
def home():
    db = get_db()
    now = local_now()
    args = _Args(_search_args())
    searched = bool(set(args) - {"ids"})  # a list carried along ("ids") is not a search
    parsed = parse_filters(db, request.args, now) if searched else None
    # A place we could not find means any list would be misleading: show the message instead.
    place_failed = parsed is not None and any(p.field in ("postcode", "location", "ward") for p in parsed.problems)
    found = cached_search(db, parsed.query, now) if searched and not place_failed else None
    wards = list_wards(db)
    names = {w["ward_code"]: w["ward_name"] for w in wards}
    # "Print this list" asks for every result on one page: a printed list must not stop at 50.
    printing = request.args.get("print") == "all"
    results, services = (found.results if found else ()), ()
    if found and not parsed.query.categories:
        # Things to do first; health and advice services in a section of their own.
        results = found.results.of_categories(SERVICE_CATEGORIES, keep=False)
        services = found.results.of_categories(SERVICE_CATEGORIES)
    pages = Pages(results, args, "pages.home", None if printing else PER_PAGE)
    nothing = found is not None and not found.results and not found.ward_only
    origin = parsed.query.origin if parsed else None
    connectors = dict(current_app.config["AREA"].connectors)
    ward_groups = _by_ward(hydrate(db, found.ward_only) if found else (), names)
    shown_services = tuple(services if printing else services[:SERVICES_SHOWN])
    if found is not None and not nothing and parsed.query.at is None:
        # What is on "now" can change with any listing's session; the rest with those on the page.
        valid_until(next_midnight(now), *next_changes(pages.items, shown_services,
                                                  [r for group in ward_groups for r in group["results"]]))
    return render_template(
        "pages/home.html", nothing=alternatives(db, parsed.query, now) if nothing else None,
        connector=connectors.get(names.get(origin.ward_code)) if nothing and origin else None,
        args=args, searched=searched, found=found, shown=tuple(pages.items), pages=pages,  # result_list fills in only the cards it has not kept
        printing=printing, services=shown_services,
        service_count=len(services), service_categories=SERVICE_CATEGORIES,
        ward_groups=ward_groups,
        origin=origin, problems=parsed.problems if parsed else [],
        wards=wards, facets=facets(db), day_codes=DAY_CODES, today=now.date(), ward_name=names.get,
        ward_slug={w["ward_code"]: w["slug"] for w in wards}.get,
    )


def shows_osm_data(db) -> bool:
    """Say whether any listing residents can see came from OpenStreetMap (its licence asks for a credit)."""
    return db.execute(f"select exists(select 1 from assets where source = ? and {PUBLIC_SQL})",
                      [OSM_SOURCE]).fetchone()[0] == 1


def _by_ward(results, names) -> list[dict]:
    """Group ward-level results by ward, keeping their order (nearest ward first)."""
    groups: dict[str, dict] = {}
    for result in sorted(results, key=is_service):  # stable: things to do first within each ward
        code = result.asset["ward_code"]
        group = groups.setdefault(code, {"ward_name": names.get(code, ""), "distance_m": result.ward_distance_m,
                                         "results": []})
        group["results"].append(result)
    return list(groups.values())


@bp.get("/map")
def map_view():
    db = get_db()
    now = local_now()
    args = _Args(_search_args())
    parsed = parse_filters(db, request.args, now)
    origin = parsed.query.origin
    found = cached_search(db, parsed.query, now)
    counts = found.results.category_counts()
    for slug, n in found.ward_only.category_counts().items():
        counts[slug] = counts.get(slug, 0) + n
    area = current_app.config["AREA"]
    filters = {k: v for k, v in args.items() if k != "ids"}  # the list is not the map's business
    data_url = url_for("api.assets_geojson", **filters, lang=request.args.get("lang"))
    options = _map_options(data_url, "points" if filters else "wards",
                           origin=origin if origin is not None and origin.kind != "ward" else None)
    options["viewBounds"] = _view_bounds(found)
    parts = build_map(area.map_centre, area.map_zoom, _tiles(), options)
    legend = [(slug, *CATEGORY_MARKS[slug], counts[slug]) for slug in CATEGORIES if slug in counts]
    pages = Pages(found.results + found.ward_only, args, "pages.map_view")
    # Many listings: the map asks for each view, so the page must not preload them all.
    preload = None if options["viewBounds"] else data_url
    return render_template("pages/map.html", map=parts, map_data_url=preload, legend=legend, found=found, args=args,
                           shown=tuple(pages.items), pages=pages,
                           problems=parsed.problems, today=now.date(), origin=parsed.query.origin)


@bp.get("/assets/<asset_id>")
@kept
def asset(asset_id: str):
    db = get_db()
    found = get_asset(db, asset_id)
    if found is None:
        new_id = redirect_for(db, asset_id)
        if new_id is None:
            abort(404)
        return redirect(url_for("pages.asset", asset_id=new_id, **request.args), 301)
    now = local_now()
    result = result_for(found, now)
    parts = None
    area = current_app.config["AREA"]
    if found["lat"] is not None:
        parts = build_map((found["lat"], found["lon"]), 16, _tiles(),
                          _map_options(url_for("api.asset_geojson", asset_id=asset_id,
                                               lang=request.args.get("lang")), "points"), element_id="asset_map")
    elif found["ward_code"]:
        parts = build_map(area.map_centre, area.map_zoom, _tiles(),
                          _map_options(None, "wards", found["ward_code"]), element_id="asset_map")
    structured = listing_jsonld({**found, "private": is_private(db, found["id"])},
                                url_for("pages.asset", asset_id=found["id"], _external=True, lang=None),
                                area_name=area.name, zone=area.timezone)
    valid_until(next_midnight(now), *next_changes([result]))
    return render_template("pages/asset.html", asset=found, result=result, map=parts,
                           stale=is_stale(found, now.date()), today=now.date(), structured=structured)


@bp.get("/wards")
def wards():
    return render_template("pages/wards.html", wards=list_wards(get_db()))


@bp.get("/wards/<slug>")
def ward(slug: str):
    db = get_db()
    found_ward = get_ward(db, slug)
    if found_ward is None:
        abort(404)
    now = local_now()
    results = hydrate(db, search(db, Query(ward_code=found_ward["ward_code"]), now).results)
    by_category: dict[str, list] = {}
    for result in results:
        by_category.setdefault(result.asset["category"], []).append(result)
    by_day = on_each_day(results, now.date())
    area = current_app.config["AREA"]
    parts = build_map(area.map_centre, area.map_zoom, _tiles(),
                      _map_options(url_for("api.assets_geojson", ward=found_ward["slug"],
                                           lang=request.args.get("lang")),
                                   "wards", found_ward["ward_code"]), element_id="ward_map")
    legend = [(slug_, *CATEGORY_MARKS[slug_], len(by_category[slug_])) for slug_ in CATEGORIES if slug_ in by_category]
    return render_template("pages/ward.html", ward=found_ward, by_category=by_category, by_day=by_day,
                           total=len(results), map=parts, legend=legend, today=now.date(),
                           has_times=any(r.sessions for r in results))


@bp.get("/list")
def my_list():
    picked = parse_ids(request.args.getlist("ids") + request.args.getlist("add"), request.args.getlist("remove"))
    listed = entries(get_db(), picked.ids, local_now())
    lang = request.args.get("lang")
    # The link and code to share name only what is still listed: nothing more to carry about.
    live = [entry.id for entry in listed if entry.result is not None]
    share_url = url_for("pages.my_list", ids=",".join(live) or None, lang=lang, _external=True).replace("%2C", ",")
    return render_template(
        "pages/list.html", picked=picked, entries=listed, live_ids=live, today=local_now().date(), share_url=share_url,
        qr=qr_svg(share_url, gettext("QR code for this list")) if live else None,
        remove_url=lambda asset_id: url_for("pages.my_list", lang=lang,
                                            ids=",".join(i for i in picked.ids if i != asset_id) or None))


@bp.get("/about")
def about():
    return render_template("pages/about.html", osm_credit=shows_osm_data(get_db()))


@bp.app_errorhandler(400)
def bad_request(error):
    """A form that cannot be taken (most often an expired one), said in the reader's language on a page of the site."""
    message = getattr(error, "description", "") or gettext("This form could not be sent.")
    if request.path.startswith("/api/"):
        return {"error": message}, 400
    return render_template("pages/error.html", title=gettext("This form could not be sent."), message=message), 400


@bp.app_errorhandler(404)
def not_found(error):
    if request.path.startswith("/api/"):
        return {"error": getattr(error, "description", "not found")}, 404
    return render_template("pages/error.html", title=gettext("Page not found"),
                           message=gettext("We could not find that page. It may have moved or been taken down.")), 404


@bp.app_errorhandler(sqlite3.OperationalError)
def busy(error):
    """Say plainly that nothing was saved while another long write (an import) holds the database."""
    if "locked" not in str(error):
        return server_error(error)
    message = gettext("The site is busy saving other changes, so nothing was saved. Please try again in a minute.")
    if request.path.startswith("/api/"):
        return {"error": message}, 503
    return render_template("pages/error.html", title=gettext("Busy: please try again"), message=message), 503


@bp.app_errorhandler(500)
def server_error(error):
    if request.path.startswith("/api/"):
        return {"error": "something went wrong on our side"}, 500
    return render_template("pages/error.html", title=gettext("Something went wrong"),
                           message=gettext("Something went wrong on our side. Please try again later.")), 500
