"""Cross-site request forgery protection without a cookie for residents.

Every form carries a signed, time-limited token: for signed-in users it is bound to their
session, for residents' forms to nothing but the form itself. A POST must also come from this
site (Origin or Referer), which browsers set and other sites cannot forge.
"""
from __future__ import annotations

import hashlib
import hmac
import time
from urllib.parse import urlparse

from flask import Flask, abort, current_app, request, session

MAX_AGE_S = 4 * 60 * 60


def _sign(message: str) -> str:
    key = current_app.secret_key.encode() if isinstance(current_app.secret_key, str) else current_app.secret_key
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def _binding() -> str:
    return str(session.get("csrf_id", "anonymous"))


def generate_token() -> str:
    """A token for a form on this page."""
    stamp = str(int(time.time()))
    return f"{stamp}.{_sign(stamp + '|' + _binding())}"


def _valid(token: str) -> bool:
    stamp, _, signature = (token or "").partition(".")
    if not stamp.isdigit() or time.time() - int(stamp) > MAX_AGE_S:
        return False
    return hmac.compare_digest(signature, _sign(stamp + "|" + _binding()))


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
    if not _same_origin() or not _valid(request.form.get("csrf_token", "")):
        abort(400, description="This form has expired or did not come from this site. Please go back, "
                               "reload the page and try again.")


def init_app(app: Flask) -> None:
    app.before_request(check)
    app.jinja_env.globals["csrf_token"] = generate_token
