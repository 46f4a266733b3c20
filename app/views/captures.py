"""Capture what you see on a walk: photograph a poster, check the fields its words gave, save a draft."""
from __future__ import annotations

import sqlite3

from flask import Blueprint, abort, current_app, g, jsonify, redirect, render_template, request, send_file, url_for

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


def max_photo_bytes() -> int:
    """The largest photo a connector may send, in bytes (CAPTURE_MAX_BYTES, else the capture module's limit)."""
    return int(current_app.config.get("CAPTURE_MAX_BYTES", captures.MAX_PHOTO_BYTES))


@bp.url_value_preprocessor
def _photo_limit(endpoint, values):
    """Let this blueprint's uploads be photo-sized, not spreadsheet-sized.

    Set here because URL preprocessors run before the app's CSRF check, which reads the form
    (and so applies the size limit) first.
    """
    if endpoint in ("captures.upload", "captures.on_walk"):
        request.max_content_length = max_photo_bytes() + FORM_SLACK


@bp.errorhandler(413)
def photo_too_large(error):
    """Say how large the photo was and may be, on the upload page itself."""
    size = request.content_length or 0
    message = (f"That photo is {file_size(size)}; photos can be up to {file_size(max_photo_bytes())}. "
               "Nothing was saved. Take it again, or choose a smaller copy.")
    # Never request.form here: reading it is what raised this error.
    if request.endpoint == "captures.on_walk":
        return jsonify({"status": "rejected", "field": "photo", "message": message}), 413
    return _upload_page(message, request.args.get("walk", "")), 413


def _upload_page(error: str | None = None, walk: str = "", saved: str | None = None):
    return render_template("workspace/walks/capture.html", error=error, walk=walk, saved=saved,
                           max_bytes=max_photo_bytes())


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
        read = captures.store_photo(get_write_db(), g.user, data, walk_id=walk, max_bytes=max_photo_bytes(),
                                    languages=_languages())
    except CaptureError as exc:
        return _upload_page(str(exc), walk), 400
    if read.ocr_problem:
        current_app.logger.warning("capture %s: %s", read.capture_id, read.ocr_problem)
    return redirect(url_for("captures.check", capture_id=read.capture_id))


def _languages() -> str:
    return current_app.config.get("CAPTURE_OCR_LANGUAGES", captures.OCR_LANGUAGES)


@bp.post("/walks/<walk_id>/captures")
@sign_in_required
def on_walk(walk_id: str):
    """A capture the walk page kept on the phone, sent when there is signal: saved as a draft in one go.

    Answers in JSON for the phone's script: saved (with the draft's number), or rejected with the same
    message the online capture gives; the phone keeps what was typed.
    """
    client_id = request.form.get("id", "")[:64]
    by = request.form.get("by", "")
    if by and by != g.user.name:
        return jsonify({"status": "someone_else", "id": client_id,
                        "message": f"{by} took this photo on this phone. It is kept here until {by} signs in "
                                   "and opens this walk."}), 409
    photo = request.files.get("photo")
    typed = {key: request.form.get(key, "") for key in ("name", "when_text", "phone", "details")}
    try:
        suggestion_id, read = captures.capture_on_walk(
            get_write_db(), current_app.config["AREA"], g.user, walk_id, photo.read() if photo else b"", typed,
            request.form.get("lat", ""), request.form.get("lon", ""), request.form.get("postcode", ""),
            client_id=client_id, max_bytes=max_photo_bytes(), languages=_languages())
    except CaptureError as exc:
        return jsonify({"status": "rejected", "id": client_id, "field": exc.field, "message": str(exc)}), \
            404 if exc.field == "walk" else 400
    except sqlite3.IntegrityError:
        # The same photo is being saved by another request from this phone (two tabs): that one will answer.
        return jsonify({"status": "busy", "id": client_id,
                        "message": "This photo is being sent from another page on this phone. Nothing more was "
                                   "saved from this one."}), 409
    if read is None:
        return jsonify({"status": "saved", "id": client_id, "suggestion_id": suggestion_id,
                        "message": f"Already saved as draft number {suggestion_id} in the suggestions queue."})
    if read.ocr_problem:
        current_app.logger.warning("capture %s: %s", read.capture_id, read.ocr_problem)
    return jsonify({"status": "saved", "id": client_id, "suggestion_id": suggestion_id,
                    "message": f"Saved as draft number {suggestion_id} in the suggestions queue."})


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
