"""Serve the JavaScript and CSS libraries from installed Python packages, never from a CDN."""
from __future__ import annotations

from flask import Blueprint, abort, send_from_directory

bp = Blueprint("vendor", __name__, url_prefix="/vendor")


def _package_dirs() -> dict[str, str]:
    import xstatic.pkg.leaflet
    import xstatic.pkg.leaflet_markercluster

    return {
        "leaflet": xstatic.pkg.leaflet.BASE_DIR,
        "markercluster": xstatic.pkg.leaflet_markercluster.BASE_DIR,
    }


PACKAGES = _package_dirs()


@bp.get("/<package>/<path:filename>")
def asset(package: str, filename: str):
    if package not in PACKAGES:
        abort(404)
    response = send_from_directory(PACKAGES[package], filename, max_age=86400)
    return response
