"""Signing in and out of the connectors' workspace."""
from __future__ import annotations

import secrets
import time
from functools import wraps

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from app.accounts import UserError, authenticate, end_sessions, get_user, session_version
from app.web.db import get_write_db

bp = Blueprint("auth", __name__, url_prefix="/workspace")


def load_user() -> None:
    """Put the signed-in user (if any) on g; residents never have a session at all."""
    g.user = None
    user_id = session.get("user_id")
    if user_id is None:
        return
    db = get_write_db()
    # The cookie's expiry slides with use; the sign-in time inside it does not.
    lifetime = current_app.permanent_session_lifetime.total_seconds()
    fresh = time.time() - session.get("signed_in_at", 0) < lifetime
    if fresh and session.get("version") == session_version(db, user_id):
        g.user = get_user(db, user_id)
    if g.user is None:
        session.clear()


def sign_in_required(view):
    """Send anyone not signed in to the sign-in page."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        if g.get("user") is None:
            return redirect(url_for("auth.sign_in", next=request.full_path))
        return view(*args, **kwargs)
    return wrapped


def admin_required(view):
    """Only admins; signed-in connectors get 403."""
    @wraps(view)
    @sign_in_required
    def wrapped(*args, **kwargs):
        if not g.user.is_admin:
            abort(403)
        return view(*args, **kwargs)
    return wrapped


def workspace_target(value: str | None, default: str) -> str:
    """Return value if it is a page of this site's workspace, else default."""
    value = value or ""
    # A control character (CR/LF above all) would split the Location header: never follow it.
    if not value.startswith("/workspace") or any(ord(c) < 32 or ord(c) == 127 for c in value):
        return default
    return value


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    error = None
    if request.method == "POST":
        name, password = request.form.get("name", ""), request.form.get("password", "")
        try:
            user = authenticate(get_write_db(), name, password, request.remote_addr or "")
        except UserError as exc:
            error = str(exc)
        else:
            if user is None:
                error = "That name and password do not match an account."
            else:
                session.clear()
                session.permanent = True
                session["user_id"] = user.id
                session["version"] = session_version(get_write_db(), user.id)
                session["signed_in_at"] = time.time()
                session["csrf_id"] = secrets.token_hex(16)
                return redirect(workspace_target(request.args.get("next"), url_for("workspace.dashboard")))
    return render_template("workspace/sign_in.html", error=error), 401 if error else 200


@bp.post("/sign-out")
def sign_out():
    """Sign out everywhere: every session of the account ends, not only this one."""
    if g.get("user") is not None:
        end_sessions(get_write_db(), g.user.id)
    session.clear()
    return redirect(url_for("auth.sign_in", signed_out=1))


def init_app(app: Flask) -> None:
    @app.before_request
    def _load_user():
        if request.path.startswith("/workspace"):
            load_user()
        else:
            g.user = None
