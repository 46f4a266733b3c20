"""A walk on the connector's phone: the current stop, big buttons, and outcomes sent later when offline."""
from __future__ import annotations

import json
from pathlib import Path

from flask import Blueprint, current_app, g, jsonify, redirect, render_template, request, send_from_directory, url_for

from app.assets.search import ROUTE_FACTOR, WALKING_METRES_PER_MINUTE
from app.views.auth import sign_in_required
from app.views.captures import max_photo_bytes
from app.walks.outcomes import SHORT_EDIT, finish_walk, record_outcome
from app.walks.progress import current_stop, phone_stops
from app.walks.walk import load_walk
from app.web.csrf import generate_token
from app.web.db import get_write_db
from app.web.filters import local_now

bp = Blueprint("walk_phone", __name__, url_prefix="/workspace/walks")

STATIC = Path(__file__).resolve().parent.parent / "static"
# A phone that was offline all afternoon sends its outcomes in one go; more than this is not a walk.
MAX_ITEMS = 200
STATUS_CODES = {"saved": 200, "already": 200, "conflict": 409, "gone": 410, "invalid": 400}


def _made_by_someone_else(item: dict) -> dict | None:
    """On a phone shared by connectors, outcomes kept by one are never sent in another's name."""
    by = str(item.get("by") or "")
    if not by or by == g.user.name:
        return None
    return {"status": "someone_else", "version": None, "conflict": None,
            "message": f"{by} made this on this phone. It is kept here until {by} signs in and opens this walk."}


def no_walk():
    return render_template("workspace/message.html", title="No such walk",
                           message="There is no walk at this address. It may have been mistyped or removed: "
                                   "plan a new walk, or ask whoever printed the sheet."), 404


def _int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@bp.get("/sw.js")
@sign_in_required
def service_worker():
    """The walk pages' service worker, served from here so its scope covers /workspace/walks/."""
    return send_from_directory(STATIC, "walk-sw.js", mimetype="text/javascript", max_age=0)


@bp.get("/<walk_id>/go")
@sign_in_required
def go(walk_id: str):
    return _go(walk_id)


def _go(walk_id: str, answered: dict | None = None, status: int = 200):
    walk = load_walk(get_write_db(), walk_id)
    if walk is None:
        return no_walk()
    stops = phone_stops(get_write_db(), walk)
    chosen = _int_or_none(request.args.get("stop"))
    shown = (answered or {}).get("seq") or chosen
    current = next((s for s in stops if s["seq"] == shown), None) or current_stop(stops)
    return render_template("workspace/walks/go.html", walk=walk, stops=stops, current=current, answered=answered,
                           done=request.args.get("done"), short_edit=SHORT_EDIT, max_bytes=max_photo_bytes(),
                           walking={"route_factor": ROUTE_FACTOR, "metres_per_minute": WALKING_METRES_PER_MINUTE},
                           all_gone=bool(stops) and all(s["gone"] for s in stops)), status


@bp.get("/<walk_id>.json")
@sign_in_required
def data(walk_id: str):
    """The walk's stops as the phone keeps them offline, with a fresh form token for sending outcomes later."""
    walk = load_walk(get_write_db(), walk_id)
    if walk is None:
        return jsonify({"error": "There is no such walk."}), 404
    return jsonify({"id": walk.id, "title": walk.title, "status": walk.status, "csrf_token": generate_token(),
                    "stops": phone_stops(get_write_db(), walk)})


def _record(walk_id: str, item: dict):
    seq = _int_or_none(item.get("seq"))
    if seq is None:
        return None
    changes = {k: str(item.get(k) or "") for k in SHORT_EDIT if k in item}
    return record_outcome(get_write_db(), current_app.config["AREA"], g.user, walk_id, seq,
                          str(item.get("outcome") or ""), based_on=_int_or_none(item.get("based_on")),
                          changes=changes, note=str(item.get("note") or ""), today=local_now().date())


@bp.post("/<walk_id>/stops/<int:seq>")
@sign_in_required
def outcome(walk_id: str, seq: int):
    """Record one stop's outcome from the page's own form (the phone's script sends them through sync instead)."""
    if load_walk(get_write_db(), walk_id) is None:
        return no_walk()
    item = {k: request.form.get(k, "") for k in ("outcome", "based_on", "note")}
    if request.form.get("outcome") == "changed":
        item.update({k: request.form.get(k, "") for k in SHORT_EDIT})
    result = _record(walk_id, {**item, "seq": seq})
    if result.status in ("saved", "already"):
        return redirect(url_for(".go", walk_id=walk_id, done=seq))
    return _go(walk_id, {"seq": seq, **result.as_json()}, STATUS_CODES[result.status])


@bp.post("/<walk_id>/sync")
@sign_in_required
def sync(walk_id: str):
    """Record outcomes a phone kept while offline; answer each one: saved, already, conflict, gone or invalid."""
    if load_walk(get_write_db(), walk_id) is None:
        return jsonify({"error": "There is no such walk: nothing was saved."}), 404
    try:
        items = json.loads(request.form.get("items", ""))
    except ValueError:
        items = None
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items) or len(items) > MAX_ITEMS:
        return jsonify({"error": f"The phone sent something that is not a list of up to {MAX_ITEMS} outcomes."}), 400
    results = []
    for item in items:
        answer = _made_by_someone_else(item)
        if answer is None:
            result = _record(walk_id, item)
            answer = result.as_json() if result else {"status": "invalid", "message": "This outcome names no stop."}
        results.append({"id": str(item.get("id", "")), "seq": item.get("seq"), **answer})
    return jsonify({"results": results, "walk_status": load_walk(get_write_db(), walk_id).status})


@bp.post("/<walk_id>/finish")
@sign_in_required
def finish(walk_id: str):
    """Finish a walk by hand, with stops still unvisited (rain, a closed road)."""
    if load_walk(get_write_db(), walk_id) is None:
        return no_walk()
    finish_walk(get_write_db(), walk_id)
    return redirect(url_for(".go", walk_id=walk_id))
