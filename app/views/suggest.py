"""Residents' forms: suggest a new activity or place, report a problem with a listing.

No account, no cookie, nothing personal required. Spam is kept out without puzzles: a field
people never see (bots fill it), a few seconds' minimum between opening and sending the form,
length limits and a limit per sender per hour.
"""
from __future__ import annotations

import time

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from app.web.i18n import gettext

from app.assets.record import CATEGORIES
from app.assets.search import get_asset
from app.assets.suggestions import LIMITS, SuggestionError, submit
from app.web import csrf
from app.web.db import get_db, get_write_db

bp = Blueprint("suggest", __name__)

# People take more than a few seconds to fill in a form; scripts do not.
MIN_SECONDS = 3


def looks_automatic() -> bool:
    """Say whether a resident's form was filled by a script: the hidden field, too quick, or sent twice."""
    if request.form.get("homepage"):
        return True
    form = csrf.read(request.form.get("csrf_token"))
    least = current_app.config.get("SUGGESTION_MIN_SECONDS", MIN_SECONDS)
    if form is None or time.time() - form.issued_at < least:
        return True
    # The time stamp counts once: replaying one old token does not skip the wait.
    return not csrf.spend(get_write_db(), form)


def _message(error: SuggestionError) -> str:
    if error.code == "too_long":
        return gettext("That is too long: %(max)d characters at most.", max=LIMITS.get(error.field, 0))
    if error.code == "too_many":
        return gettext("Thank you, but we have had several messages from you in the last hour. Please try again later.")
    if error.field == "name":
        return gettext("Please tell us its name.")
    return gettext("Please choose what is wrong.")


def _problem_labels() -> dict[str, str]:
    return {"out_of_date": gettext("Some details are out of date"), "closed": gettext("It has closed or stopped"),
            "extra": gettext("I have more information"), "other": gettext("Something else")}


def _handle(kind: str, asset: dict | None, template: str):
    error = None
    if request.method == "POST":
        if looks_automatic():
            return redirect(url_for("suggest.thanks"))  # tell a bot nothing
        fields = {k: request.form.get(k, "") for k in (*LIMITS, "problem")}
        if asset:
            fields["asset_id"] = asset["id"]
        try:
            submit(get_write_db(), kind, fields, request.remote_addr or "")
        except SuggestionError as exc:
            error = _message(exc)
        else:
            return redirect(url_for("suggest.thanks"))
    return render_template(template, asset=asset, error=error, form=request.form, problems=_problem_labels(),
                           categories=CATEGORIES, limits=LIMITS), 400 if error else 200


@bp.route("/suggest", methods=["GET", "POST"])


def suggest():
    return _handle("new", None, "pages/suggest.html")


@bp.route("/assets/<asset_id>/report", methods=["GET", "POST"])


def report(asset_id: str):
    asset = get_asset(get_db(), asset_id)
    if asset is None:
        abort(404)
    return _handle("problem", asset, "pages/report.html")


@bp.get("/suggest/thanks")


def thanks():
    return render_template("pages/thanks.html")
