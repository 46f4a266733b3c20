"""Pieces of a page kept between requests, with holes for the few values that differ each time.

A result card or the search form is the same HTML for everyone who asks in the same language, on
the same data, with the same choices made; only a value or two differs (how far the resident is,
the postcode they typed). Making them again on every request was most of a results page's time.
A fragment is rendered once with a marker (`hole`) where each such value goes, cut at the markers
and kept; each request fills the holes with its own values, escaped.

Only what a template writes itself is kept: a value typed by a resident goes in a hole, never into
the kept HTML, so it can neither be shown to the next resident nor be mistaken for a marker.
"""
from __future__ import annotations

import re

from flask import current_app
from markupsafe import Markup, escape

from app.cache import LRUCache

_MARKER = re.compile("\x00([a-z_]+)\x00")  # NUL: never in a template's own text, nor in a listing (refused)


def hole(name: str) -> Markup:
    """Return the marker a template writes where the value called name will go."""
    return Markup(f"\x00{name}\x00")


class Fragment:
    """Rendered HTML cut at its holes."""

    __slots__ = ("_parts",)

    def __init__(self, html: str):
        self._parts = tuple(_MARKER.split(html))  # text, name, text, name, ..., text

    def fill(self, **values) -> str:
        """Return the HTML with each hole filled with its value (escaped; a missing value leaves it empty)."""
        parts = self._parts
        if len(parts) == 1:
            return parts[0]
        out = [parts[0]]
        for i in range(1, len(parts), 2):
            value = values.get(parts[i])
            out.append("" if value is None else str(escape(value)))
            out.append(parts[i + 1])
        return "".join(out)


class Fragments:
    """Fragments kept by key (what they depend on), the most recently used first."""

    def __init__(self, size: int):
        self._kept = LRUCache(size)

    def get(self, key) -> Fragment | None:
        return self._kept.get(key)

    def put(self, key, html: str) -> Fragment:
        fragment = Fragment(str(html))
        self._kept.put(key, fragment)
        return fragment

    def clear(self) -> None:
        self._kept.clear()


def template_macro(template: str, name: str, **extra):
    """Return the macro called name in template, with this request's template context (and extra)."""
    context: dict = {}
    current_app.update_template_context(context)
    context.update(extra)
    return getattr(current_app.jinja_env.get_template(template).make_module(context), name)
