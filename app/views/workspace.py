"""The connectors' workspace: what needs attention, editing, history, verifying, accounts."""
from __future__ import annotations

import secrets
from datetime import date
from pathlib import Path

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, url_for
from werkzeug.utils import secure_filename

from app import store
from app.accounts import ROLES, UserError, add_user, deactivate, list_users, set_password, unlock
from app.assets import suggestions
from app.assets.edits import (
    ConflictError,
    EditError,
    form_values,
    has_original,
    history,
    likely_duplicates,
    note_change,
    restore,
    save_asset,
    set_status,
    verify,
    workspace_asset,
)
from app.assets.exchange import ImportRefused, apply_import, plan_import
from app.assets.record import CATEGORIES, STATUSES, CsvFileError
from app.assets.schedule import ScheduleError, assumed_weeks, parse_schedule
from app.cache import LRUCache
from app.views.auth import admin_required, sign_in_required, workspace_target
from app.walks import captures
from app.walks.coverage import ward_coverage
from app.web.db import get_write_db
from app.web.filters import local_now
from app.web.wording import file_size

bp = Blueprint("workspace", __name__, url_prefix="/workspace")

STALE_DAYS = {"six_months": 183, "a_year": 365}


@bp.app_errorhandler(store.Unavailable)
def restoring(error):
    """Say plainly that nothing was saved while a long restore runs (writes wait a minute first)."""
    return render_template("workspace/message.html", title="Not saved yet", message=str(error)), 503


def _today() -> date:
    return local_now().date()


def _schedule_notes(text: str) -> list[str]:
    """Say which weeks an 'every other week' schedule with no start date was taken to mean."""
    try:
        return assumed_weeks(parse_schedule(text), _today())
    except ScheduleError:
        return []  # saving reports what is wrong with it


def _age_days(asset: dict, today: date) -> int | None:
    return (today - date.fromisoformat(asset["last_verified"])).days if asset["last_verified"] else None


@bp.get("/")
@sign_in_required
def dashboard():
    """What needs attention, filterable by ward so each connector sees their patch."""
    db = get_write_db()
    ward = request.args.get("ward", "")
    today = _today()
    sql = ("select id, name, category, ward_code, ward_name, status, last_verified, verified_by, location_precision, "
           "outside_area from assets where status != 'deleted'" + (" and ward_code = ?" if ward else "") +
           " order by name collate nocase")
    assets = [dict(r) for r in db.execute(sql, [ward] if ward else [])]
    groups = {"never": [], "a_year": [], "six_months": [], "outside": [], "ward_only": []}
    for asset in assets:
        age = _age_days(asset, today)
        if age is None:
            groups["never"].append(asset)
        elif age > STALE_DAYS["a_year"]:
            groups["a_year"].append(asset)
        elif age > STALE_DAYS["six_months"]:
            groups["six_months"].append(asset)
        if asset["outside_area"]:
            groups["outside"].append(asset)
        if asset["location_precision"] == "ward":
            groups["ward_only"].append(asset)
    wards = [dict(r) for r in db.execute("select ward_code, ward_name from wards order by ward_name")]
    waiting = db.execute("select count(*) from suggestions where status = 'open'").fetchone()[0]
    coverage = ward_coverage(db, today, STALE_DAYS["six_months"], ward or None)
    return render_template("workspace/dashboard.html", groups=groups, wards=wards, ward=ward, total=len(assets),
                           waiting=waiting, coverage=coverage)


def _form_problems(error: EditError) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    for problem in error.problems:
        problems.setdefault(problem.column or "form", []).append(problem.message)
    return problems


@bp.route("/assets/new", methods=["GET", "POST"])
@sign_in_required
def new_asset():
    return _edit(None)


@bp.route("/assets/<asset_id>", methods=["GET", "POST"])
@sign_in_required
def edit_asset(asset_id: str):
    return _edit(asset_id)


