"""Planning a patch walk in the workspace: choose where and how long, check the proposed stops, save it."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, current_app, g, redirect, render_template, request, url_for

from app.places.locate import LocateError, from_coordinates, from_postcode
from app.views.auth import sign_in_required
from app.views.walk_phone import no_walk
from app.walks.planner import End, PlanError, candidates, make_plan
from app.walks.progress import phone_stops
from app.walks.route import StraightLine
from app.walks.walk import load_walk, save_walk
from app.web.db import get_write_db
from app.web.filters import local_now, locate_message

bp = Blueprint("walk_plan", __name__, url_prefix="/workspace/walks")

RADII = (500, 1000, 1500, 2000, 3000)
BUDGETS = (30, 45, 60, 90, 120, 180)


def walking_model():
    """The area's street network when it names one (app/walks/streets.py), else the straight line x 1.3."""
    return current_app.extensions.get("street_network") or StraightLine()


@dataclass
class Asked:
    """What the connector asked for, read from the form, with a message per field that could not be used."""
    ward: dict | None = None
    centre: End | None = None
    radius: int | None = None
    start: End | None = None
    end: End | None = None
    budget: int | None = None
    per_stop: int = 5
    errors: dict | None = None


def _wards(db) -> list[dict]:
    return [dict(r) for r in db.execute("select ward_code, ward_name, slug from wards order by ward_name")]


def _int(value, low: int, high: int) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if low <= number <= high else None


def _place(db, prefix: str, args) -> End | None:
    """A start or end from the form: a postcode, "here" (the phone's position) or a listing."""
    kind = args.get(f"{prefix}_kind", "postcode" if prefix == "start" else "same")
    area = current_app.config["AREA"]
    if kind == "postcode":
        text = args.get(f"{prefix}_postcode", "").strip()
        if not text:
            raise PlanError("Type a postcode, or choose another way to say where.")
        try:
            origin = from_postcode(db, text, area)
        except LocateError as error:
            raise PlanError(locate_message(error)) from None
        if origin.ward_code is None:
            raise PlanError(f"{origin.label} is outside {area.name}: walks are planned inside it.")
        return End(origin.label, (origin.easting, origin.northing))
    if kind == "here":
        if not args.get(f"{prefix}_lat"):
            raise PlanError("The phone did not share where it is (it may have been refused, or be switched off). "
                            "Type a postcode instead.")
        try:
            origin = from_coordinates(db, args.get(f"{prefix}_lat"), args.get(f"{prefix}_lon"))
        except LocateError as error:
            raise PlanError(locate_message(error)) from None
        if origin.ward_code is None:
            raise PlanError(f"That position is outside {area.name}: walks are planned inside it.")
        return End("Where I was when I planned it", (origin.easting, origin.northing))
    if kind == "listing":
        asset_id = args.get(f"{prefix}_listing", "")
        row = db.execute("select name, easting, northing, location_precision, status from assets where id = ?",
                         [asset_id]).fetchone()
        if row is None or row["status"] == "deleted":
            raise PlanError("That listing does not exist any more. Choose another, or type a postcode.")
        if row["location_precision"] == "ward" or row["easting"] is None:
            raise PlanError(f"{row['name']} has no place on the map, so a walk cannot start or end there.")
        return End(row["name"], (row["easting"], row["northing"]))
    if kind == "none" and prefix == "end":
        return None
    raise PlanError("Choose where the walk starts and ends.")


def _read(db, args) -> Asked:
    asked, errors = Asked(errors={}), {}
    scope = args.get("scope", "ward")
    if scope == "ward":
        code = args.get("ward", "")
        asked.ward = next((w for w in _wards(db) if code in (w["slug"], w["ward_code"])), None)
        if asked.ward is None:
            errors["ward"] = "Choose a ward."
    else:
        asked.radius = _int(args.get("radius"), 100, 5000)
        if asked.radius is None:
            errors["radius"] = "Choose how far from the start the walk may go."
    try:
        asked.start = _place(db, "start", args)
    except PlanError as error:
        errors["start"] = str(error)
    if args.get("end_kind", "same") == "same":
        asked.end = asked.start
    else:
        try:
            asked.end = _place(db, "end", args)
        except PlanError as error:
            errors["end"] = str(error)
    if scope != "ward" and asked.start:
        asked.centre = asked.start
    asked.budget = _int(args.get("budget"), 10, 600)
    if asked.budget is None:
        errors["budget"] = "Give the time you have in minutes, between 10 and 600."
    asked.per_stop = _int(args.get("per_stop"), 1, 60) or current_app.config["AREA"].walk_minutes_per_stop
    asked.errors = errors
    return asked


