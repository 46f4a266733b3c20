"""Plain HTML pages: the index of wards and assets, and one page per asset."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template

from ..assets import CATEGORIES
from ..db import get_db
from ..schedule import Session, describe_session
from ..search import find_assets, get_asset, list_wards

bp = Blueprint("pages", __name__)


@bp.app_context_processor
def inject_area():
    return {"area": current_app.config["AREA"], "categories": CATEGORIES}


@bp.app_template_filter("describe_sessions")
def describe_sessions(sessions: list[dict]) -> list[str]:
    return [describe_session(Session.from_dict(s)) for s in sessions]


@bp.get("/")
def index():
    db = get_db()
    total, assets = find_assets(db, limit=10_000)
    return render_template("pages/index.html", wards=list_wards(db), assets=assets, total=total)


@bp.get("/assets/<asset_id>")
def asset(asset_id: str):
    found = get_asset(get_db(), asset_id)
    if found is None:
        abort(404)
    return render_template("pages/asset.html", asset=found)
