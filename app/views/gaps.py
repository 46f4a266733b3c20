"""Where are the gaps? The workspace page, its downloads and a printable summary per ward (signed in only)."""
from __future__ import annotations

import math

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for

from app.gaps.areas import GapsDataError
from app.gaps.export import lsoa_csv, lsoa_geojson, method_notes, ward_csv
from app.gaps.measure import ACTIVITY_CATEGORIES, ANY, MEASURES, gaps, measure_label
from app.views.auth import sign_in_required
from app.web.db import get_db

bp = Blueprint("gaps", __name__, url_prefix="/workspace/gaps")

THRESHOLDS = (5, 10, 15, 20, 30)
# The table's sort keys: what each column sorts by, and which way first (worst first for figures).
SORTS = {
    "name": (lambda row, key: row.name, "asc"),
    "ward": (lambda row, key: (row.ward_name, row.name), "asc"),
    "older": (lambda row, key: row.older, "desc"),
    "far": (lambda row, key: row.far[key], "desc"),
    "share": (lambda row, key: row.share(key), "desc"),
    "minutes": (lambda row, key: -1 if row.typical_minutes is None else row.typical_minutes, "desc"),
    "decile": (lambda row, key: row.idaopi_decile, "asc"),
    "priority": (lambda row, key: (row.priority, row.share(ANY)), "desc"),
}
# Colour classes for the share far away: ColorBrewer YlGnBu (colour-blind safe), light = few far.
CLASSES = ((0.2, "#ffffcc"), (0.4, "#a1dab4"), (0.6, "#41b6c4"), (0.8, "#2c7fb8"), (1.0, "#253494"))


class BadChoice(ValueError):
    pass


def _choices(area) -> tuple[str, int]:
    """Read ?measure= and ?minutes=, or raise BadChoice saying what is wrong."""
    measure = request.args.get("measure", ANY)
    if measure not in MEASURES:
        raise BadChoice(f"“{measure}” is not one of the kinds of place this page measures: choose one from the list.")
    text = request.args.get("minutes", "").strip()
    if not text:
        return measure, area.gaps.minutes
    if not text.isdigit() or not 1 <= int(text) <= 60:
        raise BadChoice(f"“{text}” is not a walk this page can measure: give a whole number of minutes from 1 to 60.")
    return measure, int(text)


def _colour(share: float) -> str:
    return next(colour for limit, colour in CLASSES if share <= limit + 1e-9)


def _legend() -> list[tuple[str, str]]:
    lower = 0
    rows = []
    for limit, colour in CLASSES:
        rows.append((colour, f"{lower:.0%} to {limit:.0%}" if lower else f"up to {limit:.0%}"))
        lower = limit
    return rows


def _load(area):
    try:
        measure, minutes = _choices(area)
    except BadChoice as exc:
        abort(Response(render_template("workspace/message.html", title="Cannot show that", message=str(exc)), 400))
    try:
        return measure, minutes, gaps(get_db(), area, minutes, current_app.extensions.get("street_network"))
    except GapsDataError as exc:
        abort(Response(render_template("workspace/message.html", title="No figures yet", message=str(exc)), 503))


def _pct(value: float) -> str:
    return f"{value:.0%}"


@bp.get("/")
@sign_in_required
def page():
    area = current_app.config["AREA"]
    measure, minutes, found = _load(area)
    sort = request.args.get("sort", "share")
    if sort not in SORTS:
        sort = "share"
    by, first = SORTS[sort]
    order = request.args.get("order", first)
    order = order if order in ("asc", "desc") else first
    rows = sorted(found.lsoas, key=lambda row: by(row, measure), reverse=order == "desc")
    map_data = {
        "lsoas": [{"code": row.code, "name": row.name, "ward": row.ward_name, "share": round(row.share(measure), 3),
                   "far": round(row.far[measure]), "older": round(row.older), "colour": _colour(row.share(measure)),
                   "priority": row.priority, "geometry": geometry}
                  for row, geometry in zip(found.lsoas, found.places.geometries)],
        "listings": [[round(float(lat), 5), round(float(lon), 5), name, cat]
                     for lat, lon, name, cat in zip(found.listings.lat, found.listings.lon, found.listings.name,
                                                    found.listings.category)
                     if (measure == ANY and cat in ACTIVITY_CATEGORIES) or cat == measure],
        "tiles": ({"url": current_app.config["TILE_URL"], "attribution": current_app.config["TILE_ATTRIBUTION"]}
                  if current_app.config.get("TILE_URL") else None),
        "centre": list(area.map_centre), "zoom": area.map_zoom,
    }
    totals = {"older": sum(r.older for r in found.lsoas), "far": sum(r.far[measure] for r in found.lsoas)}
    return render_template(
        "workspace/gaps.html", found=found, rows=rows, measure=measure, minutes=minutes, sort=sort, order=order,
        measures=[(key, measure_label(key)) for key in MEASURES], thresholds=sorted({*THRESHOLDS, minutes,
                                                                                    area.gaps.minutes}),
        legend=_legend(), notes=method_notes(found), map_data=map_data, totals=totals, pct=_pct,
        sort_url=lambda key: url_for("gaps.page", measure=measure, minutes=minutes, sort=key,
                                     order=("asc" if order == "desc" else "desc") if key == sort else SORTS[key][1]),
        label=measure_label(measure), not_on_map=sum(found.listings.not_on_map.values()))


def _download(body: str, filename: str, mimetype: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/lsoas.csv")
@sign_in_required
def lsoas_csv():
    _, minutes, found = _load(current_app.config["AREA"])
    return _download("\ufeff" + lsoa_csv(found), f"gaps-lsoas-{minutes}-minutes.csv", "text/csv")


@bp.get("/wards.csv")
@sign_in_required
def wards_csv():
    _, minutes, found = _load(current_app.config["AREA"])
    return _download("\ufeff" + ward_csv(found), f"gaps-wards-{minutes}-minutes.csv", "text/csv")


@bp.get("/lsoas.geojson")
@sign_in_required
def lsoas_geojson():
    import json

    _, minutes, found = _load(current_app.config["AREA"])
    return _download(json.dumps(lsoa_geojson(found), ensure_ascii=False), f"gaps-lsoas-{minutes}-minutes.geojson",
                     "application/geo+json")


@bp.get("/wards/<ward_code>")
@sign_in_required
def ward_summary(ward_code: str):
    """One ward on one A4 page, for meetings."""
    area = current_app.config["AREA"]
    _, minutes, found = _load(area)
    ward = found.ward(ward_code)
    if ward is None:
        abort(404)
    lsoas = sorted((row for row in found.lsoas if row.ward_code == ward_code), key=lambda row: -row.share(ANY))
    return render_template("workspace/gaps_ward.html", ward=ward, lsoas=lsoas, found=found, minutes=minutes,
                           measures=[(key, measure_label(key)) for key in MEASURES], notes=method_notes(found),
                           pct=_pct, isfinite=math.isfinite)
