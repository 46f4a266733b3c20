"""Open data: the public listings to download (CSV, GeoJSON), and what search engines may read (sitemap)."""
from __future__ import annotations

import io

from flask import Blueprint, Response, current_app, render_template, url_for

from app.assets.exchange import last_updated, open_data_geojson, open_data_oruk, open_data_rows, write_csv_rows
from app.assets.record import PUBLIC_SQL
from app.assets.search import public_page_ids
from app.views.pages import shows_osm_data
from app.web.db import get_db
from app.web.filters import local_now

bp = Blueprint("opendata", __name__)


def _download(body: bytes | str, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Access-Control-Allow-Origin"] = "*"  # open data: any site may fetch it
    return response


@bp.get("/open-data")
def index():
    db = get_db()
    count = db.execute(f"select count(*) from assets where {PUBLIC_SQL}").fetchone()[0]
    return render_template("pages/open_data.html", updated=last_updated(db), count=count,
                           osm_credit=shows_osm_data(db))


@bp.get("/open-data/listings.csv")
def listings_csv():
    out = io.StringIO()
    write_csv_rows(open_data_rows(get_db()), out)
    return _download("\ufeff" + out.getvalue(), "text/csv", "listings.csv")  # BOM: spreadsheets read UTF-8


@bp.get("/open-data/listings.geojson")
def listings_geojson_file():
    data = open_data_geojson(get_db(), current_app.config["AREA"],
                             lambda asset_id: url_for("pages.asset", asset_id=asset_id, _external=True), local_now())
    return _download(current_app.json.dumps(data), "application/geo+json", "listings.geojson")


@bp.get("/open-data/listings-oruk.json")
def listings_oruk():
    data = open_data_oruk(get_db(), current_app.config["AREA"], local_now())
    return _download(current_app.json.dumps(data), "application/json", "listings-oruk.json")


@bp.get("/sitemap.xml")
def sitemap():
    """The public pages: home, about, wards, the trader directory's front page and each listing not at a home.

    Individual traders are left out: many are people trading under their own names.
    """
    db = get_db()
    pages = [url_for(endpoint, _external=True) for endpoint in
             ("pages.home", "pages.about", "pages.wards", "traders.search", "opendata.index")]
    pages += [url_for("pages.ward", slug=slug, _external=True)
              for (slug,) in db.execute("select slug from wards order by slug")]
    pages += [url_for("pages.asset", asset_id=asset_id, _external=True) for asset_id in public_page_ids(db)]
    return Response(render_template("sitemap.xml", pages=pages), mimetype="application/xml")


@bp.get("/robots.txt")
def robots():
    lines = ["User-agent: *", "Disallow: /workspace/", "Disallow: /api/",
             f"Sitemap: {url_for('opendata.sitemap', _external=True)}"]
    return Response("\n".join(lines) + "\n", mimetype="text/plain")
