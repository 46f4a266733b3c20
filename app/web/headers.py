"""Security headers on every response: what the page may load, framing, referrers, caching, HTTPS."""
from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g, request


def csp_nonce() -> str:
    """Return this response's script nonce (made on first use)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def tile_source(tile_url: str) -> str:
    """Return the CSP source for a tile URL template ('' for none): its scheme and host."""
    parts = urlsplit(tile_url or "")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    # "{s}.tile.example.org" spreads tiles over subdomains: allow any one of them.
    host = parts.netloc.replace("{s}", "*")
    return "" if "{" in host else f"{parts.scheme}://{host}"


def policy(nonce: str | None, tile_url: str) -> str:
    """Build the Content-Security-Policy: this site only, plus the map tile host for images.

    nonce: the one inline script's (None: the page has none, so no inline script may run).
    """
    images = " ".join(filter(None, ("'self'", "data:", tile_source(tile_url))))
    return "; ".join((
        "default-src 'self'",
        f"script-src 'self' 'nonce-{nonce}'" if nonce else "script-src 'self'",
        "style-src 'self'",
        f"img-src {images}",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        # No page may be framed, the library kiosk included: a kiosk shows the site itself.
        "frame-ancestors 'none'",
    ))


def add_headers(response: Response) -> Response:
    """Add the security headers to a response."""
    headers = response.headers
    # A nonce only for a page that wrote an inline script (it asked for one while rendering): the rest
    # allow none, and are spared the system's random number source (a tenth of a millisecond here).
    headers["Content-Security-Policy"] = policy(g.get("csp_nonce"), current_app.config.get("TILE_URL", ""))
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"  # frame-ancestors for browsers that predate it
    # Search URLs carry postcodes: send no address at all to other sites (the tile server included).
    headers["Referrer-Policy"] = "same-origin"
    if request.is_secure:
        # A year; not includeSubDomains, because a council's other sites may still need plain http.
        headers["Strict-Transport-Security"] = "max-age=31536000"
    if request.path.startswith("/workspace"):
        # Connectors' pages hold residents' contact details: never keep them in any cache.
        headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