def _edit(asset_id: str | None):
    db = get_write_db()
    current = workspace_asset(db, asset_id) if asset_id else None
    if asset_id and current is None:
        abort(404)
    values = form_values(current) if current else {}
    problems, warnings, conflict, saved = {}, [], None, request.args.get("saved")
    version = current["version"] if current else None
    from_suggestion = _suggestion_from(request.values.get("suggestion"))
    note = ""
    if from_suggestion and request.method == "GET":
        if from_suggestion.kind in ("new", suggestions.CAPTURE) and not current:
            values = suggestions.as_asset_values(from_suggestion)
        note = (f"From a poster captured on foot (suggestion {from_suggestion.id})"
                if from_suggestion.kind == suggestions.CAPTURE else f"From resident suggestion {from_suggestion.id}")
    if request.method == "POST":
        values = {k: request.form.get(k, "") for k in request.form
                  if k not in ("csrf_token", "version", "note", "suggestion")}
        try:
            expected = int(request.form.get("version", "")) if asset_id else None
        except ValueError:
            expected = None
        try:
            result = save_asset(db, current_app.config["AREA"], g.user, values, asset_id, expected,
                                request.form.get("note", ""), today=_today())
        except EditError as exc:
            problems = _form_problems(exc)
        except ConflictError as exc:
            conflict = exc
            version = exc.current_version
        else:
            if from_suggestion:
                suggestions.close(db, g.user, from_suggestion.id, "accepted", merged_into=result.asset_id)
                return redirect(url_for("workspace.suggestion_queue", done=from_suggestion.id))
            return redirect(url_for("workspace.edit_asset", asset_id=result.asset_id, saved=1))
    if not problems and not conflict and (current or values.get("name")):
        warnings = likely_duplicates(db, values.get("name", ""), values.get("postcode") or None,
                                     current["ward_code"] if current else None, asset_id)
    return render_template("workspace/edit.html", asset=current, values=values, problems=problems,
                           warnings=warnings, conflict=conflict, version=version, saved=saved, note=note,
                           suggestion=from_suggestion, categories=CATEGORIES,
                           schedule_notes=_schedule_notes(values.get("schedule", "")),
                           statuses=STATUSES), (409 if conflict else 400 if problems else 200)


def _suggestion_from(value: str | None):
    if not value or not value.isdigit():
        return None
    found = suggestions.get(get_write_db(), int(value))
    return found if found and found.status == "open" else None


@bp.get("/suggestions")
@sign_in_required
def suggestion_queue():
    db = get_write_db()
    names = dict(db.execute("select id, name from assets").fetchall())
    trader_names = dict(db.execute("select id, name from traders").fetchall())
    items = suggestions.open_suggestions(db)
    photos = captures.for_suggestions(db, [i.id for i in items if i.kind == suggestions.CAPTURE])
    return render_template("workspace/suggestions.html", items=items, names=names,
                           trader_names=trader_names, done=request.args.get("done"), captures=photos)


@bp.post("/suggestions/<int:suggestion_id>")
@sign_in_required
def handle_suggestion(suggestion_id: int):
    db = get_write_db()
    item = suggestions.get(db, suggestion_id)
    if item is None:
        abort(404)
    action = request.form.get("action")
    if action == "accept":
        if item.trader_id:  # acted on (a call, a suspension) on the trader's own page, then marked dealt with
            suggestions.close(db, g.user, item.id, "accepted")
            return redirect(url_for("workspace.suggestion_queue", done=item.id))
        if item.kind in ("new", suggestions.CAPTURE):
            return redirect(url_for("workspace.new_asset", suggestion=item.id))
        return redirect(url_for("workspace.edit_asset", asset_id=item.asset_id, suggestion=item.id))
    try:
        if action == "reject":
            suggestions.close(db, g.user, item.id, "rejected", request.form.get("reason", ""))
        elif action == "merge":
            target = request.form.get("asset_id", "").strip() or item.asset_id
            if not target or workspace_asset(db, target) is None:
                return render_template("workspace/message.html", title="Not merged",
                                       message=f"There is no listing with the id “{target}”."), 400
            suggestions.close(db, g.user, item.id, "merged", request.form.get("reason", ""), merged_into=target)
            note_change(db, g.user, target, f"Merged resident suggestion {item.id}: {item.name} {item.details}".strip())
        else:
            abort(400)
    except suggestions.SuggestionError:
        return render_template("workspace/message.html", title="Not rejected",
                               message="Please give a reason for rejecting it."), 400
    return redirect(url_for("workspace.suggestion_queue", done=item.id))


@bp.post("/assets/<asset_id>/status")
@sign_in_required
def change_status(asset_id: str):
    db = get_write_db()
    try:
        set_status(db, g.user, asset_id, request.form.get("status", ""), request.form.get("note", ""))
    except EditError as exc:
        if workspace_asset(db, asset_id) is None:
            abort(404)
        return render_template("workspace/message.html", title="Not changed", message=str(exc)), 403
    return redirect(url_for("workspace.edit_asset", asset_id=asset_id, saved=1))


@bp.post("/assets/<asset_id>/verify")
@sign_in_required
def verify_asset(asset_id: str):
    db = get_write_db()
    try:
        verify(db, g.user, asset_id, _today(), request.form.get("note", ""))
    except EditError as exc:
        if workspace_asset(db, asset_id) is None:
            abort(404)
        return render_template("workspace/message.html", title="Not checked", message=str(exc)), 403
    return redirect(workspace_target(request.form.get("back"),
                                     url_for("workspace.edit_asset", asset_id=asset_id, saved=1)))


