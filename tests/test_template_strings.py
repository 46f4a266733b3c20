"""Every word a resident can read in a template goes through gettext, so every language gets it.

The workspace (templates/workspace/) is for connectors and may stay in English; everything else
(the residents' pages, the trader directory, the kiosk, printouts and newsletters) is checked.
The literal text of each template (outside {{ }} and {% %}) is read with Jinja's own lexer; HTML
tags are taken apart with html.parser; any visible text with a letter in it, or a letter in an
attribute people read (alt, title, aria-label, placeholder), is a string nobody can translate.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from jinja2 import Environment

from app.config import PROJECT_ROOT

TEMPLATES = PROJECT_ROOT / "templates"
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
READ_ATTRIBUTES = {"alt", "title", "aria-label", "placeholder"}
LETTER = re.compile(r"[^\W\d_]")
WORD = re.compile(r"[^\W\d_]+")
# Not words in a language: brand-free symbols and standard file-format text.
ALLOWED = {"sitemap.xml"}
# Literal text that is not for reading in a language: units of CSS, symbols, proper names of standards.
ALLOWED_TEXT = {"GPX", "PDF", "CSV", "GeoJSON", "QR"}


def residents_templates() -> list[Path]:
    return sorted(p for p in TEMPLATES.rglob("*.html")
                  if "workspace" not in p.relative_to(TEMPLATES).parts and p.name not in ALLOWED)


class _Reader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._skip = 0  # inside <script> or <style>: code, not words
        # Inside an element marked lang="en": English on purpose (a licence's own words, a credit).
        self._langs: list[tuple[str, bool]] = []
        self._english = False

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        lang = dict(attrs).get("lang")
        if lang is not None and tag not in VOID:
            self._langs.append((tag, self._english))
            self._english = lang == "en"
        for name, value in attrs:
            if name in READ_ATTRIBUTES and value and LETTER.search(value):
                self.found.append(f'{name}="{value}"')

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1
        if self._langs and self._langs[-1][0] == tag:
            self._english = self._langs.pop()[1]

    def handle_data(self, data):
        text = data.strip()
        words = WORD.findall(text)
        if not self._skip and not self._english and any(word not in ALLOWED_TEXT for word in words):
            self.found.append(text)


def untranslated(source: str) -> list[str]:
    """Literal words in a template's HTML that do not go through gettext."""
    env = Environment(extensions=["jinja2.ext.i18n"])
    # Stand a "0" in for each {{ }} / {% %}: the HTML around it stays well formed for the parser
    # (<h{{ level }}> reads as <h0>), and a digit is not a word.
    pieces = []
    for _line, kind, value in env.lex(source):
        if kind == "data":
            pieces.append(value)
        elif kind in ("variable_begin", "block_begin", "comment_begin"):
            pieces.append("0")
    html = "".join(pieces)
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader.found


def test_the_check_finds_a_word_left_in_english():
    assert untranslated('<p>{{ _("Hello") }}</p>') == []
    assert untranslated("<p>Hello {{ name }}</p>") == ["Hello 0"]
    assert untranslated("<a>{{ _('Newsletter') }} (PDF)</a>") == []
    assert untranslated('<img alt="A map" src="{{ url }}">') == ['alt="A map"']
    assert untranslated('<img alt="{{ _(\'A map\') }}">') == []
    assert untranslated("<script>var x = 'words';</script>{% if a %}{{ b }}{% endif %}") == []
    assert untranslated('<h{{ n }}>{{ _("Title") }}</h{{ n }}><body {% if a %}data-x{% endif %}>') == []
    assert untranslated('<li lang="en">Licence: ODbL</li><li>More words</li>') == ["More words"]


@pytest.mark.parametrize("path", residents_templates(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_every_residents_template_string_is_marked_for_translation(path):
    assert untranslated(path.read_text(encoding="utf-8")) == []
