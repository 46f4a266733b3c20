"""Residents' "trust a trader" pages: search, a trader's page, recommend, a printable sheet."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import format_date

from app.web.i18n import gettext

from app.assets.suggestions import LIMITS, SuggestionError, submit
from app.places.locate import LocateError, from_postcode
from app.traders import directory as traders
from app.views.suggest import _message, looks_automatic
from app.web.db import get_db, get_write_db
from app.web.filters import local_now, locate_message

bp = Blueprint("traders", __name__, url_prefix="/traders")

SORTS = ("recommended", "checked", "nearest")


def rule() -> tuple[int, int]:
    return (current_app.config.get("TRADER_MIN_RECOMMENDATIONS", 1), current_app.config.get("TRADER_MIN_CHECKS", 1))


def trade_name(slug: str) -> str:
    return gettext(traders.TRADES[slug]) if slug in traders.TRADES else slug


def check_words(check: dict) -> str:
    """Say a check in plain words: 'Insurance seen by a connector on 3 March 2026, valid to 1 March 2027'."""
    from datetime import date

    when = format_date(date.fromisoformat(check["checked_on"]), "d MMMM y")
    if check["kind"] == "insurance_seen":
        return gettext("Insurance seen by a connector on %(date)s, valid to %(expires)s", date=when,
                       expires=format_date(date.fromisoformat(check["expires_on"]), "d MMMM y"))
    if check["kind"] == "registration_confirmed":
        return gettext("%(scheme)s registration confirmed by a connector on %(date)s",
                       scheme=traders.SCHEMES.get(check["detail"], check["detail"]), date=when)
    label = traders.CHECKS[check["kind"]]
    return gettext("%(check)s by a connector on %(date)s", check=gettext(label), date=when)


def month_words(month: str | None) -> str:
    first = traders.job_month(month)
    return format_date(first, "MMMM y") if first else ""


def distance_words(band: int) -> str:
    """Say a distance band in plain words."""
    return (gettext("Under 2 km"), gettext("2 to 5 km"), gettext("Over 5 km"))[band]


@bp.app_context_processor
def trader_words():
    return {"trade_name": trade_name, "check_words": check_words, "month_words": month_words,
            "distance_words": distance_words, "initials": traders.initials,
            "trades_list": traders.TRADES}


def _wards(db):
    return [dict(zip(("ward_code", "ward_name", "slug"), r))
            for r in db.execute("select ward_code, ward_name, slug from wards order by ward_name")]


@bp.get("/")
def search():
    db = get_db()
    today = local_now().date()
    args = request.args
    problems, ward_code, postcode, near = [], None, None, None
    if args.get("postcode"):
        try:
            origin = from_postcode(db, args["postcode"], current_app.config["AREA"])
        except LocateError as exc:
            problems.append(locate_message(exc))
        else:
            postcode, ward_code, near = origin.label, origin.ward_code, (origin.easting, origin.northing)
    elif args.get("ward"):
        found = [w for w in _wards(db) if args["ward"] in (w["slug"], w["ward_code"])]
        if found:
            ward_code = found[0]["ward_code"]
        else:
            problems.append(gettext("We do not know a ward called “%(text)s”. Please choose one from the list.",
                                    text=args["ward"]))
    trade = args.get("trade") if args.get("trade") in traders.TRADES else None
    sort = args.get("sort") if args.get("sort") in SORTS else "recommended"
    results = [] if problems else traders.find_traders(
        db, *rule(), today, trade=trade, ward_code=ward_code, postcode=postcode, near=near,
        language=args.get("language") or None, q=(args.get("q") or "")[:200], sort=sort)
    languages = sorted({l.strip() for t in traders.public_traders(db, *rule(), today)
                        for l in t["languages"].replace(",", ";").split(";") if l.strip()}, key=str.casefold)
    return render_template("traders/search.html", results=results, problems=problems, wards=_wards(db),
                           trader_languages=languages, args=args, searched=bool(args), ward_code=ward_code, sorts=SORTS)


def _public_or_404(db, trader_id: str, today):
    found = next((t for t in traders.public_traders(db, *rule(), today) if t["id"] == trader_id), None)
    if found is None:
        abort(404)
    return found


@bp.get("/<trader_id>")
def trader(trader_id: str):
    db = get_db()
    today = local_now().date()
    found = _public_or_404(db, trader_id, today)
    checks = traders.checks_of(db, trader_id)
    confirmed = {c["detail"] for c in checks if c["kind"] == "registration_confirmed"}
    return render_template("traders/trader.html", trader=found, checks=checks, confirmed=confirmed,
                           recommendations=traders.recommendations_of(db, trader_id), wards=_wards(db))


@bp.route("/<trader_id>/recommend", methods=["GET", "POST"])
def recommend(trader_id: str):
    db = get_db()
    today = local_now().date()
    found = _public_or_404(db, trader_id, today)
    error = None
    if request.method == "POST":
        if looks_automatic():
            return redirect(url_for("suggest.thanks"))
        try:
            traders.recommend(get_write_db(), trader_id, request.form, request.remote_addr or "")
        except traders.TraderError as exc:
            error = {"given_name": gettext("Please give your first name or initials."),
                     "job": gettext("Please say what job they did."),
                     "bad_month": gettext("Please give the month and year of the job, for example 2026-03 for March 2026."),
                     "too_many": gettext("Thank you, but we have had several messages from you in the last hour. "
                                         "Please try again later.")}.get(
                exc.field if exc.message == "missing" else exc.message,
                gettext("Please check what you wrote: something is too long or not in the right form."))
        else:
            return redirect(url_for("suggest.thanks"))
    return render_template("traders/recommend.html", trader=found, wards=_wards(db), error=error, form=request.form,
                           limits=traders.LIMITS), 400 if error else 200


def _problem_labels() -> dict[str, str]:
    return {"bad_work": gettext("Something went wrong with work they did"),
            "behaviour": gettext("They behaved badly or pressed me to pay"),
            "out_of_date": gettext("Their details are wrong or out of date"), "other": gettext("Something else")}


@bp.route("/<trader_id>/report", methods=["GET", "POST"])
def report(trader_id: str):
    """Tell the connectors about a problem with a listed trader (it joins their suggestions queue)."""
    db = get_db()
    found = _public_or_404(db, trader_id, local_now().date())
    error = None
    if request.method == "POST":
        if looks_automatic():
            return redirect(url_for("suggest.thanks"))  # tell a bot nothing
        fields = {k: request.form.get(k, "") for k in ("problem", "details", "contact")}
        try:
            submit(get_write_db(), "problem", {**fields, "trader_id": trader_id}, request.remote_addr or "")
        except SuggestionError as exc:
            error = _message(exc)
        else:
            return redirect(url_for("suggest.thanks"))
    return render_template("traders/report.html", trader=found, error=error, form=request.form,
                           problems=_problem_labels(), limits=LIMITS), 400 if error else 200


@bp.get("/sheet")
def sheet():
    """A printable list of the checked, recommended traders serving one ward."""
    db = get_db()
    today = local_now().date()
    ward = next((w for w in _wards(db) if request.args.get("ward") in (w["slug"], w["ward_code"])), None)
    if ward is None:
        abort(404)
    results = traders.find_traders(db, *rule(), today, ward_code=ward["ward_code"])
    return render_template("traders/sheet.html", ward=ward, results=results,
                           checks={t["id"]: traders.checks_of(db, t["id"]) for t in results})
