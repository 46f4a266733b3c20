"""Cross-site request forgery protection without a cookie for residents.

Every form carries a token signed with itsdangerous, which expires after CSRF_MAX_AGE seconds
(4 hours by default): for signed-in users it is bound to their session, for residents' forms to
nothing but the form itself. Flask-WTF's CSRFProtect is not used because it keeps its secret in
the session cookie, and residents get no cookies at all. A POST must also come from this site
(Origin or Referer), which browsers set and other sites cannot forge.

Each token also carries a nonce made when the form was shown, so a residents' form can be sent
once per showing (`spend`): an old token replayed cannot skip the spam timer.
"""
from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from urllib.parse import urlparse

import sqlite_utils
from flask import Flask, abort, current_app, request, session
from itsdangerous import BadSignature, URLSafeTimedSerializer

from app.store.connection import transaction
from app.web.i18n import gettext
from app.web.page_cache import not_for_keeping

MAX_AGE_S = 4 * 60 * 60


@dataclass(frozen=True)
class FormToken:
    issued_at: float
    nonce: str


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="assetmap-form")


def _max_age() -> int:
    return int(current_app.config.get("CSRF_MAX_AGE", MAX_AGE_S))


def _binding() -> str:
    return str(session.get("csrf_id", "anonymous"))


def generate_token() -> str:
    """Make a token for one form on this page."""
    not_for_keeping()  # a token is spent once: each showing of the form needs its own
    return _serializer().dumps({"for": _binding(), "nonce": secrets.token_urlsafe(12)})


def read(token: str | None) -> FormToken | None:
    """Return the token's time and nonce if it is genuine, unexpired and for this session; else None."""
    try:
        payload, issued = _serializer().loads(token or "", max_age=_max_age(), return_timestamp=True)
    except BadSignature:  # also covers an expired token (SignatureExpired)
        return None
    if not isinstance(payload, dict) or payload.get("for") != _binding():
        return None
    return FormToken(issued.timestamp(), str(payload.get("nonce", "")))


def spend(db: sqlite_utils.Database, form: FormToken, now: float | None = None) -> bool:
    """Mark a form's token as used; say whether this was its first use."""
    now = time.time() if now is None else now
    with transaction(db):
        db.execute("delete from used_forms where at < ?", [now - _max_age()])
        return db.execute("insert or ignore into used_forms (nonce, at) values (?, ?)",
                          [form.nonce, now]).rowcount == 1


def _same_origin() -> bool:
    source = request.headers.get("Origin") or request.headers.get("Referer")
    if not source:
        return False
    # Compare hosts only: behind a proxy that ends TLS the app sees http while the browser says https.
    return urlparse(source).netloc == request.host


def check() -> None:
    """Refuse a state-changing request without a valid token from this site (400)."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if not _same_origin() or read(request.form.get("csrf_token")) is None:
        abort(400, description=gettext("This form has expired or did not come from this site. Please go back, "
                                       "reload the page and try again."))


def init_app(app: Flask) -> None:
    app.before_request(check)
    app.jinja_env.globals["csrf_token"] = generate_token
