"""The residents' navigation, language lists and footer: made once per language and day, and kept.

They are the same on every residents' page in one language (a tenth of a listing page's time to
make again); only each language's link back to the page being read differs, and goes in a hole
(app/web/fragments.py). The workspace has its own navigation and does not use them.
"""
from __future__ import annotations

from flask import current_app, request
from markupsafe import Markup

from app.web.filters import local_now
from app.web.fragments import Fragments, template_macro
from app.web.i18n import current_language, language_urls

PARTS = ("nav", "footer_languages", "footer")  # macros of templates/_chrome.html


def site_chrome(part: str) -> Markup:
    """Return one part of the residents' navigation or footer for this page."""
    if part not in PARTS:
        raise ValueError(f"no part of the site's chrome is called {part!r}")
    # The footer prints today's date; links start at the app's own address (script_root).
    key = (part, current_language(), request.script_root, local_now().date())
    kept = current_app.extensions["chrome"]
    chrome = kept.get(key)
    if chrome is None:
        chrome = kept.put(key, template_macro("_chrome.html", part)())
    return Markup(chrome.fill(**{f"to_{code}": url for code, url in language_urls().items()}))


def init_app(app) -> None:
    app.extensions["chrome"] = Fragments(64)  # the app's own: its area is in every footer and title
    app.jinja_env.globals["site_chrome"] = site_chrome
