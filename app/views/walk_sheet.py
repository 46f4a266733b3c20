"""A walk on paper (a printable A4 sheet with its route map) and as a GPX file for phone map apps."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, url_for

from app.formats.gpx import walk_gpx
from app.places.wards import slugify
from app.views.auth import sign_in_required
from app.views.walk_phone import no_walk
from app.walks.route_map import route_map
from app.walks.sheet import ASK_AROUND, CHECKS, planned_on, walk_sheet
from app.walks.walk import load_walk
from app.web.db import get_write_db
from app.web.qr import qr_svg
from app.web.wording import describe_date

bp = Blueprint("walk_sheet", __name__, url_prefix="/workspace/walks")


@bp.get("/<walk_id>/sheet")
@sign_in_required
def sheet(walk_id: str):
    walk = load_walk(get_write_db(), walk_id)
    if walk is None:
        return no_walk()
    found = walk_sheet(get_write_db(), walk)
    go_url = url_for("walk_phone.go", walk_id=walk.id, _external=True)
    return render_template(
        "workspace/walks/sheet.html", walk=walk, sheet=found, checks=CHECKS, ask_around=ASK_AROUND,
        route_map=route_map(found.route, found.outline, found.map_label),
        planned=describe_date(planned_on(walk, current_app.config["AREA"].timezone).isoformat()),
        go_url=go_url, qr=qr_svg(go_url, "QR code: scan it to open this walk on a phone"))


@bp.get("/<walk_id>.gpx")
@sign_in_required
def gpx(walk_id: str):
    walk = load_walk(get_write_db(), walk_id)
    if walk is None:
        return no_walk()
    creator = f"{current_app.config['AREA'].name} Community Map"
    filename = f"walk-{slugify(walk.title)[:60].strip('-') or 'patch'}.gpx"
    return Response(walk_gpx(walk_sheet(get_write_db(), walk), creator), mimetype="application/gpx+xml",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
