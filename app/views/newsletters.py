"""The monthly ward newsletter as a PDF: from a ward's page (its language) and from the workspace's form.

Thin: gathering is app.newsletters.newsletter, printing app.newsletters.render.
"""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, render_template, request

from app.assets.search import list_wards
from app.cache import LRUCache
from app.newsletters.newsletter import NewsletterError, find_ward, gather, parse_month
from app.newsletters.render import check_language, filename, render_newsletter
from app.store.connection import data_version
from app.views.auth import sign_in_required
from app.web.db import get_db
from app.web.filters import local_now
from app.web.i18n import LANGUAGES, current_language, gettext

bp = Blueprint("newsletters", __name__)

# A newsletter takes about a second of the server's time to print, and anyone may ask for one from
# a ward page: the same ward, month, language and size is printed once per version of the data and
# day (the sheet says the day it was made). 21 wards x 2 sizes of this month in two languages fit.
_PRINTED = LRUCache(96)


def _pdf(body: bytes, name: str) -> Response:
    response = Response(body, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _print(ward_slug: str, month_text: str | None, lang: str, large: bool) -> Response:
    """Print a newsletter (the month defaults to this one); NewsletterError when asked for one that cannot be."""
    db = get_db()
    now = local_now()
    month = parse_month(month_text) if month_text else now.date().replace(day=1)
    check_language(lang)
    key = (data_version(db), now.date(), find_ward(db, ward_slug)["slug"], month, lang, large)
    printed = _PRINTED.get(key)
    if printed is None:
        news = gather(db, current_app.config["AREA"], ward_slug, month, now)
        printed = (render_newsletter(news, lang, large), filename(news, lang, large))
        _PRINTED.put(key, printed)
    return _pdf(*printed)


@bp.get("/wards/<slug>/newsletter.pdf")
def ward_newsletter(slug: str):
    """This month's newsletter for a ward, in the page's language; ?large=1 for large print, ?month=YYYY-MM."""
    try:
        find_ward(get_db(), slug)
    except NewsletterError:
        abort(404)
    try:
        return _print(slug, request.args.get("month"), current_language(), request.args.get("large") == "1")
    except NewsletterError as exc:
        return render_template("pages/error.html", title=gettext("Please check your search"), message=str(exc)), 400


# The form only asks for a file and changes nothing, so it is sent by GET and carries no CSRF token:
# a forged link could at most make someone download a newsletter.
@bp.get("/workspace/newsletter")
@sign_in_required
def workspace_form():
    db = get_db()
    chosen = {key: request.args.get(key, "").strip() for key in ("ward", "month", "language", "large")}
    chosen["month"] = chosen["month"] or f"{local_now():%Y-%m}"
    chosen["language"] = chosen["language"] or "en"
    problems = {}
    if "ward" in request.args:  # the form was sent: check each answer, then print
        checks = {"ward": lambda: find_ward(db, chosen["ward"]), "month": lambda: parse_month(chosen["month"]),
                  "language": lambda: check_language(chosen["language"])}
        for name, check in checks.items():
            try:
                check()
            except NewsletterError as exc:
                problems[name] = str(exc)
        if not chosen["ward"]:
            problems["ward"] = "Choose a ward."
        if not problems:
            return _print(chosen["ward"], chosen["month"], chosen["language"], chosen["large"] == "1")
    return render_template("workspace/newsletter.html", wards=list_wards(db), languages=LANGUAGES, chosen=chosen,
                           problems=problems), 400 if problems else 200
