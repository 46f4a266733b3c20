"""Result cards: the HTML of each listing in a list of results, made once and reused.

A page of 50 results spent most of its time (about 0.5 ms a card) rendering cards that were the
same a minute ago: a card changes only with the data, the reader's language, the day and when
the listing is next on. Only "how far" differs from one resident to the next, so each card is
kept in two halves around it, and the distance is put in between for each page.
"""
from __future__ import annotations

from flask import current_app
from markupsafe import Markup, escape

from app.cache import LRUCache
from app.assets.search import hydrate
from app.web.db import database_version, get_db
from app.web.i18n import current_language
from app.web.wording import describe_walk

# Enough for every card of a 10,000-listing area in one language (a few KB each).
_CARDS = LRUCache(10_000)
_HOW_FAR = "\x00how-far\x00"  # stands in for the distance; never in a listing's text (NUL is refused)


def result_cards(results, today, heading_level: int = 3, pick: str | None = None) -> Markup:
    """Return the <li> of each result, as the `result_card` macro of _partials.html makes it.

    The results need not be hydrated (app.assets.search.hydrate): those whose card is made here are.
    """
    version, lang = database_version(), current_language()
    keys = [(version, lang, today, heading_level, pick, result.asset["id"], result.next_on, result.distance_m is None)
            for result in results]
    kept = [_CARDS.get(key) for key in keys]
    # Only the cards not kept need the listings' full details from the database.
    missing = [result for result, halves in zip(results, kept) if halves is None]
    filled = iter(hydrate(get_db(), missing)) if missing else iter(())
    macro, out = None, []
    for result, key, halves in zip(results, keys, kept):
        if halves is None:
            if macro is None:
                macro = _card_macro()
            result = next(filled)
            halves = tuple(str(macro(result, today, heading_level, pick, Markup(_HOW_FAR))).split(_HOW_FAR))
            _CARDS.put(key, halves)
        if len(halves) == 2:
            out.extend((halves[0], str(escape(describe_walk(result.walk_minutes, result.distance_m))), halves[1]))
        else:
            out.append(halves[0])
    return Markup("".join(out))


def _card_macro():
    """The card macro, with this request's template context (its words, links and helpers)."""
    context: dict = {}
    current_app.update_template_context(context)
    return current_app.jinja_env.get_template("_partials.html").make_module(context).result_card


def init_app(app) -> None:
    app.jinja_env.globals["result_cards"] = result_cards
