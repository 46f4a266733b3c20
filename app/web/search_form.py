"""The residents' search form, made once per language, data and choices, and kept between requests.

The form offers every ward, category, day, distance and filter the data holds: some 50 words to
translate and 50 choices to mark, about a quarter of a results page's time, and the same for every
resident who asks the same kind of question. What a resident typed goes in holes (app/web/fragments.py).
"""
from __future__ import annotations

from flask import current_app
from markupsafe import Markup

from app.assets.search import facets, list_wards
from app.web.db import database_version, get_db
from app.web.filters import DAY_CODES
from app.web.fragments import Fragments, hole, template_macro
from app.web.i18n import current_language

TYPED = ("postcode", "q", "lat", "lon", "ids")  # filled in for each request, never kept


def search_form(args) -> Markup:
    """Return the search form showing args (the search's filters, as pages._Args)."""
    chosen = tuple((name, tuple(args.getlist(name))) for name in sorted(args) if name not in TYPED)
    typed = tuple(name for name in TYPED if args.get(name))  # whether each is there decides some markup
    key = (database_version(), current_language(), chosen, typed)
    forms = current_app.extensions["search_forms"]
    form = forms.get(key)
    if form is None:
        db = get_db()
        macro = template_macro("pages/_search_form.html", "search_form",
                               wards=list_wards(db), facets=facets(db), day_codes=DAY_CODES)
        form = forms.put(key, macro(args))
    return Markup(form.fill(**{name: args.get(name) for name in typed}))


def init_app(app) -> None:
    app.extensions["search_forms"] = Fragments(256)  # the app's own: its area names the example postcode
    app.jinja_env.globals.update(search_form=search_form, hole=hole)
