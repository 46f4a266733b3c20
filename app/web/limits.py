"""Refuse oversized query strings early, with a short answer that does not echo them back."""
from __future__ import annotations

from flask import Flask, Response, request
from app.web.i18n import gettext
from markupsafe import escape

from app.web.i18n import current_language

# A real search (postcode, ward, a few filters, a page of words) is a few hundred characters and
# a dozen parameters; well above that is a mistake or an attack, and echoing it back in every
# link on the page would make a half-megabyte answer.
MAX_QUERY_BYTES = 4096
MAX_QUERY_ARGS = 100


def refuse_oversized_query():
    """Answer 400 before any view runs if the query string is too long or has too many parts."""
    query = request.query_string
    if len(query) <= MAX_QUERY_BYTES and query.count(b"&") < MAX_QUERY_ARGS:
        return None
    message = gettext("That web address is too long. Please start your search again.")
    if request.path.startswith(("/api/", "/openreferral/")):
        return {"error": message}, 400
    body = (f'<!doctype html><html lang="{current_language()}"><head><meta charset="utf-8"><title>{escape(message)}</title></head>'
            f'<body><h1>{escape(message)}</h1><p><a href="/">{escape(gettext("Find things to do near you"))}</a>'
            "</p></body></html>")
    return Response(body, 400, mimetype="text/html")


def init_app(app: Flask) -> None:
    app.before_request(refuse_oversized_query)
