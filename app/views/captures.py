"""Capture what you see on a walk: photograph a poster, check the fields its words gave, save a draft."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, send_file, url_for

from app.assets.record import CATEGORIES
from app.views.auth import sign_in_required
from app.walks import captures
from app.walks.captures import CaptureError
from app.walks.poster import read_poster
from app.web.db import get_write_db
from app.web.wording import file_size

bp = Blueprint("captures", __name__, url_prefix="/workspace")

# Bytes a photo upload may carry beyond the photo itself (the form's other fields).
FORM_SLACK = 64 * 1024


def _max_photo() -> int:
    return int(current_app.config.get("CAPTURE_MAX_BYTES", captures.MAX_PHOTO_BYTES))


@bp.url_value_preprocessor
def _photo_limit(endpoint, values):
    """Let this blueprint's uploads be photo-sized, not spreadsheet-sized.

    Set here because URL preprocessors run before the app's CSRF check, which reads the form
    (and so applies the size limit) first.
    """
    if endpoint == "captures.upload":
        request.max_content_length = _max_photo() + FORM_SLACK


@bp.errorhandler(413)
def photo_too_large(error):
    """Say how large the photo was and may be, on the upload page itself."""
    size = request.content_length or 0
    message = (f"That photo is {file_size(size)}; photos can be up to {file_size(_max_photo())}. "
               "Nothing was saved. Take it again, or choose a smaller copy.")
    # Never request.form here: reading it is what raised this error.
    return _upload_page(message, request.args.get("walk", "")), 413


def _upload_page(error: str | None = None, walk: str = "", saved: str | None = None):
    return render_template("workspace/walks/capture.html", error=error, walk=walk, saved=saved,
                           max_bytes=_max_photo())


@bp.route("/capture", methods=["GET", "POST"])
@sign_in_required
def upload():
    """Step one: take or choose a photo; its words are read to fill in step two."""
    walk = request.args.get("walk", "")
    if request.method == "GET":
        return _upload_page(walk=walk, saved=request.args.get("saved"))
    photo = request.files.get("photo")
    data = photo.read() if photo else b""
    try:
        read = captures.store_photo(get_write_db(), g.user, data, walk_id=walk, max_bytes=_max_photo(),
                                    languages=current_app.config.get("CAPTURE_OCR_LANGUAGES",
                                                                     captures.OCR_LANGUAGES))
    except CaptureError as exc:
        return _upload_page(str(exc), walk), 400
    if read.ocr_problem:
        current_app.logger.warning("capture %s: %s", read.capture_id, read.ocr_problem)
    return redirect(url_for("captures.check", capture_id=read.capture_id))


def _own_pending(capture_id: int) -> captures.Capture:
    found = captures.get(get_write_db(), capture_id)
    if found is None or found.created_by != g.user.name or found.suggestion_id is not None:
        abort(404)
    return found


@bp.route("/capture/<int:capture_id>", methods=["GET", "POST"])
@sign_in_required
def check(capture_id: int):
    """Step two: correct what was read, say where it was seen, and save it as a draft (or cancel)."""
    db = get_write_db()
    capture = _own_pending(capture_id)
    guessed = read_poster(capture.ocr_text)
    values = {"name": guessed.name, "when_text": guessed.when_text, "phone": guessed.phone,
              "details": guessed.description, "category": "", "postcode": "", "lat": "", "lon": ""}
    error = None
    if request.method == "POST":
        if request.form.get("action") == "cancel":
            captures.cancel(db, g.user, capture_id)
            return render_template("workspace/message.html", title="Cancelled",
                                   message="Nothing was saved, and the photo has been deleted.")
        values = {key: request.form.get(key, "") for key in values}
        if values["category"] and values["category"] not in CATEGORIES:
            values["category"] = ""
        try:
            place = captures.locate(db, current_app.config["AREA"], values["lat"], values["lon"], values["postcode"])
            suggestion_id = captures.save_draft(db, g.user, capture_id, values, place)
        except CaptureError as exc:
            error = exc
        else:
            return redirect(url_for("captures.upload", saved=suggestion_id, walk=capture.walk_id or None))
    return render_template("workspace/walks/capture_check.html", capture=capture, values=values, error=error,
                           unread=not capture.ocr_text, categories=CATEGORIES), 400 if error else 200


@bp.get("/captures/<int:capture_id>/photo")
@sign_in_required
def photo(capture_id: int):
    """Show a captured photo to signed-in connectors only; it is never at a public address."""
    db = get_write_db()
    capture = captures.get(db, capture_id)
    path = captures.photo_file(db, capture) if capture else None
    if path is None:
        abort(404)
    response = send_file(path, mimetype="image/jpeg", max_age=0)
    response.headers["Cache-Control"] = "no-store, private"
    return response