def _listings_to_start_from(db) -> list[dict]:
    """Libraries and community centres with a place: the usual places a walk starts and ends."""
    return [dict(r) for r in db.execute(
        "select id, name, ward_name from assets where status != 'deleted' and location_precision != 'ward' "
        "and easting is not null and category in ('library', 'community_centre') order by name collate nocase")]


def _form(db, args, errors=None, status=200):
    return render_template("workspace/walks/plan_form.html", args=args, errors=errors or {}, wards=_wards(db),
                           listings=_listings_to_start_from(db), radii=RADII, budgets=BUDGETS,
                           per_stop=current_app.config["AREA"].walk_minutes_per_stop), status


@bp.get("/new")
@sign_in_required
def new():
    return _form(get_write_db(), request.args)


def _plan(db, args, chosen):
    asked = _read(db, args)
    if asked.errors:
        return asked, None, None
    area = current_app.config["AREA"]
    found = candidates(db, local_now().date(), ward_code=asked.ward["ward_code"] if asked.ward else None,
                       centre=asked.centre.place if asked.centre else None, radius_m=asked.radius,
                       stale_months=area.walk_stale_months)
    try:
        plan = make_plan(found, walking_model(), chosen=chosen, start=asked.start, end=asked.end,
                         budget_minutes=asked.budget, minutes_per_stop=asked.per_stop)
    except PlanError as error:
        return asked, found, str(error)
    return asked, found, plan


@bp.get("/plan")
@sign_in_required
def propose():
    db = get_write_db()
    chosen = request.args.getlist("stop") if request.args.get("chosen") else None
    asked, found, plan = _plan(db, request.args, chosen)
    if asked.errors:
        return _form(db, request.args, asked.errors, 400)
    problem = plan if isinstance(plan, str) else None
    return render_template("workspace/walks/plan.html", args=request.args, asked=asked, found=found,
                           plan=None if problem else plan, problem=problem,
                           kept={c.asset_id for c in plan.stops} if not problem else set(chosen or ())), \
        (422 if problem else 200)


@bp.post("/plan")
@sign_in_required
def save():
    db = get_write_db()
    asked, found, plan = _plan(db, request.form, request.form.getlist("stop"))
    if asked.errors:
        return _form(db, request.form, asked.errors, 400)
    if isinstance(plan, str):
        return render_template("workspace/walks/plan.html", args=request.form, asked=asked, found=found,
                               plan=None, problem=plan, kept=set(request.form.getlist("stop"))), 422
    where = asked.ward["ward_name"] if asked.ward else f"{asked.radius} m round {asked.start.label}"
    title = request.form.get("title", "").strip()[:100] or f"{where}, {local_now():%-d %B}"
    try:
        walk_id = save_walk(db, g.user, ward_code=asked.ward["ward_code"] if asked.ward else None, title=title,
                            asset_ids=[c.asset_id for c in plan.stops] + [c.asset_id for c in found.ward_level],
                            start_label=asked.start.label if asked.start else "",
                            end_label=asked.end.label if asked.end else "", budget_minutes=asked.budget,
                            minutes_per_stop=asked.per_stop, plan=plan.as_saved())
    except ValueError as error:  # a listing deleted between the proposal and the save
        return render_template("workspace/walks/plan.html", args=request.form, asked=asked, found=found,
                               plan=None, problem=f"Nothing was saved: {error}. Check the stops again.",
                               kept=set()), 409
    return redirect(url_for(".overview", walk_id=walk_id), 303)


@bp.get("/<walk_id>")
@sign_in_required
def overview(walk_id: str):
    db = get_write_db()
    walk = load_walk(db, walk_id)
    if walk is None:
        return no_walk()
    stops = phone_stops(db, walk)
    return render_template("workspace/walks/overview.html", walk=walk, stops=stops,
                           route_stops=[s for s in stops if s["lat"] is not None or s["gone"]],
                           ask_around=[s for s in stops if s["lat"] is None and not s["gone"]])
