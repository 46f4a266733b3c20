"""The workspace side of trust a trader: details, checks, listing, moderation, paper feedback."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, g, redirect, render_template, request, url_for

from app.assets import suggestions
from app.traders import directory as traders
from app.views.auth import sign_in_required, workspace_target
from app.views.traders import rule
from app.web.db import get_write_db
from app.web.filters import local_now

bp = Blueprint("trader_workspace", __name__, url_prefix="/workspace/traders")


def _form_values() -> dict:
    form = request.form
    memberships = [{"scheme": s, "number": form.get(f"member_{s}", "").strip()}
                   for s in traders.SCHEMES if form.get(f"has_{s}")]
    return {"name": form.get("name"), "trades": form.getlist("trades"),
            "areas": [a for a in form.get("areas", "").replace(";", ",").split(",")],
            "base_postcode": form.get("base_postcode"), "phone": form.get("phone"), "email": form.get("email"),
            "website": form.get("website"), "languages": form.get("languages"), "memberships": memberships,
            "callout_charge": form.get("callout_charge"), "free_quotes": form.get("free_quotes"), "note": form.get("note")}


def _trader(db, trader_id: str) -> dict:
    row = db.execute("select * from traders where id = ?", [trader_id]).fetchone()
    if row is None:
        abort(404)
    return traders._decode(dict(row))


@bp.get("/")
@sign_in_required
def index():
    db = get_write_db()
    today = local_now().date()
    rows = [traders._decode(dict(r)) for r in db.execute("select * from traders order by name collate nocase")]
    for t in rows:
        t["standing"] = traders.standing(db, t["id"], today)
    waiting = db.execute("select count(*) from recommendations where status = 'pending'").fetchone()[0]
    return render_template("workspace/traders.html", rows=rows, waiting=waiting)


@bp.route("/new", methods=["GET", "POST"])
@sign_in_required
def new():
    error = None
    if request.method == "POST":
        try:
            trader_id = traders.save_trader(get_write_db(), g.user, _form_values())
        except traders.TraderError as exc:
            error = str(exc)
        else:
            return redirect(url_for("trader_workspace.edit", trader_id=trader_id))
    return render_template("workspace/trader_edit.html", trader=None, error=error, form=request.form,
                           trades=traders.TRADES, schemes=traders.SCHEMES), 400 if error else 200


@bp.route("/<trader_id>", methods=["GET", "POST"])
@sign_in_required
def edit(trader_id: str):
    db = get_write_db()
    trader = _trader(db, trader_id)
    error = None
    if request.method == "POST":
        try:
            traders.save_trader(db, g.user, _form_values(), trader_id)
        except traders.TraderError as exc:
            error = str(exc)
        else:
            return redirect(url_for("trader_workspace.edit", trader_id=trader_id, saved=1))
    today = local_now().date()
    history = [dict(r) for r in db.execute("select at, user_name, action, field, old_value, new_value, note "
                                           "from trader_changes where trader_id = ? order by id desc", [trader_id])]
    return render_template("workspace/trader_edit.html", trader=trader, error=error, form=request.form,
                           trades=traders.TRADES, schemes=traders.SCHEMES, checks=traders.checks_of(db, trader_id),
                           standing=traders.standing(db, trader_id, today), history=history,
                           recommendations=traders.recommendations_of(db, trader_id, ("pending", "approved", "rejected")),
                           check_kinds=traders.CHECKS, statuses=traders.STATUSES, rule=rule(),
                           problems=[s for s in suggestions.open_suggestions(db) if s.trader_id == trader_id],
                           wards=[dict(zip(("ward_code", "ward_name"), r)) for r in
                                  db.execute("select ward_code, ward_name from wards order by ward_name")]
                           ), 400 if error else 200


def _message(title: str, message: str, status: int):
    return render_template("workspace/message.html", title=title, message=message), status


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@bp.post("/<trader_id>/checks")
@sign_in_required
def add_check(trader_id: str):
    db = get_write_db()
    _trader(db, trader_id)
    checked_on = _date(request.form.get("checked_on")) or local_now().date()
    try:
        traders.add_check(db, g.user, trader_id, request.form.get("kind", ""), checked_on,
                          _date(request.form.get("expires_on")), request.form.get("detail", ""))
    except traders.TraderError as exc:
        return _message("Check not recorded", str(exc), 400)
    return redirect(url_for("trader_workspace.edit", trader_id=trader_id, saved=1))


@bp.post("/<trader_id>/status")
@sign_in_required
def set_status(trader_id: str):
    db = get_write_db()
    _trader(db, trader_id)
    try:
        traders.set_status(db, g.user, trader_id, request.form.get("status", ""), request.form.get("reason", ""),
                           *rule(), local_now().date())
    except traders.TraderError as exc:
        return _message("Status not changed", str(exc), 400)
    return redirect(url_for("trader_workspace.edit", trader_id=trader_id, saved=1))


@bp.post("/<trader_id>/paper")
@sign_in_required
def paper(trader_id: str):
    db = get_write_db()
    _trader(db, trader_id)
    try:
        traders.recommend(db, trader_id, request.form, "", channel="paper", moderator=g.user)
    except traders.TraderError as exc:
        if exc.message == "bad_month":
            return _message("Not recorded", "The month must be a real month, not in the future, written YYYY-MM "
                                            "(2026-03 for March 2026).", 400)
        return _message("Not recorded", str(exc), 400)
    return redirect(url_for("trader_workspace.edit", trader_id=trader_id, saved=1))


@bp.get("/recommendations")
@sign_in_required
def queue():
    db = get_write_db()
    items = [dict(r) for r in db.execute(
        "select r.*, t.name as trader_name, w.ward_name from recommendations r join traders t on t.id = r.trader_id "
        "left join wards w on w.ward_code = r.ward_code where r.status = 'pending' order by r.id")]
    return render_template("workspace/recommendations.html", items=items)


@bp.post("/recommendations/<int:recommendation_id>")
@sign_in_required
def moderate(recommendation_id: int):
    db = get_write_db()
    action = request.form.get("action")
    try:
        if action in ("approve", "reject"):
            traders.moderate(db, g.user, recommendation_id, action == "approve", request.form.get("reply", ""))
        elif action == "reply":
            traders.set_reply(db, g.user, recommendation_id, request.form.get("reply", ""))
        else:
            abort(400)
    except traders.TraderError as exc:
        return _message("Not changed", str(exc), 404 if exc.field == "id" else 400)
    return redirect(workspace_target(request.form.get("back"), url_for("trader_workspace.queue")))