@bp.get("/assets/<asset_id>/history")
@sign_in_required
def asset_history(asset_id: str):
    db = get_write_db()
    current = workspace_asset(db, asset_id)
    if current is None:
        abort(404)
    entries = history(db, asset_id)
    return render_template("workspace/history.html", asset=current, entries=entries, original=has_original(entries))


@bp.post("/assets/<asset_id>/restore/<int:change_set>")
@sign_in_required
def restore_asset(asset_id: str, change_set: int):
    db = get_write_db()
    if workspace_asset(db, asset_id) is None:
        abort(404)
    try:
        restore(db, current_app.config["AREA"], g.user, asset_id, change_set, request.form.get("note", ""))
    except (EditError, ConflictError) as exc:
        return render_template("workspace/message.html", title="Not restored", message=str(exc)), 409
    return redirect(url_for("workspace.asset_history", asset_id=asset_id))


@bp.route("/users", methods=["GET", "POST"])
@admin_required
def users():
    db = get_write_db()
    error = None
    if request.method == "POST":
        action, name = request.form.get("action", "add"), request.form.get("name", "")
        try:
            if action == "add":
                add_user(db, name, request.form.get("password", ""), request.form.get("role", "connector"))
            elif action == "password":
                set_password(db, name, request.form.get("password", ""))
            elif action == "deactivate":
                deactivate(db, name, g.user)
            elif action == "unlock":
                unlock(db, name)
            else:
                abort(400)
        except UserError as exc:
            error = str(exc)
        else:
            return redirect(url_for("workspace.users"))
    return render_template("workspace/users.html", users=list_users(db), roles=ROLES, error=error), 400 if error else 200


def _uploads() -> Path:
    return store.private_dir(Path(current_app.instance_path) / "uploads")


def _discard(token: str) -> None:
    for suffix in (".csv", ".name"):
        (_uploads() / f"{token}{suffix}").unlink(missing_ok=True)


bp.add_app_template_filter(file_size, "file_size")


@bp.app_errorhandler(413)
def too_large(error):
    """Say how big a file may be, instead of a bare error."""
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    return render_template("workspace/message.html", title="The file is too large",
                           message=f"Files can be up to {file_size(limit)}. Nothing was uploaded. "
                                   "Split the spreadsheet into smaller files, or ask an admin to raise "
                                   "ASSETMAP_MAX_CONTENT_LENGTH."), 413


# The previews shown, by upload: an apply soon after its preview writes it without planning again
# (apply_import checks nothing has changed since, and plans afresh if anything has).
_PREVIEWS = LRUCache(8)


@bp.route("/import", methods=["GET", "POST"])
@sign_in_required
def import_upload():
    """Upload a spreadsheet and see what it would change, before anything is written."""
    error = plan = token = None
    if request.method == "POST":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            error = "Choose a CSV file first."
        else:
            token = secrets.token_hex(12)
            path = _uploads() / f"{token}.csv"
            upload.save(store.private_file(path))
            # The name the connector gave the file is what the history should say.
            name = secure_filename(upload.filename) or "upload.csv"
            store.private_file(_uploads() / f"{token}.name").write_text(name)
            try:
                plan = plan_import(get_write_db(), current_app.config["AREA"], path, _today(), name)
                _PREVIEWS.put(token, plan)
            except CsvFileError as exc:
                error = str(exc)
                _discard(token)
                token = None
    return render_template("workspace/import.html", plan=plan, token=token, error=error), 400 if error else 200


@bp.post("/import/<token>/cancel")
@sign_in_required
def import_cancel(token: str):
    """Forget an uploaded file without importing it."""
    if not token.isalnum():
        abort(404)
    _discard(token)
    return render_template("workspace/message.html", title="Import cancelled",
                           message="Nothing was imported, and the uploaded file has been deleted.")


@bp.post("/import/<token>")
@sign_in_required
def import_apply(token: str):
    """Write exactly what the preview showed (refused if the file or preview does not match)."""
    if not token.isalnum():
        abort(404)
    path, name_file = _uploads() / f"{token}.csv", _uploads() / f"{token}.name"
    if not path.exists():
        abort(404)
    name = name_file.read_text() if name_file.exists() else None
    try:
        plan = apply_import(get_write_db(), current_app.config["AREA"], g.user, path, request.form.get("digest", ""),
                            request.form.get("overwrite") == "1", _today(), name, preview=_PREVIEWS.get(token))
    except ImportRefused as exc:
        return render_template("workspace/message.html", title="Not imported", message=str(exc)), 409
    _discard(token)
    return render_template("workspace/message.html", title="Imported",
                           message=f"{plan.summary()}. Each change is in the listings' history.")
