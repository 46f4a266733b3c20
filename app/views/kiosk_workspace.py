"""The workspace side of library kiosks: the list, registering one, changing one. Thin over app.kiosks.kiosk."""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, g, redirect, render_template, request, url_for

from app.kiosks import kiosk as kiosks
from app.kiosks import usage
from app.views.auth import sign_in_required
from app.web.db import get_write_db
from app.web.filters import local_now
from app.web.i18n import LANGUAGES

bp = Blueprint("kiosk_workspace", __name__, url_prefix="/workspace/kiosks")

FORM_FIELDS = ("name", "place", "language", "idle_seconds", "printer")


@bp.get("/")
@sign_in_required
def index():
    db = get_write_db()
    return render_template("workspace/kiosks.html", kiosks=kiosks.list_kiosks(db), printers=kiosks.PRINTERS,
                           languages=LANGUAGES)


@bp.route("/new", methods=["GET", "POST"])
@sign_in_required
def new():
    return _edit(None)


@bp.route("/<int:kiosk_id>", methods=["GET", "POST"])
@sign_in_required
def edit(kiosk_id: int):
    return _edit(kiosk_id)


@bp.get("/<int:kiosk_id>/usage")
@sign_in_required
def usage_page(kiosk_id: int):
    """How much a kiosk was used, per ISO week: a bar chart for each kind of use, and the table it draws."""
    db = get_write_db()
    kiosk = kiosks.get_kiosk_by_id(db, kiosk_id)
    if kiosk is None:
        abort(404)
    weeks = usage.weekly(db, kiosk.id, local_now().date())
    charts = {group: usage.bars([(f"W{w.number:02d}", w.groups[group]) for w in weeks], 600, 110)
              for group in usage.GROUPS}
    tiles = {event: sum(w.events[event] for w in weeks) for event, (group, _) in usage.EVENTS.items()
             if group == "tiles"}
    return render_template("workspace/kiosk_usage.html", kiosk=kiosk, weeks=weeks, charts=charts, tiles=tiles,
                           groups=usage.GROUPS, events=usage.EVENTS)


@bp.get("/<int:kiosk_id>/usage.csv")
@sign_in_required
def usage_csv(kiosk_id: int):
    db = get_write_db()
    kiosk = kiosks.get_kiosk_by_id(db, kiosk_id)
    if kiosk is None:
        abort(404)
    response = Response("\ufeff" + usage.usage_csv(db, kiosk.id), mimetype="text/csv")  # BOM: spreadsheets read UTF-8
    response.headers["Content-Disposition"] = f'attachment; filename="kiosk-{kiosk.slug}-usage.csv"'
    return response


def _min_idle() -> int:
    # Only a test's configuration lowers it (a browser test cannot wait 30 s and more for each reset).
    return int(current_app.config.get("KIOSK_MIN_IDLE_SECONDS", kiosks.MIN_IDLE_SECONDS))


def _edit(kiosk_id: int | None):
    db = get_write_db()
    current = kiosks.get_kiosk_by_id(db, kiosk_id) if kiosk_id is not None else None
    if kiosk_id is not None and current is None:
        abort(404)
    problems: dict[str, str] = {}
    if request.method == "POST":
        values = {k: request.form.get(k, "") for k in FORM_FIELDS}
        try:
            saved = kiosks.save_kiosk(db, current_app.config["AREA"], g.user, values, kiosk_id, _min_idle())
        except kiosks.KioskError as error:
            problems = error.problems
        else:
            return redirect(url_for("kiosk_workspace.edit", kiosk_id=saved.id, saved=1))
        form = values
    elif current is not None:
        form = {"name": current.name, "place": current.place_label, "language": current.language,
                "idle_seconds": current.idle_seconds, "printer": current.printer}
    else:
        form = {"language": "en", "idle_seconds": kiosks.DEFAULT_IDLE_SECONDS, "printer": "a4"}
    return render_template(
        "workspace/kiosk_edit.html", kiosk=current, form=form, problems=problems, printers=kiosks.PRINTERS,
        languages=LANGUAGES, min_idle=_min_idle(), max_idle=kiosks.MAX_IDLE_SECONDS,
        history=kiosks.kiosk_history(db, current.id) if current else [],
        kiosk_url=url_for("kiosk.welcome", slug=current.slug, _external=True) if current else None,
    ), 400 if problems else 200
