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
from app.web.fragments import Fragments, hole
from app.web.i18n import current_language

TYPED = ("postcode", "q", "lat", "lon", "ids")  # filled in for each request, never kept
_FORMS = Fragments(256)


def search_form(args) -> Markup:
    """Return the search form showing args (the search's filters, as pages._Args)."""
    chosen = tuple((name, tuple(args.getlist(name))) for name in sorted(args) if name not in TYPED)
    typed = tuple(name for name in TYPED if args.get(name))  # whether each is there decides some markup
    key = (database_version(), current_language(), chosen, typed)
    form = _FORMS.get(key)
    if form is None:
        db = get_db()
        context: dict = {}
        current_app.update_template_context(context)
        context.update(wards=list_wards(db), facets=facets(db), day_codes=DAY_CODES)
        module = current_app.jinja_env.get_template("pages/_search_form.html").make_module(context)
        form = _FORMS.put(key, module.search_form(args))
    return Markup(form.fill(**{name: args.get(name) for name in typed}))


def init_app(app) -> None:
    app.jinja_env.globals.update(search_form=search_form, hole=hole)
